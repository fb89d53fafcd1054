import API
import Testing
@testable import Coordinator

@Suite struct RunMachineTests {
    @Test func aWaitingAgreementStartsOnceEveryPartySubmitted() {
        var m = RunMachine(stored: nil)
        #expect(m.state == .waiting)
        #expect(m.allSubmitted(active: false) == .start(restart: false))
        #expect(m.state == .running)
        #expect(m.allSubmitted(active: true) == .none, "a run under way is not started twice")
    }

    @Test func aRunLeftRunningByAnotherProcessIsRestarted() {
        var m = RunMachine(stored: .running)
        #expect(m.allSubmitted(active: false) == .start(restart: true))
        #expect(m.state == .running)
    }

    @Test func aRunEndsFinishedOrFailedAndIsNeverRunAgain() {
        var ok = RunMachine(stored: .running)
        #expect(ok.sealed() == .recordFinished)
        #expect(ok.state == .finished)
        #expect(ok.failed("late") == .none, "a finished run does not fail afterwards")
        #expect(ok.allSubmitted(active: false) == .none)
        var bad = RunMachine(stored: .running)
        #expect(bad.failed("no rows") == .recordFailed(reason: "no rows"))
        #expect(bad.state == .failed)
        #expect(bad.sealed() == .none)
        #expect(bad.allSubmitted(active: false) == .none)
    }

    @Test func onlyARunningRunCanEnd() {
        for stored in [nil, RunState.finished, .failed] {
            var m = RunMachine(stored: stored)
            let before = m.state
            #expect(m.sealed() == .none)
            #expect(m.failed("x") == .none)
            #expect(m.state == before)
        }
    }

    /// Every sequence of events from every state: the state only moves along
    /// waiting → running → finished | failed, and an action is returned exactly when it moves
    /// (or when a stale run is restarted).
    @Test func everyEventSequenceFollowsTheStateGraph() {
        let allowed: Set<[RunState]> = [[.waiting, .running], [.running, .finished], [.running, .failed]]
        enum Event: CaseIterable { case submittedHere, submittedElsewhere, sealed, failed }
        func apply(_ e: Event, _ m: inout RunMachine) -> RunMachine.Action {
            switch e {
            case .submittedHere: m.allSubmitted(active: true)
            case .submittedElsewhere: m.allSubmitted(active: false)
            case .sealed: m.sealed()
            case .failed: m.failed("r")
            }
        }
        var sequences: [[Event]] = [[]]
        for _ in 0..<4 { sequences = sequences.flatMap { s in Event.allCases.map { s + [$0] } } }
        for start in [nil] + RunState.allCases.map(Optional.some) {
            for seq in sequences {
                var m = RunMachine(stored: start)
                for e in seq {
                    let before = m.state
                    let action = apply(e, &m)
                    if m.state != before {
                        #expect(allowed.contains([before, m.state]))
                        #expect(action != .none)
                    } else {
                        #expect(action == .none || action == .start(restart: true))
                    }
                }
            }
        }
    }
}
