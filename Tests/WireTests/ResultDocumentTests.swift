import Foundation
import Testing
import TestSupport
@testable import Wire

private func randomDocument(_ rng: inout SeededRandom) -> ResultDocument {
    let names = ["fk", "polisen", "agency \"7\"", "å\\b", "tab\there", "\u{1F642}", "ctl\u{1}"]
    func some(_ from: [String]) -> [String] { from.filter { _ in Bool.random(using: &rng) } }
    func maybe<T>(_ make: () -> T) -> T? { Bool.random(using: &rng) ? make() : nil }
    if Bool.random(using: &rng) {
        let rows = (0..<Int.random(in: 0...200, using: &rng)).map { i in
            ResultDocument.Row(row: i * 3 + Int.random(in: 0...2, using: &rng),
                               matchKind: maybe { some(["exact-person", "exact-organisation", "fuzzy", "via-representative"]) },
                               otherParties: maybe { some(names) }, scoreBand: maybe { names.randomElement(using: &rng)! },
                               category: maybe { some(["aktiv", "koppling", "å"]) }, viaRepresentative: maybe { Bool.random(using: &rng) },
                               sealed: maybe { ["category": some(["AAEC", "q83v", "/+8="]), "benefit": some(["AA=="])] },
                               evidence: maybe { (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                                   ResultDocument.Evidence(party: maybe { names.randomElement(using: &rng)! }, matchKind: ["exact-person", "fuzzy"].randomElement(using: &rng)!,
                                                           name: maybe { ["agree", "partial", "disagree"].randomElement(using: &rng)! },
                                                           birthDate: maybe { ["agree", "disagree"].randomElement(using: &rng)! },
                                                           scoreBand: maybe { "0.95-1.00" }, conflict: maybe { names.randomElement(using: &rng)! })
                               } })
        }
        return ResultDocument(agreement: names.randomElement(using: &rng)!, agreementHash: maybe { "00ff" }, output: "rows",
                              recipient: names.randomElement(using: &rng)!, kind: "per-record", runID: maybe { "run-1" },
                              submissionID: maybe { "" }, fields: maybe { some(["category", "matchKind", "scoreBand"]) },
                              matchedRows: maybe { rows.count }, rows: rows)
    }
    let cells = (0..<Int.random(in: 0...12, using: &rng)).map { _ in
        Bool.random(using: &rng) ? ResultDocument.Cell(a: names.randomElement(using: &rng)!, b: "b", count: Int.random(in: 0...Int.max, using: &rng), suppressed: nil)
                                 : ResultDocument.Cell(a: "a", b: names.randomElement(using: &rng)!, count: nil, suppressed: true)
    }
    return ResultDocument(agreement: "a", output: "matrix", recipient: "fk", kind: "aggregate", runID: "r", k: Int.random(in: 1...9, using: &rng), cells: cells)
}

/// The result format of `Protocols/results.md` §2–§3 has one home: what the writer writes, the
/// reader reads back equal, and Foundation reads the same bytes the same way.
@Suite struct ResultDocumentTests {
    @Test func writerThenReaderGivesBackEveryRandomDocument() throws {
        var rng = SeededRandom()
        for _ in 0..<300 {
            let doc = randomDocument(&rng)
            let bytes = doc.encoded
            #expect(try ResultDocument.read(Data(bytes)) == doc, "seed \(rng.seed)")
            #expect(try JSONDecoder().decode(ResultDocument.self, from: Data(bytes)) == doc, "seed \(rng.seed)")
        }
    }

    @Test func writerPutsKeysInByteOrderWithoutWhiteSpace() throws {
        let doc = ResultDocument(agreement: "w", agreementHash: "ab", output: "o", recipient: "fk", kind: "per-record", runID: "r",
                                 submissionID: "s", fields: ["matchKind"], matchedRows: 1, rows: [.init(row: 4, matchKind: ["fuzzy"])])
        #expect(String(decoding: doc.encoded, as: UTF8.self) ==
                #"{"agreement":"w","agreementHash":"ab","fields":["matchKind"],"format":"korskoll-result-v1","kind":"per-record","matchedRows":1,"output":"o","recipient":"fk","rows":[{"matchKind":["fuzzy"],"row":4}],"runID":"r","submissionID":"s"}"#)
    }

    /// results.md §2.2: `evidence` is a member of a row only when granted; a row without it is
    /// written exactly as before the member existed.
    @Test func evidenceIsWrittenInByteOrderAndAbsentWhenNotGranted() throws {
        let plain = ResultDocument.Row(row: 4, matchKind: ["fuzzy"], scoreBand: "0.95-1.00")
        #expect(String(decoding: plain.json.encoded, as: UTF8.self) == #"{"matchKind":["fuzzy"],"row":4,"scoreBand":"0.95-1.00"}"#)
        let row = ResultDocument.Row(row: 4, matchKind: ["exact-person"], evidence: [
            .init(party: "polisen", matchKind: "exact-person", name: "disagree", birthDate: "agree", scoreBand: "0.60-0.65", conflict: "names-disagree")])
        #expect(String(decoding: row.json.encoded, as: UTF8.self) ==
                #"{"evidence":[{"birthDate":"agree","conflict":"names-disagree","matchKind":"exact-person","name":"disagree","party":"polisen","scoreBand":"0.60-0.65"}],"matchKind":["exact-person"],"row":4}"#)
        #expect(row.value("evidence") == "polisen:exact-person name=disagree dob=agree band=0.60-0.65 conflict=names-disagree")
        #expect(row.value("conflict") == "yes" && plain.value("conflict") == "")
        let bad = Data(#"{"format":"korskoll-result-v1","agreement":"a","recipient":"r","output":"o","kind":"per-record","rows":[{"row":1,"evidence":[{"name":"agree"}]}]}"#.utf8)
        #expect { try ResultDocument.read(bad) } throws: { ($0 as? ResultDocument.Malformed)?.reason == "rows[0].evidence[0].matchKind is missing" }
    }

    @Test func aMemberOfTheWrongTypeIsRefusedByName() {
        let wrong = Data(#"{"format":"korskoll-result-v1","agreement":"a","recipient":"r","output":"o","kind":"per-record","rows":[{"row":1,"matchKind":"fuzzy"}]}"#.utf8)
        #expect { try ResultDocument.read(wrong) } throws: { ($0 as? ResultDocument.Malformed)?.reason == "rows[0].matchKind has the wrong type" }
    }
}
