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

    /// api.md §3.10, log.md §6.7: counts sent again after a crash lost the placed file are
    /// accepted with `repeats` naming the earlier event, and the officer finds no duplicate; a
    /// release likewise.
    @Test func countsSentAgainAfterALostFileSayWhatTheyRepeatAndVerifyClean() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
        let first = try await s.receiveReport(party: "fk", agreementID: "watch-test", period: "2026-H2", body: try signedCounts(w))
        // The crash of api.md §3.10: the event is logged, the file never placed.
        try FileManager.default.removeItem(atPath: w.dir + "/coordinator/reports/watch-test/2026-H2/fk.json")
        _ = try await s.receiveReport(party: "fk", agreementID: "watch-test", period: "2026-H2", body: try signedCounts(w))
        let received = try w.events(.reportReceived)
        #expect(received.count == 2 && received[0].parameters?["repeats"] == nil && received[1].parameters?["repeats"] == first.hash)
        _ = try await s.releaseReport(party: "coordinator", agreementID: "watch-test", period: "2026-H2", k: 5)
        try FileManager.default.removeItem(atPath: w.dir + "/coordinator/reports/watch-test/2026-H2/released.json")
        _ = try await s.releaseReport(party: "coordinator", agreementID: "watch-test", period: "2026-H2", k: 5)
        let released = try w.events(.reportReleased)
        #expect(released.count == 2 && released[1].parameters?["repeats"] == released[0].hash)

        let a = try Agreement(json: Data(agreementJSON.utf8))
        var facts = AgreementFacts(id: a.id, hash: a.hash, parties: a.partyIDs, signedBy: Set(a.partyIDs),
                                   outputs: Dictionary(a.outputs.map { ($0.name, $0.recipient) }, uniquingKeysWith: { x, _ in x }), retentionDays: a.retentionDays)
        facts.agreement = a
        let log = try LogStore(directory: w.dir + "/coordinator/log", coordinator: "coordinator", key: w.coordinator.signing)
        let report = try LogVerifier.verify(LogBundle(origin: log.origin, logKey: w.coordinator.signing.publicKey, entries: log.entries,
                                                      checkpoints: log.checkpoints), agreements: [facts])
        #expect(report.anomalies.isEmpty, "\(report.anomalies)")
    }
}
