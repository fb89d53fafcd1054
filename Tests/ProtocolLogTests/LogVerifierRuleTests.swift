import Foundation
import Testing
import Sodium
@testable import ProtocolLog

/// Protocols/log.md §6: anomalies are what the coordinator did that the agreements forbid;
/// refusals and repeated fetches are noise the log records but does not condemn.
@Suite struct LogVerifierRuleTests {
    @Test func aRefusalUnderAnAgreementNeverRegisteredIsNotAnAnomaly() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        try lawfulHistory(log)
        let t: UInt64 = 1_795_000_000 + 3 * day
        log.append(LogEvent(time: t, type: .submissionRejected, agreement: "no-such-agreement", party: "fk", code: "coordinator.not-found", reason: "agreement no-such-agreement is not registered"))
        log.append(LogEvent(time: t, type: .authenticationFailed, agreement: "never-registered", party: "fk", code: "coordinator.forbidden", reason: "not a party"))
        log.append(LogEvent(time: t, type: .submissionRejected, agreement: facts.id, party: "fk", code: "wire.malformed", reason: "bad header"))
        try log.commit()
        let report = try verifies(bundle(log)).get()
        #expect(report.anomalies.isEmpty, "\(report.anomalies)")
        // Listed and counted instead, with the lawful history's one authentication failure.
        #expect(report.refusalCount == 4 && report.refusals.map(\.agreement) == [nil, "no-such-agreement", "never-registered", facts.id])
        #expect(report.verdict == .verified && report.verdict.exitCode == 0)
        #expect(report.agreements.first?.rejectedSubmissions == 1)
    }

    @Test func aRecipientFetchingItsReleasedResultAgainIsNormal() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        try lawfulHistory(log)
        for k in 0..<3 {
            log.append(LogEvent(time: 1_795_000_000 + 3 * day + UInt64(k), type: .resultFetched, agreement: facts.id, party: "fk", runID: "r1", output: "fk-rows"))
        }
        try log.commit()
        let report = try verifies(bundle(log)).get()
        #expect(report.anomalies.isEmpty, "\(report.anomalies)")
        #expect(report.agreements.first?.releases.first?.fetches == 4)
        #expect(report.agreements.first?.releases.first?.fetchedAt == 1_795_000_200)
    }

    @Test func aFetchBeforeAnyReleaseIsAnAnomaly() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        let t: UInt64 = 1_795_000_000
        log.append(LogEvent(time: t, type: .agreementRegistered, agreement: facts.id, hash: Hex.encode(agreementHash)))
        log.append(LogEvent(time: t + 1, type: .resultFetched, agreement: facts.id, party: "fk", runID: "r1", output: "fk-rows"))
        try log.commit()
        let report = try verifies(bundle(log)).get()
        #expect(report.anomalies.map(\.code) == ["fetch-without-release"])
    }

    /// Protocols/log.md §6.3: verified 0, anomalies 1, broken 2.
    @Test func theVerdictSeparatesAnomaliesFromABrokenLog() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        try lawfulHistory(log)
        let verified = verifies(bundle(log))
        #expect(LogVerdict.of(verified) == .verified && LogVerdict.of(verified).exitCode == 0)

        let misconduct = TempDir()
        let bad = try openLog(misconduct)
        try lawfulHistory(bad, release: "polisen", output: "fk-rows")
        let anomalous = verifies(bundle(bad))
        #expect(LogVerdict.of(anomalous) == .anomalies && LogVerdict.of(anomalous).exitCode == 1)

        var tampered = bundle(log)
        tampered.entries[3] = LogEvent(seq: 3, time: 1_795_000_025, type: .authenticationFailed, party: "someone else").encoded()
        let broken = verifies(tampered)
        #expect(LogVerdict.of(broken) == .broken && LogVerdict.of(broken).exitCode == 2)
        #expect(Set(LogVerdict.allCases.map(\.exitCode)).count == 3)
    }

    @Test func aggregatedRefusalsAreCountedNotFlagged() throws {
        let dir = TempDir()
        let log = try openLog(dir)
        try lawfulHistory(log)
        log.append(LogEvent(time: 1_795_000_000 + 3 * day, type: .refusalsAggregated, counts: ["coordinator.unauthenticated": 40, "coordinator.replay": 2],
                            parameters: ["from": "1795259160", "until": "1795259220"]))
        try log.commit()
        let report = try verifies(bundle(log)).get()
        #expect(report.verdict == .verified, "\(report.anomalies)")
        #expect(report.refusalCount == 43 && report.authenticationFailures == 43)
        #expect(report.refusals.last?.byCode == ["coordinator.unauthenticated": 40, "coordinator.replay": 2])
    }
}
