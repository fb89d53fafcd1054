import Foundation
import Testing
import Identifiers
import Parties
import ProtocolLog
#if canImport(Glibc)
import Glibc
#endif

/// A coordinator process started from the built products, killed at a fault point
/// (Protocols/api.md §5.4) or stopped with SIGTERM.
private final class CoordinatorProcess {
    let process = Process()
    let data: String
    let port: Int

    init(data: String, key: String, registry: String, fault: String?) throws {
        self.data = data
        try? FileManager.default.removeItem(atPath: data + "/port")
        process.executableURL = Korskoll.executable
        process.arguments = ["coordinator", "serve", "--data", data, "--listen", "127.0.0.1:0", "--key", key, "--registry", registry]
        var env = ProcessInfo.processInfo.environment
        env["KORSKOLL_FAULT_POINT"] = fault
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var port: Int?
        for _ in 0..<500 where port == nil {
            if let text = try? String(contentsOfFile: data + "/port", encoding: .utf8) { port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if port == nil { usleep(20_000) }
        }
        guard let port else { process.terminate(); throw CocoaError(.fileReadNoSuchFile) }
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Whether it died as the fault point makes it die.
    var killedAtFaultPoint: Bool {
        if process.isRunning { usleep(200_000) }
        return !process.isRunning && process.terminationStatus == 137
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// Issue 16 finding 2 and What to build 1: a kill before or after any write of the store or the
/// log, then a restart, leaves every stored fact with its event and every event with its fact;
/// the node's retry of the interrupted request succeeds, and the exported log verifies.
@Suite(.serialized) struct CrashRecoveryTests {
    /// Every fault point of `FaultPoint` (Protocols/api.md §5.4), in the order a linkage reaches them.
    static let points = [
        "agreement.before-log", "agreement.before-store", "agreement.after-store",
        "ceremony.before-log", "ceremony.before-store", "ceremony.after-store",
        "submission.before-log", "submission.before-store", "submission.after-store",
        "run.before-start-log", "run.after-start-log", "run.before-finish-log", "run.before-finish-store", "run.after-finish-store",
        "fetch.before-log", "fetch.after-log",
    ]

    static let agreement = """
        {"format": "korskoll-agreement-v1", "id": "crash-test", "version": 1, "purpose": "test", "legalBasis": "test",
         "coordinator": "coordinator",
         "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": true}, {"id": "fk", "identifiers": ["person"], "fuzzy": true}],
         "match": {"exact": ["person"], "schemaDigest": null, "threshold": 0.9},
         "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind"]},
                     {"name": "polisen-count", "recipient": "polisen", "kind": "aggregate", "k": 1}],
         "retentionDays": 30}
        """

    @Test(.timeLimit(.minutes(3))) func aKillAtAnyWritePointRecoversStoreAndLogTogether() throws {
        let dir = NSTemporaryDirectory() + "korskoll-crash-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func ok(_ args: [String]) throws {
            let r = try Korskoll.run(args)
            #expect(r.status == 0, "\(args.prefix(3).joined(separator: " ")): \(r.stderr)")
        }
        for (party, role) in [("polisen", "node"), ("fk", "node"), ("coordinator", "coordinator")] {
            try ok(["keys", "generate", "--party", party, "--out", dir])
            try ok(["keys", "register", "--registry", "\(dir)/registry.json", "--public", "\(dir)/\(party).public.json", "--role", role, "--name", party])
        }
        let agreementPath = "\(dir)/crash.agreement.json"
        try Data(Self.agreement.utf8).write(to: URL(fileURLWithPath: agreementPath))
        for party in ["polisen", "fk"] { try ok(["agreement", "sign", "--agreement", agreementPath, "--key", "\(dir)/\(party).secret.json"]) }
        // Submissions encoded once with a fixed secret: the coordinator cannot tell, and each point uses a fresh data directory.
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: "\(dir)/secret"))
        chmod("\(dir)/secret", 0o600)
        try Data(#"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr"}"#.utf8).write(to: URL(fileURLWithPath: "\(dir)/mapping.json"))
        let pins = SkatteverketTestNumbers.personnummer
        for (party, range) in [("polisen", 0..<6), ("fk", 3..<12)] {
            let csv = "id,pnr\n" + range.map { "\(party.uppercased())\($0),\(pins[$0])\n" }.joined()
            try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(party).csv"))
            try ok(["node", "encode", "--input", "\(dir)/\(party).csv", "--mapping", "\(dir)/mapping.json", "--agreement-id", "crash-test",
                    "--linkage-secret-file", "\(dir)/secret", "--key", "\(dir)/\(party).secret.json", "--coordinator", "\(dir)/coordinator.public.json",
                    "--ref-date", "2026-11-23", "--out", "\(dir)/\(party).encoded"])
        }

        for point in Self.points {
            let data = "\(dir)/\(point)/data", state = "\(dir)/\(point)"
            var coordinator = try CoordinatorProcess(data: data, key: "\(dir)/coordinator.secret.json", registry: "\(dir)/registry.json", fault: point)
            var killed = 0
            func conn(_ party: String) -> [String] { ["--coordinator-url", coordinator.url, "--key", "\(dir)/\(party).secret.json"] }
            let steps: [(String) -> [String]] = [
                { _ in ["agreement", "register", "--agreement", agreementPath] + conn("polisen") },
                { _ in ["node", "ceremony", "--lead", "--registry", "\(dir)/registry.json", "--agreement", agreementPath,
                        "--secret-out", "\(state)/polisen.secret"] + conn("polisen") },
                { _ in ["node", "submit", "--coordinator-key", "\(dir)/coordinator.public.json", "--agreement-id", "crash-test",
                        "--submission", "\(dir)/polisen.encoded", "--state", "\(state)/polisen-state"] + conn("polisen") },
                { _ in ["node", "submit", "--coordinator-key", "\(dir)/coordinator.public.json", "--agreement-id", "crash-test",
                        "--submission", "\(dir)/fk.encoded", "--state", "\(state)/fk-state"] + conn("fk") },
                { _ in ["node", "status", "--agreement-id", "crash-test", "--wait", "30"] + conn("fk") },
                { _ in ["node", "results", "--coordinator-key", "\(dir)/coordinator.public.json", "--agreement-id", "crash-test",
                        "--output", "fk-rows", "--encoded", "\(dir)/fk.encoded", "--state", "\(state)/fk-state", "--out", "\(state)/fk-out"] + conn("fk") },
            ]
            for step in steps {
                var r = try Korskoll.run(step(point))
                if r.status != 0 || !coordinator.process.isRunning, coordinator.killedAtFaultPoint {
                    killed += 1
                    coordinator = try CoordinatorProcess(data: data, key: "\(dir)/coordinator.secret.json", registry: "\(dir)/registry.json", fault: nil)
                    // The node retries what was interrupted (or, if its answer came, the next step runs against the restarted coordinator).
                    if r.status != 0 { r = try Korskoll.run(step(point)) }
                }
                #expect(r.status == 0, "\(point): \(step(point).prefix(2).joined(separator: " ")) after the restart: \(r.stderr)")
            }
            coordinator.stop()
            #expect(killed == 1, "\(point): the fault point was reached \(killed) times")

            // Every stored fact has its event, every event its fact, and the log verifies.
            let bundle = "\(state)/log.bundle"
            try ok(["log", "export", "--data", data, "--key", "\(dir)/coordinator.secret.json", "--out", bundle])
            let v = try Korskoll.run(["log", "verify", bundle, "--registry", "\(dir)/registry.json", "--agreements", agreementPath, "--json"])
            #expect(v.status == 0, "\(point): \(v.stdout.prefix(2000))")
            let report = try JSONSerialization.jsonObject(with: Data(v.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(report["verdict"] as? String == "verified" && (report["anomalies"] as? [Any])?.isEmpty == true, "\(point): \(v.stdout.prefix(2000))")
            let section = (report["agreements"] as? [[String: Any]])?.first ?? [:]
            let logged = Set(((section["submissions"] as? [[String: Any]]) ?? []).compactMap { $0["party"] as? String })
            let releases = ((section["releases"] as? [[String: Any]]) ?? []).compactMap { $0["output"] as? String }
            let stored = try sql(data, "SELECT party FROM submissions ORDER BY party")
            #expect(stored == ["fk", "polisen"] && logged == ["fk", "polisen"], "\(point): stored \(stored), logged \(logged)")
            #expect(try sql(data, "SELECT id FROM agreements") == ["crash-test"] && section["id"] as? String == "crash-test", "\(point)")
            #expect(try sql(data, "SELECT output FROM results ORDER BY output") == releases.sorted(), "\(point): results vs releases \(releases)")
            #expect(try sql(data, "SELECT state FROM runs") == ["finished"], "\(point)")
            #expect(try sql(data, "SELECT count(*) FROM ceremony") == ["2"], "\(point)")
            // Each fact once in the log: a retry after the restart added no second event for it.
            let keys = try KeyFiles.loadSecret(URL(fileURLWithPath: "\(dir)/coordinator.secret.json"))
            let events = try LogStore(directory: data + "/log", coordinator: "coordinator", key: keys.signing).entries.map { try LogEvent(leaf: $0) }
            func count(_ type: LogEvent.Kind, _ match: (LogEvent) -> Bool = { _ in true }) -> Int { events.filter { $0.type == type && match($0) }.count }
            #expect(count(.agreementRegistered) == 1, "\(point): \(count(.agreementRegistered)) registrations")
            #expect(count(.submissionAccepted) == 2, "\(point): \(count(.submissionAccepted)) acceptances")
            let finished = events.filter { $0.type == .runFinished && $0.code == nil }
            let runIDs = try sql(data, "SELECT run_id FROM runs")
            #expect(finished.count == 1 && runIDs == finished.map { $0.runID ?? "" }, "\(point)")
            #expect(count(.resultSealed) == 2 && count(.resultFetched) >= 1, "\(point)")
        }
    }
}

/// Rows of one column from the coordinator's SQLite database (the `sqlite3` shell).
private func sql(_ data: String, _ query: String) throws -> [String] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    p.arguments = ["-readonly", "\(data)/coordinator.sqlite", query]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return text.split(separator: "\n").map(String.init)
}
