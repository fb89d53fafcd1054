import API
import Foundation
import ProtocolLog
import Testing
@testable import Coordinator

/// Protocols/standing.md §1.3 and api.md §3.9: `GET …/runs` lists the runs that concern the
/// caller, names the submitter only to itself, and is for parties only; api.md §3.5: the one-shot
/// status refuses a standing agreement with a pointer to the runs.
@Suite struct StandingRunsTests {
    @Test func anAggregateRecipientFindsEveryRunWithoutLearningWhoSubmitted() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        let json = standingJSON(aggregate: true)
        try await w.register(s, json)
        let list = try await w.put(s, .list, from: w.polisen, people: Array(0..<10))
        let first = try await w.put(s, .check, from: w.fk, people: Array(5..<15))
        let second = try await w.put(s, .check, from: w.fk, people: Array(8..<20))
        for c in [first, second] { #expect(try await waitForCheck(s, party: "fk", sid: c.submissionID).state == .finished) }

        let police = try await s.standingRuns(party: "polisen", agreementID: "standing-test", since: 0)
        #expect(police.runs == [
            StandingRunEntry(sequence: 1, checkID: list.submissionID, state: .stored, party: "polisen", results: []),
            StandingRunEntry(sequence: 2, checkID: first.submissionID, state: .finished, party: nil, results: ["polisen-count"]),
            StandingRunEntry(sequence: 3, checkID: second.submissionID, state: .finished, party: nil, results: ["polisen-count"]),
        ])
        // The police's own list is not run; fk never sees it, and sees its own checks with its name.
        let fk = try await s.standingRuns(party: "fk", agreementID: "standing-test", since: 0)
        #expect(fk.runs.map(\.checkID) == [first.submissionID, second.submissionID])
        #expect(fk.runs.map(\.sequence) == [1, 2] && fk.runs.allSatisfy { $0.party == "fk" && $0.results == ["fk-rows"] })
        // A party with no output and no submission is told of no run at all.
        #expect(try await s.standingRuns(party: "bolagsverket", agreementID: "standing-test", since: 0).runs.isEmpty)
        // `since` leaves out what the caller has seen.
        #expect(try await s.standingRuns(party: "polisen", agreementID: "standing-test", since: 2).runs.map(\.sequence) == [3])
        #expect(try await s.standingRuns(party: "polisen", agreementID: "standing-test", since: 3).runs.isEmpty)
        // Every aggregate found this way can be fetched, and the log stays lawful.
        for run in police.runs where !run.results.isEmpty {
            _ = try await s.fetchCheckResult(party: "polisen", agreementID: "standing-test", submissionID: run.checkID, output: "polisen-count")
        }
        #expect(try w.events(.resultFetched).filter { $0.party == "polisen" }.count == 2)
        let anomalies = try w.anomalies(json)
        #expect(anomalies.isEmpty, "\(anomalies)")
    }

    @Test func runsAreForPartiesOnlyAndTheRefusalIsLogged() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s, standingJSON(aggregate: true))
        let code = await refusalCode { _ = try await s.standingRuns(party: "outsider", agreementID: "standing-test", since: 0) }
        #expect(code == "auth.forbidden")
        let refused = try w.events(.authenticationFailed)
        #expect(refused.count == 1 && refused[0].party == "outsider" && refused[0].parameters?["path"] == "runs")
        let negative = await refusalCode { _ = try await s.standingRuns(party: "fk", agreementID: "standing-test", since: -1) }
        #expect(negative == "request.invalid")
    }

    @Test func theOneShotStatusOfAStandingAgreementPointsToItsRuns() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s)
        do {
            _ = try await s.status(party: "fk", agreementID: "standing-test")
            Issue.record("a standing agreement answered the one-shot status")
        } catch let e as CoordinatorError {
            #expect(e.code == .submissionStanding)
            #expect(e.reason.contains("/v1/agreements/standing-test/runs") && e.reason.contains("/checks/"), "\(e.reason)")
        }
        // An outsider is still refused as one before anything else.
        #expect(await refusalCode { _ = try await s.status(party: "outsider", agreementID: "standing-test") } == "auth.forbidden")
    }
}
