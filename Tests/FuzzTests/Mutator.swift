import TestSupport

/// Seeded mutations of a byte string (Tests/Fuzz/README.md "Mutations"): each call applies one to
/// four of bit flip, byte insert, byte delete, splice with another corpus entry, a length-field or
/// number tweak, truncation, duplication of a chunk, an interesting byte (0, 0xFF, 0x7F, 0x80) and,
/// for text formats, a token from the target's dictionary. Everything is drawn from one
/// ``SeededRandom``, so a run is repeated exactly by its seed.
struct Mutator {
    /// Inputs are kept at or below this size, so one execution stays short.
    static let maxLength = 1 << 17
    static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80]
    /// Numbers written over a run of ASCII digits: edges of the integer widths and of Double.
    static let interestingNumbers = ["0", "-1", "1", "255", "256", "65535", "65536", "2147483647", "2147483648", "4294967296",
                                     "9223372036854775807", "9223372036854775808", "18446744073709551616", "-9223372036854775808",
                                     "99999999999999999999999", "15", "16", "63", "64", "1e999", "-1e999", "1e-999", "0.5", "281474976710656", "1e15"]

    let dictionary: [[UInt8]]

    init(dictionary: [String] = []) { self.dictionary = dictionary.map { Array($0.utf8) } }

    func mutate(_ input: [UInt8], corpus: [[UInt8]], rng: inout SeededRandom) -> [UInt8] {
        var out = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) { out = once(out, corpus: corpus, rng: &rng) }
        if out.count > Self.maxLength { out.removeLast(out.count - Self.maxLength) }
        return out
    }

    private func offset(_ bytes: [UInt8], _ rng: inout SeededRandom, end: Bool = false) -> Int {
        Int.random(in: 0...(end ? bytes.count : max(bytes.count - 1, 0)), using: &rng)
    }

    private func once(_ input: [UInt8], corpus: [[UInt8]], rng: inout SeededRandom) -> [UInt8] {
        var b = input
        switch Int.random(in: 0..<10, using: &rng) {
        case 0 where !b.isEmpty:  // bit flip
            let i = offset(b, &rng)
            b[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
        case 1:  // byte insert
            b.insert(UInt8.random(in: 0...255, using: &rng), at: offset(b, &rng, end: true))
        case 2 where !b.isEmpty:  // byte delete (1–4)
            let i = offset(b, &rng)
            b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...4, using: &rng)))
        case 3:  // splice: a prefix of this entry, a suffix of another
            let other = corpus.randomElement(using: &rng) ?? []
            let cut = offset(b, &rng, end: true)
            let from = offset(other, &rng, end: true)
            b = Array(b[..<cut]) + Array(other[from...])
        case 4 where !b.isEmpty:  // length field: a big-endian u8/u16/u32 nudged or set to an edge
            let width = [1, 2, 4].randomElement(using: &rng)!
            guard b.count >= width else { break }
            let i = Int.random(in: 0...(b.count - width), using: &rng)
            var v = b[i..<(i + width)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let mask: UInt64 = width == 8 ? .max : (UInt64(1) << UInt64(8 * width)) - 1
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: v = v &+ UInt64.random(in: 1...16, using: &rng)
            case 1: v = v &- UInt64.random(in: 1...16, using: &rng)
            case 2: v = mask
            default: v = 0
            }
            v &= mask
            for k in 0..<width { b[i + k] = UInt8((v >> UInt64(8 * (width - 1 - k))) & 0xFF) }
        case 5 where !b.isEmpty:  // a run of ASCII digits replaced by an edge number
            let i = offset(b, &rng)
            guard let s = b[i...].firstIndex(where: { (48...57).contains($0) }) else { break }
            var e = s
            while e < b.count, (48...57).contains(b[e]) || b[e] == UInt8(ascii: ".") { e += 1 }
            b.replaceSubrange(s..<e, with: Array(Self.interestingNumbers.randomElement(using: &rng)!.utf8))
        case 6 where !b.isEmpty:  // truncation
            b.removeLast(Int.random(in: 1...b.count, using: &rng))
        case 7 where !b.isEmpty:  // duplicate a chunk somewhere
            let i = offset(b, &rng)
            let chunk = Array(b[i..<min(b.count, i + Int.random(in: 1...64, using: &rng))])
            b.insert(contentsOf: chunk, at: offset(b, &rng, end: true))
        case 8 where !b.isEmpty:  // interesting byte, overwritten or inserted
            let v = Self.interestingBytes.randomElement(using: &rng)!
            if Bool.random(using: &rng) { b[offset(b, &rng)] = v } else { b.insert(v, at: offset(b, &rng, end: true)) }
        case 9 where !dictionary.isEmpty:  // a token of the format, inserted or overwriting
            let token = dictionary.randomElement(using: &rng)!
            let i = offset(b, &rng, end: true)
            if Bool.random(using: &rng) || i == b.count { b.insert(contentsOf: token, at: i) } else {
                b.replaceSubrange(i..<min(b.count, i + token.count), with: token)
            }
        default:
            b.append(Self.interestingBytes.randomElement(using: &rng)!)
        }
        return b
    }
}

/// Tokens of JSON, inserted by the mutator into JSON targets.
let jsonDictionary = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "\\u0000", "null", "true", "false",
                      "-", "0", "1e", ".", "\"\":", "{}", "[]", "\u{00e9}", "\u{FEFF}", " ", "\n", "\t", "-0", "1.5e-7"]
