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
}
