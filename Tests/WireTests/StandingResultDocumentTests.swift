import Foundation
import Testing
import TestSupport
@testable import Wire

/// A random standing result (results.md §5): per-record rows with ties, or tie counts.
private func randomStandingDocument(_ rng: inout SeededRandom) -> ResultDocument {
    let names = ["fk", "polisen", "ivo \"2\"", "å\\b", "\u{1F642}", "ctl\u{1}"]
    let kinds = ["direct-exact", "direct-fuzzy", "via-representative"]
    func some(_ from: [String]) -> [String] { from.filter { _ in Bool.random(using: &rng) } }
    func maybe<T>(_ make: () -> T) -> T? { Bool.random(using: &rng) ? make() : nil }
    let lists = maybe { Dictionary(some(names).map { ($0, String(Int.random(in: 0...9_999, using: &rng), radix: 16)) }, uniquingKeysWith: { a, _ in a }) }
    if Bool.random(using: &rng) {
        let rows = (0..<Int.random(in: 0...100, using: &rng)).map { i in
            ResultDocument.Row(row: i * 2 + Int.random(in: 0...1, using: &rng), matchKind: maybe { some(kinds) }, otherParties: maybe { some(names) },
                               category: maybe { some(["aktiv", "koppling"]) }, sealed: maybe { ["decision": some(["AAEC", "q83v"])] },
                               ties: maybe { (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                                   ResultDocument.Tie(party: names.randomElement(using: &rng)!, kind: kinds.randomElement(using: &rng)!,
                                                      attributes: maybe { ["category": some(["aktiv", "koppling", "å"])] },
                                                      sealed: maybe { ["decision": some(["AAEC", "/+8="]), "benefit": some(["AA=="])] })
                               } })
        }
        return ResultDocument(agreement: "reentry", agreementHash: "00ff", output: "rows", recipient: names.randomElement(using: &rng)!,
                              kind: "per-record", runID: "r", submissionID: "c0", fields: maybe { some(["category", "ties"]) },
                              matchedRows: rows.count, rows: rows, check: maybe { "c0" }, lists: lists)
    }
    let counts = (0..<Int.random(in: 0...12, using: &rng)).map { _ in
        Bool.random(using: &rng) ? ResultDocument.TieCount(party: names.randomElement(using: &rng)!, kind: kinds.randomElement(using: &rng)!,
                                                           count: Int.random(in: 0...Int.max, using: &rng))
                                 : ResultDocument.TieCount(party: names.randomElement(using: &rng)!, kind: "direct-exact", suppressed: true)
    }
    return ResultDocument(agreement: "a", output: "counts", recipient: "polisen", kind: "aggregate", runID: "r", k: Int.random(in: 1...9, using: &rng),
                          check: "c1", lists: lists, tieCounts: counts)
}

/// Protocols/results.md §5: the standing members have the same one home as the rest.
@Suite struct StandingResultDocumentTests {
    @Test func writerThenReaderGivesBackEveryRandomStandingDocument() throws {
        var rng = SeededRandom()
        for _ in 0..<300 {
            let doc = randomStandingDocument(&rng)
            let bytes = doc.encoded
            #expect(try ResultDocument.read(Data(bytes)) == doc, "seed \(rng.seed)")
            #expect(try JSONDecoder().decode(ResultDocument.self, from: Data(bytes)) == doc, "seed \(rng.seed)")
        }
    }

    @Test func tiesAreWrittenInByteOrderAndReadAsTheCSVShowsThem() throws {
        let row = ResultDocument.Row(row: 3, ties: [
            .init(party: "ivo", kind: "via-representative"),
            .init(party: "polisen", kind: "direct-exact", attributes: ["category": ["aktiv"]], sealed: ["decision": ["AAEC"]]),
            .init(party: "polisen", kind: "direct-fuzzy")])
        #expect(String(decoding: row.json.encoded, as: UTF8.self) ==
                #"{"row":3,"ties":[{"kind":"via-representative","party":"ivo"},{"attributes":{"category":["aktiv"]},"kind":"direct-exact","party":"polisen","sealed":{"decision":["AAEC"]}},{"kind":"direct-fuzzy","party":"polisen"}]}"#)
        #expect(row.value("tiedTo") == "ivo;polisen")
        #expect(row.value("tieKinds") == "ivo:via-representative;polisen:direct-exact;polisen:direct-fuzzy")
        let doc = ResultDocument(agreement: "a", output: "c", recipient: "polisen", kind: "aggregate", k: 3, check: "c1", lists: ["ivo": "aa"],
                                 tieCounts: [.init(party: "ivo", kind: "direct-exact", count: 4), .init(party: "ivo", kind: "direct-fuzzy", suppressed: true)])
        #expect(String(decoding: doc.encoded, as: UTF8.self) ==
                #"{"agreement":"a","check":"c1","format":"korskoll-result-v1","k":3,"kind":"aggregate","lists":{"ivo":"aa"},"output":"c","recipient":"polisen","tieCounts":[{"count":4,"kind":"direct-exact","party":"ivo"},{"kind":"direct-fuzzy","party":"ivo","suppressed":true}]}"#)
    }

    /// results.md §4, §5.3: `ties` becomes `tiedTo` and `tieKinds` in a standing result's CSV only.
    @Test func aStandingResultsCSVShowsTiesAsTiedToAndTieKinds() {
        let fields = ["category", "evidence", "ties"]
        let standing = ResultDocument(agreement: "a", output: "o", recipient: "fk", kind: "per-record", fields: fields, check: "c")
        let v2 = ResultDocument(agreement: "a", output: "o", recipient: "fk", kind: "per-record", fields: fields)
        #expect(standing.csvFields == ["category", "evidence", "conflict", "givenNames", "address", "tiedTo", "tieKinds"])
        #expect(v2.csvFields == ["category", "evidence", "conflict", "givenNames", "address", "ties"])
    }

    @Test func aTieWithoutAKindIsRefusedByName() {
        let bad = Data(#"{"format":"korskoll-result-v1","agreement":"a","recipient":"r","output":"o","kind":"per-record","rows":[{"row":1,"ties":[{"party":"ivo"}]}]}"#.utf8)
        #expect { try ResultDocument.read(bad) } throws: { ($0 as? ResultDocument.Malformed)?.reason == "rows[0].ties[0].kind is missing" }
        let lists = Data(#"{"format":"korskoll-result-v1","agreement":"a","recipient":"r","output":"o","kind":"aggregate","lists":{"ivo":1}}"#.utf8)
        #expect { try ResultDocument.read(lists) } throws: { ($0 as? ResultDocument.Malformed)?.reason == "lists has the wrong type" }
    }
}
