import Testing
import TestSupport
@testable import Matching

/// The naive reference for the exact join: a dictionary from value to the rows holding it.
/// Values of the last column are looked up only when `lastProbes`; groups have two rows or more.
private func naiveGroups(_ columns: [[[UInt8]?]], lastProbes: Bool) -> Set<[UInt32]> {
    var holders: [[UInt8]: [UInt32]] = [:]
    var gid: UInt32 = 0
    for (c, column) in columns.enumerated() {
        for value in column {
            defer { gid += 1 }
            guard let value else { continue }
            if lastProbes && c == columns.count - 1 {
                if holders[value] != nil { holders[value]!.append(gid) }
            } else {
                holders[value, default: []].append(gid)
            }
        }
    }
    return Set(holders.values.filter { $0.count > 1 })
}

@Suite struct ExactJoinTests {
    /// Random columns drawn from a small pool of values (so values repeat within and across
    /// columns), with absent rows, against the reference: one to four columns, both modes, one,
    /// two and four threads, and with tags narrowed to one bit so that most tag matches are
    /// chance ones and the probe has to go on past them.
    @Test func matchesTheNaiveReference() {
        var rng = SplitMix64(seed: 42)
        for trial in 0..<60 {
            let columnCount = 1 + rng.below(4)
            let pool = (0..<(1 + rng.below(400))).map { _ in (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            let columns: [[[UInt8]?]] = (0..<columnCount).map { _ in
                (0..<rng.below(700)).map { _ in rng.below(10) == 0 ? nil : pool[rng.below(pool.count)] }
            }
            let blinded = columns.map { values in
                var c = BlindedColumn(capacity: values.count)
                for v in values { c.append(v) }
                return c
            }
            for lastProbes in [false, true] {
                let want = naiveGroups(columns, lastProbes: lastProbes)
                for threads in [1, 2, 4] {
                    for tagMask: UInt64 in [0xFFFF_FFFF, 1] {
                        let join = ExactJoin(columns: blinded, lastColumnProbes: lastProbes, threads: threads, seed: UInt64(trial), tagMask: tagMask)
                        let got = Set((0..<join.groupCount).map { Array(join.group($0)) })
                        #expect(got.count == join.groupCount, "a group appears twice")
                        #expect(got == want, "trial \(trial), \(columnCount) columns, lastProbes \(lastProbes), \(threads) threads, tag mask \(tagMask)")
                        for g in got { #expect(g == g.sorted(), "a group's rows are in order") }
                    }
                }
            }
        }
    }

    @Test func locateFindsTheColumnAndRow() {
        var a = BlindedColumn(capacity: 3), b = BlindedColumn(capacity: 0), c = BlindedColumn(capacity: 2)
        for _ in 0..<3 { a.append(nil) }
        for _ in 0..<2 { c.append(nil) }
        let join = ExactJoin(columns: [a, b, c])
        #expect(join.locate(0) == (0, 0))
        #expect(join.locate(2) == (0, 2))
        #expect(join.locate(3) == (2, 0))
        #expect(join.locate(4) == (2, 1))
        #expect(join.groupCount == 0)
    }

    @Test func aColumnHoldsWhatWasAppended() {
        var c = BlindedColumn(capacity: 2)
        let v = (0..<32).map { UInt8($0 + 1) }
        c.append(v)
        c.append(nil)
        #expect(c.isPresent(0) && !c.isPresent(1))
        let w = c.value(0)!
        #expect(w.0 == 0x0807_0605_0403_0201 && w.3 == 0x201F_1E1D_1C1B_1A19)
        #expect(c.value(1) == nil)
    }
}

@Suite struct MultiPartyBlockingTests {
    /// The run-wide blocked pairs against the naive reference: every pair of rows of two parties
    /// with CLKs, at least one without a person value, sharing a key of the same kind (slots of one
    /// kind meet each other), with Dice ≥ t, or with Dice ≥ the agreeing-keys threshold when the
    /// two rows share the date slot's key and a key of the names kind (matching.md §5.2).
    @Test func runWidePairsEqualTheNaiveReference() throws {
        var rng = SplitMix64(seed: 11)
        for trial in 0..<60 {
            let words = [1, 2, 16][trial % 3], kinds = 1 + trial % 4
            // Some trials put several slots in one kind, as blocking.md §4 does for `names`.
            let kindOf = trial % 2 == 0 ? Array(0..<kinds) : (0..<kinds).map { $0 < 2 ? $0 : 1 + rng.below($0) % 2 }
            let agreeing = kinds >= 2 && rng.below(2) == 0
                ? MultiPartyBlocking.AgreeingKeys(threshold: [0.2, 0.5, 0.7][rng.below(3)], dateSlot: 0, namesKind: 1) : nil
            let partyCount = 2 + rng.below(3)
            var parties: [MultiPartyBlocking.Party] = []
            for _ in 0..<partyCount {
                let n = rng.below(120)
                let clk = (0..<(n * words)).map { _ in rng.next() & rng.next() & (rng.below(3) == 0 ? UInt64.max : rng.next()) }
                let pool = 1 + rng.below(10)
                let keys = (0..<(n * kinds)).map { _ in rng.below(4) == 0 ? 0 : UInt64(1 + rng.below(pool)) }
                parties.append(MultiPartyBlocking.Party(clkWords: clk, words: words, keys: keys,
                                                        hasCLK: (0..<n).map { _ in rng.below(8) != 0 },
                                                        withoutPerson: (0..<n).map { _ in rng.below(3) == 0 }))
            }
            let t = [0.0, 0.3, 0.6, 0.8, 1.0][rng.below(5)]
            let maxBlock = [Int.max, 4, 15, 40][rng.below(4)]
            var reports: [(Int, Int)] = []
            let got = MultiPartyBlocking.candidates(parties, words: words, kinds: kinds, kindOf: kindOf, threshold: t, agreeing: agreeing,
                                                    maxBlock: maxBlock) { reports.append(($0, $1)) }.pairs
            // The pass reports its rows scanned after each chunk, rising to every row of every party.
            let rowsInAll = parties.reduce(0) { $0 + $1.count }
            #expect(reports.map(\.1).allSatisfy { $0 == rowsInAll } && reports.map(\.0) == reports.map(\.0).sorted(), "trial \(trial)")
            #expect((reports.last?.0 ?? 0) == rowsInAll, "trial \(trial)")
            // A row's keys of each kind, as a set; block sizes: rows with a CLK that carry the key, over all parties.
            func keysOf(_ x: MultiPartyBlocking.Party, _ i: Int, kind: Int) -> Set<UInt64> {
                Set((0..<kinds).filter { kindOf[$0] == kind }.map { x.keys[i * kinds + $0] }).subtracting([0])
            }
            var size = [[UInt64: Int]](repeating: [:], count: kinds)
            for x in parties { for i in 0..<x.hasCLK.count where x.hasCLK[i] { for k in 0..<kinds { for key in keysOf(x, i, kind: k) { size[k][key, default: 0] += 1 } } } }
            var want: [MultiPartyBlocking.Pair] = []
            func pop(_ x: ArraySlice<UInt64>) -> Int { x.reduce(0) { $0 + $1.nonzeroBitCount } }
            for a in parties.indices {
                for b in parties.indices where a < b {
                    var found: [Candidate] = []
                    let x = parties[a], y = parties[b]
                    for i in 0..<x.hasCLK.count where x.hasCLK[i] {
                        for j in 0..<y.hasCLK.count where y.hasCLK[j] && (x.withoutPerson[i] || y.withoutPerson[j]) {
                            guard (0..<kinds).contains(where: { k in keysOf(x, i, kind: k).intersection(keysOf(y, j, kind: k)).contains { size[k][$0]! <= maxBlock } }) else { continue }
                            let fa = x.clkWords[(i * words)..<(i * words + words)], fb = y.clkWords[(j * words)..<(j * words + words)]
                            let pa = pop(fa), pb = pop(fb)
                            let common = zip(fa, fb).reduce(0) { $0 + ($1.0 & $1.1).nonzeroBitCount }
                            let score = pa == 0 || pb == 0 ? 0 : Double(2 * common) / Double(pa + pb)
                            let agree = agreeing.map { r in
                                x.keys[i * kinds] != 0 && x.keys[i * kinds] == y.keys[j * kinds] && !keysOf(x, i, kind: 1).isDisjoint(with: keysOf(y, j, kind: 1)) && score >= r.threshold
                            } ?? false
                            if score >= t || agree { found.append(Candidate(a: i, b: j, score: score)) }
                        }
                    }
                    found.sort()
                    want += found.map { MultiPartyBlocking.Pair(partyA: a, rowA: $0.a, partyB: b, rowB: $0.b, score: $0.score) }
                }
            }
            #expect(got == want, "trial \(trial): \(got.count) pairs, the reference has \(want.count)")
        }
    }
}
