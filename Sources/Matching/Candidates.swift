import CDice
import Dispatch

/// A candidate pair: row `a` of the first set, row `b` of the second, their Dice coefficient.
public struct Candidate: Equatable, Sendable {
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

    public static func candidates(_ first: FilterSet, _ second: FilterSet, threshold t: Double, threads: Int = 2) -> [Candidate] {
        precondition(first.words == second.words || first.count == 0 || second.count == 0)
        guard first.count > 0, second.count > 0 else { return [] }
        // The second set sorted by popcount, so each row compares only the band it can reach.
        let order = (0..<second.count).sorted { (second.popcounts[$0], $0) < (second.popcounts[$1], $1) }
        let sorted = second.reordered(order)
        let pops = sorted.popcounts
        let n = first.count, words = first.words
        let chunks = max(1, min(threads * 8, n))
        var perChunk = [[Candidate]](repeating: [], count: chunks)
        perChunk.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let results = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var found: [Candidate] = []
                var index = [UInt32](repeating: 0, count: sorted.count)
                var common = [UInt32](repeating: 0, count: sorted.count)
                first.storage.withUnsafeBufferPointer { fa in
                    sorted.storage.withUnsafeBufferPointer { fb in
                        pops.withUnsafeBufferPointer { pb in
                            for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                                let pa = first.popcounts[i]
                                if pa == 0 {
                                    // anonlink scores every pair of an empty filter 0.
                                    if 0 >= t { for j in 0..<sorted.count { found.append(Candidate(a: i, b: order[j], score: 0)) } }
                                    continue
                                }
                                // The reachable band [lo, hi) by binary search on each side of pa.
                                var lo = 0, hi = pops.partitioningIndex { $0 >= pa }
                                var upper = hi
                                while lo < hi { let m = (lo + hi) / 2; if canReach(pa, pb[m], t) { hi = m } else { lo = m + 1 } }
                                var top = pb.count
                                while upper < top { let m = (upper + top) / 2; if canReach(pa, pb[m], t) { upper = m + 1 } else { top = m } }
                                let start = lo, end = upper
                                guard end > start else { continue }
                                let k = index.withUnsafeMutableBufferPointer { ix in
                                    common.withUnsafeMutableBufferPointer { cm in
                                        korskoll_dice_row(fa.baseAddress! + i * words, pa, fb.baseAddress! + start * words, pb.baseAddress! + start,
                                                          end - start, words, t, ix.baseAddress!, cm.baseAddress!)
                                    }
                                }
                                for r in 0..<k {
                                    let j = start + Int(index[r])
                                    found.append(Candidate(a: i, b: order[j], score: Double(2 * UInt64(common[r])) / Double(UInt64(pa) + UInt64(pb[j]))))
                                }
                            }
                        }
                    }
                }
                results[c] = found
            }
        }
        var all = perChunk.flatMap { $0 }
        all.sort(by: Candidate.precedes)
        return all
    }
}

extension Array where Element == UInt32 {
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
