import Agreements
import Foundation
import Testing
import Sodium
@testable import ProtocolLog

/// Protocols/log.md §6.5: the report lists what each party sent.
@Suite struct LogSentTests {
    @Test func theReportListsEachPartysIdentifierKindsAndAttributes() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        let t: UInt64 = 1_795_000_000, a = facts.id
        log.append(LogEvent(time: t, type: .agreementRegistered, agreement: a, hash: Hex.encode(agreementHash), parties: ["fk", "polisen"]))
        log.append(LogEvent(time: t + 20, type: .submissionAccepted, agreement: a, party: "polisen", hash: String(repeating: "01", count: 32), submissionID: "s1",
                            counts: ["rows": 620, "personIDs": 610, "organisationIDs": 0, "clks": 600], parameters: ["attributes": "category>fk"]))
        log.append(LogEvent(time: t + 30, type: .submissionAccepted, agreement: a, party: "fk", hash: String(repeating: "02", count: 32), submissionID: "s2",
                            counts: ["rows": 1000, "personIDs": 900, "organisationIDs": 120, "clks": 990], parameters: ["attributes": ""]))
        try log.commit()
        let report = try verifies(bundle(log)).get()
        let subs = try #require(report.agreements.first?.submissions)
        #expect(subs.map(\.party) == ["polisen", "fk"])
        #expect(subs[0].sent == ["personIDs": 610, "clks": 600] && subs[0].attributes == ["category>fk"])
        #expect(subs[0].sentDescription == "person ids 610, CLKs 600; attributes category (sealed to fk)")
        #expect(subs[1].sentDescription == "person ids 900, organisation ids 120, CLKs 990; attributes none")
    }

    /// Logs written before the event carried attribute names still verify, with counts only.
    @Test func anOldSubmissionEventStillVerifies() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        try lawfulHistory(log)
        let report = try verifies(bundle(log)).get()
        #expect(report.anomalies.isEmpty && report.verdict == .verified)
        #expect(report.agreements.first?.submissions.allSatisfy { $0.attributes == nil } == true)
    }
}

/// log.md §6.5: accepting what the agreement does not declare is the coordinator's misconduct.
@Suite struct LogUndeclaredSubmissionTests {
    static let document = """
        {"format": "korskoll-agreement-v2", "id": "watch-2026", "version": 1, "purpose": "p", "legalBasis": "l", "coordinator": "coordinator",
         "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": true, "attributes": [{"name": "category", "values": ["aktiv"], "readers": ["fk"]}]},
                     {"id": "fk", "identifiers": ["person"], "fuzzy": true, "attributes": []}],
         "match": {"exact": ["person"], "schemaDigest": null, "threshold": 0.9}, "outputs": [], "retentionDays": 0}
        """

    @Test func anAcceptedUndeclaredAttributeOrKindIsAnAnomaly() throws {
        var withAgreement = facts
        withAgreement.agreement = try Agreement(json: Data(Self.document.utf8))
        for (counts, attributes, expected) in [
            (["rows": 5, "personIDs": 5], "category>fk", [String]()),
            (["rows": 5, "personIDs": 5], "surname_plain>coordinator", ["undeclared-submission"]),
            (["rows": 5, "personIDs": 5], "category>coordinator", ["undeclared-submission"]),
            (["rows": 5, "personIDs": 5, "organisationIDs": 2], "category>fk", ["undeclared-submission"]),
        ] {
            let dir = TempDir()
            let log = try openLog(dir)
            let t: UInt64 = 1_795_000_000
            log.append(LogEvent(time: t, type: .agreementRegistered, agreement: facts.id, hash: Hex.encode(agreementHash), parties: ["fk", "polisen"]))
            log.append(LogEvent(time: t + 1, type: .submissionAccepted, agreement: facts.id, party: "polisen", hash: String(repeating: "01", count: 32),
                                submissionID: "s1", counts: counts, parameters: ["attributes": attributes]))
            try log.commit()
            let decoded = try LogBundle(decoding: bundle(log).encoded(signer: coordinatorKey), key: coordinatorKey.publicKey)
            let report = try LogVerifier.verify(decoded, agreements: [withAgreement])
            #expect(report.anomalies.map(\.code) == expected, "\(attributes) \(counts): \(report.anomalies)")
        }
    }
}
