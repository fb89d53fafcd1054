import Agreements
import Evaluation
import ArgumentParser
import Foundation
import Identifiers
import CoordinatorClient
import KeyHolding
import OPRF
import Parties
import Sodium
import Synth
import Tabular
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// `korskoll demo` (README, `Protocols/demo.md`): the whole product on one machine.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the end-to-end demonstration: synthetic population, keys, agreements, coordinator, nodes, results, log.",
        discussion: """
            Every node step (key ceremony, encode, submit, results) runs as its own korskoll process \
            against a coordinator process on a free loopback port. Prints what each party learned \
            with precision and recall against the ground truth, a scan of the coordinator's storage \
            for plaintext identity numbers, and the privacy officer's verification of the log.
            """)

    @Option(help: "Keep everything in this directory (must not exist): coordinator/, nodes/<party>/, truth/.") var workdir: String?
    @Option(help: "People in the synthetic population.") var people = 20_000
    @Option(help: "Seed of the synthetic population.") var seed: UInt64 = 2026
    @Option(help: "Name tables of the population: realistic or small (synth.md §3).") var names: NameSetting = .realistic

    static let parties = ["polisen", "fk", "af", "pm", "ivo", "bolagsverket"]
    static let refDate = "2026-01-01"
    /// Key-holder mode (Protocols/keyholder.md): three key holders with no data in the agreement
    /// that runs in the OPRF mode, any two of which evaluate.
    static let keyHolders = ["kh1", "kh2", "kh3"]
    static let oprfAgreement = "watchlist-fk-2026"

    func run() throws {
        let started = Date()
        let keep = workdir != nil
        let dir = workdir ?? (NSTemporaryDirectory() + "korskoll-demo-" + String(UInt32.random(in: 0...UInt32.max), radix: 16))
        let fm = FileManager.default
        guard !fm.fileExists(atPath: dir) else { throw failure("--workdir \(dir) exists; choose a new directory") }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var coordinatorProcess: Process?
        var keyHolderProcesses: [Process] = []
        defer {
            if let p = coordinatorProcess, p.isRunning { p.terminate(); p.waitUntilExit() }
            for p in keyHolderProcesses where p.isRunning { p.terminate(); p.waitUntilExit() }
            if !keep { try? fm.removeItem(atPath: dir) }
        }
        let exe = try Self.executable()
        let repo = Self.repositoryRoot()
        func step(_ title: String) { print("\n== \(title)") }

        // 1. Population.
        step("Synthetic population: \(people) people, seed \(seed)")
        let synthDir = dir + "/population"
        var synthConfig = SynthConfig(people: people, seed: seed, referenceDate: CalendarDate(iso: Self.refDate)!)
        synthConfig.names = names
        let summary = try Synthesizer.run(synthConfig, out: synthDir)
        try fm.moveItem(atPath: synthDir + "/truth", toPath: dir + "/truth")
        print("  \(summary.people) people (\(summary.testNumbersOnly ? "Skatteverket test numbers only" : "generated numbers")), \(summary.listed) on the police list, \(summary.organisations) organisations, \(summary.reentries) re-entries")
        print("  registers: " + Synthesizer.registerIDs.map { "\($0) \(summary.registers[$0] ?? 0)" }.joined(separator: ", "))

        // 2. Keys and registry.
        step("Keys: a coordinator and \(Self.parties.count) agencies")
        try fm.createDirectory(atPath: dir + "/coordinator/keys", withIntermediateDirectories: true)
        let coordinatorKeys = try PartyKeys.generate(party: "coordinator")
        let coordinatorFiles = try KeyFiles.write(coordinatorKeys, to: URL(fileURLWithPath: dir + "/coordinator/keys"))
        var entries = [Registry.Entry(id: "coordinator", name: "Korskoll coordinator", role: .coordinator, keys: coordinatorKeys.publicKeys)]
        var partyKeys: [String: PartyKeys] = [:]
        for p in Self.parties {
            let node = "\(dir)/nodes/\(p)"
            try fm.createDirectory(atPath: node + "/keys", withIntermediateDirectories: true)
            let k = try PartyKeys.generate(party: p)
            _ = try KeyFiles.write(k, to: URL(fileURLWithPath: node + "/keys"))
            partyKeys[p] = k
            entries.append(Registry.Entry(id: p, name: p, role: .node, keys: k.publicKeys))
            try fm.copyItem(atPath: "\(synthDir)/registers/\(p).csv", toPath: "\(node)/export.csv")
            try fm.copyItem(atPath: "\(synthDir)/registers/\(p).mapping.json", toPath: "\(node)/mapping.json")
        }
        for h in Self.keyHolders {
            try fm.createDirectory(atPath: "\(dir)/keyholders/\(h)/keys", withIntermediateDirectories: true)
            let k = try PartyKeys.generate(party: h)
            _ = try KeyFiles.write(k, to: URL(fileURLWithPath: "\(dir)/keyholders/\(h)/keys"))
            partyKeys[h] = k
            entries.append(Registry.Entry(id: h, name: "key holder \(h)", role: .keyHolder, keys: k.publicKeys))
        }
        let registryPath = dir + "/registry.json"
        try Registry(entries: entries).json().write(to: URL(fileURLWithPath: registryPath))
        let coordinatorPublic = coordinatorFiles.public.path
        print("  registry \(registryPath): " + entries.map { "\($0.id) \($0.keys.fingerprint.prefix(16))" }.joined(separator: ", "))

        // 3. Agreements, signed by every party.
        step("Linkage agreements")
        try fm.createDirectory(atPath: dir + "/agreements", withIntermediateDirectories: true)
        var agreements: [(path: String, agreement: Agreement)] = []
        for name in ["watchlist-fk-2026", "cross-agency-map-2026", "reentry-2026"] {
            let path = "\(dir)/agreements/\(name).agreement.json"
            try fm.copyItem(atPath: "\(repo)/Protocols/agreements/\(name).agreement.json", toPath: path)
            if name == Self.oprfAgreement { try Self.addKeyHolderMode(path, exports: "\(dir)/nodes") }
            let a = try Agreement(json: Data(contentsOf: URL(fileURLWithPath: path)), source: path)
            var sigs = AgreementSignatures(agreement: a)
            for p in a.partyIDs { sigs.sign(a, with: partyKeys[p]!) }
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(sigs).write(to: URL(fileURLWithPath: signaturesPath(for: path)))
            agreements.append((path, a))
            print("  \(a.id): \(a.partyIDs.joined(separator: ", ")) signed; outputs " + a.outputs.map { "\($0.name) → \($0.recipient)" }.joined(separator: ", "))
            if let m = a.blinding.oprf {
                print("    blinding: OPRF, \(m.threshold) of key holders \(m.keyHolders.joined(separator: ", ")); caps per round " + m.caps.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
        }

        // 4. Coordinator.
        step("Coordinator on loopback")
        let coordinatorDir = dir + "/coordinator"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["coordinator", "serve", "--data", coordinatorDir, "--listen", "127.0.0.1:0",
                             "--key", coordinatorFiles.secret.path, "--registry", registryPath]
        let logHandle = FileHandle(forWritingAtPath: coordinatorDir + "/serve.log") ?? {
            fm.createFile(atPath: coordinatorDir + "/serve.log", contents: nil)
            return FileHandle(forWritingAtPath: coordinatorDir + "/serve.log")!
        }()
        process.standardError = logHandle
        process.standardOutput = logHandle
        try process.run()
        coordinatorProcess = process
        var port: String?
        for _ in 0..<300 {
            if let text = try? String(contentsOfFile: coordinatorDir + "/port", encoding: .utf8) { port = text.trimmingCharacters(in: .whitespacesAndNewlines); break }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let port else { throw failure("the coordinator did not start; see \(coordinatorDir)/serve.log") }
        let url = "http://127.0.0.1:\(port)"
        print("  \(url), data in \(coordinatorDir) (SQLite WAL, submissions, results, protocol log)")

        // 5. Per agreement: register, key ceremony, encode and submit per party, wait, fetch results.
        func korskoll(_ args: [String], label: String, quiet: Bool = false) throws -> String {
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
            guard p.terminationStatus == 0 else {
                if quiet { throw ExitCode.failure }
                throw failure("\(label) failed (exit \(p.terminationStatus)): \(String(decoding: errData, as: UTF8.self).split(separator: "\n").filter { !$0.contains("rows read") }.suffix(3).joined(separator: " | "))")
            }
            return String(decoding: data, as: UTF8.self)
        }
        // 4b. Key holders: a logged dealer ceremony, then one serve process each.
        step("Key holders for \(Self.oprfAgreement): dealer ceremony and \(Self.keyHolders.count) key-holder processes")
        let oprfPath = agreements.first { $0.agreement.id == Self.oprfAgreement }!.path
        let dealer = agreements.first { $0.agreement.id == Self.oprfAgreement }!.agreement.parties[0].id
        func keyHolderArgs(_ h: String) -> [String] { ["--key", "\(dir)/keyholders/\(h)/keys/\(h).secret.json", "--registry", registryPath] }
        func deal(_ out: String) throws -> String {
            try korskoll(["keyholder", "deal", "--agreement", oprfPath, "--registry", registryPath,
                          "--key", "\(dir)/nodes/\(dealer)/keys/\(dealer).secret.json", "--out", out], label: "\(dealer): keyholder deal")
        }
        let dealtDir = dir + "/dealt"
        for line in try deal(dealtDir).split(separator: "\n") { print("  " + line) }
        func startKeyHolder(_ h: String, data: String, shares: String) throws -> String {
            try fm.createDirectory(atPath: data + "/shares", withIntermediateDirectories: true)
            for name in [DealtPublicKey.fileName(agreement: Self.oprfAgreement), SealedShare.fileName(agreement: Self.oprfAgreement, holder: h)] {
                try fm.copyItem(atPath: shares + "/" + name, toPath: data + "/shares/" + name)
            }
            // The agreement beside the share: its caps are in force (Protocols/keyholder.md §4).
            try fm.copyItem(atPath: oprfPath, toPath: data + "/shares/\(Self.oprfAgreement).agreement.json")
            try fm.copyItem(atPath: signaturesPath(for: oprfPath), toPath: data + "/shares/\(Self.oprfAgreement).signatures.json")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["keyholder", "serve", "--data", data, "--listen", "127.0.0.1:0"] + keyHolderArgs(h)
            fm.createFile(atPath: data + "/serve.log", contents: nil)
            let handle = FileHandle(forWritingAtPath: data + "/serve.log")!
            p.standardError = handle
            p.standardOutput = handle
            try p.run()
            keyHolderProcesses.append(p)
            for _ in 0..<300 {
                if let text = try? String(contentsOfFile: data + "/port", encoding: .utf8) { return "http://127.0.0.1:" + text.trimmingCharacters(in: .whitespacesAndNewlines) }
                guard p.isRunning else { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            throw failure("key holder \(h) did not start; see \(data)/serve.log")
        }
        var keyHolderURLs: [String: String] = [:]
        for h in Self.keyHolders {
            keyHolderURLs[h] = try startKeyHolder(h, data: "\(dir)/keyholders/\(h)/data", shares: dealtDir)
            print("  \(h) serving \(keyHolderURLs[h]!) (its own signed log in keyholders/\(h)/data/log; share loaded and logged with the dealer)")
        }
        func keyHolderList(_ urls: [String: String]) -> String { Self.keyHolders.map { "\($0)=\(urls[$0]!)" }.joined(separator: ",") }

        let truth = try DemoTruth(directory: dir + "/truth")
        var report: [String] = []
        for (path, a) in agreements {
            step("Agreement \(a.id)")
            let lead = a.parties[0].id
            func node(_ p: String) -> String { "\(dir)/nodes/\(p)" }
            func conn(_ p: String) -> [String] { ["--coordinator-url", url, "--key", "\(node(p))/keys/\(p).secret.json"] }
            _ = try korskoll(["agreement", "register", "--agreement", path] + conn(lead), label: "\(lead): agreement register")
            _ = try korskoll(["node", "ceremony", "--lead", "--registry", registryPath, "--agreement", path,
                              "--secret-out", "\(node(lead))/\(a.id).secret"] + conn(lead), label: "\(lead): key ceremony")
            for p in a.partyIDs.dropFirst() {
                _ = try korskoll(["node", "ceremony", "--registry", registryPath, "--agreement", path,
                                  "--secret-out", "\(node(p))/\(a.id).secret"] + conn(p), label: "\(p): key ceremony")
            }
            print("  key ceremony: \(lead) made the linkage secret; sealed to \(a.partyIDs.count) nodes through the coordinator")
            for p in a.partyIDs {
                let encoded = "\(node(p))/\(a.id)-submission"
                let t0 = Date()
                let mapping = try Self.mapping(for: a, party: p, from: "\(node(p))/mapping.json", to: "\(node(p))/\(a.id).mapping.json")
                _ = try korskoll(["node", "encode", "--input", "\(node(p))/export.csv", "--mapping", mapping,
                                  "--schema", "\(repo)/Protocols/schemas/person-v3.json", "--agreement", path, "--registry", registryPath,
                                  "--linkage-secret-file", "\(node(p))/\(a.id).secret", "--key", "\(node(p))/keys/\(p).secret.json",
                                  "--coordinator", coordinatorPublic, "--ref-date", Self.refDate, "--out", encoded]
                                  + (a.match.blocking.map { ["--blocking", $0] } ?? [])
                                  + (a.blinding.oprf == nil ? [] : ["--dealt", "\(dealtDir)/\(DealtPublicKey.fileName(agreement: a.id))",
                                                                    "--key-holders", keyHolderList(keyHolderURLs), "--pseudonym-cache", "\(node(p))/pseudonyms"]),
                                 label: "\(p): node encode")
                let s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: encoded + "/summary.json"))) as? [String: Any] ?? [:]
                _ = try korskoll(["node", "submit", "--coordinator-key", coordinatorPublic, "--agreement-id", a.id,
                                  "--submission", encoded, "--state", "\(node(p))/state"] + conn(p), label: "\(p): node submit")
                if a.blinding.oprf != nil {
                    print("  \(p.padding(toLength: 13, withPad: " ", startingAt: 0)) identifiers blinded by 2 of 3 key holders: \(s["pseudonymsEvaluated"] ?? "?") evaluated (none of them could compute a pseudonym alone)")
                }
                print("  \(p.padding(toLength: 13, withPad: " ", startingAt: 0)) encoded \(s["rowsSubmitted"] ?? "?") of \(s["rowsRead"] ?? "?") rows (\(s["rowsRejected"] ?? 0) rejected) and submitted in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s; receipt kept")
            }
            let status = try korskoll(["node", "status", "--agreement-id", a.id, "--wait", "300"] + conn(lead), label: "\(lead): node status")
            print("  " + status.trimmingCharacters(in: .whitespacesAndNewlines))
            for o in a.outputs {
                let r = o.recipient
                let outDir = "\(node(r))/results/\(a.id)"
                let text = try korskoll(["node", "results", "--coordinator-key", coordinatorPublic, "--agreement-id", a.id, "--output", o.name,
                                         "--encoded", "\(node(r))/\(a.id)-submission", "--state", "\(node(r))/state", "--out", outDir] + conn(r),
                                        label: "\(r): node results")
                print("  " + text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n  "))
                if o.kind == .perRecord {
                    let q = try truth.evaluate(resultCSV: "\(outDir)/\(o.name).csv", party: r, agreement: a,
                                               relations: (o.fields ?? []).contains("viaRepresentative"))
                    let line = String(format: "%@ learned %d matched rows: precision %.2f%%, recall %.2f%% against the truth (%d true, %d false, %d missed)",
                                      r, q.predicted, q.precision * 100, q.recall * 100, q.truePositives, q.predicted - q.truePositives, q.actual - q.truePositives)
                    print("  quality: " + line)
                    report.append("\(a.id) · \(line)")
                }
            }
            // A party that is not the recipient is refused, and the refusal is logged.
            if let o = a.outputs.first, let other = a.partyIDs.first(where: { $0 != o.recipient }) {
                let fetched = (try? korskoll(["node", "results", "--coordinator-key", coordinatorPublic, "--agreement-id", a.id, "--output", o.name,
                                               "--state", "\(node(other))/state-probe", "--out", "\(node(other))/stolen"] + conn(other),
                                              label: "\(other): fetch \(o.name)", quiet: true)) != nil
                if fetched { throw failure("\(other) fetched \(o.name), which is for \(o.recipient)") }
                print("  \(other) tried to fetch \(o.name) (for \(o.recipient)): refused with 403 and logged")
            }
        }

        // 5b. The key holders' two refusals.
        step("Key-holder refusals")
        let oprfAgreementValue = agreements.first { $0.agreement.id == Self.oprfAgreement }!.agreement
        let capped = oprfAgreementValue.parties[0].id
        let cap = oprfAgreementValue.blinding.oprf!.caps[capped]!
        do {
            // A node asks beyond its cap: one batch of cap + 1 blinded elements to kh2.
            let elements = try (0...cap).flatMap { _ in try OPRFClient.blind(Random.bytes(16), suite: .voprf).blindedElement.bytes }
            let client = KeyHolderClient(holder: "kh2", url: keyHolderURLs["kh2"]!, keys: partyKeys[capped]!)
            do {
                _ = try client.evaluate(agreement: Self.oprfAgreement, elements: elements)
                throw failure("kh2 evaluated \(cap + 1) identifiers for \(capped), over its cap of \(cap)")
            } catch let e as CoordinatorClient.Failure {
                guard e.status == 429 else { throw failure("kh2 refused \(capped)'s over-cap batch with \(e.status) \(e.code), not 429") }
                print("  \(capped) asked kh2 for \(cap + 1) identifiers, over its cap of \(cap) per round: refused and logged by kh2")
                print("    kh2 answered \(e.status) \(e.code): \(e.reason.prefix(150))")
            }
        }
        do {
            // A key holder answers with a wrong key: kh1 restarted with a share of an earlier ceremony.
            let staleDir = dir + "/dealt-earlier"
            _ = try deal(staleDir)
            let staleURL = try startKeyHolder("kh1", data: "\(dir)/keyholders/kh1-earlier-share/data", shares: staleDir)
            var urls = keyHolderURLs
            urls["kh1"] = staleURL
            let fkNode = "\(dir)/nodes/fk"
            let probe = "\(fkNode)/\(Self.oprfAgreement)-probe"
            let mapping = try Self.mapping(for: oprfAgreementValue, party: "fk", from: "\(fkNode)/mapping.json", to: "\(fkNode)/\(Self.oprfAgreement).mapping.json")
            var args = ["node", "encode", "--input", "\(fkNode)/export.csv", "--mapping", mapping,
                        "--schema", "\(repo)/Protocols/schemas/person-v3.json", "--agreement", oprfPath, "--registry", registryPath]
            args += ["--linkage-secret-file", "\(fkNode)/\(Self.oprfAgreement).secret", "--key", "\(fkNode)/keys/fk.secret.json",
                     "--coordinator", coordinatorPublic, "--ref-date", Self.refDate, "--out", probe]
            args += ["--dealt", "\(dealtDir)/\(DealtPublicKey.fileName(agreement: Self.oprfAgreement))", "--key-holders", keyHolderList(urls),
                     "--pseudonym-cache", probe + "-cache"]
            if let b = oprfAgreementValue.match.blocking { args += ["--blocking", b] }
            _ = try korskoll(args, label: "fk: node encode against a wrong-key kh1")
            let s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: probe + "/summary.json"))) as? [String: Any] ?? [:]
            let refusals = s["keyHolderRefusals"] as? [String] ?? []
            guard let first = refusals.first, first.hasPrefix("kh1: keyholding.proof-failed") else {
                throw failure("the node did not detect kh1's wrong key (refusals: \(refusals))")
            }
            print("  kh1 answered with a key other than its dealt share: fk's node checked the proof against kh1's share public key, refused it and asked kh3")
            print("    " + first.prefix(160))
            print("  fk still got all \(s["pseudonymsEvaluated"] ?? "?") pseudonyms from kh2 and kh3 (probe written to \(probe), not submitted)")
            keyHolderProcesses.last!.terminate()
            keyHolderProcesses.last!.waitUntilExit()
        }
        for p in keyHolderProcesses where p.isRunning { p.terminate(); p.waitUntilExit() }
        var keyHolderBundles: [String] = []
        for h in Self.keyHolders {
            let bundle = "\(dir)/keyholders/\(h).log.bundle"
            _ = try korskoll(["log", "export", "--data", "\(dir)/keyholders/\(h)/data", "--key", "\(dir)/keyholders/\(h)/keys/\(h).secret.json", "--out", bundle],
                             label: "\(h): log export")
            keyHolderBundles.append(bundle)
        }

        // 6. The coordinator's storage holds no plaintext identity number.
        step("Coordinator storage scan")
        let (files, bytes, hits) = try truth.scanForIdentifiers(coordinatorDir)
        print("  scanned \(files) files, \(bytes) bytes under \(coordinatorDir): \(hits.isEmpty ? "no plaintext personnummer, samordningsnummer or organisationsnummer" : "FOUND \(hits.count): \(hits.prefix(3).joined(separator: ", "))")")
        let sealedHits = try Self.scanForSealedValues(coordinatorDir, agreements: agreements.map(\.agreement), key: coordinatorKeys.sealing,
                                                       registry: try Registry.load(URL(fileURLWithPath: registryPath)),
                                                       sent: agreements.flatMap { a in a.agreement.partyIDs.map { "\(dir)/nodes/\($0)/\(a.agreement.id)-submission/submission.kks" } })
        print("  sealed attribute values (\(Self.sealedValues(agreements.map(\.agreement)).sorted().joined(separator: ", "))): \(sealedHits.isEmpty ? "none in plain text in storage, nor in any submission the coordinator received, opened with its key" : "FOUND \(sealedHits.count): \(sealedHits.prefix(3).joined(separator: ", "))")")

        // 7. The privacy officer's verification.
        process.terminate()
        process.waitUntilExit()
        step("Protocol log verification (privacy officer, offline)")
        let bundle = dir + "/log.bundle"
        print("  " + (try korskoll(["log", "export", "--data", coordinatorDir, "--key", coordinatorFiles.secret.path, "--out", bundle], label: "log export")).trimmingCharacters(in: .whitespacesAndNewlines))
        // The privacy officer, given fk's key, also opens fk's sealed results.
        let fkResults = agreements.flatMap { a in a.agreement.outputs.filter { $0.recipient == "fk" }.map { "\(dir)/nodes/fk/results/\(a.agreement.id)/\($0.name).kkr" } }
        let nodeBooks = Self.parties.map { "\(dir)/nodes/\($0)/state/checkpoints.json" }.filter { fm.fileExists(atPath: $0) }
        let verification = try korskoll(["log", "verify", bundle, "--registry", registryPath, "--agreements"] + agreements.map(\.path)
                                        + ["--node-checkpoints"] + nodeBooks
                                        + ["--recipient-key", "\(dir)/nodes/fk/keys/fk.secret.json", "--results"] + fkResults
                                        + ["--key-holder-logs"] + keyHolderBundles, label: "log verify")
        print("  " + verification.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n  "))

        step("Summary")
        for line in report { print("  " + line) }
        print("  storage scan: \(hits.isEmpty ? "clean" : "\(hits.count) identifiers found")")
        print("  finished in \(String(format: "%.1f", Date().timeIntervalSince(started))) s" + (keep ? "; everything is in \(dir)" : ""))
        if !hits.isEmpty || !sealedHits.isEmpty { throw ExitCode.failure }
    }

    /// The party's mapping for agreement `a` (Protocols/node.md §5): the attributes the agreement
    /// does not declare for it are left out, and so are the fuzzy fields when it sends no CLKs;
    /// the export stays the same for every agreement.
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

    /// Puts the agreement at `path` in the key-holder mode (Protocols/agreements.md §4): 2 of
    /// kh1…kh3, each party capped at twice the identifiers its export can hold (two per row),
    /// plus room for the demo's second, wrong-key probe; the document is signed afterwards.
    static func addKeyHolderMode(_ path: String, exports: String) throws {
        guard var doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any],
              let parties = doc["parties"] as? [[String: Any]] else { throw failure("\(path) is not an agreement") }
        var caps: [String: Int] = [:]
        for p in parties {
            guard let id = p["id"] as? String else { continue }
            let rows = try String(contentsOfFile: "\(exports)/\(id)/export.csv", encoding: .utf8).utf8.lazy.filter { $0 == 10 }.count
            caps[id] = 4 * rows + 100
        }
        doc["blinding"] = ["oprf": ["keyHolders": keyHolders, "threshold": 2, "caps": caps] as [String: Any]]
        try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// Every value of an attribute that an agreement seals to its recipients.
    static func sealedValues(_ agreements: [Agreement]) -> Set<String> {
        Set(agreements.flatMap { $0.parties.flatMap { ($0.attributes ?? []).filter { !$0.coordinatorReadable }.flatMap(\.values) } })
    }

    /// The coordinator must not be able to read a sealed attribute value: none appears in its
    /// files (outside the agreement documents themselves, which declare them), and no submission
    /// it received (`sent`, as the nodes uploaded them, and any still stored), opened with the
    /// coordinator's own key, carries one in plain text.
    static func scanForSealedValues(_ directory: String, agreements: [Agreement], key: X25519.PrivateKey, registry: Registry,
                                    sent: [String]) throws -> [String] {
        let values = sealedValues(agreements).map { Array($0.utf8) }
        var hits: [String] = []
        let plain = Set(values.map { String(decoding: $0, as: UTF8.self) })
        func openAsCoordinator(_ path: String, _ name: String) throws {
            guard let opened = try? Submission.Opened(path: path, key: key) else { return }
            try opened.verify(signedBy: try registry.entry(opened.header.party).keys.signing)
            while let r = try opened.next() {
                if let v = r.attributes.first(where: plain.contains) { hits.append("\(name): readable '\(v)'"); break }
            }
        }
        for path in sent where FileManager.default.fileExists(atPath: path) { try openAsCoordinator(path, path) }
        let e = FileManager.default.enumerator(atPath: directory)
        while let rel = e?.nextObject() as? String {
            let path = directory + "/" + rel
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                  var data = FileManager.default.contents(atPath: path) else { continue }
            for a in agreements {
                while let r = data.range(of: Data(a.bytes)) { data.removeSubrange(r) }
            }
            for v in values where data.range(of: Data(v)) != nil { hits.append("\(rel): '\(String(decoding: v, as: UTF8.self))'") }
            if rel.hasSuffix(".kks") { try openAsCoordinator(path, rel) }
        }
        return hits
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
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}
