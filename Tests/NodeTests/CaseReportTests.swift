import API
import Agreements
import Coordinator
import CoordinatorClient
import Foundation
import Node
import Parties
import ProtocolLog
import Sodium
import Testing
import TestSupport

private let agreementJSON = """
    {"format": "korskoll-agreement-v2", "id": "case-test", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator",
     "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": false},
                 {"id": "fk", "identifiers": ["person"], "fuzzy": false},
                 {"id": "ivo", "identifiers": ["person"], "fuzzy": false}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind", "otherParties"]},
                 {"name": "ivo-rows", "recipient": "ivo", "kind": "per-record", "fields": ["matchKind", "otherParties"]}],
     "retentionDays": 0}
    """

/// What the blocking calls saw, checked in the test's context.
private struct Sent: Sendable {
    var first: [OutcomeReportAnswer] = []
    var again: Result<OutcomeReportAnswer, any Error>?
    var duplicateOverHTTP: Result<OutcomeReportAnswer, any Error>?
    var released: SignedCaseReport?
    var releasedAgain: Result<SignedCaseReport, any Error>?
    var releasedByParty: Result<SignedCaseReport, any Error>?
}

@Suite struct CaseReportTests {
    @Test func aPeriodIsReportedOnceAndTheJointReportSuppressesCellsUnderKAndVerifies() async throws {
        let dir = NSTemporaryDirectory() + "korskoll-case-" + Hex.encode(Random.bytes(8))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let coordinator = try PartyKeys.generate(party: "coordinator")
        let keys = ["polisen": try PartyKeys.generate(party: "polisen"), "fk": try PartyKeys.generate(party: "fk"), "ivo": try PartyKeys.generate(party: "ivo")]
        let registry = try Registry(entries: [.init(id: "coordinator", name: "c", role: .coordinator, keys: coordinator.publicKeys)]
            + keys.values.map { .init(id: $0.party, name: $0.party, role: .node, keys: $0.publicKeys) })
        let agreement = try Agreement(json: Data(agreementJSON.utf8))
        var signatures = AgreementSignatures(agreement: agreement)
        for k in keys.values { signatures.sign(agreement, with: k) }
        let signatureData = try JSONEncoder().encode(signatures)
        let service = try CoordinatorService(dataDir: dir + "/coordinator", keys: coordinator, registry: registry)
        let now: UInt64 = 1_790_000_000  // 2026-09-21, in 2026-H2
        let period = ReportingPeriod("2026-H2")!

        // fk: 7 records tied to polisen, 2 to ivo; 6 reviews, 2 reclaims. ivo: 3 tied to polisen, 1 review.
        func prepare(_ party: String, ties: [String: Int], outcomes: [(String, String, String?)]) throws -> String {
            let state = "\(dir)/\(party)-state"
            var tied: [String: [String]] = [:]
            for (other, n) in ties { for i in 0..<n { tied["\(other)-\(i)"] = [other] } }
            _ = try ResultHistory(state: state, agreement: "case-test", output: "\(party)-rows", node: keys[party]!)
                .record(check: "c1", time: now, submitted: Set(tied.keys).union(["x"]), tied: tied)
            let done = try OutcomeBook(state: state, agreement: "case-test", node: keys[party]!)
                .record(outcomes.map { .init(record: $0.0, outcome: $0.1, amount: $0.2, date: "2026-09-01") }, now: now)
            #expect(done.refused.isEmpty)
            return state
        }
        let fkState = try prepare("fk", ties: ["polisen": 7, "ivo": 2],
                                  outcomes: (0..<6).map { ("polisen-\($0)", "review-opened", nil) } + [("polisen-0", "reclaimed", "1000"), ("ivo-1", "reclaimed", "250")])
        let ivoState = try prepare("ivo", ties: ["polisen": 3], outcomes: [("polisen-0", "review-opened", nil)])

        try await withServer(service) { port in
            let url = "http://127.0.0.1:\(port)"
            let clients = keys.mapValues { CoordinatorClient(url: url, keys: $0) }
            let client = { @Sendable (p: String) in clients[p]! }
            let sent = try await offPool { () -> Sent in
                var sent = Sent()
                _ = try client("fk").registerAgreement(document: Data(agreementJSON.utf8), signatures: signatureData)
                for (party, state) in [("fk", fkState), ("ivo", ivoState)] {
                    let signed = try PeriodReport.build(state: state, agreement: "case-test", period: period, node: keys[party]!, now: now)
                    sent.first.append(try PeriodReport.send(signed, period: period, agreement: "case-test", client: client(party),
                                                            coordinator: coordinator.publicKeys, state: state, now: now))
                }
                // Again through the node: refused before sending. Straight over HTTP: the coordinator refuses.
                let again = try PeriodReport.build(state: fkState, agreement: "case-test", period: period, node: keys["fk"]!, now: now + 1)
                sent.again = Result { try PeriodReport.send(again, period: period, agreement: "case-test", client: client("fk"),
                                                            coordinator: coordinator.publicKeys, state: fkState, now: now + 1) }
                sent.duplicateOverHTTP = Result { try client("fk").sendReport(agreement: "case-test", period: "2026-H2", signed: again) }
                sent.releasedByParty = Result { try client("fk").releaseReport(agreement: "case-test", period: "2026-H2", k: 5) }
                let operatorClient = CoordinatorClient(url: url, keys: coordinator)
                sent.released = try operatorClient.releaseReport(agreement: "case-test", period: "2026-H2", k: 5)
                sent.releasedAgain = Result { try operatorClient.releaseReport(agreement: "case-test", period: "2026-H2", k: 5) }
                return sent
            }
            #expect(sent.first.map(\.party) == ["fk", "ivo"])
            #expect(throws: NodeError.self) { try sent.again?.get() }
            if case .failure(let f as CoordinatorClient.Failure)? = sent.duplicateOverHTTP { #expect(f.status == 409 && f.code == "report.duplicate") } else {
                Issue.record("a second report of the same period was accepted")
            }
            if case .failure(let f as CoordinatorClient.Failure)? = sent.releasedByParty { #expect(f.status == 403) } else { Issue.record("a party released the report") }
            if case .failure(let f as CoordinatorClient.Failure)? = sent.releasedAgain { #expect(f.code == "report.duplicate") } else { Issue.record("released twice") }

            let signed = try #require(sent.released)
            let report = try CaseReportCompiler.verify(signed, coordinator: coordinator.signing.publicKey)
            #expect(report.parties == ["fk", "ivo"] && report.missing == ["polisen"] && report.k == 5)
            func cell(_ cells: [CaseReport.Cell], _ party: String, _ key: String) -> CaseReport.Cell? { cells.first { $0.party == party && $0.key == key } }
            #expect(cell(report.outcomes, "fk", "review-opened")?.count == 6)
            // 2 reclaims (< 5): count and amount both suppressed.
            #expect(cell(report.outcomes, "fk", "reclaimed") == CaseReport.Cell(party: "fk", key: "reclaimed", count: nil, amountSEK: nil, suppressed: true))
            #expect(cell(report.outcomes, "fk", "no-action")?.count == 0)
            #expect(cell(report.outcomes, "ivo", "review-opened")?.suppressed == true)
            #expect(cell(report.ties, "fk", "polisen")?.count == 7 && cell(report.ties, "fk", "ivo")?.suppressed == true)
            #expect(cell(report.ties, "ivo", "polisen")?.suppressed == true)
            // The CSV and the text never show a suppressed number.
            let csv = CaseReportCompiler.csv(report)
            #expect(csv.hasPrefix("table,party,key,count,amount_sek,suppressed\n") && csv.contains("outcome,fk,reclaimed,<5,,true"))
            #expect(!csv.contains("1250") && !CaseReportCompiler.text(report, signatureHex: "").contains("1250"))
            // A changed byte breaks the signature.
            var forged = signed
            forged.report[forged.report.startIndex + 20] ^= 1
            #expect(throws: CoordinatorError.self) { try CaseReportCompiler.verify(forged, coordinator: coordinator.signing.publicKey) }
        }
        let store = try LogStore(directory: dir + "/coordinator/log", coordinator: "coordinator", key: coordinator.signing)
        let events = try store.entries.map { try LogEvent(leaf: $0) }
        #expect(events.filter { $0.type == .reportReceived }.map(\.party) == ["fk", "ivo"])
        #expect(events.filter { $0.type == .requestRefused && $0.code == "report.duplicate" }.count == 2)
        let released = events.filter { $0.type == .reportReleased }
        #expect(released.count == 1 && released.first?.parties == ["fk", "ivo"] && released.first?.parameters?["period"] == "2026-H2")
        #expect(NodeLogBook.journal(state: fkState).contains { $0.type == .reportRefused })
        // The privacy officer's verification passes over the report events without an anomaly.
        let bundle = LogBundle(origin: store.origin, logKey: coordinator.signing.publicKey, entries: store.entries, checkpoints: store.checkpoints)
        let verified = try OfficerVerification.verify(bundle: bundle.encoded(signer: coordinator.signing), registry: registry,
                                                      agreements: [(agreement, signatures)],
                                                      nodeCheckpoints: [try Data(contentsOf: URL(fileURLWithPath: "\(fkState)/checkpoints.json"))])
        #expect(verified.anomalies.isEmpty, "\(verified.anomalies)")
    }
}
