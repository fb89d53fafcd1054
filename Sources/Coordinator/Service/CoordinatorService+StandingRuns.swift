import API
import Agreements
import Foundation

// Protocols/standing.md §1.3: which runs of a standing agreement a party is told of, so that an
// aggregate recipient finds the results built for it without learning who checked when.
extension CoordinatorService {
    /// Whether the run of `check` concerns `party` (standing.md §1.3): its own submission, or a
    /// run that builds an output for it — every run that is run builds every aggregate output
    /// (§1.1), and per-record outputs only ever go to the submitter. Fixed at acceptance (a
    /// `stored` list stays stored), so the numbering of the runs that concern a party never moves.
    static func runConcerns(_ check: CheckRecord, party: String, agreement a: Agreement) -> Bool {
        check.party == party || (check.state != .stored && a.outputs.contains { $0.kind == .aggregate && $0.recipient == party })
    }

    /// The runs of `agreementID` that concern `party`, numbered from 1 in acceptance order, with
    /// a sequence above `since` (`GET /v1/agreements/{id}/runs?since=N`, api.md §3.9). The
    /// submitter is named only to itself; parties of the agreement only (403, logged).
    public func standingRuns(party: String, agreementID: String, since: Int) throws -> StandingRunsAnswer {
        let a = try agreement(agreementID)
        guard a.partyIDs.contains(party) else {
            try forbid(party, agreement: a.id, "'\(party)' is not a party to \(a.id)", path: "runs")
        }
        guard a.isStanding else {
            throw CoordinatorError(.submissionNotStanding, "agreement \(a.id) is not standing: it has one run, ask GET /v1/agreements/\(a.id)/status")
        }
        guard since >= 0 else { throw CoordinatorError(.badRequest, "since = \(since): a sequence number is 0 or more") }
        let mine = try store.checks(agreement: a.id).filter { Self.runConcerns($0, party: party, agreement: a) }
        var runs: [StandingRunEntry] = []
        for (i, c) in mine.enumerated() where i + 1 > since {
            runs.append(StandingRunEntry(sequence: i + 1, checkID: c.submissionID, state: c.state, party: c.party == party ? party : nil,
                                         results: try store.checkResultOutputs(agreement: a.id, submissionID: c.submissionID, recipient: party)))
        }
        return StandingRunsAnswer(agreement: a.id, runs: runs)
    }
}
