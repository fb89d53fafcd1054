import Testing
import TestSupport
@testable import ProtocolLog

@Suite struct RefusalAggregatorTests {
    @Test func theFirstKRefusalsOfAWindowAreLoggedAndTheRestCounted() {
        var a = RefusalAggregator(limit: 3, window: 60)
        let t: UInt64 = 1_800_000_000 - 1_800_000_000 % 60
        let decisions = (0..<5).map { a.consider(code: "coordinator.unauthenticated", at: t + UInt64($0)) }
        #expect(decisions.map(\.decision) == [.logIndividually, .logIndividually, .logIndividually, .fold, .fold])
        #expect(decisions.allSatisfy { $0.summary == nil })
        #expect(a.flush(at: t + 59) == nil)
        // The next window's first refusal brings the summary of the last one, to log first.
        let next = a.consider(code: "coordinator.replay", at: t + 61)
        #expect(next.decision == .logIndividually)
        let summary = next.summary
        #expect(summary?.type == .refusalsAggregated && summary?.counts == ["coordinator.unauthenticated": 2] && summary?.time == t + 61)
        #expect(summary?.parameters?["from"] == String(t) && summary?.parameters?["until"] == String(t + 60))
        #expect(a.flush(at: t + 200) == nil, "a window with nothing folded needs no event")
    }

    @Test func aQuietPeriodOrShutdownClosesTheWindow() {
        var a = RefusalAggregator(limit: 0, window: 60)
        _ = a.consider(code: "x", at: 120)
        #expect(a.flush(at: 150) == nil)
        #expect(a.flush(at: 150, force: true)?.counts == ["x": 1])
        _ = a.consider(code: "y", at: 200)
        #expect(a.flush(at: 240)?.counts == ["y": 1])
        #expect(a.flush(at: 400) == nil)
    }

    /// Against a naive count per window: every refusal is logged or counted exactly once, at
    /// most `limit` per window are logged, and every summary lands after its window.
    @Test func everyRefusalIsLoggedOrCountedOnceAndWindowsAreCapped() {
        for seed in UInt64(1)...50 {
            var rng = SplitMix64(seed: seed)
            let limit = Int(rng.next() % 6), window = 1 + rng.next() % 90
            var a = RefusalAggregator(limit: limit, window: window)
            var t: UInt64 = 1_800_000_000 + rng.next() % 1000
            var arrivals: [(UInt64, String)] = []
            var logged: [UInt64] = []
            var summaries: [LogEvent] = []
            for _ in 0..<Int(rng.next() % 400) {
                t += rng.next() % 4 == 0 ? rng.next() % 200 : rng.next() % 3
                let code = ["a", "b", "c"][Int(rng.next() % 3)]
                arrivals.append((t, code))
                let o = a.consider(code: code, at: t)
                if let s = o.summary { summaries.append(s) }
                if o.decision == .logIndividually { logged.append(t) }
            }
            if let s = a.flush(at: t, force: true) { summaries.append(s) }
            // Naive: group arrivals by aligned window.
            var perWindow: [UInt64: [String]] = [:]
            for (time, code) in arrivals { perWindow[time - time % window, default: []].append(code) }
            var expectedLogged = 0
            var expectedFolded: [UInt64: [String: Int]] = [:]
            for (start, codes) in perWindow {
                expectedLogged += min(limit, codes.count)
                for code in codes.dropFirst(limit) { expectedFolded[start, default: [:]][code, default: 0] += 1 }
            }
            #expect(logged.count == expectedLogged, "seed \(seed)")
            let got = Dictionary(summaries.map { (UInt64($0.parameters!["from"]!)!, $0.counts!) }, uniquingKeysWith: { x, _ in x })
            #expect(got == expectedFolded, "seed \(seed)")
            #expect(summaries.count == expectedFolded.count, "seed \(seed)")
            #expect(summaries.allSatisfy { $0.time >= UInt64($0.parameters!["until"]!)! || $0.time == t }, "seed \(seed)")
        }
    }
}
