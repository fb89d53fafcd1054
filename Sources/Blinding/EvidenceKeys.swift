import Foundation
import Sodium
import Tabular

/// Field-level evidence values (`Protocols/clk.md` §6): keyed 4-byte hashes of a row's address
/// (street and number with postcode), postcode, town and each given name, every one salted by the
/// row's birth date. The coordinator compares them only between rows that both carry them, to say
/// whether two linked rows agree on address and given names; it never sees a value and, without
/// K_block, cannot compute one for a guessed address or name.
public final class EvidenceKeyer: @unchecked Sendable {
    /// The kinds, as the labels hashed before the input (clk.md §6.2); disjoint from the blocking
    /// kinds (`dob`, `names`, `surname-initial`, blocking.md §4), which use the same key.
    public static let kinds = ["address", "postcode", "town", "given-name"]
    /// Given-name values per row at most (clk.md §6.1).
    public static let maxGivenNames = 4

    private let prefix: BLAKE2b.State

    public init(keys: LinkageKeys) {
        prefix = try! BLAKE2b.State(key: keys.blockingKey(), outputLength: 4)
    }

    /// A per-thread scratch state.
    public func makeScratch() -> BLAKE2b.State { prefix.copy() }

    /// clk.md §6.1: address, postcode and town values, in that order; 0 where the row lacks what a
    /// value needs. All three are 0 without a birth date.
    public func address(street: String, postcode: String, town: String, dob: String, scratch: BLAKE2b.State) -> [UInt32] {
        let date = dob.trimmingWhitespace()
        guard !date.isEmpty else { return [0, 0, 0] }
        let s = Self.fold(street), p = Self.postcode(postcode), t = Self.fold(town)
        return [
            s.isEmpty || p.isEmpty ? 0 : value(kind: 0, date, s + "|" + p, scratch: scratch),
            p.isEmpty ? 0 : value(kind: 1, date, p, scratch: scratch),
            t.isEmpty ? 0 : value(kind: 2, date, t, scratch: scratch),
        ]
    }

    /// clk.md §6.1: the values of the distinct phonetic codes of the given names (at most
    /// ``maxGivenNames``, in the order written), sorted ascending, then zeros; all 0 without a
    /// birth date or a given name. `memo`: the thread's phonetic codes (names repeat).
    public func givenNames(_ given: String, dob: String, scratch: BLAKE2b.State, memo: BlockingKeyer.PhoneticMemo? = nil) -> [UInt32] {
        let date = dob.trimmingWhitespace()
        var out: [UInt32] = []
        if !date.isEmpty {
            var seen = Set<String>()
            for part in Self.givenParts(given) {
                let code = memo?.phonetic(part) ?? BlockingKeyer.phonetic(part)
                guard !code.isEmpty, seen.insert(code).inserted else { continue }
                out.append(value(kind: 3, date, code, scratch: scratch))
                if out.count == Self.maxGivenNames { break }
            }
        }
        out.sort()
        return out + [UInt32](repeating: 0, count: Self.maxGivenNames - out.count)
    }

    private static let kindBytes = kinds.map { Array($0.utf8) + [0] }

    /// BLAKE2b-4 under K_block of kind ‖ 0x00 ‖ dob ‖ 0x1F ‖ input, little-endian, 0 read as 1.
    private func value(kind: Int, _ dob: String, _ input: String, scratch: BLAKE2b.State) -> UInt32 {
        scratch.reset(to: prefix)
        scratch.update(Self.kindBytes[kind] + Array(dob.utf8) + [0x1F] + Array(input.utf8))
        var v: UInt32 = 0
        withUnsafeMutableBytes(of: &v) { scratch.finalize(into: $0) }
        v = UInt32(littleEndian: v)
        return v == 0 ? 1 : v
    }

    /// clk.md §6.1: the given-name string split at spaces and hyphens (`Anna-Karin Maria` →
    /// `Anna`, `Karin`, `Maria`).
    static func givenParts(_ given: String) -> [String] {
        given.split(whereSeparator: { $0 == "-" || $0.isWhitespace }).map(String.init)
    }

    /// clk.md §6.1: a street or town folded: compatibility decomposition, lower case, marks
    /// dropped, then runs of anything but a–z and 0–9 to one space, trimmed.
    public static func fold(_ s: String) -> String {
        var out: [UInt8] = []
        var gap = false
        for scalar in s.decomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                if gap && !out.isEmpty { out.append(0x20) }
                gap = false
                out.append(UInt8(scalar.value))
            } else {
                gap = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// clk.md §6.1: a Swedish postcode as its five digits (`412 57`, `SE-41257` → `41257`); empty
    /// unless exactly five digits remain.
    public static func postcode(_ s: String) -> String {
        let digits = s.unicodeScalars.filter { ("0"..."9").contains($0) }
        return digits.count == 5 ? String(String.UnicodeScalarView(digits)) : ""
    }
}
