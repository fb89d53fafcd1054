import Foundation

/// Splits the element work of one batch across worker threads (Protocols/oprf.md §8.4): every
/// element's work is independent, and the DLEQ composites are sums, so each worker sums its own
/// contiguous slice and the slices' sums are added afterwards. Group addition is associative and
/// commutative, so the result is the same element for any number of workers: the transcript and
/// the proofs do not change.
public enum ParallelBatch {
    /// The default number of workers: every core the process may use.
    public static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `0..<count` cut into at most `workers` contiguous slices whose lengths differ by at most one,
    /// in order. Empty for `count == 0`.
    public static func slices(count: Int, workers: Int) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let n = max(1, min(workers, count))
        let base = count / n, extra = count % n
        var out: [Range<Int>] = []
        out.reserveCapacity(n)
        var start = 0
        for i in 0..<n {
            let end = start + base + (i < extra ? 1 : 0)
            out.append(start..<end)
            start = end
        }
        return out
    }

    /// `body` once per slice of `0..<count` (``slices(count:workers:)``), the slices on up to
    /// `workers` threads; the results in slice order. When slices throw, the error of the first
    /// (lowest) failing slice is rethrown, so an error names the same element for any `workers`.
    public static func perSlice<T>(count: Int, workers: Int = defaultWorkers,
                                   _ body: (Range<Int>) throws -> T) throws -> [T] {
        let ranges = slices(count: count, workers: workers)
        if ranges.count <= 1 { return try ranges.map(body) }
        let box = SliceResults<T>(count: ranges.count)
        // `body` only runs until concurrentPerform returns; each slot is written by one thread.
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: ranges.count) { i in
                box.set(i, Result { try work(ranges[i]) })
            }
        }
        return try box.all()
    }

    /// `body(i)` for every i in `0..<count`, on up to `workers` threads, in order.
    public static func map<T>(count: Int, workers: Int = defaultWorkers, _ body: (Int) throws -> T) throws -> [T] {
        let parts = try perSlice(count: count, workers: workers) { range in try range.map(body) }
        if parts.count == 1 { return parts[0] }
        var out: [T] = []
        out.reserveCapacity(count)
        for p in parts { out += p }
        return out
    }
}

/// The slices' results, filled in from several threads, each slot by one thread only.
private final class SliceResults<T>: @unchecked Sendable {
    private var results: [Result<T, any Error>?]
    private let lock = NSLock()
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, any Error>) { lock.withLock { results[i] = r } }
    func all() throws -> [T] { try lock.withLock { results }.map { try $0!.get() } }
}
