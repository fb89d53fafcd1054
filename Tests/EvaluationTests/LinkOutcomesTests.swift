import Testing
import Evaluation

/// Fuzzy links alone and settled conflicts scored against the truth (`Protocols/matching.md` §6).
@Suite struct LinkOutcomesTests {
    private let truth: TruthRows = [
        "a": ["a1": (1, ""), "a2": (2, "id-typo-valid")],
        "b": ["b1": (1, ""), "b2": (2, ""), "b3": (3, "")],
    ]
    private let records = [["a1", "a2"], ["b1", "b2", "b3"]]

    /// A fuzzy link is true when its rows show one person; a re-linked row is right when its group
    /// holds its true person at another register, a kept one likewise.
    @Test func fuzzyLinksAndSettledConflictsAreScoredAgainstTheTruth() {
        // Run-wide rows: a1 0, a2 1, b1 2, b2 3, b3 4. a2 re-linked into b2's group (right);
        // a1 kept in b3's group (wrong).
        let o = LinkOutcomes.score(fuzzyLinks: [(0, 1, 1, 1, 0.97), (0, 0, 1, 2, 0.96)], relinked: [1], kept: [0], flaggedRows: 3,
                                   registers: ["a", "b"], truth: truth, recordOfRow: records, groupOf: [[4, 3], [2, 3, 4]])
        #expect(o.fuzzyLinks.predicted == 2 && o.fuzzyLinks.truePositives == 1 && o.fuzzyLinks.precision == 0.5)
        #expect(o.conflictRows == 2 && o.relinked == 1 && o.relinkedRight == 1 && o.kept == 1 && o.keptRight == 0)
        #expect(o.flaggedRows == 3)
    }
}
