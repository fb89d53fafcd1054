import Foundation
import Testing
import TestSupport
@testable import ProtocolLog

private func randomText(_ rng: inout SeededRandom, controls: Bool) -> String {
    let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "å", "ö", "—", "\u{1F642}", "李"] + (controls ? ["\n", "\t", "\u{01}", "\u{1F}"] : [])
    return String(String.UnicodeScalarView((0..<Int.random(in: 0...10, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
}

private func randomEvent(_ rng: inout SeededRandom, controls: Bool) -> LogEvent {
    var r = rng
    defer { rng = r }
    func maybe<T>(_ v: @autoclosure () -> T) -> T? { Bool.random(using: &r) ? v() : nil }
    return LogEvent(seq: UInt64.random(in: 0...1 << 40, using: &r), time: UInt64.random(in: 0...2_000_000_000, using: &r),
                    type: LogEvent.Kind.allCases.randomElement(using: &r)!,
                    agreement: maybe(randomText(&r, controls: controls)), party: maybe(randomText(&r, controls: controls)),
                    recipient: maybe(randomText(&r, controls: controls)), hash: maybe(randomText(&r, controls: controls)),
                    submissionID: maybe("s"), runID: maybe(randomText(&r, controls: controls)), output: maybe("out"),
                    parties: maybe((0..<Int.random(in: 0...3, using: &r)).map { "p\($0)" }),
                    counts: maybe(Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0...3, using: &r)).map { ("k\($0)", Int.random(in: 0...1_000_000, using: &r)) })),
                    parameters: maybe(["threshold": "0.8"]), code: maybe("c"), reason: maybe(randomText(&r, controls: controls)))
}

@Suite struct EventJSONTests {
    @Test func fastWriterEqualsFoundationsSortedJSON() throws {
        // The naive reference: JSONEncoder with sorted keys, on text without control characters
        // (where the two escape differently but equivalently).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var rng = SeededRandom()
        for _ in 0..<2_000 {
            let e = randomEvent(&rng, controls: false)
            #expect(e.encoded() == Array(try encoder.encode(e)), "seed \(rng.seed): \(e)")
        }
    }

    @Test func readerInvertsTheWriterAndReadsFoundationsOutput() throws {
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted]
        var rng = SeededRandom()
        for _ in 0..<2_000 {
            let e = randomEvent(&rng, controls: true)
            #expect(try LogEvent(leaf: e.encoded()) == e, "seed \(rng.seed): \(e)")
            #expect(try LogEvent(leaf: Array(pretty.encode(e))) == e, "seed \(rng.seed): \(e)")
            #expect(try JSONDecoder().decode(LogEvent.self, from: Data(e.encoded())) == e, "seed \(rng.seed): \(e)")
        }
    }

    @Test(arguments: [
        #"{"seq":1,"time":2}"#, #"{"seq":1,"time":2,"type":"no.such"}"#, #"{"seq":1,"seq":1,"time":2,"type":"run.started"}"#,
        #"{"seq":-1,"time":2,"type":"run.started"}"#, #"{"seq":01,"time":2,"type":"run.started"}"#,
        #"{"seq":1,"time":2,"type":"run.started","extra":"x"}"#, #"{"seq":1,"time":2,"type":"run.started"} x"#,
        #"{"seq":1,"time":2,"type":"run.started","party":"\ud800"}"#, "{\"seq\":1,\"time\":2,\"type\":\"run.started\",\"party\":\"a\u{01}\"}",
    ])
    func malformedEventsAreRejected(json: String) {
        #expect(throws: LogError.self) { try LogEvent(leaf: Array(json.utf8)) }
    }
}
