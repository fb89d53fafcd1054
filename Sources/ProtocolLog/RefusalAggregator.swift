/// Whether an unauthenticated refusal goes into the log on its own or is folded into a count
/// (Protocols/log.md §1.1). Anyone can send a forged request, so logging each one would let an
/// outsider grow the log without bound: per window of ``window`` seconds (aligned to multiples
/// of it), the first ``limit`` refusals are logged individually and the rest are counted by code
/// and summed up in one `refusals.aggregated` event when the window has ended.
///
/// A policy value: the clock is passed in and nothing is written here; the caller appends what
/// it is told to. Refusals of authenticated parties are always logged individually, since a
/// party is accountable for its requests; only pass unauthenticated ones.
public struct RefusalAggregator: Sendable, Equatable {
    /// What to do with one refusal.
    public enum Decision: Equatable, Sendable {
        /// Append its `auth.failed` event as usual.
        case logIndividually
        /// Do not append it: it is counted in the window's summary.
        case fold
    }

    /// What ``consider(code:at:)`` decided, and a summary of an ended window to append first.
    public struct Outcome: Equatable, Sendable {
        public var summary: LogEvent?
        public var decision: Decision
    }

    /// Individually logged refusals per window (at least 0).
    public let limit: Int
    /// Window length in seconds (at least 1).
    public let window: UInt64
    /// Start of the current window, once a refusal has been seen.
    public private(set) var windowStart: UInt64?
    private var logged = 0
    private var folded: [String: Int] = [:]

    /// Precondition: `limit >= 0`, `window >= 1`.
    public init(limit: Int = 10, window: UInt64 = 60) {
        precondition(limit >= 0 && window >= 1)
        self.limit = limit
        self.window = window
    }

    /// Decides for one unauthenticated refusal with error `code` at Unix time `now`.
    public mutating func consider(code: String, at now: UInt64) -> Outcome {
        let summary = flush(at: now)
        if windowStart == nil { windowStart = now - now % window }
        if logged < limit {
            logged += 1
            return Outcome(summary: summary, decision: .logIndividually)
        }
        folded[code, default: 0] += 1
        return Outcome(summary: summary, decision: .fold)
    }

    /// The `refusals.aggregated` event of the current window if that window has ended by `now`
    /// (or at once with `force`, at shutdown), else `nil`; a window with nothing folded needs no
    /// event. Call it on a timer, so that a quiet period still closes the last busy window.
    /// A clock that steps back stays in the current window.
    public mutating func flush(at now: UInt64, force: Bool = false) -> LogEvent? {
        guard let start = windowStart, force || now >= start + window else { return nil }
        defer { windowStart = nil; logged = 0; folded = [:] }
        guard !folded.isEmpty else { return nil }
        let total = folded.values.reduce(0, +)
        return LogEvent(time: now, type: .refusalsAggregated, counts: folded,
                        parameters: ["from": String(start), "until": String(start + window), "limit": String(limit)],
                        reason: "\(total) unauthenticated refusals beyond \(limit) per \(window) s")
    }
}
