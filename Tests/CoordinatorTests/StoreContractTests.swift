import API
import Foundation
import GRDB
import Sodium
import Testing
@testable import Coordinator

/// The two stores under one contract: every test runs against SQLite and against memory.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, memory
    var testDescription: String { rawValue }

    func make() throws -> (any CoordinatorStore, cleanup: () -> Void) {
        switch self {
        case .memory: return (MemoryStore(), {})
        case .sqlite:
            let dir = NSTemporaryDirectory() + "korskoll-store-" + Hex.encode(Random.bytes(8))
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return (try SQLiteStore(path: dir + "/coordinator.sqlite"), { try? FileManager.default.removeItem(atPath: dir) })
        }
    }
}

private func submission(_ agreement: String, _ party: String, _ sid: String, digest: String? = nil) -> SubmissionRecord {
    SubmissionRecord(agreement: agreement, party: party, submissionID: sid, file: "/x/\(agreement)/\(party).kks", rows: 7,
                     schemaDigest: digest, accepted: 100)
}

@Suite struct StoreContractTests {
    @Test(arguments: StoreKind.allCases) func aNonceIsAcceptedOncePerPartyWithinAnHour(_ kind: StoreKind) throws {
        let (store, cleanup) = try kind.make()
        defer { cleanup() }
        #expect(try store.useNonce(party: "fk", nonce: "n1", now: 1000))
        #expect(try !store.useNonce(party: "fk", nonce: "n1", now: 1001))
        #expect(try store.useNonce(party: "pm", nonce: "n1", now: 1001), "another party's nonce is its own")
        // Nonces older than an hour are forgotten.
        #expect(try store.useNonce(party: "fk", nonce: "n1", now: 1000 + 3601))
    }

    @Test(arguments: StoreKind.allCases) func agreementsAndCeremonyBlobsReadBackAsStored(_ kind: StoreKind) throws {
        let (store, cleanup) = try kind.make()
        defer { cleanup() }
        #expect(try store.agreementDocument("a") == nil)
        try store.insertAgreement(id: "a", hash: "h", document: Data("doc".utf8), signatures: Data("sig".utf8), registered: 5)
        #expect(try store.agreementDocument("a") == Data("doc".utf8))
        #expect(throws: (any Error).self) { try store.insertAgreement(id: "a", hash: "h2", document: Data(), signatures: Data(), registered: 6) }
        #expect(try store.agreementIDs() == ["a"])
        #expect(try store.ceremony(agreement: "a", party: "fk") == nil)
        try store.putCeremony(agreement: "a", party: "fk", blob: Data([1, 2]))
        try store.putCeremony(agreement: "a", party: "fk", blob: Data([3]))
        #expect(try store.ceremony(agreement: "a", party: "fk") == Data([3]), "a blob is replaced")
        #expect(try store.ceremony(agreement: "a", party: "pm") == nil)
    }

    @Test(arguments: StoreKind.allCases) func aSubmissionIsUniquePerPartyAndById(_ kind: StoreKind) throws {
        let (store, cleanup) = try kind.make()
        defer { cleanup() }
        try store.insertSubmission(submission("a", "fk", "s1", digest: "d1"))
        try store.insertSubmission(submission("a", "pm", "s2"))
        #expect(try store.submissionExists(agreement: "a", party: "fk", submissionID: "new"))
        #expect(try store.submissionExists(agreement: "b", party: "fk", submissionID: "s2"), "a submission id is seen across agreements")
        #expect(try !store.submissionExists(agreement: "b", party: "fk", submissionID: "s3"))
        #expect(throws: (any Error).self) { try store.insertSubmission(submission("a", "fk", "s9")) }
        #expect(throws: (any Error).self) { try store.insertSubmission(submission("b", "fk", "s1")) }
        let stored = try store.submissions(agreement: "a")
        #expect(stored == [submission("a", "fk", "s1", digest: "d1"), submission("a", "pm", "s2")])
        #expect(try store.submissions(agreement: "b").isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func aRunMovesThroughItsStatesAndKeepsItsResults(_ kind: StoreKind) throws {
        let (store, cleanup) = try kind.make()
        defer { cleanup() }
        #expect(try store.run(agreement: "a") == nil)
        try store.saveRun(RunRecord(agreement: "a", runID: "r1", state: .running, progress: "loading submissions", started: 10))
        try store.setProgress(agreement: "a", "matching")
        #expect(try store.run(agreement: "a")?.progress == "matching")
        let results = [ResultRecord(agreement: "a", output: "o2", recipient: "fk", runID: "r1", file: "/f2", hash: "h2"),
                       ResultRecord(agreement: "a", output: "o1", recipient: "fk", runID: "r1", file: "/f1", hash: "h1"),
                       ResultRecord(agreement: "a", output: "o3", recipient: "pm", runID: "r1", file: "/f3", hash: "h3")]
        try store.finishRun(agreement: "a", results: results, finished: 20, counts: "{\"x\":1}")
        #expect(try store.run(agreement: "a") == RunRecord(agreement: "a", runID: "r1", state: .finished, progress: "done",
                                                           started: 10, finished: 20, error: nil, counts: "{\"x\":1}"))
        #expect(try store.resultOutputs(agreement: "a", recipient: "fk") == ["o1", "o2"])
        #expect(try store.result(agreement: "a", output: "o3") == results[2])
        #expect(try store.result(agreement: "a", output: "o4") == nil)

        try store.saveRun(RunRecord(agreement: "b", runID: "r2", state: .running, progress: "matching", started: 30))
        try store.failRun(agreement: "b", reason: "no rows", at: 40)
        let failed = try store.run(agreement: "b")
        #expect(failed?.state == .failed && failed?.error == "no rows" && failed?.progress == "failed" && failed?.finished == 40)
        // Failing a run that never started stores nothing.
        try store.failRun(agreement: "c", reason: "x", at: 1)
        #expect(try store.run(agreement: "c") == nil)
    }

    @Test(arguments: StoreKind.allCases) func retentionSeesOnlyKeptSubmissionsOfFinishedRuns(_ kind: StoreKind) throws {
        let (store, cleanup) = try kind.make()
        defer { cleanup() }
        try store.insertSubmission(submission("a", "fk", "s1"))
        try store.insertSubmission(submission("a", "pm", "s2"))
        try store.insertSubmission(submission("b", "fk", "s3"))
        try store.saveRun(RunRecord(agreement: "a", runID: "r", state: .running, progress: "p", started: 1))
        try store.saveRun(RunRecord(agreement: "b", runID: "r", state: .running, progress: "p", started: 1))
        #expect(try store.retainedSubmissionsOfFinishedRuns().isEmpty)
        try store.finishRun(agreement: "a", results: [], finished: 50, counts: "{}")
        let due = try store.retainedSubmissionsOfFinishedRuns()
        #expect(due.map(\.0.submissionID) == ["s1", "s2"] && due.allSatisfy { $0.finished == 50 })
        try store.markSubmissionsDeleted(agreement: "a", at: 60)
        #expect(try store.retainedSubmissionsOfFinishedRuns().isEmpty)
        #expect(try store.submissions(agreement: "a").allSatisfy { $0.deleted == 60 })
    }
}

