import Foundation
import Sodium
import Tabular
import Wire

/// A uniformly random permutation of any number of records in bounded memory (Protocols/node.md
/// §3): each record goes to one of B bucket files (64 by default) chosen uniformly at random, then each bucket is
/// read back alone, shuffled with Fisher–Yates and appended. Uniform assignment followed by
/// uniform in-bucket shuffles gives every order the same probability (Rao–Sandelius). All
/// randomness comes from libsodium's CSPRNG: row order must reveal nothing about the export's
/// order (often sorted by identity number).
final class BucketShuffler {
    private let buckets: Int
    private let directory: String
    private var files: [BufferedFile] = []
    private let random = BufferedRandom()

    /// 64 buckets keep each one near 80,000 rows for a 5-million-row export.
    init(directory: String, buckets: Int = 64) throws {
        self.directory = directory
        self.buckets = buckets
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false) } catch {
            throw NodeError(.output, "cannot create \(directory): \(error.localizedDescription)")
        }
        files = try (0..<buckets).map { try BufferedFile(path: "\(directory)/\($0)") }
    }

    /// Entry in a bucket: u32 length ‖ record ‖ u64 line ‖ str16 local record id.
    func add(record: [UInt8], line: Int, recordID: String) throws {
        var w = ByteWriter()
        w.bytes32(record)
        w.u64(UInt64(line))
        w.str16(String(recordID.utf8.prefix(65_535)) ?? "")
        try files[Int(random.uniform(UInt32(buckets)))].write(w.bytes)
    }

    /// Writes the shuffled body and the row map (row, line, record_id); returns the body's
    /// SHA-256 and row count, and removes the buckets.
    func finish(bodyPath: String, rowMapPath: String) throws -> (contentHash: [UInt8], rows: Int) {
        for f in files { try f.close() }
        let body = try BufferedFile(path: bodyPath)
        let rowMap = try BufferedFile(path: rowMapPath)
        try rowMap.write(CSVWriter.line(["row", "line", "record_id"]))
        var hash = SHA256.State()
        var row = 0
        for b in 0..<buckets {
            let path = "\(directory)/\(b)"
            guard let data = FileManager.default.contents(atPath: path) else { throw NodeError(.output, "cannot read back \(path)") }
            var reader = ByteReader(Array(data), context: "bucket \(b)")
            var entries: [(record: [UInt8], line: UInt64, id: String)] = []
            while reader.remaining > 0 {
                entries.append((try reader.bytes32("record", max: 1 << 20), try reader.u64("line"), try reader.str16("record id")))
            }
            for i in stride(from: entries.count - 1, through: 1, by: -1) {
                entries.swapAt(i, Int(random.uniform(UInt32(i + 1))))
            }
            for e in entries {
                hash.update(e.record)
                try body.write(e.record)
                try rowMap.write(CSVWriter.line([String(row), String(e.line), e.id]))
                row += 1
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        try body.close()
        try rowMap.close()
        try? FileManager.default.removeItem(atPath: directory)
        return (hash.finalize(), row)
    }
}
