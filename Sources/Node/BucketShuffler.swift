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
    /// SHA-256 and row count, and removes the buckets. Each bucket is read whole, its entries
    /// located in place and shuffled as offsets, and written out in two buffered runs.
    func finish(bodyPath: String, rowMapPath: String) throws -> (contentHash: [UInt8], rows: Int) {
        for f in files { try f.close() }
        let body = try BufferedFile(path: bodyPath)
        let rowMap = try BufferedFile(path: rowMapPath)
        try rowMap.write(CSVWriter.line(["row", "line", "record_id"]))
        let hash = Submission.contentHashState()
        var row = 0
        var out: [UInt8] = [], map: [UInt8] = []
        for b in 0..<buckets {
            let path = "\(directory)/\(b)"
            guard let data = FileManager.default.contents(atPath: path) else { throw NodeError(.output, "cannot read back \(path)") }
            let bytes = [UInt8](data)
            let entries = try Self.entries(bytes, bucket: b)
            var order = Array(0..<entries.count)
            for i in stride(from: order.count - 1, through: 1, by: -1) {
                order.swapAt(i, Int(random.uniform(UInt32(i + 1))))
            }
            out.removeAll(keepingCapacity: true)
            map.removeAll(keepingCapacity: true)
            bytes.withUnsafeBufferPointer { all in
                for k in order {
                    let e = entries[k]
                    out.append(contentsOf: all[e.record..<(e.record + e.recordLength)])
                    DecimalText.append(row, to: &map)
                    map.append(0x2C)
                    DecimalText.append(Int(e.line), to: &map)
                    map.append(0x2C)
                    Self.appendCSVField(all[e.id..<(e.id + e.idLength)], to: &map)
                    map.append(0x0A)
                    row += 1
                }
            }
            hash.update(out)
            try body.write(out)
            try rowMap.write(map)
            try? FileManager.default.removeItem(atPath: path)
        }
        try body.close()
        try rowMap.close()
        try? FileManager.default.removeItem(atPath: directory)
        return (hash.finalize(), row)
    }

    struct Entry { var record: Int; var recordLength: Int; var line: UInt64; var id: Int; var idLength: Int }

    /// The entries of one bucket file, located in place: u32 length ‖ record ‖ u64 line ‖ str16 id.
    static func entries(_ bytes: [UInt8], bucket: Int) throws -> [Entry] {
        var entries: [Entry] = []
        var p = 0
        let n = bytes.count
        func truncated() -> NodeError { NodeError(.output, "bucket \(bucket) is truncated at byte \(p)") }
        while p < n {
            guard p + 4 <= n else { throw truncated() }
            let length = Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
            let record = p + 4
            guard record + length + 10 <= n else { throw truncated() }
            var line: UInt64 = 0
            for i in 0..<8 { line = line << 8 | UInt64(bytes[record + length + i]) }
            let idLength = Int(bytes[record + length + 8]) << 8 | Int(bytes[record + length + 9])
            let id = record + length + 10
            guard id + idLength <= n else { throw truncated() }
            entries.append(Entry(record: record, recordLength: length, line: line, id: id, idLength: idLength))
            p = id + idLength
        }
        return entries
    }

    /// One row-map cell: RFC 4180 quoting and formula neutralisation (Protocols/node.md §6), so
    /// an agency's record id is never a formula when the row map is opened.
    static func appendCSVField(_ field: Slice<UnsafeBufferPointer<UInt8>>, to out: inout [UInt8]) {
        CSVCell.append(field, to: &out)
    }
}
