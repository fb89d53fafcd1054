import Agreements
import Evaluation
import ArgumentParser
import Foundation
import Identifiers
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

    func run() throws {
        let started = Date()
        let keep = workdir != nil
        let dir = workdir ?? (NSTemporaryDirectory() + "korskoll-demo-" + String(UInt32.random(in: 0...UInt32.max), radix: 16))
        let fm = FileManager.default
        guard !fm.fileExists(atPath: dir) else { throw failure("--workdir \(dir) exists; choose a new directory") }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var coordinatorProcess: Process?
        defer {
            if let p = coordinatorProcess, p.isRunning { p.terminate(); p.waitUntilExit() }
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
            let a = try Agreement(json: Data(contentsOf: URL(fileURLWithPath: path)), source: path)
            var sigs = AgreementSignatures(agreement: a)
            for p in a.partyIDs { sigs.sign(a, with: partyKeys[p]!) }
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(sigs).write(to: URL(fileURLWithPath: signaturesPath(for: path)))
            agreements.append((path, a))
            print("  \(a.id): \(a.partyIDs.joined(separator: ", ")) signed; outputs " + a.outputs.map { "\($0.name) → \($0.recipient)" }.joined(separator: ", "))
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
                                  + (a.match.blocking.map { ["--blocking", $0] } ?? []),
                                 label: "\(p): node encode")
                let s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: encoded + "/summary.json"))) as? [String: Any] ?? [:]
                _ = try korskoll(["node", "submit", "--coordinator-key", coordinatorPublic, "--agreement-id", a.id,
                                  "--submission", encoded, "--state", "\(node(p))/state"] + conn(p), label: "\(p): node submit")
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
                                        + ["--recipient-key", "\(dir)/nodes/fk/keys/fk.secret.json", "--results"] + fkResults, label: "log verify")
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
