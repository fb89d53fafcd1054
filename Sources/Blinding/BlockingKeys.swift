import Foundation
import Sodium
import Tabular

/// Keyed blocking keys (Protocols/blocking.md): a node derives from a row's name and birth date a
/// few 8-byte keyed hashes; the coordinator compares by Dice only rows that share one. Without
/// K_block nobody can compute a key for a guessed name or date.
public final class BlockingKeyer: @unchecked Sendable {
    /// The one scheme this version knows (blocking.md §1).
    public static let scheme = "korskoll-blocking-v1"
    /// The label of each key slot of a row, in order (blocking.md §4): the birth date, the names
    /// key of the first given name, the surname and first initial, then the names keys of the
    /// second to ``maxGivenNames``-th given name. Slots with one label are one kind: the
    /// coordinator meets a row's `names` key in any of its `names` slots.
    public static let kinds = ["dob", "names", "surname-initial", "names", "names", "names"]
    /// The given names a row's keys read at most (blocking.md §4).
    public static let maxGivenNames = 4
    /// Each slot's kind as the index of the first slot with its label: the slots that the
    /// coordinator indexes together (blocking.md §5).
    public static let kindOfSlot: [Int] = kinds.map { kinds.firstIndex(of: $0)! }
    /// The CLK schema features the scheme reads.
    public static let features = (givenName: "given_name", surname: "surname", dob: "dob")

    private let prefix: BLAKE2b.State

    public init(keys: LinkageKeys) {
        prefix = try! BLAKE2b.State(key: keys.blockingKey(), outputLength: 8)
    }

    /// Per-thread phonetic codes of names already seen: names repeat across a register, and
    /// folding a name with diacritics goes through Unicode decomposition. Holds at most `limit`
    /// names; past that, codes are computed every time.
    public final class PhoneticMemo {
        private var codes: [String: String] = [:]
        private let limit: Int
        public init(limit: Int = 200_000) { self.limit = limit }
        public var count: Int { codes.count }

        public func phonetic(_ name: String) -> String {
            if let code = codes[name] { return code }
            let code = BlockingKeyer.phonetic(name)
            if codes.count < limit { codes[name] = code }
            return code
        }
    }

    /// A per-thread scratch state.
    public func makeScratch() -> BLAKE2b.State { prefix.copy() }

    /// The phonetic codes of a given-name field's names (blocking.md §4): the field split at white
    /// space, each part's code, empty codes and repeats dropped, at most ``maxGivenNames``.
    public static func givenNameCodes(_ field: String, memo: PhoneticMemo? = nil) -> [String] {
        var codes: [String] = []
        for part in field.split(whereSeparator: { $0.isWhitespace }) {
            let code = memo?.phonetic(String(part)) ?? phonetic(String(part))
            guard !code.isEmpty, !codes.contains(code) else { continue }
            codes.append(code)
            if codes.count == maxGivenNames { break }
        }
        return codes
    }

    /// The keys of one row, in ``kinds`` order; 0 where the row lacks what the key needs.
    public func keys(givenName: String, surname: String, dob: String, scratch: BLAKE2b.State, memo: PhoneticMemo? = nil) -> [UInt64] {
        let given = Self.givenNameCodes(givenName, memo: memo)
        let family = memo?.phonetic(surname) ?? Self.phonetic(surname)
        let date = dob.trimmingWhitespace()
        // A swapped name keeps the key: the two codes sorted.
        func names(_ g: Int) -> UInt64 {
            guard g < given.count, !family.isEmpty else { return 0 }
            return key(kind: 1, given[g] < family ? given[g] + "|" + family : family + "|" + given[g], scratch: scratch)
        }
        return [
            date.isEmpty ? 0 : key(kind: 0, date, scratch: scratch),
            names(0),
            given.isEmpty || family.isEmpty ? 0 : key(kind: 2, family + "|" + String(given[0].prefix(1)), scratch: scratch),
        ] + (1..<Self.maxGivenNames).map(names)
    }

    private static let kindBytes = kinds.map { Array($0.utf8) + [0] }

    /// BLAKE2b-8 under K_block of kind ‖ 0x00 ‖ input, 0 read as 1 (blocking.md §4).
    private func key(kind: Int, _ input: String, scratch: BLAKE2b.State) -> UInt64 {
        scratch.reset(to: prefix)
        Self.kindBytes[kind].withUnsafeBytes { scratch.update($0) }
        var input = input
        input.withUTF8 { scratch.update(UnsafeRawBufferPointer($0)) }
        var v: UInt64 = 0
        withUnsafeMutableBytes(of: &v) { scratch.finalize(into: $0) }
        v = UInt64(littleEndian: v)
        return v == 0 ? 1 : v
    }

