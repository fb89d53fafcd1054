import API
import Agreements
import Foundation
import ProtocolLog
import Sodium

// Status and results (Protocols/api.md §3.5, §3.6).
extension CoordinatorService {
    /// Who has submitted, the run's state and the caller's ready outputs; parties only.
    public func status(party: String, agreementID: String) throws -> StatusAnswer {
        let a = try agreement(agreementID)
        guard a.partyIDs.contains(party) else { try forbid(party, agreement: a.id, "'\(party)' is not a party to \(a.id)", path: "status") }
        // api.md §3.5: a standing agreement has no one run and no "missing" party; its runs are
        // answered per submission, as the caller may see them.
        guard !a.isStanding else {
            throw CoordinatorError(.submissionStanding, "agreement \(a.id) is standing: it has a run per list and check, not one; ask GET /v1/agreements/\(a.id)/runs for the runs that concern you and GET /v1/agreements/\(a.id)/checks/{submissionID} for one (`korskoll node status --standing`)")
        }
        let submitted = try store.submissions(agreement: a.id).map(\.party)
        let run = try store.run(agreement: a.id).map { r in
            RunStatus(runID: r.runID, state: r.state, progress: r.progress, error: r.error)
        } ?? RunStatus(state: .waiting)
        return StatusAnswer(agreement: a.id, parties: a.partyIDs, submitted: submitted.sorted(),
                            missing: Set(a.partyIDs).subtracting(submitted).sorted(), run: run,
                            results: try store.resultOutputs(agreement: a.id, recipient: party))
    }

    /// The sealed result of `output` for its recipient, with the receipt of the logged fetch.
    public func fetchResult(party: String, agreementID: String, output: String) throws -> FetchedResult {
        let a = try agreement(agreementID)
        guard let o = a.outputs.first(where: { $0.name == output }) else { throw CoordinatorError(.notFound, "agreement \(a.id) has no output \(output)") }
        guard o.recipient == party else {
            try forbid(party, agreement: a.id, "output \(output) of \(a.id) is for \(o.recipient); \(party) may not fetch it", path: "results/\(output)")
        }
        guard let r = try store.result(agreement: a.id, output: output) else {
            throw CoordinatorError(.notFound, "output \(output) of \(a.id) is not ready")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: r.file))
        FaultPoint.fetchBeforeLog.reach()
        let index = try record(LogEvent(time: now(), type: .resultFetched, agreement: a.id, party: party, runID: r.runID, output: output))[0]
        FaultPoint.fetchAfterLog.reach()
        return FetchedResult(sealed: data, receipt: try receipt(for: index))
    }
}
