import Foundation
import ProtocolLog
#if canImport(Glibc)
import Glibc
#endif

/// What the coordinator operator sees of the protocol log (Protocols/api.md §6): its size, its
/// last checkpoint, the refusals of the last day and which results were fetched. The files are
/// read as a stream of frames (`u32 length ‖ bytes`, Protocols/log.md §2), one at a time; only
/// the events a summary needs are decoded, found first by their type's bytes, so neither file is
/// held in memory whole.
public struct LogSummary: Codable, Sendable, Equatable {
    /// Events in the log (whole frames in `entries`).
    public var entries: Int
    /// Bytes of `entries` and of `checkpoints`.
    public var entryBytes: UInt64
    public var checkpointBytes: UInt64
    /// Signed checkpoints.
    public var checkpoints: Int
    /// The last checkpoint's tree size and root (base64), as written: `korskoll log verify`
    /// checks its signature.
    public var lastCheckpointSize: UInt64?
    public var lastCheckpointRoot: String?
    /// When the checkpoint file was last written (Unix seconds).
    public var lastCheckpointWritten: UInt64?
    /// Refusals logged in the 24 hours before the summary, by error code; aggregated windows
    /// count with their folded totals.
    public var refusalsLastDay: [String: Int]

    /// `(agreement, output)` pairs that have a `result.fetched` event, as "agreement/output".
    /// Used to sort outputs into fetched and not; not part of the printed or JSON status.
    public var fetched: Set<String> = []

    enum CodingKeys: String, CodingKey {
        case entries, entryBytes, checkpointBytes, checkpoints, lastCheckpointSize, lastCheckpointRoot, lastCheckpointWritten, refusalsLastDay
    }

    /// Event types that count as refusals (Protocols/log.md §1.1).
    static let refusalTypes: [LogEvent.Kind] = [.authenticationFailed, .requestRefused, .submissionRejected, .refusalsAggregated]

    /// Reads the log in `directory` as of `now` (Unix seconds).
    public static func read(directory: String, now: UInt64) throws -> LogSummary {
        let entryPath = directory + "/entries", checkpointPath = directory + "/checkpoints"
        var summary = LogSummary(entries: 0, entryBytes: 0, checkpointBytes: 0, checkpoints: 0, refusalsLastDay: [:], fetched: [])
        let needles = ([LogEvent.Kind.resultFetched] + refusalTypes).map { Array($0.rawValue.utf8) }
        summary.entryBytes = try FrameStream.forEach(path: entryPath) { frame in
            summary.entries += 1
            guard needles.contains(where: { frame.contains($0) }), let e = try? LogEvent(leaf: Array(frame)) else { return }
            if e.type == .resultFetched, let a = e.agreement, let o = e.output { summary.fetched.insert("\(a)/\(o)") }
            guard refusalTypes.contains(e.type), e.time + 86_400 >= now else { return }
            if e.type == .refusalsAggregated {
                for (code, n) in e.counts ?? [:] { summary.refusalsLastDay[code, default: 0] += n }
            } else {
                summary.refusalsLastDay[e.code ?? e.type.rawValue, default: 0] += 1
            }
        }
        var last: [UInt8]?
        summary.checkpointBytes = try FrameStream.forEach(path: checkpointPath) { frame in
            summary.checkpoints += 1
            last = Array(frame)
        }
        if let last {
            // The note's body: origin, size, root (Protocols/log.md §3).
            let lines = String(decoding: last, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            if lines.count >= 3 { summary.lastCheckpointSize = UInt64(lines[1]); summary.lastCheckpointRoot = String(lines[2]) }
            let written = (try? FileManager.default.attributesOfItem(atPath: checkpointPath)[.modificationDate]) as? Date
            summary.lastCheckpointWritten = written.map { UInt64($0.timeIntervalSince1970) }
        }
        return summary
    }
}

/// Reads a file of `u32 length ‖ bytes` frames (Protocols/log.md §2) in 4 MiB pieces.
enum FrameStream {
    /// Calls `body` with each whole frame, valid only during the call; a torn tail ends the
    /// stream. Returns the file's size.
    @discardableResult
    static func forEach(path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        var carry: [UInt8] = []
        var size: UInt64 = 0
        var need = 4
        while true {
            let chunk = try handle.read(upToCount: max(4 << 20, need)) ?? Data()
            if chunk.isEmpty { break }
            size += UInt64(chunk.count)
            carry.append(contentsOf: chunk)
            // Every whole frame in the bytes so far, walked by pointer; the rest is carried over.
            let (used, next) = try carry.withUnsafeBytes { raw -> (Int, Int) in
                var at = 0
                while raw.count - at >= 4 {
                    let n = Int(raw[at]) << 24 | Int(raw[at + 1]) << 16 | Int(raw[at + 2]) << 8 | Int(raw[at + 3])
                    guard n <= 1 << 24 else { return (at, -1) }
                    guard raw.count - at - 4 >= n else { return (at, 4 + n) }
                    try body(UnsafeRawBufferPointer(rebasing: raw[at + 4..<at + 4 + n]))
                    at += 4 + n
                }
                return (at, 4)
            }
            carry.removeFirst(used)
            if next < 0 { break }
            need = next
        }
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { size += UInt64(chunk.count) }
        return size
    }
}

extension UnsafeRawBufferPointer {
    /// True when `needle` occurs in these bytes: memchr(3) for its first byte, memcmp(3) for the rest.
    func contains(_ needle: [UInt8]) -> Bool {
        guard let base = baseAddress, !needle.isEmpty else { return needle.isEmpty }
        return needle.withUnsafeBytes { n in
            var offset = 0
            while count - offset >= n.count {
                guard let hit = memchr(base + offset, Int32(needle[0]), count - offset - n.count + 1) else { return false }
                if memcmp(hit, n.baseAddress!, n.count) == 0 { return true }
                offset = base.distance(to: UnsafeRawPointer(hit)) + 1
            }
            return false
        }
    }
}
