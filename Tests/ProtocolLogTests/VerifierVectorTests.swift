import Foundation
import Testing
import Sodium
import TestSupport
@testable import ProtocolLog

/// `Tests/Vectors/log/verifier-rules.json` (Protocols/log.md §6.3, §6.4): each case's events,
/// after the lawful history or on their own, give the expected verdict, anomalies and refusals.
@Suite struct VerifierVectorTests {
    struct File: Decodable {
        struct Case: Decodable {
            var description: String
            var lawfulHistory: Bool
            var events: [LogEvent]
            var verdict: LogVerdict
            var anomalies: [String]
            var refusalCount: Int
        }
        var description: String
        var cases: [Case]
    }

    @Test func everyRuleVectorHolds() throws {
        let file = try Vectors.load(File.self, "log/verifier-rules.json")
        #expect(file.cases.count >= 7)
        for c in file.cases {
            let dir = TempDir()
            let log = try openLog(dir)
            if c.lawfulHistory {
                try lawfulHistory(log)
            } else {
                log.append(LogEvent(time: 1_795_000_000, type: .agreementRegistered, agreement: facts.id, hash: Hex.encode(agreementHash)))
            }
            for e in c.events { log.append(e) }
            try log.commit()
            let outcome = verifies(bundle(log))
            #expect(LogVerdict.of(outcome) == c.verdict, "\(c.description)")
            guard case .success(let report) = outcome else { continue }
            #expect(report.anomalies.map(\.code) == c.anomalies, "\(c.description)")
            #expect(report.refusalCount == c.refusalCount, "\(c.description)")
        }
    }
}
