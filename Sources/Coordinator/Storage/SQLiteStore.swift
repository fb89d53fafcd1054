import API
import Foundation
import GRDB

/// The coordinator's SQLite database (WAL) in its data directory (Protocols/api.md §1). All of the
/// coordinator's SQL is in this file.
final class SQLiteStore: CoordinatorStore, @unchecked Sendable {
    let pool: DatabasePool

    /// Opens (and migrates) the database; with `readOnly`, opens it for reading only and leaves
    /// its schema as it is (`korskoll coordinator status` beside a running coordinator).
    init(path: String, readOnly: Bool = false) throws {
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.readonly = readOnly
        pool = try DatabasePool(path: path, configuration: config)
        if readOnly { return }
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
                """)
        }
        // The schema digest kept with the submission, so that acceptance compares digests without
        // opening another party's sealed file (Protocols/api.md §3.3). Rows of an older database
        // keep NULL.
        migrator.registerMigration("v2-schema-digest") { db in
            try db.execute(sql: "ALTER TABLE submissions ADD COLUMN schema_digest TEXT")
        }
        // Standing agreements (Protocols/standing.md §1.1, §3): lists, the run of every list and
        // check, and those runs' results. The one-shot tables above are untouched.
        migrator.registerMigration("v3-standing") { db in
            try db.execute(sql: """
                CREATE TABLE lists (agreement TEXT NOT NULL, party TEXT NOT NULL, submission_id TEXT NOT NULL PRIMARY KEY,
                                    file TEXT NOT NULL, rows INTEGER NOT NULL, hash TEXT NOT NULL, created_at INTEGER NOT NULL,
                                    accepted INTEGER NOT NULL, expires INTEGER NOT NULL, ended INTEGER, ended_by TEXT, deleted INTEGER);
                CREATE UNIQUE INDEX lists_standing ON lists (agreement, party) WHERE ended IS NULL;
                CREATE TABLE checks (agreement TEXT NOT NULL, submission_id TEXT NOT NULL PRIMARY KEY, party TEXT NOT NULL,
                                     kind TEXT NOT NULL, file TEXT NOT NULL, rows INTEGER NOT NULL, accepted INTEGER NOT NULL,
                                     state TEXT NOT NULL, schema_digest TEXT, progress TEXT NOT NULL, run_id TEXT, lists TEXT, counts TEXT, error TEXT,
                                     started INTEGER, finished INTEGER, deleted INTEGER);
                CREATE TABLE check_results (agreement TEXT NOT NULL, check_id TEXT NOT NULL, output TEXT NOT NULL, recipient TEXT NOT NULL,
                                            run_id TEXT NOT NULL, file TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (agreement, check_id, output));
                """)
        }
        try migrator.migrate(pool)
    }

    func useNonce(party: String, nonce: String, now: UInt64) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM nonces WHERE seen < ?", arguments: [Int64(now) - 3600])
            try db.execute(sql: "INSERT OR IGNORE INTO nonces (party, nonce, seen) VALUES (?, ?, ?)", arguments: [party, nonce, Int64(now)])
            return db.changesCount == 1
        }
    }

    func agreementDocument(_ id: String) throws -> Data? {
        try pool.read { db in try Data.fetchOne(db, sql: "SELECT document FROM agreements WHERE id = ?", arguments: [id]) }
    }

    func agreementIDs() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM agreements") }
    }

    func insertAgreement(id: String, hash: String, document: Data, signatures: Data, registered: UInt64) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO agreements (id, hash, document, signatures, registered) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, hash, document, signatures, Int64(registered)])
        }
    }

    func putCeremony(agreement: String, party: String, blob: Data) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO ceremony (agreement, party, blob) VALUES (?, ?, ?)", arguments: [agreement, party, blob])
        }
    }

    func ceremony(agreement: String, party: String) throws -> Data? {
        try pool.read { db in try Data.fetchOne(db, sql: "SELECT blob FROM ceremony WHERE agreement = ? AND party = ?", arguments: [agreement, party]) }
    }

    func submissionExists(agreement: String, party: String, submissionID: String) throws -> Bool {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT agreement FROM submissions WHERE submission_id = ? OR (agreement = ? AND party = ?)",
                             arguments: [submissionID, agreement, party]) != nil
        }
    }

    private static func submission(_ r: Row) -> SubmissionRecord {
        SubmissionRecord(agreement: r["agreement"], party: r["party"], submissionID: r["submission_id"], file: r["file"],
                         rows: r["rows"], schemaDigest: r["schema_digest"], accepted: UInt64(r["accepted"] as Int64),
                         deleted: (r["deleted"] as Int64?).map(UInt64.init))
    }

    func submissions(agreement: String) throws -> [SubmissionRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM submissions WHERE agreement = ? ORDER BY rowid", arguments: [agreement]).map(Self.submission)
        }
    }

    func insertSubmission(_ s: SubmissionRecord) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO submissions (agreement, party, submission_id, file, rows, accepted, schema_digest) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [s.agreement, s.party, s.submissionID, s.file, s.rows, Int64(s.accepted), s.schemaDigest])
        }
    }

    func retainedSubmissionsOfFinishedRuns() throws -> [(SubmissionRecord, finished: UInt64)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.*, r.finished AS run_finished FROM submissions s JOIN runs r ON r.agreement = s.agreement
                WHERE s.deleted IS NULL AND r.state = ? ORDER BY s.rowid
                """, arguments: [RunState.finished.rawValue]).map { (Self.submission($0), UInt64($0["run_finished"] as Int64)) }
        }
    }

    func markSubmissionsDeleted(agreement: String, at time: UInt64) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE submissions SET deleted = ? WHERE agreement = ?", arguments: [Int64(time), agreement])
        }
    }

    func run(agreement: String) throws -> RunRecord? {
        try pool.read { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE agreement = ?", arguments: [agreement]) else { return nil }
            let state: String = r["state"]
            guard let s = RunState(rawValue: state) else { throw StoreError("run of \(agreement) has unknown state '\(state)'") }
            return RunRecord(agreement: r["agreement"], runID: r["run_id"], state: s, progress: r["progress"],
                             started: UInt64(r["started"] as Int64), finished: (r["finished"] as Int64?).map(UInt64.init),
                             error: r["error"], counts: r["counts"])
        }
    }

    func saveRun(_ run: RunRecord) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO runs (agreement, run_id, state, progress, started, finished, error, counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.agreement, run.runID, run.state.rawValue, run.progress, Int64(run.started),
                                 run.finished.map(Int64.init), run.error, run.counts])
        }
    }

    func setProgress(agreement: String, _ text: String) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "UPDATE runs SET progress = ? WHERE agreement = ?", arguments: [text, agreement])
        }
    }

    func finishRun(agreement: String, results: [ResultRecord], finished: UInt64, counts: String) throws {
        try pool.write { db in
            for r in results {
                try db.execute(sql: "INSERT OR REPLACE INTO results (agreement, output, recipient, run_id, file, hash) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [r.agreement, r.output, r.recipient, r.runID, r.file, r.hash])
            }
            try db.execute(sql: "UPDATE runs SET state = ?, progress = 'done', finished = ?, counts = ? WHERE agreement = ?",
                           arguments: [RunState.finished.rawValue, Int64(finished), counts, agreement])
        }
    }

    func failRun(agreement: String, reason: String, at time: UInt64) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET state = ?, progress = 'failed', error = ?, finished = ? WHERE agreement = ?",
                           arguments: [RunState.failed.rawValue, reason, Int64(time), agreement])
        }
    }

    func result(agreement: String, output: String) throws -> ResultRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM results WHERE agreement = ? AND output = ?", arguments: [agreement, output]).map {
                ResultRecord(agreement: $0["agreement"], output: $0["output"], recipient: $0["recipient"], runID: $0["run_id"],
                             file: $0["file"], hash: $0["hash"])
            }
        }
    }

    func resultOutputs(agreement: String, recipient: String) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT output FROM results WHERE agreement = ? AND recipient = ?", arguments: [agreement, recipient])
        }
    }
}

/// A store whose content breaks its own rules (an unknown run state); the detail goes to the log,
/// a client sees a generic 500.
struct StoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
