import Testing
import TestSupport
@testable import Matching

/// The naive reference: every pair, the Dice coefficient bit by bit, anonlink's rules and order.
private func naiveCandidates(_ a: [[UInt8]], _ b: [[UInt8]], _ t: Double) -> [Candidate] {
    func pop(_ x: [UInt8]) -> Int { x.reduce(0) { $0 + $1.nonzeroBitCount } }
    var out: [Candidate] = []
    for (i, x) in a.enumerated() {
        let px = pop(x)
        for (j, y) in b.enumerated() {
            let score = px == 0 ? 0 : Double(2 * pop(zip(x, y).map { $0 & $1 })) / Double(px + pop(y))
            if score >= t { out.append(Candidate(a: i, b: j, score: score)) }
        }
    }
    return out.sorted(by: Candidate.precedes)
}

private func naiveGreedy(_ c: [Candidate]) -> [Candidate] {
    var out: [Candidate] = []
    for x in c where !out.contains(where: { $0.a == x.a || $0.b == x.b }) { out.append(x) }
    return out
}

/// Filters around a few centres, so that many pairs are close and the threshold matters.
private func population(_ n: Int, bytes: Int, density: Double, rng: inout SeededRandom) -> [[UInt8]] {
    let centres = (0..<max(1, n / 8)).map { _ in (0..<bytes).map { _ in (0..<8).reduce(UInt8(0)) { b, k in Double.random(in: 0..<1, using: &rng) < density ? b | (1 << k) : b } } }
    return (0..<n).map { i in
        var f = centres[i % centres.count]
        for _ in 0..<Int.random(in: 0...bytes, using: &rng) { f[Int.random(in: 0..<bytes, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng) }
        if i % 17 == 0 { f = [UInt8](repeating: 0, count: bytes) }
        return f
    }
}

@Suite struct CandidateTests {
    @Test(arguments: [(128, 0.8), (128, 0.5), (24, 0.9), (13, 0.7), (128, 0.0), (128, 1.0)])
    func kernelAndPruningEqualTheNaiveAllPairsReference(bytes: Int, threshold: Double) throws {
        var rng = SeededRandom()
        for _ in 0..<3 {
            let a = population(90, bytes: bytes, density: 0.3, rng: &rng), b = population(70, bytes: bytes, density: 0.3, rng: &rng)
            let fast = CandidateGenerator.candidates(try FilterSet(filters: a), try FilterSet(filters: b), threshold: threshold, threads: 2)
            #expect(CandidateGenerator.candidates(try FilterSet(filters: a), try FilterSet(filters: b), threshold: threshold, threads: 1) == fast, "seed \(rng.seed)")
            #expect(CandidateGenerator.candidates(try FilterSet(filters: a), try FilterSet(filters: b), threshold: threshold, prune: false) == fast, "seed \(rng.seed)")
            let naive = naiveCandidates(a, b, threshold)
            #expect(fast == naive, "seed \(rng.seed), bytes \(bytes), t \(threshold): \(fast.count) vs \(naive.count)")
            #expect(GreedySolver.solve(fast) == naiveGreedy(naive), "seed \(rng.seed)")
        }
    }

    @Test func filtersOfDifferentLengthsAreRefused() {
        #expect(throws: MatchError.self) { try FilterSet(filters: [[1, 2], [1, 2, 3]]) }
    }

    @Test func greedyBreaksTiesByRowIndex() {
        let c = [Candidate(a: 0, b: 1, score: 0.9), Candidate(a: 0, b: 0, score: 0.9), Candidate(a: 1, b: 1, score: 0.9), Candidate(a: 1, b: 0, score: 0.8)]
        #expect(GreedySolver.solve(c.sorted(by: Candidate.precedes)) == [Candidate(a: 0, b: 0, score: 0.9), Candidate(a: 1, b: 1, score: 0.9)])
    }
}