@Suite struct SQLiteMigrationTests {
    /// A database made before the schema digest column gets it on open; its old rows read with no digest.
    @Test func aVersionOneDatabaseGainsTheSchemaDigestColumn() throws {
        let dir = NSTemporaryDirectory() + "korskoll-migrate-" + Hex.encode(Random.bytes(8))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/coordinator.sqlite"
        do {
            let old = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE nonces (party TEXT NOT NULL, nonce TEXT NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (party, nonce));
                    CREATE TABLE agreements (id TEXT PRIMARY KEY, hash TEXT NOT NULL, document BLOB NOT NULL, signatures BLOB NOT NULL,
                                             registered INTEGER NOT NULL);
                    CREATE TABLE ceremony (agreement TEXT NOT NULL, party TEXT NOT NULL, blob BLOB NOT NULL, PRIMARY KEY (agreement, party));
                    CREATE TABLE submissions (agreement TEXT NOT NULL, party TEXT NOT NULL, submission_id TEXT NOT NULL UNIQUE,
                                              file TEXT NOT NULL, rows INTEGER NOT NULL, accepted INTEGER NOT NULL,
                                              deleted INTEGER, PRIMARY KEY (agreement, party));
                    CREATE TABLE runs (agreement TEXT PRIMARY KEY, run_id TEXT NOT NULL, state TEXT NOT NULL, progress TEXT NOT NULL,
                                       started INTEGER NOT NULL, finished INTEGER, error TEXT, counts TEXT);
                    CREATE TABLE results (agreement TEXT NOT NULL, output TEXT NOT NULL, recipient TEXT NOT NULL, run_id TEXT NOT NULL,
                                          file TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (agreement, output));
                    INSERT INTO submissions (agreement, party, submission_id, file, rows, accepted) VALUES ('a', 'fk', 's1', '/f', 3, 9);
                    """)
            }
            try migrator.migrate(old)
        }
        let store = try SQLiteStore(path: path)
        #expect(try store.submissions(agreement: "a") == [SubmissionRecord(agreement: "a", party: "fk", submissionID: "s1", file: "/f", rows: 3,
                                                                           schemaDigest: nil, accepted: 9)])
        try store.insertSubmission(submission("a", "pm", "s2", digest: "d"))
        #expect(try store.submissions(agreement: "a").last?.schemaDigest == "d")
    }
}

@Suite struct MemoryStoreServiceTests {
    /// The whole service over the in-memory store: register, two submissions, a finished run, a fetch.
    @Test func aRunCompletesOverTheMemoryStore() async throws {
        let w = try World()
        let layout = FileLayout(root: w.dir + "/coordinator")
        try layout.prepare()
        let t = w.clock
        let s = try CoordinatorService(layout: layout, store: MemoryStore(), keys: w.coordinator, registry: w.registry, now: { t })
        _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
        _ = try await s.acceptSubmission(party: "polisen", agreementID: "watch-test", upload: try w.submission(from: w.polisen, people: Array(0..<30)))
        _ = try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: try w.submission(from: w.fk, people: Array(20..<60)))
        #expect(try await waitForRun(s) == "finished")
        let status = try await s.status(party: "fk", agreementID: "watch-test")
        #expect(status.missing.isEmpty && status.results == ["fk-rows"])
        let fetched = try await s.fetchResult(party: "fk", agreementID: "watch-test", output: "fk-rows")
        #expect(!fetched.sealed.isEmpty)
        #expect(w.storedSubmissions().isEmpty, "retention 0 deletes the encodings after the run")
    }
}
