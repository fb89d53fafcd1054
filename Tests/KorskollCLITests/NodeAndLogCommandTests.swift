import Foundation
import Testing
import Identifiers
import Node
import Parties
import ProtocolLog
import Sodium
import TestSupport

private func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "korskoll-cli-" + Hex.encode(Random.bytes(8))
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func write(_ text: String, to path: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

@Suite(.serialized) struct NodeAndLogCommandTests {
    @Test func nodeEncodeWritesTheSubmissionRowMapRejectsAndSummary() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for party in ["fk", "coordinator"] { #expect(try Korskoll.run(["keys", "generate", "--party", party, "--out", dir]).status == 0) }
        try Data(Random.bytes(32)).write(to: URL(fileURLWithPath: "\(dir)/secret"))
        chmod("\(dir)/secret", 0o600)
        try write(#"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr"}"#, to: "\(dir)/mapping.json")
        let pins = SkatteverketTestNumbers.personnummer
        try write("id,pnr\nA,\(pins[0])\nB,19800230-1234\nC,\(pins[1])\n", to: "\(dir)/export.csv")
        let args = ["node", "encode", "--input", "\(dir)/export.csv", "--mapping", "\(dir)/mapping.json", "--agreement-id", "watchlist-fk-2026",
                    "--linkage-secret-file", "\(dir)/secret", "--key", "\(dir)/fk.secret.json", "--coordinator", "\(dir)/coordinator.public.json",
                    "--ref-date", "2026-11-23", "--out", "\(dir)/out"]
        let r = try Korskoll.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("rows submitted  2"))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/summary.json"))) as! [String: Any]
        #expect(summary["rowsRead"] as? Int == 3 && summary["personIDs"] as? Int == 2)
        #expect((summary["fieldsDroppedByReason"] as? [String: Int]) == ["id.invalid-date": 1])
        // A secret readable by others is refused, naming the flag.
        chmod("\(dir)/secret", 0o644)
        let loose = try Korskoll.run(args.dropLast() + ["\(dir)/out2"])
        #expect(loose.status != 0 && loose.stderr.contains("--linkage-secret-file") && loose.stderr.contains("chmod 600"))
    }

    /// The flaky demo (issue 16 finding 9): a ceremony secret whose last byte is 0x0A (1 in 256)
    /// lost that byte when read back, and `node encode` refused the 31 bytes left. The secret file
    /// holds the secret's bytes exactly (derivations.md §1).
    @Test func aCeremonySecretEndingInANewlineIsReadWhole() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for party in ["fk", "coordinator"] { #expect(try Korskoll.run(["keys", "generate", "--party", party, "--out", dir]).status == 0) }
        try write(#"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr"}"#, to: "\(dir)/mapping.json")
        try write("id,pnr\nA,\(SkatteverketTestNumbers.personnummer[0])\n", to: "\(dir)/export.csv")
        for last: [UInt8] in [[0x0A], [0x0D, 0x0A]] {
            let path = "\(dir)/secret-\(last.count)"
            try KeyCeremony.write(SecretBytes(Random.bytes(32 - last.count) + last), to: path)
            let r = try Korskoll.run(["node", "encode", "--input", "\(dir)/export.csv", "--mapping", "\(dir)/mapping.json", "--agreement-id", "a",
                                      "--linkage-secret-file", path, "--key", "\(dir)/fk.secret.json", "--coordinator", "\(dir)/coordinator.public.json",
                                      "--ref-date", "2026-11-23", "--out", "\(dir)/out-\(last.count)"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try LinkageSecretFile.load(path) == SecretBytes(Array(Data(contentsOf: URL(fileURLWithPath: path)))))
        }
    }

    /// `log verify` ends with the verdict's exit code (log.md §6.3): 0 verified, with refusals
    /// listed; 1 anomalies; 2 a broken or tampered log (issue 16 finding 3).
    @Test func logVerifyExitsWithTheVerdictsCode() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Korskoll.run(["keys", "generate", "--party", "coordinator", "--out", dir]).status == 0)
        #expect(try Korskoll.run(["keys", "register", "--registry", "\(dir)/registry.json", "--public", "\(dir)/coordinator.public.json",
                                  "--role", "coordinator", "--name", "c"]).status == 0)
        let keys = try KeyFiles.loadSecret(URL(fileURLWithPath: "\(dir)/coordinator.secret.json"))
        func bundle(_ name: String, _ events: [LogEvent]) throws -> String {
            let store = try LogStore(directory: "\(dir)/\(name)", coordinator: "coordinator", key: keys.signing)
            for e in events { store.append(e) }
            try store.commit()
            let path = "\(dir)/\(name).bundle"
            try Data(LogBundle(origin: store.origin, logKey: keys.signing.publicKey, entries: store.entries, checkpoints: store.checkpoints)
                .encoded(signer: keys.signing)).write(to: URL(fileURLWithPath: path))
            return path
        }
        let refusalsOnly = try bundle("refusals", [
            LogEvent(time: 1_795_000_000, type: .authenticationFailed, party: "stranger", code: "auth.failed", reason: "unknown party"),
            LogEvent(time: 1_795_000_001, type: .submissionRejected, agreement: "no-such-agreement", party: "fk", code: "not-found", reason: "no agreement"),
        ])
        let verified = try Korskoll.run(["log", "verify", refusalsOnly, "--registry", "\(dir)/registry.json"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("2 refused requests") && verified.stdout.contains("no-such-agreement"), "\(verified.stdout)")
        let fetchedEarly = try bundle("anomaly", [LogEvent(time: 1_795_000_000, type: .resultFetched, agreement: "x", party: "fk", runID: "r", output: "o")])
        let anomalies = try Korskoll.run(["log", "verify", fetchedEarly, "--registry", "\(dir)/registry.json"])
        #expect(anomalies.status == 1, "\(anomalies.stdout)\(anomalies.stderr)")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: refusalsOnly))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: "\(dir)/tampered.bundle"))
        let broken = try Korskoll.run(["log", "verify", "\(dir)/tampered.bundle", "--registry", "\(dir)/registry.json"])
        #expect(broken.status == 2 && broken.stderr.contains("broken"), "\(broken.stdout)\(broken.stderr)")
        let brokenJSON = try Korskoll.run(["log", "verify", "\(dir)/tampered.bundle", "--registry", "\(dir)/registry.json", "--json"])
        #expect(brokenJSON.status == 2 && brokenJSON.stdout.contains("\"verdict\" : \"broken\""), "\(brokenJSON.stdout)")
    }

    @Test func agreementsAreSignedByEveryPartyAndTheExportedLogVerifies() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (party, role) in [("polisen", "node"), ("fk", "node"), ("coordinator", "coordinator")] {
            #expect(try Korskoll.run(["keys", "generate", "--party", party, "--out", dir]).status == 0)
            #expect(try Korskoll.run(["keys", "register", "--registry", "\(dir)/registry.json", "--public", "\(dir)/\(party).public.json", "--role", role, "--name", party]).status == 0)
        }
        // The one-shot (v2) form of the watchlist agreement: this log is of its single run.
        let example = Vectors.root.appendingPathComponent("agreements-v2/watchlist-fk-2026.agreement.json")
        let agreement = "\(dir)/watchlist.agreement.json"
        try FileManager.default.copyItem(atPath: example.path, toPath: agreement)
        let sign1 = try Korskoll.run(["agreement", "sign", "--agreement", agreement, "--key", "\(dir)/polisen.secret.json"])
        #expect(sign1.status == 0 && sign1.stdout.contains("still to sign: fk"), "\(sign1.stdout)\(sign1.stderr)")
        let early = try Korskoll.run(["agreement", "verify", "--agreement", agreement, "--registry", "\(dir)/registry.json"])
        #expect(early.status != 0 && early.stderr.contains("not signed by fk"))
        #expect(try Korskoll.run(["agreement", "sign", "--agreement", agreement, "--key", "\(dir)/fk.secret.json"]).status == 0)
        let verified = try Korskoll.run(["agreement", "verify", "--agreement", agreement, "--registry", "\(dir)/registry.json"])
        #expect(verified.status == 0, "\(verified.stderr)")
        let outsider = try Korskoll.run(["agreement", "sign", "--agreement", agreement, "--key", "\(dir)/coordinator.secret.json"])
        #expect(outsider.status != 0 && outsider.stderr.contains("not a party"))

        // A coordinator's log of one lawful linkage under that agreement.
        let coordinator = try KeyFiles.loadSecret(URL(fileURLWithPath: "\(dir)/coordinator.secret.json"))
        let hash = Hex.encode(SHA256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: agreement)))))
        let a = "watchlist-fk-2026", t: UInt64 = 1_795_000_000
        do {
            let log = try LogStore(directory: "\(dir)/data/log", coordinator: "coordinator", key: coordinator.signing)
            log.append(LogEvent(time: t, type: .agreementRegistered, agreement: a, hash: hash, parties: ["fk", "polisen"]))
            log.append(LogEvent(time: t + 1, type: .submissionAccepted, agreement: a, party: "polisen", counts: ["rows": 62_000]))
            log.append(LogEvent(time: t + 2, type: .submissionAccepted, agreement: a, party: "fk", counts: ["rows": 900_000]))
            try log.commit()
            log.append(LogEvent(time: t + 3, type: .runStarted, agreement: a, runID: "r1"))
            log.append(LogEvent(time: t + 60, type: .runFinished, agreement: a, runID: "r1", counts: ["exact": 812]))
            log.append(LogEvent(time: t + 61, type: .resultSealed, agreement: a, recipient: "fk", hash: String(repeating: "0", count: 64), runID: "r1", output: "fk-matched-rows"))
            log.append(LogEvent(time: t + 62, type: .resultSealed, agreement: a, recipient: "polisen", runID: "r1", output: "fk-matched-rows"))
            try log.commit()
        }
        let export = try Korskoll.run(["log", "export", "--data", "\(dir)/data", "--key", "\(dir)/coordinator.secret.json", "--out", "\(dir)/bundle"])
        #expect(export.status == 0, "\(export.stderr)")
        let report = try Korskoll.run(["log", "verify", "\(dir)/bundle", "--registry", "\(dir)/registry.json", "--agreements", agreement])
        #expect(report.status != 0)
        #expect(report.stdout.contains("release") && report.stdout.contains("fk-matched-rows → fk"))
        #expect(report.stdout.contains("unauthorised-release") && report.stdout.contains("'polisen'"))
        let json = try Korskoll.run(["log", "verify", "\(dir)/bundle", "--registry", "\(dir)/registry.json", "--agreements", agreement, "--json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(parsed["ok"] as? Bool == false && parsed["entries"] as? Int == 7)

        // One flipped byte in the bundle: verification fails and says why.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/bundle"))
        bytes[bytes.count / 2] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: "\(dir)/bundle"))
        let broken = try Korskoll.run(["log", "verify", "\(dir)/bundle", "--registry", "\(dir)/registry.json", "--agreements", agreement])
        #expect(broken.status != 0 && broken.stderr.contains("signature does not verify"))
    }
}

