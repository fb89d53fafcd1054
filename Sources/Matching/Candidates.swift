import CDice
import Dispatch

/// A candidate pair: row `a` of the first set, row `b` of the second, their Dice coefficient.
public struct Candidate: Comparable, Sendable {
    public var a: Int
    public var b: Int
    public var score: Double

    public init(a: Int, b: Int, score: Double) {
        self.a = a
        self.b = b
        self.score = score
    }

    /// anonlink's order: decreasing score, then increasing a, then increasing b.
    @inline(__always)
    public static func precedes(_ x: Candidate, _ y: Candidate) -> Bool {
        x.score != y.score ? x.score > y.score : (x.a != y.a ? x.a < y.a : x.b < y.b)
    }

    /// The same order as ``precedes(_:_:)``, so `sort()` runs specialised, without a closure.
    public static func < (x: Candidate, y: Candidate) -> Bool { precedes(x, y) }
}

/// Every pair with Dice ≥ threshold (Protocols/matching.md §2), exactly the pairs and order that
/// anonlink 0.15.3's `find_candidate_pairs` gives: Dice = 2|a∧b| / (|a| + |b|) in double precision,
/// 0 when a has no bit set.
public enum CandidateGenerator {
    /// The popcounts p of the second set for which 2·min(pa, p) / (pa + p) ≥ t: an interval,
    /// since the bound rises until p = pa and falls after. Tested with the same double
    /// expression as the score, so pruning never drops a pair the kernel would keep.
    @inline(__always)
    static func canReach(_ pa: UInt32, _ p: UInt32, _ t: Double) -> Bool {
        let total = UInt64(pa) + UInt64(p)
        guard total > 0 else { return 0 >= t }
        return Double(2 * UInt64(min(pa, p))) / Double(total) >= t
    }

    /// The band [lo, hi) of the popcount-sorted `pops` that a row of popcount `pa` can reach.
    static func band(_ pa: UInt32, _ pops: UnsafeBufferPointer<UInt32>, _ t: Double) -> Range<Int> {
        var lo = 0, hi = pops.partitioningIndex { $0 >= pa }
        var upper = hi, top = pops.count
        while lo < hi { let m = (lo + hi) / 2; if canReach(pa, pops[m], t) { hi = m } else { lo = m + 1 } }
        while upper < top { let m = (upper + top) / 2; if canReach(pa, pops[m], t) { upper = m + 1 } else { top = m } }
        return lo..<max(lo, upper)
    }

    /// - Parameter prune: compare only the popcount band a row can reach (default). Without it
    ///   every pair goes through the kernel, which measures the kernel's raw rate.
    public static func candidates(_ first: FilterSet, _ second: FilterSet, threshold t: Double, threads: Int = 2, prune: Bool = true) -> [Candidate] {
        precondition(first.words == second.words || first.count == 0 || second.count == 0)
        guard first.count > 0, second.count > 0 else { return [] }
        // Both sets sorted by popcount: each tile of four rows with close popcounts compares
        // only the band of the second set that they can reach.
        let orderA = (0..<first.count).sorted { (first.popcounts[$0], $0) < (first.popcounts[$1], $1) }
        let orderB = (0..<second.count).sorted { (second.popcounts[$0], $0) < (second.popcounts[$1], $1) }
        let a = first.reordered(orderA), b = second.reordered(orderB)
        let words = a.words
        // minCommon[s]: the least c with Double(2c) / Double(s) ≥ t, found with that very
        // expression, so the kernel's integer test keeps exactly the pairs the division would.
        let minCommon: [UInt32] = (0...(2 * words * 64)).map { s in
            guard s > 0 else { return UInt32.max }
            var c = 0
            while c <= s / 2 + 1, !(Double(2 * c) / Double(s) >= t) { c += 1 }
            return UInt32(c)
        }
        var results: [Candidate] = []
        // Rows without a bit set score 0 against everything (anonlink's rule).
        let empty = a.popcounts.prefix { $0 == 0 }.count
        if empty > 0, 0 >= t {
            for r in 0..<empty { for j in 0..<b.count { results.append(Candidate(a: orderA[r], b: orderB[j], score: 0)) } }
        }
        let tiles = (a.count - empty + 3) / 4
        let chunks = max(1, min(threads * 8, tiles))
        var perChunk = [[Candidate]](repeating: [], count: chunks)
        perChunk.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let sink = out.baseAddress!
            let work: @Sendable (Int) -> Void = { c in
                var found: [Candidate] = []
                let capacity = 4 * b.count
                let rows = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity), index = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
                let common = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
                defer { rows.deallocate(); index.deallocate(); common.deallocate() }
                a.storage.withUnsafeBufferPointer { fa in
                    b.storage.withUnsafeBufferPointer { fb in
                        b.popcounts.withUnsafeBufferPointer { pb in
                            a.popcounts.withUnsafeBufferPointer { pa in
                                minCommon.withUnsafeBufferPointer { mc in
                                    for tile in (tiles * c / chunks)..<(tiles * (c + 1) / chunks) {
                                        let first = empty + 4 * tile, na = min(4, a.count - first)
                                        let span = prune ? band(pa[first], pb, t).lowerBound..<band(pa[first + na - 1], pb, t).upperBound : 0..<pb.count
                                        guard !span.isEmpty else { continue }
                                        let k = korskoll_dice_tile(fa.baseAddress! + first * words, pa.baseAddress! + first, na,
                                                                   fb.baseAddress! + span.lowerBound * words, pb.baseAddress! + span.lowerBound,
                                                                   span.count, words, mc.baseAddress!, rows, index, common)
                                        for r in 0..<k {
                                            let i = first + Int(rows[r]), j = span.lowerBound + Int(index[r])
                                            found.append(Candidate(a: orderA[i], b: orderB[j],
                                                                   score: Double(2 * UInt64(common[r])) / Double(UInt64(pa[i]) + UInt64(pb[j]))))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                sink[c] = found
            }
            if threads == 1 { for c in 0..<chunks { work(c) } } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
        }
        for chunk in perChunk { results.append(contentsOf: chunk) }
        results.sort()
        return results
    }
}

extension UnsafeBufferPointer where Element == UInt32 {
    /// The first index whose element satisfies `belongs`, for an array partitioned by it.
    func partitioningIndex(where belongs: (UInt32) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi { let m = (lo + hi) / 2; if belongs(self[m]) { hi = m } else { lo = m + 1 } }
        return lo
    }
}

/// One-to-one greedy solving (Protocols/matching.md §3): candidates in anonlink's order, each
/// accepted when neither of its rows is taken yet, so ties break by row index.
public enum GreedySolver {
    public static func solve(_ sortedCandidates: [Candidate]) -> [Candidate] {
        var takenA = Set<Int>(), takenB = Set<Int>()
        var out: [Candidate] = []
        for c in sortedCandidates where !takenA.contains(c.a) && !takenB.contains(c.b) {
            takenA.insert(c.a)
            takenB.insert(c.b)
            out.append(c)
        }
        return out
    }
}
