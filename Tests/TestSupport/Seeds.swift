import Foundation
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
