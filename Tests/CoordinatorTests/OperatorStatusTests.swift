import API
import Foundation
import ProtocolLog
import Sodium
import Testing
import TestSupport
@testable import Coordinator

/// The operator's view reads the log as a stream (issue 19, item 3); a naive reading of the
/// whole log through ``LogStore`` is its reference.
@Suite struct OperatorStatusTests {
    @Test func streamedLogSummaryMatchesAWholeLogReading() throws {
        var rng = SeededRandom()
        let dir = NSTemporaryDirectory() + "korskoll-opstatus-" + Hex.encode(Random.bytes(8))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = Ed25519.PrivateKey.generate()
        let now: UInt64 = 1_800_000_000
        let kinds: [LogEvent.Kind] = [.submissionAccepted, .authenticationFailed, .requestRefused, .submissionRejected, .refusalsAggregated, .resultFetched, .runStarted]
        do {
            let store = try LogStore(directory: dir, coordinator: "coordinator", key: key)
            for batch in 0..<40 {
                for _ in 0..<(1 + rng.below(60)) {
                    let kind = kinds[rng.below(kinds.count)]
                    let time = now - UInt64(rng.below(3 * 86_400))
                    let code = ["auth.failed", "auth.replay", "submission.invalid"][rng.below(3)]
                    store.append(LogEvent(time: time, type: kind, agreement: "a\(rng.below(3))", party: "fk",
                                          output: kind == .resultFetched ? "o\(rng.below(2))" : nil,
                                          counts: kind == .refusalsAggregated ? [code: 1 + rng.below(9)] : nil,
                                          code: kind == .refusalsAggregated || kind == .resultFetched || kind == .runStarted ? nil : code))
                }
                if batch < 39 || rng.below(2) == 0 { _ = try store.commit() }
            }
        }
        let summary = try LogSummary.read(directory: dir, now: now)

        // The reference: every event decoded from the whole log in memory.
        let whole = try LogStore(directory: dir, coordinator: "coordinator", key: key)
        let events = try whole.entries.map { try LogEvent(leaf: $0) }
        var refusals: [String: Int] = [:], fetched = Set<String>()
        for e in events {
            if e.type == .resultFetched { fetched.insert("\(e.agreement!)/\(e.output!)") }
            guard LogSummary.refusalTypes.contains(e.type), e.time + 86_400 >= now else { continue }
            if e.type == .refusalsAggregated { for (c, n) in e.counts! { refusals[c, default: 0] += n } } else { refusals[e.code!, default: 0] += 1 }
        }
        #expect(summary.entries == events.count, "seed \(rng.seed)")
        #expect(summary.checkpoints == whole.checkpoints.count, "seed \(rng.seed)")
        #expect(summary.lastCheckpointSize == UInt64(events.count), "seed \(rng.seed)")
        #expect(summary.refusalsLastDay == refusals, "seed \(rng.seed)")
        #expect(summary.fetched == fetched, "seed \(rng.seed)")
        let sizes = try [dir + "/entries", dir + "/checkpoints"].map { (try FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? -1 }
        #expect([Int(summary.entryBytes), Int(summary.checkpointBytes)] == sizes)
    }

    @Test func aDirectoryWithoutACoordinatorIsNamed() throws {
        #expect {
            _ = try OperatorStatus.read(data: "/nonexistent-korskoll")
        } throws: { e in
            (e as? CoordinatorError)?.reason.contains("is it the --data of `korskoll coordinator serve`?") == true
        }
    }
}
