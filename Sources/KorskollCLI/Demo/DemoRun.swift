import Agreements
import ArgumentParser
import CoordinatorClient
import Evaluation
import Foundation
import Identifiers
import KeyHolding
import Parties
import Sodium
import Synth

/// One run of the demo (`DemoCommand`): its directory, processes and what the steps learned.
/// Setup is here; the rounds, refusals, case development and verification are in the files
/// beside it.
final class DemoRun {
    static let parties = ["polisen", "fk", "af", "pm", "ivo", "bolagsverket"]
    static let refDate = "2026-01-01"
    static let agreementNames = ["watchlist-fk-2026", "reentry-2026", "cross-agency-map-2026"]
    /// Key-holder mode (Protocols/keyholder.md): three key holders with no data in the agreement
    /// that runs in the OPRF mode, any two of which evaluate.
    static let keyHolders = ["kh1", "kh2", "kh3"]
    static let oprfAgreement = "watchlist-fk-2026"

    let dir: String
    let keep: Bool
    let people: Int, seed: UInt64, names: NameSetting, rounds: Int
    let exe: String
    let repo: String
    let started = Date()
    let fm = FileManager.default

    var coordinatorProcess: Process?
    var keyHolderProcesses: [Process] = []
    var coordinatorKeys: PartyKeys!
    var coordinatorSecret = "", coordinatorPublic = ""
    var partyKeys: [String: PartyKeys] = [:]
    var registryPath: String { dir + "/registry.json" }
    var agreements: [(path: String, agreement: Agreement)] = []
    var url = ""
    var keyHolderURLs: [String: String] = [:]
    var dealtDir: String { dir + "/dealt" }
    /// Lines for the summary: per round and agreement, what each party learned and its quality.
    var report: [String] = []
    /// Every per-record result file fk opened (the officer checks them with fk's key).
    var fkResults: [String] = []
    /// Aggregates fetched with `node results --all-new`: "party/output" → how many (standing.md §1.3).
    var aggregateFetches: [String: Int] = [:]
    /// The hash of each list's register file as last submitted, by agreement and party: an
    /// unchanged register is not sent again, its list stands.
    var sentLists: [String: String] = [:]
    /// The register file of each list as last sent, by the same key: the rows standing.
    var sentFiles: [String: String] = [:]

    init(workdir: String?, people: Int, seed: UInt64, names: NameSetting, rounds: Int) throws {
        keep = workdir != nil
        dir = workdir ?? (NSTemporaryDirectory() + "korskoll-demo-" + String(UInt32.random(in: 0...UInt32.max), radix: 16))
        self.people = people; self.seed = seed; self.names = names; self.rounds = rounds
        guard !FileManager.default.fileExists(atPath: dir) else { throw failure("--workdir \(dir) exists; choose a new directory") }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        exe = try Self.executable()
        repo = Self.repositoryRoot()
    }

    func stop() {
        if let p = coordinatorProcess, p.isRunning { p.terminate(); p.waitUntilExit() }
        for p in keyHolderProcesses where p.isRunning { p.terminate(); p.waitUntilExit() }
        if !keep { try? fm.removeItem(atPath: dir) }
    }

    func step(_ title: String) { print("\n== \(title)") }
    func node(_ p: String) -> String { "\(dir)/nodes/\(p)" }
    func conn(_ p: String) -> [String] { ["--coordinator-url", url, "--key", "\(node(p))/keys/\(p).secret.json"] }
    func registers(_ round: Int) -> String { rounds == 1 ? "\(dir)/population/registers" : "\(dir)/population/round-\(round)/registers" }
    func truthDirectory(_ round: Int) -> String { rounds == 1 ? "\(dir)/population/truth" : "\(dir)/population/round-\(round)/truth" }
    func agreement(_ id: String) -> (path: String, agreement: Agreement) { agreements.first { $0.agreement.id == id }! }

    /// Runs `korskoll args` as its own process; its standard output, or a failure naming the step
    /// and the last lines of its standard error. `quiet` throws a bare failure (an expected refusal).
    @discardableResult
    func korskoll(_ args: [String], label: String, quiet: Bool = false) throws -> String {
        try korskollResult(args, label: label, quiet: quiet).out
    }

