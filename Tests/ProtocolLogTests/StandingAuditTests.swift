import Agreements
import Foundation
import Sodium
import Testing
@testable import ProtocolLog

private let standingJSON = """
    {"format": "korskoll-agreement-v3", "id": "standing-log", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator", "validity": {"from": "2026-01-01", "until": "2027-09-30"},
     "parties": [{"id": "polisen", "roles": ["reference"], "identifiers": ["person"], "fuzzy": false, "listRetentionDays": 30},
                 {"id": "fk", "roles": ["subjects"], "identifiers": ["person"], "fuzzy": false}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind"]}],
     "retentionDays": 0}
    """

/// Protocols/standing.md §3, §4 as `log verify` checks them: lists end on time, runs use
/// standing lists only, checks run and are deleted.
@Suite struct StandingAuditTests {
    static let day: UInt64 = 86_400
    static let t0: UInt64 = 1_795_000_000

    /// A standing history: the police's list (expiring after 30 days), then fk's check `c1` run
    /// against it at `checkAt`, its result sealed and its encodings deleted.
    func history(_ log: LogStore, checkAt: UInt64, expireAt: UInt64?) throws -> Agreement {
        let a = try Agreement(json: Data(standingJSON.utf8))
        let t = Self.t0
        log.append(LogEvent(time: t, type: .agreementRegistered, agreement: a.id, hash: Hex.encode(a.hash), parties: ["fk", "polisen"]))
        log.append(LogEvent(time: t + 1, type: .submissionAccepted, agreement: a.id, party: "polisen", hash: "aa", submissionID: "l1",
                            counts: ["rows": 10, "personIDs": 10], parameters: ["kind": "list"]))
        log.append(LogEvent(time: t + 1, type: .listReplaced, agreement: a.id, party: "polisen", hash: "aa", submissionID: "l1",
                            counts: ["rows": 10], parameters: ["replaces": "none", "expires": String(t + 1 + 30 * Self.day)]))
        var events: [LogEvent] = [
            LogEvent(time: checkAt, type: .submissionAccepted, agreement: a.id, party: "fk", hash: "bb", submissionID: "c1",
                     counts: ["rows": 5, "personIDs": 5], parameters: ["kind": "check"]),
            LogEvent(time: checkAt, type: .runStarted, agreement: a.id, party: "fk", submissionID: "c1", runID: "r1", parties: ["polisen", "fk"],
                     parameters: ["lists": "aa"]),
            LogEvent(time: checkAt, type: .runFinished, agreement: a.id, party: "fk", submissionID: "c1", runID: "r1", parties: ["polisen", "fk"]),
            LogEvent(time: checkAt, type: .resultSealed, agreement: a.id, recipient: "fk", hash: "cc", submissionID: "c1", runID: "r1", output: "fk-rows"),
            LogEvent(time: checkAt, type: .encodingsDeleted, agreement: a.id, submissionID: "c1", parties: ["fk"]),
        ]
        if let expireAt {
            events.append(LogEvent(time: expireAt, type: .listExpired, agreement: a.id, party: "polisen", hash: "aa", submissionID: "l1"))
        }
        for e in events.sorted(by: { $0.time < $1.time }) { log.append(e) }
        try log.commit()
        return a
    }

    func verify(_ log: LogStore, _ a: Agreement) throws -> LogReport {
        var f = AgreementFacts(id: a.id, hash: a.hash, parties: a.partyIDs, signedBy: Set(a.partyIDs), outputs: ["fk-rows": "fk"], retentionDays: 0)
        f.agreement = a
        let decoded = try LogBundle(decoding: bundle(log).encoded(signer: coordinatorKey), key: coordinatorKey.publicKey)
        return try LogVerifier.verify(decoded, agreements: [f])
    }

