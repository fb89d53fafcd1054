import Testing
@testable import Node

/// node.md §12: the cursor of `node results --all-new` moves only over runs that have ended with
/// every ready output fetched, and remembers what it fetched beyond a run still under way.
@Suite struct StandingFetchTests {
    @Test func theCursorMovesOverEndedRunsWhoseResultsWereAllFetched() {
        let runs = [(sequence: 1, ended: true, outputs: ["c1/polisen-count"]), (sequence: 2, ended: true, outputs: [String]()),
                    (sequence: 3, ended: true, outputs: ["c3/polisen-count"])]
        let next = StandingFetch.advance(.init(), runs: runs, fetched: ["c1/polisen-count", "c3/polisen-count"])
        #expect(next == .init(sequence: 3, fetched: []))
    }

    @Test func aRunStillUnderWayHoldsTheCursorAndLaterFetchesAreRemembered() {
        let runs = [(sequence: 4, ended: true, outputs: ["c4/polisen-count"]), (sequence: 5, ended: false, outputs: [String]()),
                    (sequence: 6, ended: true, outputs: ["c6/polisen-count"])]
        let next = StandingFetch.advance(.init(sequence: 3), runs: runs, fetched: ["c4/polisen-count", "c6/polisen-count"])
        #expect(next == .init(sequence: 4, fetched: ["c6/polisen-count"]))
    }

    @Test func aResultLeftForLaterHoldsTheCursor() {
        // A per-record result that could not be opened (no --encoded) is not fetched: the run is asked for again.
        let runs = [(sequence: 1, ended: true, outputs: ["c1/fk-rows", "c1/overlap"]), (sequence: 2, ended: true, outputs: ["c2/overlap"])]
        let next = StandingFetch.advance(.init(), runs: runs, fetched: ["c1/overlap", "c2/overlap"])
        #expect(next == .init(sequence: 0, fetched: ["c1/overlap", "c2/overlap"]))
    }
}
