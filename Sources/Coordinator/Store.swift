import Foundation
import GRDB

/// The coordinator's SQLite database (WAL) in its data directory (`Protocols/api.md` §4).
/// Encodings live in files next to it; the database holds what points at them.
final class Store: @unchecked Sendable {
    let pool: DatabasePool

    init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: config)
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
        try migrator.migrate(pool)
    }

    /// Records a nonce; false when the party used it before (a replay).
    func useNonce(party: String, nonce: String, now: UInt64) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM nonces WHERE seen < ?", arguments: [Int64(now) - 3600])
            try db.execute(sql: "INSERT OR IGNORE INTO nonces (party, nonce, seen) VALUES (?, ?, ?)", arguments: [party, nonce, Int64(now)])
            return db.changesCount == 1
        }
    }
}
