import ProtocolLog

/// The meter (Protocols/keyholder.md §4): how many identifiers each party of each agreement has
/// had evaluated in each round, and whether a new batch fits under its cap. A policy value with
/// the counts passed in; its state is rebuilt from the key holder's own log at start, so a
/// restart does not reset it.
struct Meter: Sendable {
    struct Key: Hashable, Sendable {
        let agreement: String
        let party: String
        let round: UInt64
    }

    enum Decision: Equatable, Sendable {
        /// Accepted: the party's total for the round after this batch.
        case accepted(usedAfter: Int)
        /// Refused: the batch would exceed the cap; the reason names the numbers.
        case rejected(reason: String)
    }

    private(set) var used: [Key: Int] = [:]

    /// The round of time `now`: `floor(now / roundSeconds)` on the key holder's clock.
    static func round(now: UInt64, roundSeconds: UInt64) -> UInt64 { now / max(roundSeconds, 1) }

    /// Whether `count` more identifiers fit under `cap` for `key`.
    func decide(_ key: Key, count: Int, cap: Int) -> Decision {
        let before = used[key, default: 0]
        guard count <= cap - before else {
            return .rejected(reason: "a batch of \(count) would take '\(key.party)' to \(before + count) identifiers in round \(key.round) of agreement '\(key.agreement)'; the cap is \(cap)")
        }
        return .accepted(usedAfter: before + count)
    }

    /// Counts an accepted batch.
    mutating func record(_ key: Key, count: Int) { used[key, default: 0] += count }

    /// The meter as the log says it stands: the sum of `elements` over `oprf.evaluated` events.
    init(replaying events: [LogEvent]) {
        for e in events where e.type == .oprfEvaluated {
            guard let agreement = e.agreement, let party = e.party, let round = e.parameters?["round"].flatMap(UInt64.init),
                  let count = e.counts?["elements"] else { continue }
            record(Key(agreement: agreement, party: party, round: round), count: count)
        }
    }

    init() {}
}

/// The nonces of authenticated requests (api.md §2): each is accepted once per party. Kept for
/// one hour, longer than the ±300 s window; rebuilt at start from the `nonce` parameter every
/// event of an authenticated request carries (Protocols/keyholder.md §6).
struct NonceBook: Sendable {
    static let keep: UInt64 = 3600
    private var seen: [String: [String: UInt64]] = [:]

    /// Marks `nonce` used by `party` at `now`; false when it was used before (a replay).
    mutating func use(party: String, nonce: String, now: UInt64) -> Bool {
        if seen[party]?[nonce] != nil { return false }
        seen[party, default: [:]][nonce] = now
        if seen[party]!.count % 1024 == 0 { prune(now: now) }
        return true
    }

    /// Forgets nonces older than ``keep``: the time window refuses their requests anyway.
    mutating func prune(now: UInt64) {
        for party in seen.keys { seen[party] = seen[party]!.filter { $0.value + Self.keep >= now } }
    }

    /// The nonces that the log's recent events carry.
    init(replaying events: [LogEvent], now: UInt64) {
        for e in events where e.time + Self.keep >= now {
            if let party = e.party, let nonce = e.parameters?["nonce"] { seen[party, default: [:]][nonce] = e.time }
        }
    }

    init() {}
}
