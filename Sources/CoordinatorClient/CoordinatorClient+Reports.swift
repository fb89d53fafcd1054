import API
import Foundation

/// The case-development calls of `Protocols/api.md` §3.9.
extension CoordinatorClient {
    /// §3.9: sends this party's signed counts for `period`; the answer carries the receipt of
    /// `report.received`. A period already reported is refused (409, `report.duplicate`).
    public func sendReport(agreement: String, period: String, signed: SignedOutcomeReport) throws -> OutcomeReportAnswer {
        try call("PUT", APIPath.report(agreement: agreement, period: period), body: APIJSON.encode(signed))
    }

    /// §3.9: the coordinator's own call: compiles, signs, logs and returns the joint report of
    /// `period` with cells under `k` suppressed. A second release is refused (409).
    public func releaseReport(agreement: String, period: String, k: Int) throws -> SignedCaseReport {
        try call("POST", APIPath.releaseReport(agreement: agreement, period: period), body: APIJSON.encode(ReleaseReportRequest(k: k)))
    }
}
