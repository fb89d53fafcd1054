import Foundation
import Identifiers
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `node init`, `node check` and `coordinator status` as an operator runs them (issue 19).
@Suite(.serialized) struct NodeConfigCommandTests {
    static let agreement = """
        {"format": "korskoll-agreement-v2", "id": "cli-check", "version": 1, "purpose": "test", "legalBasis": "test",
         "coordinator": "coordinator",
         "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": false, "attributes": []},
                     {"id": "fk", "identifiers": ["person"], "fuzzy": false, "attributes": []}],
         "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
         "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind", "otherParties"]},
                     {"name": "polisen-count", "recipient": "polisen", "kind": "aggregate", "k": 1}],
         "retentionDays": 7}
        """

    /// Each node runs its whole round with one command; the first to come waits (exit 3) and
    /// takes the round up when run again; the operator's view shows the finished agreement.
    @Test func nodeCheckRunsAWholeRoundInOneCommandPerNode() throws {
        let dir = NSTemporaryDirectory() + "korskoll-cli-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func ok(_ args: [String]) throws -> Korskoll.Result {
            let r = try Korskoll.run(args)
            #expect(r.status == 0, "\(args.prefix(2)): \(r.stderr)")
            return r
        }
        for (party, role) in [("coordinator", "coordinator"), ("polisen", "node"), ("fk", "node")] {
            _ = try ok(["keys", "generate", "--party", party, "--out", dir])
            _ = try ok(["keys", "register", "--registry", "\(dir)/registry.json", "--public", "\(dir)/\(party).public.json", "--role", role, "--name", party])
        }
        let agreementPath = "\(dir)/cli.agreement.json"
        try Data(Self.agreement.utf8).write(to: URL(fileURLWithPath: agreementPath))
        _ = try ok(["agreement", "sign", "--agreement", agreementPath, "--key", "\(dir)/polisen.secret.json"])
        // Not yet signed by fk: the next step is named.
        let unsigned = try Korskoll.run(["agreement", "verify", "--agreement", agreementPath, "--registry", "\(dir)/registry.json"])
        #expect(unsigned.status == 1 && unsigned.stderr.contains("still to sign: fk; each party runs `korskoll agreement sign"), "\(unsigned.stderr)")
        _ = try ok(["agreement", "sign", "--agreement", agreementPath, "--key", "\(dir)/fk.secret.json"])

        let pins = SkatteverketTestNumbers.personnummer
        try ("id,pnr\n" + (0..<10).map { "P\($0),\(pins[$0])" }.joined(separator: "\n") + "\n").write(toFile: "\(dir)/polisen.csv", atomically: true, encoding: .utf8)
        try ("id,pnr\n" + (5..<15).map { "B\($0),\(pins[$0])" }.joined(separator: "\n") + "\n").write(toFile: "\(dir)/fk.csv", atomically: true, encoding: .utf8)
        try #"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr"}"#.write(toFile: "\(dir)/mapping.json", atomically: true, encoding: .utf8)

        let data = "\(dir)/coordinator-data"
        let server = Process()
        server.executableURL = Korskoll.executable
        server.arguments = ["coordinator", "serve", "--data", data, "--listen", "127.0.0.1:0", "--key", "\(dir)/coordinator.secret.json", "--registry", "\(dir)/registry.json"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        var port: Int?
        for _ in 0..<500 where port == nil {
            port = (try? String(contentsOfFile: data + "/port", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if port == nil { usleep(20_000) }
        }
        let url = "http://127.0.0.1:\(try #require(port))"

        func initNode(_ party: String) throws -> Korskoll.Result {
            try Korskoll.run(["node", "init", "--dir", "\(dir)/\(party)-node", "--party", party, "--coordinator-url", url,
                              "--coordinator-key", "\(dir)/coordinator.public.json", "--key", "\(dir)/\(party).secret.json",
                              "--registry", "\(dir)/registry.json", "--agreement", agreementPath, "--export", "\(dir)/\(party).csv",
                              "--mapping", "\(dir)/mapping.json"])
        }
        let first = try initNode("fk")
        #expect(first.status == 0 && first.stdout.contains("todo: no linkage secret for cli-check yet: run the key ceremony"), "\(first.stdout)\(first.stderr)")
        _ = try initNode("polisen")
        _ = try ok(["agreement", "register", "--agreement", agreementPath, "--coordinator-url", url, "--key", "\(dir)/polisen.secret.json"])
        _ = try ok(["node", "ceremony", "--lead", "--registry", "\(dir)/registry.json", "--agreement", agreementPath, "--coordinator-url", url,
                    "--key", "\(dir)/polisen.secret.json", "--secret-out", "\(dir)/polisen-node/state/cli-check/linkage-secret"])
        _ = try ok(["node", "ceremony", "--registry", "\(dir)/registry.json", "--agreement", agreementPath, "--coordinator-url", url,
                    "--key", "\(dir)/fk.secret.json", "--secret-out", "\(dir)/fk-node/state/cli-check/linkage-secret"])
        let ready = try initNode("fk")
        #expect(ready.stdout.contains("ready: `korskoll node check"), "\(ready.stdout)")

        let check = { (party: String, wait: String) in
            try Korskoll.run(["node", "check", "--config", "\(dir)/\(party)-node/node.json", "--agreement", "cli-check", "--wait", wait, "--ref-date", "2026-11-01"])
        }
        let early = try check("fk", "0")
        #expect(early.status == 3, "\(early.stderr)")
        #expect(early.stderr.contains("encoding: 10 rows") && early.stderr.contains("waiting: "), "\(early.stderr)")
        let polisen = try check("polisen", "30")
        #expect(polisen.status == 0, "\(polisen.stderr)")
        let fk = try check("fk", "30")
        #expect(fk.status == 0 && fk.stdout.contains("round of cli-check done: fk-rows"), "\(fk.stderr)")
        let rows = try String(contentsOfFile: "\(dir)/fk-node/state/cli-check/results/fk-rows.csv", encoding: .utf8)
        #expect(rows.split(separator: "\n").count == 6)

        let status = try ok(["coordinator", "status", "--data", data])
        #expect(status.stdout.contains("cli-check v1  finished") && status.stdout.contains("fetched      fk-rows → fk"), "\(status.stdout)")
        let json = try ok(["coordinator", "status", "--data", data, "--json"])
        #expect(json.stdout.contains("\"format\" : \"korskoll-coordinator-status-v1\""))
        for pin in pins.prefix(15) { #expect(!status.stdout.contains(pin) && !json.stdout.contains(pin)) }
    }
}
