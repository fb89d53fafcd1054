import API
import Agreements
import Foundation
import ProtocolLog
import Sodium
#if canImport(Glibc)
import Glibc
#endif

// Case development (Protocols/standing.md §8, Protocols/api.md §3.10): each party's signed counts
// for a period, and the one joint report the coordinator compiles from them.
extension CoordinatorService {
    /// Verifies and stores `party`'s signed counts of `agreementID` for `period` (the body of
    /// `PUT /v1/agreements/{id}/reports/{period}`) and logs `report.received`. Refused, logged and
    /// leaving nothing stored: a party outside the agreement, a bad period or body, a signature
    /// that does not verify under the party's registered key, a report that names another
    /// agreement, party or period, and a period the party already reported (`report.duplicate`).
    public func receiveReport(party: String, agreementID: String, period: String, body: Data) throws -> OutcomeReportAnswer {
        let path = APIPath.report(agreement: agreementID, period: period)
        let a = try agreement(agreementID)
        guard a.partyIDs.contains(party) else { try forbid(party, agreement: a.id, "'\(party)' is not a party to \(a.id)", path: path) }
        do {
            guard ReportingPeriod(period) != nil else {
                throw CoordinatorError(.badRequest, "period '\(period)' is not YYYY-H1, YYYY-H2 or YYYY-Q1…YYYY-Q4")
            }
            guard let signed = try? APIJSON.decode(SignedOutcomeReport.self, from: body) else {
                throw CoordinatorError(.badRequest, "expected {\"report\": base64, \"signature\": base64}")
            }
            guard let key = try? registry.entry(party).keys.signing, key.isValidSignature(Array(signed.signature), for: signed.signedBytes) else {
                throw CoordinatorError(.forbidden, "the report's signature does not verify under \(party)'s registered key")
            }
            guard let report = try? APIJSON.decode(OutcomeReport.self, from: signed.report), report.format == OutcomeReport.format else {
                throw CoordinatorError(.badRequest, "the signed report is not a \(OutcomeReport.format) document")
            }
            try Self.check(report, agreement: a, party: party, period: period)
            let file = try layout.partyReport(agreement: a.id, period: period, party: party)
            guard !FileManager.default.fileExists(atPath: file) else {
                throw CoordinatorError(.reportDuplicate, "\(party) has already reported \(period) of \(a.id); a period is reported once")
            }
            let hash = Hex.encode(SHA256.hash(Array(signed.report)))
            // api.md §3.10 (as §5.1): staged whole, the event logged, then renamed into place; a log
            // that cannot be written removes the staged file, so nothing of the request remains.
            try FileLayout.writeWhole(body, to: file + ".staged")
            // log.md §6.7: a report sent again after a crash lost the placed file names the
            // earlier event it repeats, so that the officer tells it from a duplicate.
            var parameters = ["period": period]
            if let earlier = loggedEvents().last(where: { _, e in
                e.type == .reportReceived && e.agreement == a.id && e.party == party && e.parameters?["period"] == period
            }) { parameters["repeats"] = earlier.1.hash ?? "" }
            let index = try logThenPlace(file, LogEvent(time: now(), type: .reportReceived, agreement: a.id, party: party, hash: hash,
                                                        parameters: parameters))
            return OutcomeReportAnswer(agreement: a.id, party: party, period: period, hash: hash, receipt: try receipt(for: index))
        } catch let e as CoordinatorError where e.isRefusal {
            logRefusal(LogEvent(time: now(), type: .requestRefused, agreement: a.id, party: party,
                                parameters: ["method": "PUT", "path": path, "period": period], code: e.code.rawValue, reason: layout.scrub(e.reason)))
            throw e.by(party).markedLogged()
        }
    }

    /// The rules of a party's counts (api.md §3.10): its own agreement, party and period; only
    /// known outcome kinds, with counts and amounts ≥ 0 and no amount for a kind without one;
    /// ties only to other parties of the agreement.
    static func check(_ r: OutcomeReport, agreement a: Agreement, party: String, period: String) throws {
        guard r.agreement == a.id, r.party == party, r.period == period else {
            throw CoordinatorError(.badRequest, "the report is for \(r.party), \(r.agreement), \(r.period), not \(party), \(a.id), \(period)")
        }
        for (kind, tally) in r.outcomes {
            guard let k = OutcomeKind(rawValue: kind) else { throw CoordinatorError(.badRequest, "outcome '\(kind)' is not a known outcome kind") }
            guard tally.count >= 0, tally.amountSEK >= 0, k.hasAmount || tally.amountSEK == 0 else {
                throw CoordinatorError(.badRequest, "outcome \(kind): count \(tally.count) and amount \(tally.amountSEK) are not possible")
            }
        }
        for (other, n) in r.ties {
            guard other != party, a.partyIDs.contains(other), n >= 0 else {
                throw CoordinatorError(.badRequest, "ties to '\(other)' (\(n)): not another party of \(a.id) with a count ≥ 0")
            }
        }
    }

