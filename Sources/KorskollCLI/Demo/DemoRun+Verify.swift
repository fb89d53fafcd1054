import Agreements
import Evaluation
import Foundation
import Parties
import ProtocolLog
import Sodium
import Wire

/// The end of the demo: the coordinator's storage holds no identity number and no sealed value in
/// plain text, and the privacy officer verifies the logs offline.
extension DemoRun {
    /// Scans the coordinator's files against every round's truth; true when clean.
    func scanStorage() throws -> Bool {
        step("Coordinator storage scan")
        let coordinatorDir = dir + "/coordinator"
        var files = 0, bytes = 0, hits: [String] = []
        for k in 1...rounds {
            let (f, b, h) = try DemoTruth(directory: truthDirectory(k)).scanForIdentifiers(coordinatorDir)
            files = f; bytes = b; hits += h
        }
        print("  scanned \(files) files, \(bytes) bytes under \(coordinatorDir) against the identity numbers of all \(rounds) rounds: \(hits.isEmpty ? "no plaintext personnummer, samordningsnummer or organisationsnummer" : "FOUND \(hits.count): \(hits.prefix(3).joined(separator: ", "))")")
        let sent = agreements.flatMap { a in
            a.agreement.partyIDs.flatMap { p in (try? fm.subpathsOfDirectory(atPath: "\(node(p))/\(a.agreement.id)"))?.filter { $0.hasSuffix("submission.kks") }
                .map { "\(node(p))/\(a.agreement.id)/\($0)" } ?? [] }
        }
        let sealedHits = try Self.scanForSealedValues(coordinatorDir, agreements: agreements.map(\.agreement), key: coordinatorKeys.sealing,
                                                       registry: try Registry.load(URL(fileURLWithPath: registryPath)), sent: sent)
        print("  sealed attribute values (\(Self.sealedValues(agreements.map(\.agreement)).sorted().joined(separator: ", "))): \(sealedHits.isEmpty ? "none in plain text in storage, nor in any of the \(sent.count) submissions the coordinator received, opened with its key" : "FOUND \(sealedHits.count): \(sealedHits.prefix(3).joined(separator: ", "))")")
        return hits.isEmpty && sealedHits.isEmpty
    }

    func verifyLog() throws {
        if let p = coordinatorProcess { p.terminate(); p.waitUntilExit() }
        for p in keyHolderProcesses where p.isRunning { p.terminate(); p.waitUntilExit() }
        step("Protocol log verification (privacy officer, offline)")
        var keyHolderBundles: [String] = []
        for h in Self.keyHolders {
            let bundle = "\(dir)/keyholders/\(h).log.bundle"
            try korskoll(["log", "export", "--data", "\(dir)/keyholders/\(h)/data", "--key", "\(dir)/keyholders/\(h)/keys/\(h).secret.json", "--out", bundle],
                         label: "\(h): log export")
            keyHolderBundles.append(bundle)
        }
        let bundle = dir + "/log.bundle"
        print("  " + (try korskoll(["log", "export", "--data", dir + "/coordinator", "--key", coordinatorSecret, "--out", bundle], label: "log export"))
            .trimmingCharacters(in: .whitespacesAndNewlines))
        // The privacy officer, given fk's key, also opens fk's sealed results.
        let nodeBooks = Self.parties.map { "\(node($0))/state/checkpoints.json" }.filter { fm.fileExists(atPath: $0) }
        let verification = try korskoll(["log", "verify", bundle, "--registry", registryPath, "--agreements"] + agreements.map(\.path)
                                        + ["--node-checkpoints"] + nodeBooks
                                        + ["--recipient-key", "\(node("fk"))/keys/fk.secret.json", "--results"] + fkResults
                                        + ["--key-holder-logs"] + keyHolderBundles + ["--html", dir + "/officer-report.html"], label: "log verify")
        print("  " + verification.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n  "))
        print("  " + (try aggregateFetchesInLog(bundle)))
    }

    /// standing.md §1.3: every aggregate a recipient fetched with `node results --all-new` is in
    /// the log as its `result.fetched`, one per run and output.
    func aggregateFetchesInLog(_ bundle: String) throws -> String {
        let decoded = try LogBundle(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: bundle))), key: coordinatorKeys.signing.publicKey)
        let fetched = decoded.entries.compactMap { try? LogEvent(leaf: $0) }.filter { $0.type == .resultFetched }
        return Self.aggregateRecipients.map { id, p, output in
            let logged = fetched.filter { $0.agreement == id && $0.party == p && $0.output == output }.count
            let mine = aggregateFetches["\(p)/\(output)"] ?? 0
            return "\(p) fetched \(mine) \(output) aggregates, the log shows \(logged) fetches of them" + (logged == mine ? "" : " (MISMATCH)")
        }.joined(separator: "; ")
    }

    func summary(clean: Bool) {
        step("Summary")
        for line in report { print("  " + line) }
        print("  storage scan: \(clean ? "clean" : "identifiers or sealed values found")")
        print("  finished in \(String(format: "%.1f", Date().timeIntervalSince(started))) s" + (keep ? "; everything is in \(dir)" : ""))
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
}