    /// `korskoll(_:label:quiet:)` with the exit status and standard error, never throwing on a
    /// non-zero exit: for the steps that must be refused.
    func korskollRefused(_ args: [String], label: String) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    func korskollResult(_ args: [String], label: String, quiet: Bool) throws -> (out: String, err: String) {
        let r = try korskollRefused(args, label: label)
        guard r.status == 0 else {
            if quiet { throw ExitCode.failure }
            throw failure("\(label) failed (exit \(r.status)): \(r.err.split(separator: "\n").filter { !$0.contains("rows read") }.suffix(3).joined(separator: " | "))")
        }
        return (r.out, r.err)
    }

    // MARK: - Setup

    func population() throws {
        step("Synthetic population: \(people) people, seed \(seed), \(rounds) round\(rounds == 1 ? "" : "s")")
        var config = SynthConfig(people: people, seed: seed, referenceDate: CalendarDate(iso: Self.refDate)!)
        config.names = names
        config.rounds = rounds
        let summary = try Synthesizer.run(config, out: dir + "/population")
        print("  \(summary.people) people (\(summary.testNumbersOnly ? "Skatteverket test numbers only" : "generated numbers")), \(summary.listed) on the police list, \(summary.organisations) organisations, \(summary.reentries) re-entries")
        print("  registers of round 1: " + Synthesizer.registerIDs.map { "\($0) \(summary.registers[$0] ?? 0)" }.joined(separator: ", "))
        if rounds > 1 {
            print("  each later round, 30 days on: new applicants at fk and af, the police list refreshed, decisions on last round's ties, barred people back through new companies (synth.md §9)")
        }
    }

