import Foundation
import Testing
import TestSupport
@testable import Wire

/// The reader's value against what `JSONSerialization` read: the same structure, strings and
/// integers; doubles within a relative 1e-12 (Foundation's parse on Linux is not always
/// correctly rounded, Swift's `Double(String)` is, and it may read an integer beyond 2^53 as a
/// double).
private func same(_ ours: JSONValue, _ reference: Any) -> Bool {
    switch ours {
    case .null: return reference is NSNull
    case .bool(let b): return (reference as? NSNumber).map { $0 == NSNumber(value: b) } ?? false
    case .int(let i):
        // Foundation may hold an integer beyond 2^53 as a double: then compare as doubles.
        guard let r = reference as? NSNumber else { return false }
        return r.int64Value == Int64(i) || abs(r.doubleValue - Double(i)) <= 1e-12 * abs(Double(i))
    case .double(let d):
        guard let r = (reference as? NSNumber)?.doubleValue else { return false }
        return abs(r - d) <= 1e-12 * abs(d)
    case .string(let s): return (reference as? String) == s
    case .array(let a):
        guard let r = reference as? [Any], r.count == a.count else { return false }
        return zip(a, r).allSatisfy { same($0, $1) }
    case .object(let o):
        guard let r = reference as? [String: Any], Set(r.keys) == Set(o.keys) else { return false }
        return o.allSatisfy { same($1, r[$0]!) }
    }
}

@Suite struct JSONReaderTests {
    /// Random documents written by `JSONSerialization` (escapes, non-ASCII, numbers of every
    /// form) read back equal to what `JSONSerialization` reads.
    @Test func readsWhatFoundationReadsOnRandomDocuments() throws {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1F}", "\n", "\t", "å", "李", "\u{1F642}", "\u{7F}", "\u{2028}"]
        var rng = SeededRandom()
        func text() -> String { String(String.UnicodeScalarView((0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })) }
        func value(_ depth: Int) -> Any {
            switch Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &rng) {
            case 0: return text()
            case 1: return Int.random(in: Int.min...Int.max, using: &rng) >> Int.random(in: 0...63, using: &rng)
            case 2: return Bool.random(using: &rng)
            case 3: return NSNull()
            case 4: return Double.random(in: -1e6...1e6, using: &rng)
            case 5: return Double(Int.random(in: -5...5, using: &rng)) * pow(10, Double(Int.random(in: -300...300, using: &rng)))
            case 6: return (0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth + 1) }
            default:
                var o: [String: Any] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &rng) { o[text()] = value(depth + 1) }
                return o
            }
        }
        for _ in 0..<1000 {
            let doc: Any = Bool.random(using: &rng) ? value(0) as Any : ["k": value(0)]
            let data = try JSONSerialization.data(withJSONObject: doc, options: [.fragmentsAllowed])
            let reference = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            let ours = try JSONReader.parse(data)
            #expect(same(ours, reference), "seed \(rng.seed): \(String(decoding: data, as: UTF8.self))")
        }
    }

    @Test func escapesAndMalformedInput() throws {
        #expect(try JSONReader.parse(Data(#" {"a\u00e5\ud83d\ude42\n": [1, -0, 2.5e1, true, null]} "#.utf8))
                == .object(["aå\u{1F642}\n": .array([.int(1), .int(0), .double(25), .bool(true), .null])]))
        let bad = [#""\ud83d""#, #""\ude42""#, "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"a\nb\"", "[1] x", "tru", "\"\\x\"",
                   "{\"a\":1,}", String(repeating: "[", count: 600) + String(repeating: "]", count: 600)]
        for b in bad {
            #expect(throws: JSONReader.Failure.self, "\(b.prefix(40))") { try JSONReader.parse(Data(b.utf8)) }
        }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(Data([0x22, 0xC3, 0x28, 0x22])) }
    }

    /// Result documents read through the reader equal what JSONDecoder makes of them.
    @Test func resultDocumentsEqualTheDecoderOnRandomDocuments() throws {
        var rng = SeededRandom()
        let parties = ["fk", "polisen", "skv", "bolagsverket", "agency \"7\""]
        func some(_ from: [String]) -> [String] { from.filter { _ in Bool.random(using: &rng) } }
        for _ in 0..<50 {
            var doc: [String: Any] = ["format": "korskoll-result-v1", "agreement": "a-1", "recipient": "fk", "output": "fk-rows",
                                      "runID": "r", "agreementHash": "00"]
            if Bool.random(using: &rng) {
                doc["kind"] = "per-record"
                doc["submissionID"] = "abc"
                doc["fields"] = ["category", "matchKind", "otherParties", "scoreBand", "viaRepresentative"]
                doc["rows"] = (0..<Int.random(in: 0...300, using: &rng)).map { i -> [String: Any] in
                    var r: [String: Any] = ["row": i * 3]
                    if Bool.random(using: &rng) { r["matchKind"] = some(["exact-person", "fuzzy", "via-representative"]) }
                    if Bool.random(using: &rng) { r["otherParties"] = some(parties) }
                    if Bool.random(using: &rng) { r["scoreBand"] = "0.90-0.95" }
                    if Bool.random(using: &rng) { r["category"] = some(["aktiv", "koppling", "å"]) }
                    if Bool.random(using: &rng) { r["viaRepresentative"] = Bool.random(using: &rng) }
                    if Bool.random(using: &rng) { r["sealed"] = ["category": some(["AAEC", "q83v"])] }
                    return r
                }
            } else {
                doc["kind"] = "aggregate"
                doc["k"] = Int.random(in: 1...10, using: &rng)
                doc["cells"] = (0..<Int.random(in: 0...10, using: &rng)).map { _ -> [String: Any] in
                    Bool.random(using: &rng) ? ["a": "fk", "b": "skv", "count": Int.random(in: 0...99, using: &rng)] : ["a": "fk", "b": "skv", "suppressed": true]
                }
            }
            let data = try JSONSerialization.data(withJSONObject: doc)
            #expect(try ResultDocument.read(data) == JSONDecoder().decode(ResultDocument.self, from: data), "seed \(rng.seed)")
        }
        // A member of the wrong type is refused by both.
        let wrong = Data(#"{"format": "korskoll-result-v1", "agreement": "a", "recipient": "r", "output": "o", "kind": "per-record", "rows": [{"row": "1"}]}"#.utf8)
        #expect(throws: ResultDocument.Malformed.self) { try ResultDocument.read(wrong) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(ResultDocument.self, from: wrong) }
        let wrongSealed = Data(#"{"format": "korskoll-result-v1", "agreement": "a", "recipient": "r", "output": "o", "kind": "per-record", "rows": [{"row": 1, "sealed": {"category": "AAEC"}}]}"#.utf8)
        #expect(throws: ResultDocument.Malformed.self) { try ResultDocument.read(wrongSealed) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(ResultDocument.self, from: wrongSealed) }
    }
}
