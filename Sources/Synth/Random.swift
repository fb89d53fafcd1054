/// SplitMix64 (Steele, Lea, Flood 2014): the one small deterministic generator of the project,
/// for synthetic data, benchmarks' data and seeded random tests. Not for secrets.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// SplitMix64's finaliser.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state &- 0x9E37_79B9_7F4A_7C15)
    }
}

/// Deterministic randomness for synthetic data (`Protocols/synth.md` §2). Not for secrets: every
/// value is a pure function of (seed, domain, index), so any person, organisation or register row
/// can be regenerated alone, in any order, on any thread.
struct SynthRandom {
    private var generator: SplitMix64

    init(seed: UInt64, domain: Domain, index: UInt64) {
        // The stream is finalise(state + 2γ·(k+1)) for the k-th draw, as synth.md §2 fixes it:
        // SplitMix64 started one step γ ahead.
        generator = SplitMix64(seed: SynthRandom.mix(seed ^ SynthRandom.mix(domain.rawValue &* 0xD6E8_FEB8_6659_FD93 ^ SynthRandom.mix(index))) &+ 0x9E37_79B9_7F4A_7C15)
    }

    enum Domain: UInt64 {
        case person = 1, household, organisation, register, identifierPool, successor, orgIdentifier, names
        /// What changes between rounds (synth.md §9): keyed by round, purpose and item.
        case rounds
    }

    static func mix(_ x: UInt64) -> UInt64 { SplitMix64.mix(x) }

    mutating func next() -> UInt64 { generator.next() }

    /// Uniform in 0..<n (Lemire's multiply-high; the bias is below 2^-40 for every n used here).
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(UInt64(n).multipliedFullWidth(by: next()).high)
    }

    mutating func range(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func chance(_ p: Double) -> Bool { p > 0 && unit() < p }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// A table of values with integer weights, drawn in O(log n).
struct WeightedTable<T: Sendable>: Sendable {
    let values: [T]
    private let cumulative: [Int]

    init(_ pairs: [(T, Int)]) {
        values = pairs.map(\.0)
        var total = 0
        cumulative = pairs.map { total += $0.1; return total }
        precondition(total > 0, "empty weight table")
    }

    func draw(_ rng: inout SynthRandom) -> T {
        let x = rng.below(cumulative[cumulative.count - 1])
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return values[lo]
    }
}