@Suite struct ClkMatchCommandTests {
    @Test func matchWritesAnonlinksPairsAndGreedyKeepsOneToOne() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func clks(_ filters: [[UInt8]]) -> String {
            "{\"clks\": [" + filters.map { "\"" + Data($0).base64EncodedString() + "\"" }.joined(separator: ", ") + "]}"
        }
        // a0 equals b1; a1 is close to b1 and b0; a2 has no bit set.
        try write(clks([[0xFF, 0x0F], [0xFF, 0x07], [0, 0]]), to: "\(dir)/a.json")
        try write(clks([[0xFF, 0x03], [0xFF, 0x0F]]), to: "\(dir)/b.json")
        let none = try Korskoll.run(["clk", "match", "\(dir)/a.json", "\(dir)/b.json", "--threshold", "0.8", "--output", "\(dir)/none.csv"])
        #expect(none.status == 0, "\(none.stderr)")
        // Dice: (a0,b1) 1.0; (a1,b1) 22/23; (a0,b0) 20/22; (a1,b0) 20/21.
        #expect(try String(contentsOfFile: "\(dir)/none.csv", encoding: .utf8) == """
            a,b,score
            0,1,1.0
            1,1,\(22.0 / 23.0)
            1,0,\(20.0 / 21.0)
            0,0,\(20.0 / 22.0)

            """)
        let greedy = try Korskoll.run(["clk", "match", "\(dir)/a.json", "\(dir)/b.json", "--threshold", "0.8", "--solve", "greedy", "--output", "\(dir)/greedy.csv"])
        #expect(greedy.status == 0)
        #expect(try String(contentsOfFile: "\(dir)/greedy.csv", encoding: .utf8) == "a,b,score\n0,1,1.0\n1,0,\(20.0 / 21.0)\n")
        try write(clks([[1, 2, 3]]), to: "\(dir)/c.json")
        let mismatch = try Korskoll.run(["clk", "match", "\(dir)/a.json", "\(dir)/c.json", "--threshold", "0.8", "--output", "\(dir)/x.csv"])
        #expect(mismatch.status != 0 && mismatch.stderr.contains("16-bit filters"))
    }
}