    /// Compiles, signs, stores and logs (`report.released`) the joint report of `agreementID` for
    /// `period` from the counts the parties sent, with every cell under `k` suppressed. Only the
    /// coordinator itself may ask; `k` is at least 2 and at least every aggregate output's k; a
    /// period released before is refused (`report.duplicate`).
    public func releaseReport(party: String, agreementID: String, period: String, k: Int) throws -> SignedCaseReport {
        let path = APIPath.releaseReport(agreement: agreementID, period: period)
        guard party == id else { try forbid(party, agreement: agreementID, "only the coordinator releases the joint report", path: path) }
        let a = try agreement(agreementID)
        do {
            guard ReportingPeriod(period) != nil else {
                throw CoordinatorError(.badRequest, "period '\(period)' is not YYYY-H1, YYYY-H2 or YYYY-Q1…YYYY-Q4")
            }
            let floor = max(2, a.outputs.compactMap(\.k).max() ?? 2)
            guard k >= floor else { throw CoordinatorError(.badRequest, "k = \(k) is below \(floor), the least this agreement allows") }
            let file = try layout.releasedReport(agreement: a.id, period: period)
            guard !FileManager.default.fileExists(atPath: file) else {
                throw CoordinatorError(.reportDuplicate, "the joint report of \(a.id) for \(period) was released already")
            }
            var reports: [(OutcomeReport, hash: String)] = []
            for p in a.partyIDs {
                guard let body = FileManager.default.contents(atPath: try layout.partyReport(agreement: a.id, period: period, party: p)) else { continue }
                guard let signed = try? APIJSON.decode(SignedOutcomeReport.self, from: body),
                      let r = try? APIJSON.decode(OutcomeReport.self, from: signed.report) else {
                    throw CoordinatorError(.internal, "the stored report of \(p) for \(period) cannot be read")
                }
                reports.append((r, Hex.encode(SHA256.hash(Array(signed.report)))))
            }
            guard !reports.isEmpty else { throw CoordinatorError(.notFound, "no party has reported \(period) of \(a.id)") }
            let compiled = CaseReportCompiler.compile(agreement: a, period: period, k: k, reports: reports, now: now())
            let bytes = try APIJSON.encode(compiled)
            var signed = SignedCaseReport(report: bytes, signature: Data(), receipt: ReceiptMessage(checkpoint: "", index: 0, leafHash: [], proof: []))
            signed.signature = Data(keys.signing.signature(for: signed.signedBytes))
            try FileLayout.writeWhole(try APIJSON.encode(signed), to: file + ".staged")
            var parameters = ["period": period, "k": String(k)]
            if let earlier = loggedEvents().last(where: { _, e in
                e.type == .reportReleased && e.agreement == a.id && e.parameters?["period"] == period
            }) { parameters["repeats"] = earlier.1.hash ?? "" }
            let index = try logThenPlace(file, LogEvent(time: now(), type: .reportReleased, agreement: a.id, party: id,
                                                        hash: Hex.encode(SHA256.hash(Array(bytes))), parties: compiled.parties,
                                                        parameters: parameters))
            signed.receipt = try receipt(for: index)
            return signed
        } catch let e as CoordinatorError where e.isRefusal {
            logRefusal(LogEvent(time: now(), type: .requestRefused, agreement: a.id, party: party,
                                parameters: ["method": "POST", "path": path, "period": period], code: e.code.rawValue, reason: layout.scrub(e.reason)))
            throw e.by(party).markedLogged()
        }
    }

    /// Logs `event`, then renames `<file>.staged` to `file`; returns the event's index. A log that
    /// cannot be written removes the staged file. A crash between the two leaves the event without
    /// the file: the party sends again, and the log shows both (api.md §3.10).
    private func logThenPlace(_ file: String, _ event: LogEvent) throws -> UInt64 {
        let index: UInt64
        do { index = try record(event)[0] } catch {
            try? FileManager.default.removeItem(atPath: file + ".staged")
            throw error
        }
        guard rename(file + ".staged", file) == 0 else { throw CoordinatorError(.internal, "cannot place a report file after logging it") }
        return index
    }
}
