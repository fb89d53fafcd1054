import CDice
import Foundation

/// Errors of matching. `code` is stable; `reason` names the file or record.
public struct MatchError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case malformed = "match.malformed"
        case lengthMismatch = "match.length-mismatch"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// Bloom filters of one party, stored as contiguous 64-bit words (the last one zero-padded) with
/// their popcounts (Protocols/matching.md §1).
public struct FilterSet: Sendable {
    public let count: Int
    /// Bytes of each filter as given.
    public let byteLength: Int
    public let words: Int
    let storage: [UInt64]
    public let popcounts: [UInt32]

    /// Precondition-free: every filter must have `byteLength` bytes.
    public init(filters: [[UInt8]]) throws {
        let length = filters.first?.count ?? 0
        for (i, f) in filters.enumerated() where f.count != length {
            throw MatchError(.lengthMismatch, "filter \(i) has \(f.count) bytes; filter 0 has \(length)")
        }
        let w = (length + 7) / 8
        var storage = [UInt64](repeating: 0, count: max(1, filters.count * w))
        storage.withUnsafeMutableBytes { raw in
            for (i, f) in filters.enumerated() where length > 0 {
                f.withUnsafeBytes { src in raw.baseAddress!.advanced(by: i * w * 8).copyMemory(from: src.baseAddress!, byteCount: length) }
            }
        }
        let pops = storage.withUnsafeBufferPointer { s in
            (0..<filters.count).map { UInt32(korskoll_popcount(s.baseAddress! + $0 * w, w)) }
        }
        self.init(count: filters.count, byteLength: length, words: w, storage: storage, popcounts: pops)
    }

    /// The rows `rows` of filters held contiguously in `storage`, `words` words each.
    public init(gathering rows: [Int], from storage: [UInt64], words: Int, byteLength: Int) {
        var s = [UInt64](repeating: 0, count: max(1, rows.count * words))
        for (i, r) in rows.enumerated() { for w in 0..<words { s[i * words + w] = storage[r * words + w] } }
        let pops = s.withUnsafeBufferPointer { b in (0..<rows.count).map { UInt32(korskoll_popcount(b.baseAddress! + $0 * words, words)) } }
        self.init(count: rows.count, byteLength: byteLength, words: words, storage: s, popcounts: pops)
    }

    private init(count: Int, byteLength: Int, words: Int, storage: [UInt64], popcounts: [UInt32]) {
        self.count = count
        self.byteLength = byteLength
        self.words = words
        self.storage = storage
        self.popcounts = popcounts
    }

    /// The filters reordered by `order` (new position i holds old filter order[i]).
    func reordered(_ order: [Int]) -> FilterSet {
        var s = [UInt64](repeating: 0, count: max(1, count * words))
        for (i, old) in order.enumerated() {
            for w in 0..<words { s[i * words + w] = storage[old * words + w] }
        }
        return FilterSet(count: count, byteLength: byteLength, words: words, storage: s, popcounts: order.map { popcounts[$0] })
    }

    /// Reads clkhash's output format `{"clks": [base64, …]}`.
    public init(clksJSON data: Data, source: String) throws {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let list = root["clks"] as? [Any] else {
            throw MatchError(.malformed, "\(source) is not {\"clks\": [base64, …]}")
        }
        var filters: [[UInt8]] = []
        filters.reserveCapacity(list.count)
        for (i, item) in list.enumerated() {
            guard let s = item as? String, let d = Data(base64Encoded: s) else {
                throw MatchError(.malformed, "\(source): clks[\(i)] is not base64")
            }
            filters.append(Array(d))
        }
        do { try self.init(filters: filters) } catch let e as MatchError { throw MatchError(e.code, "\(source): \(e.reason)") }
    }
}
