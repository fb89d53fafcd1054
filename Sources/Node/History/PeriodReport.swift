import API
import CoordinatorClient
import Foundation
import Parties
import ProtocolLog
import Sodium

/// A party's signed counts for a reporting period (`Protocols/node.md` §11, `standing.md` §8):
/// per outcome kind the count and the sum of amounts of the outcomes dated in the period, and per
/// reference party the records tied in checks opened in the period. Never a row or a record id.
public enum PeriodReport {
    /// Builds and signs the report of `agreement` for `period` from the node's outcome book and
    /// result histories in `state`. Every kind appears, with 0 when nothing was recorded.
    public static func build(state: String, agreement: String, period: ReportingPeriod, node: PartyKeys, now: UInt64) throws -> SignedOutcomeReport {
        var outcomes = Dictionary(uniqueKeysWithValues: OutcomeKind.allCases.map { ($0.rawValue, OutcomeTally(count: 0, amountSEK: 0)) })
        for e in try OutcomeBook(state: state, agreement: agreement, node: node).entries() where period.contains(day: e.date) {
            outcomes[e.outcome.rawValue]!.count += 1
            outcomes[e.outcome.rawValue]!.amountSEK += e.amountSEK ?? 0
        }
        var ties: [String: Int] = [:]
        for output in ResultHistory.outputs(state: state, agreement: agreement) {
            let history = try ResultHistory(state: state, agreement: agreement, output: output, node: node)
            // A record tied in two outputs to the same party counts once per output: outputs of one
            // party answer different questions (node.md §11).
            ties.merge(history.tiedRecords(in: period.seconds), uniquingKeysWith: +)
        }
        let report = OutcomeReport(agreement: agreement, party: node.party, period: period.text, createdAt: now, outcomes: outcomes, ties: ties)
        let bytes: Data
        do { bytes = try APIJSON.encode(report) } catch { throw NodeError(.report, "cannot encode the report") }
        var signed = SignedOutcomeReport(report: bytes, signature: Data())
        signed.signature = Data(node.signing.signature(for: signed.signedBytes))
        return signed
    }

    /// Where a sent report is kept: `<state>/reports/<agreement>.<period>.json`.
    public static func path(state: String, agreement: String, period: String) -> String { "\(state)/reports/\(agreement).\(period).json" }

    /// Sends a built report, keeps the receipt of `report.received` in the node's log book and
    /// the report in `state`. A period this node already sent is refused before sending; every
    /// refusal (the node's or the coordinator's) is noted in the node's journal.
    public static func send(_ signed: SignedOutcomeReport, period: ReportingPeriod, agreement: String, client: CoordinatorClient,
                            coordinator: PartyPublicKeys, state: String, now: UInt64) throws -> OutcomeReportAnswer {
        let kept = path(state: state, agreement: agreement, period: period.text)
        func refuse(_ code: String, _ reason: String) throws -> Never {
            try? NodeLogBook.note(LogEvent(time: now, type: .reportRefused, agreement: agreement, parameters: ["period": period.text],
                                           code: code, reason: reason), state: state)
            throw NodeError(.report, reason)
        }
        if FileManager.default.fileExists(atPath: kept) {
            try refuse(NodeError.Code.report.rawValue, "the report of \(agreement) for \(period.text) was sent already (\(kept)); a period is reported once")
        }
        let answer: OutcomeReportAnswer
        do { answer = try client.sendReport(agreement: agreement, period: period.text, signed: signed) } catch let f as CoordinatorClient.Failure {
            try refuse(f.code, "the coordinator refused the report of \(agreement) for \(period.text): \(f.reason)")
        }
        var book = try NodeLogBook(directory: state, coordinator: coordinator)
        _ = try book.keep(Receipt(answer.receipt), name: "report-\(agreement)-\(period.text)", consistency: client.consistency)
        do { try FileManager.default.createDirectory(atPath: state + "/reports", withIntermediateDirectories: true) } catch {
            throw NodeError(.io, "cannot create \(state)/reports")
        }
        guard SealedStateFile.writeWhole(Array(try APIJSON.encode(signed)), to: kept) else { throw NodeError(.io, "cannot write \(kept)") }
        try? NodeLogBook.note(LogEvent(time: now, type: .reportSent, agreement: agreement, hash: answer.hash, parameters: ["period": period.text]), state: state)
        return answer
    }
}
