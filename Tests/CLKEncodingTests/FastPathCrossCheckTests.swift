import Foundation
import Testing
import TestSupport
import Sodium
@testable import CLKEncoding

@Suite struct FastPathCrossCheck {
    @Test func ngramFastPathEqualsReferenceTokenizerOnRandomUnicode() throws {
        let features = (1...4).map { n in
            """
            {"identifier": "f\(n)", "format": {"type": "string"}, "hashing": {"comparison": {"type": "ngram", "n": \(n), "positional": \(n % 2 == 0)}, "strategy": {"\(n == 3 ? "bitsPerFeature" : "bitsPerToken")": \(n == 3 ? 150 : 37)}}}
            """
        }.joined(separator: ",")
        let schema = try LinkageSchema(json: Data("{\"version\": 3, \"clkConfig\": {\"l\": 2048, \"kdf\": {\"type\": \"HKDF\"}}, \"features\": [\(features)]}".utf8))
        let fast = try CLKEncoder(schema: schema, secret: SecretBytes(Array("k".utf8)))
        let reference = try CLKEncoder(schema: schema, secret: SecretBytes(Array("k".utf8)))
        reference.useReferenceTokenizer = true
        let alphabet: [Unicode.Scalar] = ["a", "z", " ", "-", "å", "ä", "ö", "É", "ß", "李", "\u{1F642}", "\u{0301}", "0", "9"]
        var rng = SeededRandom()
        for _ in 0..<2000 {
            let record = (0..<4).map { _ in
                String(String.UnicodeScalarView((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
            }
            #expect(try fast.encode(record).get() == reference.encode(record).get(), "seed \(rng.seed): \(record)")
        }
    }

    /// clk.md §2.9 (implementation notes): the token cache against hashing every token, on one workspace over many
    /// records, so that tokens repeat, and the 4-gram feature fills the table past its limit.
    @Test func tokenCacheEqualsHashingEveryToken() throws {
        let features = (1...4).map { n in
            """
            {"identifier": "f\(n)", "format": {"type": "string"}, "hashing": {"comparison": {"type": "ngram", "n": \(n), "positional": \(n % 2 == 0)}, "strategy": {"\(n == 3 ? "bitsPerFeature" : "bitsPerToken")": \(n == 3 ? 150 : n == 4 ? 40 : 20)}}}
            """
        }.joined(separator: ",")
        let schema = try LinkageSchema(json: Data("{\"version\": 3, \"clkConfig\": {\"l\": 1024, \"kdf\": {\"type\": \"HKDF\"}}, \"features\": [\(features)]}".utf8))
        let cached = try CLKEncoder(schema: schema, secret: SecretBytes(Array("k".utf8)))
        let uncached = try CLKEncoder(schema: schema, secret: SecretBytes(Array("k".utf8)))
        cached.tokenCacheSlots = 1 << 12
        uncached.useTokenCache = false
        let a = cached.makeWorkspace(), b = uncached.makeWorkspace()
        let alphabet: [Unicode.Scalar] = ["a", "n", "e", "r", " ", "-", "å", "ö", "É", "李", "\u{1F642}", "0", "9"]
        var rng = SeededRandom()
        for _ in 0..<6000 {
            let record = (0..<4).map { _ in
                String(String.UnicodeScalarView((0..<Int.random(in: 0...10, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
            }
            #expect(try cached.encode(record, workspace: a).get() == uncached.encode(record, workspace: b).get(), "seed \(rng.seed): \(record)")
        }
        #expect(a.cache?.count == 1 << 11, "seed \(rng.seed): the table filled up, so the uncached path after it was taken too")
        #expect(b.cache == nil)
    }

    /// The full-width date parse against the strptime pattern, on values near the formats.
    @Test func dateFastPathEqualsThePatternOnRandomValues() throws {
        let formats = ["%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%y", "%m-%d-%Y", "%Y %m %d", "%%%Y-%m-%d"]
        let alphabet = Array("0123456789-/.%  1209")
        var rng = SeededRandom()
        for f in formats {
            let format = try StrptimeFormat(f, here: "test")
            var fastHits = 0
            for _ in 0..<20_000 {
                var value: String
                if Bool.random(using: &rng) {
                    // A well-formed date, sometimes impossible, sometimes with a digit changed.
                    let y = Int.random(in: 0...2099, using: &rng), m = Int.random(in: 0...13, using: &rng), d = Int.random(in: 0...32, using: &rng)
                    value = f.replacingOccurrences(of: "%Y", with: String(format: "%04d", y))
                        .replacingOccurrences(of: "%y", with: String(format: "%02d", y % 100))
                        .replacingOccurrences(of: "%m", with: String(format: Bool.random(using: &rng) ? "%02d" : "%d", m))
                        .replacingOccurrences(of: "%d", with: String(format: "%02d", d))
                        .replacingOccurrences(of: "%%", with: "%")
                } else {
                    value = String((0..<Int.random(in: 0...11, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
                }
                let fast = format.reformatFullWidth(value)
                if fast != nil { fastHits += 1 }
                #expect(format.reformat(value) == format.reformatByPattern(value), "seed \(rng.seed): \(f) \(value)")
                if let fast { #expect(fast == format.reformatByPattern(value), "seed \(rng.seed): \(f) \(value)") }
            }
            if !f.contains(" ") { #expect(fastHits > 1000, "seed \(rng.seed): \(f): the fast path was hardly taken") }
        }
    }
}