    /// The phonetic code of a name's first part (blocking.md §3), on bytes: ASCII names skip the
    /// Unicode folding, which changes nothing for them.
    public static func phonetic(_ name: String) -> String {
        // 1. Fold (§3 step 1) to letters a–z.
        var letters: [UInt8] = []
        letters.reserveCapacity(name.utf8.count + 2)
        var started = false
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            for var b in name.utf8 {
                if b == 0x20 || b == UInt8(ascii: "-") || (0x09...0x0D).contains(b) {
                    if started { break } else { continue }
                }
                if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b) { b |= 0x20 }
                guard (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) else { continue }
                started = true
                letters.append(b)
            }
        } else {
            for scalar in name.decomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
                if scalar.properties.generalCategory == .nonspacingMark { continue }
                if scalar == " " || scalar == "-" || scalar.properties.isWhitespace {
                    if started { break } else { continue }
                }
                let spelled: String
                switch scalar {
                case "a"..."z": letters.append(UInt8(scalar.value)); started = true; continue
                case "æ": spelled = "ae"
                case "ø": spelled = "o"
                case "ß": spelled = "ss"
                case "đ", "ð": spelled = "d"
                case "ł": spelled = "l"
                case "þ": spelled = "t"
                default: continue
                }
                started = true
                letters.append(contentsOf: spelled.utf8)
            }
        }
        // 2. Spelling variants to one form.
        var s: [UInt8] = []
        s.reserveCapacity(letters.count + 2)
        var i = 0
        while i < letters.count {
            let c = letters[i], next: UInt8 = i + 1 < letters.count ? letters[i + 1] : 0
            switch (c, next) {
            case (UInt8(ascii: "p"), UInt8(ascii: "h")): s.append(UInt8(ascii: "f")); i += 2; continue
            case (UInt8(ascii: "t"), UInt8(ascii: "h")): s.append(UInt8(ascii: "t")); i += 2; continue
            case (UInt8(ascii: "c"), UInt8(ascii: "k")): s.append(UInt8(ascii: "k")); i += 2; continue
            case (UInt8(ascii: "q"), UInt8(ascii: "u")): s.append(UInt8(ascii: "k")); s.append(UInt8(ascii: "v")); i += 2; continue
            case (UInt8(ascii: "c"), UInt8(ascii: "e")), (UInt8(ascii: "c"), UInt8(ascii: "i")), (UInt8(ascii: "c"), UInt8(ascii: "y")): s.append(UInt8(ascii: "s"))
            case (UInt8(ascii: "c"), _), (UInt8(ascii: "q"), _): s.append(UInt8(ascii: "k"))
            case (UInt8(ascii: "w"), _): s.append(UInt8(ascii: "v"))
            case (UInt8(ascii: "z"), _): s.append(UInt8(ascii: "s"))
            case (UInt8(ascii: "x"), _): s.append(UInt8(ascii: "k")); s.append(UInt8(ascii: "s"))
            default: s.append(c)
            }
            i += 1
        }
        // 3. The first letter, then the consonants other than h, runs collapsed, at most six.
        guard let first = s.first else { return "" }
        var code: [UInt8] = [first]
        for c in s.dropFirst() {
            switch c {
            case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"), UInt8(ascii: "y"), UInt8(ascii: "h"): continue
            default: break
            }
            guard c != code.last! else { continue }
            code.append(c)
            if code.count == 6 { break }
        }
        return String(decoding: code, as: UTF8.self)
    }

    /// The reference of ``phonetic(_:)``: blocking.md §3 step by step on characters. The tests
    /// check the fast path against it on random names.
    static func phoneticReference(_ name: String) -> String {
        // 1. Fold: compatibility decomposition, marks dropped, lower case, a few letters spelled out.
        var letters: [Character] = []
        var started = false
        for scalar in name.decomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if scalar == " " || scalar == "-" || scalar.properties.isWhitespace {
                if started { break } else { continue }
            }
            let spelled: String
            switch scalar {
            case "a"..."z": spelled = String(scalar)
            case "æ": spelled = "ae"
            case "ø": spelled = "o"
            case "ß": spelled = "ss"
            case "đ", "ð": spelled = "d"
            case "ł": spelled = "l"
            case "þ": spelled = "t"
            default: continue
            }
            started = true
            letters.append(contentsOf: spelled)
        }
        // 2. Spelling variants to one form.
        var s: [Character] = []
        var i = 0
        while i < letters.count {
            let c = letters[i], next: Character? = i + 1 < letters.count ? letters[i + 1] : nil
            switch (c, next) {
            case ("p", "h"): s.append("f"); i += 2; continue
            case ("t", "h"): s.append("t"); i += 2; continue
            case ("c", "k"): s.append("k"); i += 2; continue
            case ("q", "u"): s.append(contentsOf: "kv"); i += 2; continue
            case ("c", let n?) where "eiy".contains(n): s.append("s")
            case ("c", _), ("q", _): s.append("k")
            case ("w", _): s.append("v")
            case ("z", _): s.append("s")
            case ("x", _): s.append(contentsOf: "ks")
            default: s.append(c)
            }
            i += 1
        }
        // 3. The first letter, then the consonants other than h, runs collapsed, at most six.
        guard let first = s.first else { return "" }
        var code: [Character] = [first]
        for c in s.dropFirst() where !"aeiouyh".contains(c) && c != code.last! {
            code.append(c)
            if code.count == 6 { break }
        }
        return String(code)
    }
}
