import Foundation
import Testing
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
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let record = (0..<4).map { _ in
                String(String.UnicodeScalarView((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
            }
            #expect(try fast.encode(record).get() == reference.encode(record).get(), "\(record)")
        }
    }
}
