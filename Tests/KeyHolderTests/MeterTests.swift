@testable import KeyHolder
import ProtocolLog
import Testing

/// The meter and the nonce book as policy values (Protocols/keyholder.md §4).
@Suite struct MeterTests {
    @Test func aBatchBeyondTheCapIsRejectedAndOneUpToItAccepted() {
        var meter = Meter()
        let key = Meter.Key(agreement: "a", party: "fk", round: 7)
        #expect(meter.decide(key, count: 10, cap: 10) == .accepted(usedAfter: 10))
        meter.record(key, count: 8)
        #expect(meter.decide(key, count: 2, cap: 10) == .accepted(usedAfter: 10))
        if case .accepted = meter.decide(key, count: 3, cap: 10) { Issue.record("over the cap accepted") }
        #expect(meter.decide(Meter.Key(agreement: "a", party: "fk", round: 8), count: 10, cap: 10) == .accepted(usedAfter: 10))
        #expect(Meter.round(now: 86_399, roundSeconds: 86_400) == 0 && Meter.round(now: 86_400, roundSeconds: 86_400) == 1)
    }

    @Test func theMeterIsRebuiltFromTheLog() {
        let events = [
            LogEvent(time: 1, type: .oprfEvaluated, agreement: "a", party: "fk", counts: ["elements": 4], parameters: ["round": "3", "nonce": "n1"]),
            LogEvent(time: 2, type: .oprfEvaluated, agreement: "a", party: "fk", counts: ["elements": 5], parameters: ["round": "3", "nonce": "n2"]),
            LogEvent(time: 3, type: .oprfRefused, agreement: "a", party: "fk", counts: ["elements": 50], parameters: ["round": "3", "nonce": "n3"]),
        ]
        let meter = Meter(replaying: events)
        #expect(meter.used[Meter.Key(agreement: "a", party: "fk", round: 3)] == 9)
        var nonces = NonceBook(replaying: events, now: 10)
        let replayed = nonces.use(party: "fk", nonce: "n3", now: 10)
        let fresh = nonces.use(party: "fk", nonce: "n4", now: 10)
        let otherParty = nonces.use(party: "polisen", nonce: "n1", now: 10)
        #expect(!replayed && fresh && otherParty)
        // Older than an hour: forgotten (the time window refuses such a request anyway).
        var late = NonceBook(replaying: events, now: 10_000)
        let forgotten = late.use(party: "fk", nonce: "n1", now: 10_000)
        #expect(forgotten)
    }
}
