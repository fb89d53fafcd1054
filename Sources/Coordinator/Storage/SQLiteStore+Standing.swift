import API
import Foundation
import GRDB

// Standing agreements' lists, runs and results (Protocols/standing.md §1.1, §3); the tables are
// made by the `v3-standing` migration in SQLiteStore.swift.
extension SQLiteStore {
    private static func list(_ r: Row) -> ListRecord {
        ListRecord(agreement: r["agreement"], party: r["party"], submissionID: r["submission_id"], file: r["file"], rows: r["rows"],
                   hash: r["hash"], createdAt: UInt64(r["created_at"] as Int64), accepted: UInt64(r["accepted"] as Int64),
                   expires: UInt64(r["expires"] as Int64), ended: (r["ended"] as Int64?).map(UInt64.init), endedBy: r["ended_by"],
                   deleted: (r["deleted"] as Int64?).map(UInt64.init))
    }

    private static func check(_ r: Row) throws -> CheckRecord {
        let kind: String = r["kind"], state: String = r["state"]
        guard let k = StandingKind(rawValue: kind), let s = CheckState(rawValue: state) else {
            throw StoreError("check \(r["submission_id"] as String) has unknown kind '\(kind)' or state '\(state)'")
        }
        return CheckRecord(agreement: r["agreement"], submissionID: r["submission_id"], party: r["party"], kind: k, file: r["file"],
                           rows: r["rows"], accepted: UInt64(r["accepted"] as Int64), state: s, schemaDigest: r["schema_digest"], progress: r["progress"],
                           runID: r["run_id"], lists: r["lists"], counts: r["counts"], error: r["error"],
                           started: (r["started"] as Int64?).map(UInt64.init), finished: (r["finished"] as Int64?).map(UInt64.init),
                           deleted: (r["deleted"] as Int64?).map(UInt64.init))
    }

    private static func checkArguments(_ c: CheckRecord) -> StatementArguments {
        [c.agreement, c.submissionID, c.party, c.kind.rawValue, c.file, c.rows, Int64(c.accepted), c.state.rawValue, c.schemaDigest, c.progress,
         c.runID, c.lists, c.counts, c.error, c.started.map(Int64.init), c.finished.map(Int64.init), c.deleted.map(Int64.init)]
    }

    private static let checkColumns = "agreement, submission_id, party, kind, file, rows, accepted, state, schema_digest, progress, run_id, lists, counts, error, started, finished, deleted"

    func standingSubmissionExists(submissionID: String) throws -> Bool {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT 1 FROM checks WHERE submission_id = ?", arguments: [submissionID]) != nil }
    }

    func acceptStanding(check: CheckRecord, list: ListRecord?) throws {
        try pool.write { db in
            if let l = list {
                try db.execute(sql: "UPDATE lists SET ended = ?, ended_by = 'replaced' WHERE agreement = ? AND party = ? AND ended IS NULL",
                               arguments: [Int64(check.accepted), l.agreement, l.party])
                try db.execute(sql: """
                    INSERT INTO lists (agreement, party, submission_id, file, rows, hash, created_at, accepted, expires)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [l.agreement, l.party, l.submissionID, l.file, l.rows, l.hash, Int64(l.createdAt), Int64(l.accepted), Int64(l.expires)])
            }
            try db.execute(sql: "INSERT INTO checks (\(Self.checkColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: Self.checkArguments(check))
        }
    }

    func lists(agreement: String) throws -> [ListRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM lists WHERE agreement = ? ORDER BY rowid", arguments: [agreement]).map(Self.list)
        }
    }

    func endList(agreement: String, submissionID: String, by: String, at time: UInt64) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE lists SET ended = ?, ended_by = ? WHERE agreement = ? AND submission_id = ? AND ended IS NULL",
                           arguments: [Int64(time), by, agreement, submissionID])
        }
    }

    func markListDeleted(agreement: String, submissionID: String, at time: UInt64) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE lists SET deleted = ? WHERE agreement = ? AND submission_id = ?", arguments: [Int64(time), agreement, submissionID])
        }
    }

    func checks(agreement: String) throws -> [CheckRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM checks WHERE agreement = ? ORDER BY rowid", arguments: [agreement]).map(Self.check)
        }
    }

    func check(agreement: String, submissionID: String) throws -> CheckRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM checks WHERE agreement = ? AND submission_id = ?", arguments: [agreement, submissionID]).map(Self.check)
        }
    }

    func saveCheck(_ c: CheckRecord) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE checks SET party = ?, kind = ?, file = ?, rows = ?, accepted = ?, state = ?, schema_digest = ?, progress = ?, run_id = ?, lists = ?,
                counts = ?, error = ?, started = ?, finished = ?, deleted = ? WHERE agreement = ? AND submission_id = ?
                """, arguments: [c.party, c.kind.rawValue, c.file, c.rows, Int64(c.accepted), c.state.rawValue, c.schemaDigest, c.progress, c.runID, c.lists,
                                 c.counts, c.error, c.started.map(Int64.init), c.finished.map(Int64.init), c.deleted.map(Int64.init),
                                 c.agreement, c.submissionID])
        }
    }

    func setCheckProgress(agreement: String, submissionID: String, _ text: String) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "UPDATE checks SET progress = ? WHERE agreement = ? AND submission_id = ?", arguments: [text, agreement, submissionID])
        }
    }

    func finishCheck(agreement: String, submissionID: String, results: [ResultRecord], finished: UInt64, counts: String) throws {
        try pool.write { db in
            for r in results {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO check_results (agreement, check_id, output, recipient, run_id, file, hash) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [agreement, submissionID, r.output, r.recipient, r.runID, r.file, r.hash])
            }
            try db.execute(sql: "UPDATE checks SET state = ?, progress = 'done', finished = ?, counts = ? WHERE agreement = ? AND submission_id = ?",
                           arguments: [CheckState.finished.rawValue, Int64(finished), counts, agreement, submissionID])
        }
    }

    func checkResult(agreement: String, submissionID: String, output: String) throws -> ResultRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM check_results WHERE agreement = ? AND check_id = ? AND output = ?",
                             arguments: [agreement, submissionID, output]).map {
                ResultRecord(agreement: $0["agreement"], output: $0["output"], recipient: $0["recipient"], runID: $0["run_id"], file: $0["file"], hash: $0["hash"])
            }
        }
    }

    func checkResultOutputs(agreement: String, submissionID: String, recipient: String) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT output FROM check_results WHERE agreement = ? AND check_id = ? AND recipient = ? ORDER BY output",
                                arguments: [agreement, submissionID, recipient])
        }
    }
}
