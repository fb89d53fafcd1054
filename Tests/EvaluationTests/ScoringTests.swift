import Testing
import Evaluation

/// Pair-level scoring against the truth (`Protocols/matching.md` §6) on hand-built runs.
@Suite struct ScoringTests {
    private let truth: TruthRows = [
        "a": ["a1": (1, ""), "a2": (2, "name-variant"), "a3": (4, "")],
        "b": ["b1": (1, ""), "b2": (3, ""), "b3": (2, "dob-missing"), "b4": (4, "")],
    ]
    private let records = [["a1", "a2"], ["b1", "b2", "b3"]]

    @Test func aTrueLinkIsCountedOnceAndAMissedPairByItsProblems() {
        var e = Evaluation(label: "t", threshold: 0.9, blocking: true, seconds: 0, comparisons: 0)
        // a1–b1 linked (group 0); a2 and b3 are the same person but apart; b2 alone.
        e.score(registers: ["a", "b"], truth: truth, recordOfRow: records, groupOf: [[0, 1], [0, 2, 3]])
        let c = e.pairs["a+b"]!
        #expect(c.predicted == 1 && c.truePositives == 1)
        // a3–b4 are one person but a3 was not submitted: missed, under row-not-submitted.
        #expect(c.actual == 3)
        #expect(e.missedByProblem == ["name-variant": 1, "dob-missing": 1, "row-not-submitted": 1])
        #expect(c.precision == 1 && abs(c.recall - 1.0 / 3) < 1e-12)
    }

    @Test func aFalseLinkLowersPrecision() {
        var e = Evaluation(label: "t", threshold: 0.9, blocking: true, seconds: 0, comparisons: 0)
        // a2 wrongly joins b2's group; a1–b1 right.
        e.score(registers: ["a", "b"], truth: truth, recordOfRow: records, groupOf: [[0, 1], [0, 1, 2]])
        let c = e.total
        #expect(c.predicted == 2 && c.truePositives == 1)
        #expect(c.precision == 0.5)
        #expect(c.f1 == 2 * 0.5 * (1.0 / 3) / (0.5 + 1.0 / 3))
    }
}
