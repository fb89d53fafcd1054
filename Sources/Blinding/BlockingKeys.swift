import Foundation
import Sodium

/// Keyed blocking keys (Protocols/blocking.md): a node derives from a row's name and birth date a
/// few 8-byte keyed hashes; the coordinator compares by Dice only rows that share one. Without
/// K_block nobody can compute a key for a guessed name or date.
public final class BlockingKeyer: @unchecked Sendable {
    /// The one scheme this version knows (blocking.md §1).
    public static let scheme = "korskoll-blocking-v1"
    /// The keys of a row, in this order (blocking.md §4).
    public static let kinds = ["dob", "names", "surname-initial"]
    /// The CLK schema features the scheme reads.
    public static let features = (givenName: "given_name", surname: "surname", dob: "dob")

    private let prefix: BLAKE2b.State

    public init(keys: LinkageKeys) {
        prefix = try! BLAKE2b.State(key: keys.blockingKey(), outputLength: 8)
    }

    /// A per-thread scratch state.
    public func makeScratch() -> BLAKE2b.State { prefix.copy() }

    /// The keys of one row, in ``kinds`` order; 0 where the row lacks what the key needs.
    public func keys(givenName: String, surname: String, dob: String, scratch: BLAKE2b.State) -> [UInt64] {
        let given = Self.phonetic(givenName), family = Self.phonetic(surname)
        let date = dob.trimmingCharacters(in: .whitespaces)
        let inputs: [String?] = [
            date.isEmpty ? nil : date,
            given.isEmpty || family.isEmpty ? nil : [given, family].sorted().joined(separator: "|"),
            given.isEmpty || family.isEmpty ? nil : family + "|" + String(given.prefix(1)),
        ]
        return zip(Self.kinds, inputs).map { kind, input in
            guard let input else { return 0 }
            scratch.reset(to: prefix)
            scratch.update(Array(kind.utf8) + [0] + Array(input.utf8))
            let out = scratch.finalize()
            let v = out.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            return v == 0 ? 1 : v
        }
    }

    /// The phonetic code of a name's first part (blocking.md §3).
    public static func phonetic(_ name: String) -> String {
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
