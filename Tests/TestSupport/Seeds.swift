import Foundation
// The project's one generator, for tests that replay fixed seeds (recorded vectors).
@_exported import struct Synth.SplitMix64
import Synth

/// The generator of random tests: a ``SplitMix64`` started at a seed that the test prints when it
/// fails (`"seed \(rng.seed)"` in each expectation's comment), so a failure is re-run exactly with
/// `KORSKOLL_TEST_SEED=<seed> swift test --disable-xctest --filter <test>`.
public struct SeededRandom: RandomNumberGenerator {
    /// The seed this generator started at.
    public let seed: UInt64
    private var generator: SplitMix64

    /// Starts at `seed`, or at `KORSKOLL_TEST_SEED` when set, or at a fresh seed.
    public init(seed: UInt64? = nil) {
        let chosen = seed ?? ProcessInfo.processInfo.environment["KORSKOLL_TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        self.seed = chosen
        generator = SplitMix64(seed: chosen)
    }

    public mutating func next() -> UInt64 { generator.next() }
}

extension RandomNumberGenerator {
    /// One draw reduced to `0..<n` as `next() % n` (a bias below n/2^64, nothing for the small n
    /// of tests). Recorded vectors depend on this exact stream: one `next()` per call.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(next() % UInt64(n))
    }

    /// `n` bytes, the low byte of one `next()` each.
    public mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
