import Foundation
import Testing
import Evaluation

/// Protocols/results.md §5.4: a standing result scored against the truth of ties.
@Suite struct TieScoringTests {
    typealias Pair = TieScoring.Pair

    @Test func precisionAndRecallCountPairsOfRecordAndReferenceParty() {
        let truth: Set<Pair> = [.init(recordID: "r1", party: "polisen"), .init(recordID: "r2", party: "polisen"), .init(recordID: "r2", party: "ivo")]
        let predicted: Set<Pair> = [.init(recordID: "r1", party: "polisen"), .init(recordID: "r2", party: "ivo"), .init(recordID: "r3", party: "ivo")]
        let s = TieScoring.score(predicted: predicted, truth: truth)
        #expect(s.total.predicted == 3 && s.total.actual == 3 && s.total.truePositives == 2)
        #expect(s.byParty["polisen"]?.precision == 1 && s.byParty["polisen"]?.recall == 0.5)
        #expect(s.byParty["ivo"]?.precision == 0.5 && s.byParty["ivo"]?.recall == 1)
        // The record tied to the right party through another: the pair is what counts.
        let wrongParty = TieScoring.score(predicted: [.init(recordID: "r1", party: "ivo")], truth: [.init(recordID: "r1", party: "polisen")])
        #expect(wrongParty.total.truePositives == 0)
    }

    @Test func theNodesResultCSVGivesOnePairPerTiedParty() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ties-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("record_id,line,category,tiedTo,tieKinds\nA-1,2,aktiv,ivo;polisen,ivo:direct-exact;polisen:via-representative\nB-2,5,,polisen,polisen:direct-fuzzy\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect(try TieScoring.pairs(resultCSV: path) == [.init(recordID: "A-1", party: "ivo"), .init(recordID: "A-1", party: "polisen"),
                                                           .init(recordID: "B-2", party: "polisen")])
        try Data("record_id,line,matchKind\nA-1,2,fuzzy\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: TieScoring.Failure.self) { try TieScoring.pairs(resultCSV: path) }
    }
}