    func keysAndAgreements() throws {
        step("Keys: a coordinator, \(Self.parties.count) agencies and \(Self.keyHolders.count) key holders")
        try fm.createDirectory(atPath: dir + "/coordinator/keys", withIntermediateDirectories: true)
        coordinatorKeys = try PartyKeys.generate(party: "coordinator")
        let files = try KeyFiles.write(coordinatorKeys, to: URL(fileURLWithPath: dir + "/coordinator/keys"))
        coordinatorSecret = files.secret.path
        coordinatorPublic = files.public.path
        var entries = [Registry.Entry(id: "coordinator", name: "Korskoll coordinator", role: .coordinator, keys: coordinatorKeys.publicKeys)]
        for p in Self.parties {
            try fm.createDirectory(atPath: node(p) + "/keys", withIntermediateDirectories: true)
            let k = try PartyKeys.generate(party: p)
            _ = try KeyFiles.write(k, to: URL(fileURLWithPath: node(p) + "/keys"))
            partyKeys[p] = k
            entries.append(Registry.Entry(id: p, name: p, role: .node, keys: k.publicKeys))
        }
        for h in Self.keyHolders {
            try fm.createDirectory(atPath: "\(dir)/keyholders/\(h)/keys", withIntermediateDirectories: true)
            let k = try PartyKeys.generate(party: h)
            _ = try KeyFiles.write(k, to: URL(fileURLWithPath: "\(dir)/keyholders/\(h)/keys"))
            partyKeys[h] = k
            entries.append(Registry.Entry(id: h, name: "key holder \(h)", role: .keyHolder, keys: k.publicKeys))
        }
        try Registry(entries: entries).json().write(to: URL(fileURLWithPath: registryPath))
        print("  registry \(registryPath): " + entries.map { "\($0.id) \($0.keys.fingerprint.prefix(16))" }.joined(separator: ", "))

        step("Standing linkage agreements (korskoll-agreement-v3), signed by every party")
        try fm.createDirectory(atPath: dir + "/agreements", withIntermediateDirectories: true)
        for name in Self.agreementNames {
            let path = "\(dir)/agreements/\(name).agreement.json"
            try fm.copyItem(atPath: "\(repo)/Protocols/agreements/\(name).agreement.json", toPath: path)
            if name == Self.oprfAgreement { try Self.addKeyHolderMode(path, exports: registers(1)) }
            try sign(path)
            let a = agreements.last!.agreement
            print("  \(a.id), valid \(a.validity.map { "\($0.from) to \($0.until)" } ?? "—"): " + a.partyIDs.map { p in
                "\(p) (\(a.roles(of: p).map(\.rawValue).sorted().joined(separator: "+")))"
            }.joined(separator: ", "))
            print("    outputs " + a.outputs.map { "\($0.name) → \($0.recipient)" }.joined(separator: ", "))
            if let m = a.blinding.oprf {
                print("    blinding: OPRF, \(m.threshold) of key holders \(m.keyHolders.joined(separator: ", ")); caps per round " + m.caps.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
        }
    }

    /// Signs the agreement at `path` by all its parties and adds it to `agreements`.
    func sign(_ path: String) throws {
        let a = try Agreement(json: Data(contentsOf: URL(fileURLWithPath: path)), source: path)
        var sigs = AgreementSignatures(agreement: a)
        for p in a.partyIDs { sigs.sign(a, with: partyKeys[p]!) }
        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(sigs).write(to: URL(fileURLWithPath: signaturesPath(for: path)))
        agreements.append((path, a))
    }

    func startCoordinator() throws {
        step("Coordinator on loopback")
        let data = dir + "/coordinator"
        let (process, port) = try serve(["coordinator", "serve", "--data", data, "--listen", "127.0.0.1:0",
                                         "--key", coordinatorSecret, "--registry", registryPath], data: data, what: "the coordinator")
        coordinatorProcess = process
        url = "http://127.0.0.1:\(port)"
        print("  \(url), data in \(data) (SQLite WAL, standing lists, checks, results, protocol log)")
    }

    /// Starts a serving process whose data directory gets its port; the process and the port.
    func serve(_ args: [String], data: String, what: String) throws -> (Process, String) {
        try fm.createDirectory(atPath: data, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        fm.createFile(atPath: data + "/serve.log", contents: nil)
        let handle = FileHandle(forWritingAtPath: data + "/serve.log")!
        p.standardError = handle
        p.standardOutput = handle
        try p.run()
        for _ in 0..<300 {
            if let text = try? String(contentsOfFile: data + "/port", encoding: .utf8) { return (p, text.trimmingCharacters(in: .whitespacesAndNewlines)) }
            guard p.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw failure("\(what) did not start; see \(data)/serve.log")
    }

    func dealtKey(_ out: String) throws -> String {
        let (path, a) = agreement(Self.oprfAgreement)
        let dealer = a.parties[0].id
        return try korskoll(["keyholder", "deal", "--agreement", path, "--registry", registryPath,
                             "--key", "\(node(dealer))/keys/\(dealer).secret.json", "--out", out], label: "\(dealer): keyholder deal")
    }

    func startKeyHolder(_ h: String, data: String, shares: String) throws -> (Process, String) {
        let path = agreement(Self.oprfAgreement).path
        try fm.createDirectory(atPath: data + "/shares", withIntermediateDirectories: true)
        for name in [DealtPublicKey.fileName(agreement: Self.oprfAgreement), SealedShare.fileName(agreement: Self.oprfAgreement, holder: h)] {
            try fm.copyItem(atPath: shares + "/" + name, toPath: data + "/shares/" + name)
        }
        // The agreement beside the share: its caps are in force (Protocols/keyholder.md §4).
        try fm.copyItem(atPath: path, toPath: data + "/shares/\(Self.oprfAgreement).agreement.json")
        try fm.copyItem(atPath: signaturesPath(for: path), toPath: data + "/shares/\(Self.oprfAgreement).signatures.json")
        let (p, port) = try serve(["keyholder", "serve", "--data", data, "--listen", "127.0.0.1:0", "--key", "\(dir)/keyholders/\(h)/keys/\(h).secret.json",
                                   "--registry", registryPath], data: data, what: "key holder \(h)")
        keyHolderProcesses.append(p)
        return (p, "http://127.0.0.1:" + port)
    }

    func startKeyHolders() throws {
        step("Key holders for \(Self.oprfAgreement): dealer ceremony and \(Self.keyHolders.count) key-holder processes")
        for line in try dealtKey(dealtDir).split(separator: "\n") { print("  " + line) }
        for h in Self.keyHolders {
            keyHolderURLs[h] = try startKeyHolder(h, data: "\(dir)/keyholders/\(h)/data", shares: dealtDir).1
            print("  \(h) serving \(keyHolderURLs[h]!) (its own signed log in keyholders/\(h)/data/log; share loaded and logged with the dealer)")
        }
    }

    func keyHolderList(_ urls: [String: String]) -> String { Self.keyHolders.map { "\($0)=\(urls[$0]!)" }.joined(separator: ",") }

    /// Once per agreement: registered at the coordinator and one key ceremony. The linkage secret
    /// lives as long as the agreement (standing.md §2): every round uses it.
    func establishAgreements() throws {
        step("Registration and one key ceremony per agreement")
        for (path, a) in agreements {
            let lead = a.parties[0].id
            try korskoll(["agreement", "register", "--agreement", path] + conn(lead), label: "\(lead): agreement register")
            try korskoll(["node", "ceremony", "--lead", "--registry", registryPath, "--agreement", path,
                          "--secret-out", "\(node(lead))/\(a.id).secret"] + conn(lead), label: "\(lead): key ceremony")
            for p in a.partyIDs.dropFirst() {
                try korskoll(["node", "ceremony", "--registry", registryPath, "--agreement", path,
                              "--secret-out", "\(node(p))/\(a.id).secret"] + conn(p), label: "\(p): key ceremony")
            }
            print("  \(a.id): registered; \(lead) made the linkage secret, sealed to \(a.partyIDs.count) nodes through the coordinator; it serves every round until \(a.validity?.until ?? "the end")")
        }
        try nodeInit()
    }

    static func executable() throws -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// The repository (for `Protocols/agreements` and `Protocols/schemas`): the working directory
    /// when it has them, else the checkout this binary was built from.
    static func repositoryRoot() -> String {
        let cwd = FileManager.default.currentDirectoryPath
        if FileManager.default.fileExists(atPath: cwd + "/Protocols/agreements") { return cwd }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// Puts the agreement at `path` in the key-holder mode (Protocols/agreements.md §4): 2 of
    /// kh1…kh3, each party capped per round at four identifiers per row of its round-1 register
    /// (room for the later rounds' growth and the demo's wrong-key probe); signed afterwards.
    static func addKeyHolderMode(_ path: String, exports: String) throws {
        guard var doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any],
              let parties = doc["parties"] as? [[String: Any]] else { throw failure("\(path) is not an agreement") }
        var caps: [String: Int] = [:]
        for p in parties {
            guard let id = p["id"] as? String else { continue }
            let rows = try String(contentsOfFile: "\(exports)/\(id).csv", encoding: .utf8).utf8.lazy.filter { $0 == 10 }.count
            caps[id] = 4 * rows + 100
        }
        doc["blinding"] = ["oprf": ["keyHolders": keyHolders, "threshold": 2, "caps": caps] as [String: Any]]
        try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// The party's mapping for agreement `a` (Protocols/node.md §5): the attributes the agreement
    /// does not declare for it are left out, and so are the fuzzy fields when it sends no CLKs;
    /// the register stays the same for every agreement.
    static func mapping(for a: Agreement, party: String, from: String, to: String) throws -> String {
        guard var m = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: from))) as? [String: Any] else {
            throw failure("\(from) is not a JSON object")
        }
        let declared = Set(a.party(party)?.attributes?.map(\.name) ?? [])
        m["attributes"] = (m["attributes"] as? [String: String] ?? [:]).filter { declared.contains($0.key) }
        if a.party(party)?.fuzzy == false { m.removeValue(forKey: "fields") }
        try JSONSerialization.data(withJSONObject: m, options: [.sortedKeys]).write(to: URL(fileURLWithPath: to))
        return to
    }
}
