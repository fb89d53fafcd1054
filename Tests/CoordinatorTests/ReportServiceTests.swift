import API
import Foundation
import Testing
import Agreements
import Parties
import ProtocolLog
import Sodium
@testable import Coordinator

/// fk's signed counts of watch-test for `period`.
private func signedCounts(_ w: World, period: String = "2026-H2", party: PartyKeys? = nil, ties: [String: Int] = ["polisen": 6]) throws -> Data {
    let keys = party ?? w.fk
    let counts = OutcomeReport(agreement: "watch-test", party: keys.party, period: period, createdAt: w.clock,
                               outcomes: ["review-opened": OutcomeTally(count: 6, amountSEK: 0)], ties: ties)
    var signed = SignedOutcomeReport(report: try APIJSON.encode(counts), signature: Data())
    signed.signature = Data(keys.signing.signature(for: signed.signedBytes))
    return try APIJSON.encode(signed)
}

private func reportFiles(_ w: World) -> [String] {
    (try? FileManager.default.subpathsOfDirectory(atPath: w.dir + "/coordinator/reports"))?.filter { $0.hasSuffix(".json") || $0.hasSuffix(".staged") } ?? []
}

@Suite struct ReportServiceTests {
    /// api.md §3.10: every refusal of a party's counts is logged and stores nothing.
    @Test func badCountsAreRefusedLoggedAndLeaveNothing() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
        var forged = try APIJSON.decode(SignedOutcomeReport.self, from: try signedCounts(w))
        forged.report[forged.report.startIndex + 12] ^= 1
        let cases: [(Data, String, CoordinatorError.Code)] = [
            (try APIJSON.encode(forged), "2026-H2", .forbidden),                       // the signature does not verify
            (try signedCounts(w), "2026-Q3", .badRequest),                             // signed for another period
            (try signedCounts(w, ties: ["fk": 1]), "2026-H2", .badRequest),            // a tie to itself
            (try signedCounts(w, ties: ["skv": 1]), "2026-H2", .badRequest),           // a tie to a non-party
            (Data("{}".utf8), "2026-H2", .badRequest),
        ]
        for (body, period, code) in cases {
            await #expect(throws: CoordinatorError.self) { try await s.receiveReport(party: "fk", agreementID: "watch-test", period: period, body: body) }
            do { _ = try await s.receiveReport(party: "fk", agreementID: "watch-test", period: period, body: body) } catch let e as CoordinatorError {
                #expect(e.code == code, "\(e.reason)")
            }
        }
        // A period outside the grammar never names a file (security.md §8: tried as "../../x").
        for period in ["2026-H3", "../../x", "2026-H2/../../x", "+026-H2"] {
            do { _ = try await s.receiveReport(party: "fk", agreementID: "watch-test", period: period, body: try signedCounts(w, period: period)) } catch let e as CoordinatorError {
                #expect(e.code == .badRequest, "\(period): \(e.reason)")
            }
        }
        #expect(reportFiles(w).isEmpty)
        #expect(try w.events(.requestRefused).count == 2 * cases.count + 4)
        #expect(try w.events(.reportReceived).isEmpty)
    }

    /// api.md §3.10 (as §5.2): while the log cannot be written, counts answer 503 and store nothing.
    @Test func countsTheLogCannotTakeStoreNothing() async throws {
        let w = try World()
        let layout = FileLayout(root: w.dir + "/coordinator")
        try layout.prepare()
        nonisolated(unsafe) let files = FaultInjectingLogFiles()
        let t = w.clock
        let s = try CoordinatorService(layout: layout, store: MemoryStore(), keys: w.coordinator, registry: w.registry, now: { t }, logFiles: files,
                                       diagnostics: { _ in })
        _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
        files.budget = 10
        do {
            _ = try await s.receiveReport(party: "fk", agreementID: "watch-test", period: "2026-H2", body: try signedCounts(w))
            Issue.record("accepted without a log")
        } catch let e as CoordinatorError { #expect(e.code == .unavailable) }
        #expect(reportFiles(w).isEmpty)
        files.budget = nil
        let answer = try await s.receiveReport(party: "fk", agreementID: "watch-test", period: "2026-H2", body: try signedCounts(w))
        #expect(answer.party == "fk" && reportFiles(w) == ["watch-test/2026-H2/fk.json"])
    }
}
