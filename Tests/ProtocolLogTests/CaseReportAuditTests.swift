import Agreements
import Foundation
import Sodium
import Testing
@testable import ProtocolLog

private let agreementJSON = """
    {"format": "korskoll-agreement-v3", "id": "cases-log", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator", "validity": {"from": "2026-01-01", "until": "2027-09-30"},
     "parties": [{"id": "polisen", "roles": ["reference"], "identifiers": ["person"], "fuzzy": false},
                 {"id": "fk", "roles": ["subjects"], "identifiers": ["person"], "fuzzy": false},
                 {"id": "af", "roles": ["subjects"], "identifiers": ["person"], "fuzzy": false}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind"]}],
     "retentionDays": 0}
    """

/// Protocols/log.md §6.7: the case-development events (`report.received`, `report.released`) as
/// `log verify` checks them.
@Suite struct CaseReportAuditTests {
    static let t0: UInt64 = 1_795_000_000

    static func received(_ party: String, _ period: String, hash: String, repeats: String? = nil) -> LogEvent {
        var parameters = ["period": period]
        if let repeats { parameters["repeats"] = repeats }
        return LogEvent(time: 0, type: .reportReceived, agreement: "cases-log", party: party, hash: hash, parameters: parameters)
    }

    static func released(_ period: String, parties: [String], hash: String = "ee", repeats: String? = nil) -> LogEvent {
        var parameters = ["period": period, "k": "5"]
        if let repeats { parameters["repeats"] = repeats }
        return LogEvent(time: 0, type: .reportReleased, agreement: "cases-log", party: "coordinator", hash: hash, parties: parties, parameters: parameters)
    }

    static func refused(_ party: String, _ period: String) -> LogEvent {
        LogEvent(time: 0, type: .requestRefused, agreement: "cases-log", party: party,
                 parameters: ["method": "PUT", "path": "/v1/agreements/cases-log/reports/\(period)", "period": period],
                 code: "report.duplicate", reason: "reported before")
    }

    /// The anomaly codes of a log holding the registration, then `events` one second apart.
    func codes(_ events: [LogEvent]) throws -> [String] {
        let dir = TempDir()
        let log = try openLog(dir)
        let a = try Agreement(json: Data(agreementJSON.utf8))
        log.append(LogEvent(time: Self.t0, type: .agreementRegistered, agreement: a.id, hash: Hex.encode(a.hash), parties: a.partyIDs))
        for (i, e) in events.enumerated() {
            var e = e
            e.time = Self.t0 + UInt64(i + 1)
            log.append(e)
        }
        try log.commit()
        var f = AgreementFacts(id: a.id, hash: a.hash, parties: a.partyIDs, signedBy: Set(a.partyIDs), outputs: ["fk-rows": "fk"], retentionDays: 0)
        f.agreement = a
        let decoded = try LogBundle(decoding: bundle(log).encoded(signer: coordinatorKey), key: coordinatorKey.publicKey)
        return try LogVerifier.verify(decoded, agreements: [f]).anomalies.map(\.code)
    }

    @Test func reportsThenOneReleaseOfThemAreLawful() throws {
        let lawful = [Self.received("fk", "2026-H2", hash: "a1"), Self.received("af", "2026-H2", hash: "a2"),
                      Self.refused("fk", "2026-H2"),
                      Self.released("2026-H2", parties: ["af", "fk"]),
                      // Another period is another report; a party that sent after a lost file says so.
                      Self.received("fk", "2027-H1", hash: "b1"), Self.received("fk", "2027-H1", hash: "b2", repeats: "b1"),
                      Self.released("2027-H1", parties: ["fk"])]
        #expect(try codes(lawful) == [])
    }

    @Test func aReportFromAPartyOutsideTheAgreementIsAnAnomaly() throws {
        #expect(try codes([Self.received("pm", "2026-H2", hash: "a1")]) == ["report-foreign"])
    }

    @Test func aSecondReportOfTheSamePeriodIsAnAnomaly() throws {
        #expect(try codes([Self.received("fk", "2026-H2", hash: "a1"), Self.received("fk", "2026-H2", hash: "a2")]) == ["report-duplicate"])
        // A refusal in between does not make a second acceptance lawful.
        #expect(try codes([Self.received("fk", "2026-H2", hash: "a1"), Self.refused("fk", "2026-H2"),
                           Self.received("fk", "2026-H2", hash: "a2")]) == ["report-duplicate"])
        // Nor does a `repeats` that names another report.
        #expect(try codes([Self.received("fk", "2026-H2", hash: "a1"), Self.received("fk", "2026-H2", hash: "a2", repeats: "zz")]) == ["report-duplicate"])
    }

    @Test func aPeriodReleasedTwiceIsAnAnomaly() throws {
        let twice = [Self.received("fk", "2026-H2", hash: "a1"), Self.released("2026-H2", parties: ["fk"], hash: "e1"),
                     Self.released("2026-H2", parties: ["fk"], hash: "e2")]
        #expect(try codes(twice) == ["report-released-twice"])
        let reissued = [Self.received("fk", "2026-H2", hash: "a1"), Self.released("2026-H2", parties: ["fk"], hash: "e1"),
                        Self.released("2026-H2", parties: ["fk"], hash: "e2", repeats: "e1")]
        #expect(try codes(reissued) == [])
    }

    @Test func aReleaseNamingAPartyThatDidNotReportIsAnAnomaly() throws {
        let events = [Self.received("fk", "2026-H2", hash: "a1"), Self.received("af", "2026-H1", hash: "a2"),
                      Self.released("2026-H2", parties: ["af", "fk"])]
        #expect(try codes(events) == ["report-release-unreported"])
    }

    @Test func aReleaseBeforeAnyReportIsAnAnomaly() throws {
        #expect(try codes([Self.released("2026-H2", parties: [])]) == ["report-release-without-report"])
        #expect(try codes([Self.released("2026-H2", parties: ["fk"]), Self.received("fk", "2026-H2", hash: "a1")])
                == ["report-release-without-report"])
    }
}
