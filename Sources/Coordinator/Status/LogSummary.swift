import Foundation
import ProtocolLog

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
    public var fetched: Set<String>

    /// Event types that count as refusals (Protocols/log.md §1.1).
    static let refusalTypes: [LogEvent.Kind] = [.authenticationFailed, .requestRefused, .submissionRejected, .refusalsAggregated]

    /// Reads the log in `directory` as of `now` (Unix seconds).
    public static func read(directory: String, now: UInt64) throws -> LogSummary {
        let entryPath = directory + "/entries", checkpointPath = directory + "/checkpoints"
        var summary = LogSummary(entries: 0, entryBytes: 0, checkpointBytes: 0, checkpoints: 0, refusalsLastDay: [:], fetched: [])
        let needles = ([LogEvent.Kind.resultFetched] + refusalTypes).map { Array($0.rawValue.utf8) }
        summary.entryBytes = try FrameStream.forEach(path: entryPath) { frame in
            summary.entries += 1
            guard needles.contains(where: { frame.contains(subsequence: $0) }), let e = try? LogEvent(leaf: frame) else { return }
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
            last = frame
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
    /// Calls `body` with each whole frame; a torn tail ends the stream. Returns the file's size.
    @discardableResult
    static func forEach(path: String, _ body: ([UInt8]) throws -> Void) throws -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        var start = 0
        var size: UInt64 = 0
        var ended = false
        func fill(_ need: Int) throws -> Bool {
            while buffer.count - start < need {
                if ended { return false }
                let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
                if chunk.isEmpty { ended = true; return false }
                size += UInt64(chunk.count)
                buffer.removeFirst(start)
                start = 0
                buffer.append(contentsOf: chunk)
            }
            return true
        }
        while try fill(4) {
            let n = buffer[start..<start + 4].reduce(0) { $0 << 8 | Int($1) }
            guard n <= 1 << 24, try fill(4 + n) else { break }
            try body(Array(buffer[start + 4..<start + 4 + n]))
            start += 4 + n
        }
        while !ended, let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { size += UInt64(chunk.count) }
        return size
    }
}

extension Array where Element == UInt8 {
    /// True when `needle` occurs in the array (a plain scan; needles are a few bytes).
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        let first = needle[0]
        var i = 0
        while i <= count - needle.count {
            if self[i] == first && self[i..<i + needle.count].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