    @Test func aListThatExpiresOnTimeAndAChecksRunAreLawful() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        let a = try history(log, checkAt: Self.t0 + 2 * Self.day, expireAt: Self.t0 + 1 + 30 * Self.day)
        let report = try verify(log, a)
        #expect(report.anomalies.isEmpty, "\(report.anomalies)")
    }

    @Test func aListKeptPastItsRetentionIsAnAnomaly() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        // Expired two days late.
        let a = try history(log, checkAt: Self.t0 + 2 * Self.day, expireAt: Self.t0 + 32 * Self.day)
        #expect(try verify(log, a).anomalies.map(\.code).contains("list-kept-past-retention"))
        // Never expired, with a later event in the log.
        let dir2 = TempDir()
        let log2 = try openLog(dir2)
        let b = try history(log2, checkAt: Self.t0 + 40 * Self.day, expireAt: nil)
        let codes = try verify(log2, b).anomalies.map(\.code)
        #expect(codes.contains("list-kept-past-retention") && codes.contains("run-on-ended-list"), "\(codes)")
    }

    @Test func aCheckWhoseEncodingsWereNeverDeletedIsAnAnomaly() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        let a = try Agreement(json: Data(standingJSON.utf8))
        log.append(LogEvent(time: Self.t0, type: .agreementRegistered, agreement: a.id, hash: Hex.encode(a.hash), parties: ["fk", "polisen"]))
        log.append(LogEvent(time: Self.t0 + 1, type: .submissionAccepted, agreement: a.id, party: "fk", hash: "bb", submissionID: "c1",
                            counts: ["rows": 5, "personIDs": 5], parameters: ["kind": "check"]))
        log.append(LogEvent(time: Self.t0 + 2, type: .runStarted, agreement: a.id, party: "fk", submissionID: "c1", runID: "r1", parameters: ["lists": ""]))
        log.append(LogEvent(time: Self.t0 + 2, type: .runFinished, agreement: a.id, party: "fk", submissionID: "c1", runID: "r1"))
        try log.commit()
        #expect(try verify(log, a).anomalies.map(\.code) == ["check-not-deleted"])
    }
    /// standing.md §3: a `list.replaced` whose `expires` lies past the party's
    /// `listRetentionDays` (or is missing) would let the coordinator keep a list for ever while
    /// the audit measured it against its own word; the verifier recomputes the bound.
    @Test func aListWhoseLoggedExpiryExceedsItsRetentionIsAnAnomaly() throws {
        for expires in [String(Self.t0 + 1 + 365 * Self.day), nil] {
            let dir = TempDir()
            let log = try openLog(dir)
            let a = try Agreement(json: Data(standingJSON.utf8))
            let t = Self.t0
            log.append(LogEvent(time: t, type: .agreementRegistered, agreement: a.id, hash: Hex.encode(a.hash), parties: ["fk", "polisen"]))
            log.append(LogEvent(time: t + 1, type: .submissionAccepted, agreement: a.id, party: "polisen", hash: "aa", submissionID: "l1",
                                counts: ["rows": 10, "personIDs": 10], parameters: ["kind": "list"]))
            var parameters = ["replaces": "none"]
            parameters["expires"] = expires
            log.append(LogEvent(time: t + 1, type: .listReplaced, agreement: a.id, party: "polisen", hash: "aa", submissionID: "l1",
                                counts: ["rows": 10], parameters: parameters))
            let at = t + 40 * Self.day
            log.append(LogEvent(time: at, type: .submissionAccepted, agreement: a.id, party: "fk", hash: "bb", submissionID: "c1",
                                counts: ["rows": 5, "personIDs": 5], parameters: ["kind": "check"]))
            log.append(LogEvent(time: at, type: .runStarted, agreement: a.id, party: "fk", submissionID: "c1", runID: "r1", parties: ["polisen", "fk"],
                                parameters: ["lists": "aa"]))
            log.append(LogEvent(time: at, type: .runFinished, agreement: a.id, party: "fk", submissionID: "c1", runID: "r1", parties: ["polisen", "fk"]))
            log.append(LogEvent(time: at, type: .encodingsDeleted, agreement: a.id, submissionID: "c1", parties: ["fk"]))
            try log.commit()
            let codes = try verify(log, a).anomalies.map(\.code)
            #expect(codes.contains("list-expiry-beyond-retention") && codes.contains("run-on-ended-list"), "expires \(expires ?? "absent"): \(codes)")
        }
    }
    /// standing.md §4: check rows past a party's `maxCheckRowsPerDay` in one UTC day are an
    /// anomaly; the same rows over two days are not.
    @Test func checkRowsPastTheDailyBoundAreAnAnomaly() throws {
        let json = standingJSON.replacingOccurrences(of: #""roles": ["subjects"], "identifiers": ["person"], "fuzzy": false"#,
                                                     with: #""roles": ["subjects"], "identifiers": ["person"], "fuzzy": false, "maxCheckRowsPerDay": 8"#)
        let a = try Agreement(json: Data(json.utf8))
        for (gap, expected) in [(UInt64(60), true), (Self.day, false)] {
            let dir = TempDir()
            let log = try openLog(dir)
            let t = Self.t0 - Self.t0 % Self.day
            log.append(LogEvent(time: t, type: .agreementRegistered, agreement: a.id, hash: Hex.encode(a.hash), parties: ["fk", "polisen"]))
            for (i, at) in [t + 10, t + 10 + gap].enumerated() {
                let sid = "c\(i)"
                log.append(LogEvent(time: at, type: .submissionAccepted, agreement: a.id, party: "fk", hash: "b\(i)", submissionID: sid,
                                    counts: ["rows": 5, "personIDs": 5], parameters: ["kind": "check"]))
                log.append(LogEvent(time: at, type: .runStarted, agreement: a.id, party: "fk", submissionID: sid, runID: "r\(i)", parties: ["fk"]))
                log.append(LogEvent(time: at, type: .runFinished, agreement: a.id, party: "fk", submissionID: sid, runID: "r\(i)", parties: ["fk"]))
                log.append(LogEvent(time: at, type: .encodingsDeleted, agreement: a.id, submissionID: sid, parties: ["fk"]))
            }
            try log.commit()
            let codes = try verify(log, a).anomalies.map(\.code)
            #expect(codes.contains("check-quota-exceeded") == expected, "gap \(gap): \(codes)")
        }
    }
}
