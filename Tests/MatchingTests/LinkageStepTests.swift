import Testing
import TestSupport
import Wire
@testable import Matching

/// A hand-built row: person and organisation values by number (nil absent), a CLK, blocking keys.
private struct Row {
    var person: Int? = nil, org: Int? = nil
    var clk: [UInt8]? = nil, keys: [UInt64]? = nil
    var attributes: [String] = []
}

/// A 32-byte blinded value for a number (never all zero).
private func value(_ x: Int) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: (x + 1) >> (8 * $0)) } + [UInt8](repeating: 0x5A, count: 24)
}

private func party(_ name: String, _ rows: [Row], clkBytes: Int = 8, kinds: Int = 0, attributes: [String] = []) -> PartyRows {
    var r = PartyRows(party: name, attributeNames: attributes, capacity: rows.count, clkBytes: clkBytes, blockingKeys: kinds)
    for x in rows {
        r.append(Submission.Record(person: x.person.map(value), organisation: x.org.map(value), clk: x.clk, blocks: x.keys, attributes: x.attributes))
    }
    return r
}

private func dice(_ x: [UInt8], _ y: [UInt8]) -> Double {
    func pop(_ b: [UInt8]) -> Int { b.reduce(0) { $0 + $1.nonzeroBitCount } }
    let px = pop(x), py = pop(y)
    return px == 0 ? 0 : Double(2 * pop(zip(x, y).map { $0 & $1 })) / Double(px + py)
}

/// Random parties for the cross-checks: persons from a small pool (some rows without one),
/// CLKs near a few centres, blocking keys from small pools, organisations.
private func randomRun(_ rng: inout SplitMix64, parties: Int, kinds: Int = 3, clkBytes: Int = 8) -> (rows: [PartyRows], specs: [[Row]]) {
    let centres = (0..<6).map { _ in (0..<clkBytes).map { _ in UInt8(truncatingIfNeeded: rng.next() & rng.next()) } }
    var rows: [PartyRows] = [], specs: [[Row]] = []
    for p in 0..<parties {
        let spec: [Row] = (0..<rng.below(30)).map { _ in
            var clk: [UInt8]? = nil
            if rng.below(8) != 0 {
                var c = centres[rng.below(centres.count)]
                for _ in 0..<rng.below(3) { c[rng.below(clkBytes)] ^= 1 << UInt8(rng.below(8)) }
                clk = c
            }
            return Row(person: rng.below(3) == 0 ? nil : rng.below(12), org: rng.below(3) == 0 ? rng.below(5) + 100 : nil,
                       clk: clk, keys: clk == nil ? nil : (0..<kinds).map { _ in rng.below(5) == 0 ? 0 : UInt64(1 + rng.below(3)) })
        }
        rows.append(party("p\(p)", spec, clkBytes: clkBytes, kinds: kinds))
        specs.append(spec)
    }
    return (rows, specs)
}

/// The groups of the exact step, naively: rows that share a person value.
private func exactGroups(_ specs: [[Row]]) -> UnionFind {
    var uf = UnionFind(count: specs.reduce(0) { $0 + $1.count })
    var first: [Int: Int] = [:], n = 0
    for spec in specs { for r in spec { if let x = r.person { if let f = first[x] { uf.union(f, n) } else { first[x] = n } }; n += 1 } }
    return uf
}

@Suite struct LinkageExactStepTests {
    /// matching.md §5.1: a value shared by parties links each row to the others; a sole trader's
    /// organisation equals its owner's person value; only person values join groups.
    @Test func sharedValuesLinkAcrossPartiesAndPersonsJoinGroups() {
        let rows = [party("a", [Row(person: 1), Row(org: 9)]),
                    party("b", [Row(person: 1), Row(person: 1)]),
                    party("c", [Row(org: 1), Row(org: 9)])]
        let offsets = rowOffsets(rows)
        var uf = UnionFind(count: offsets.last!), links = rows.map { _ in [Int: RowLinks]() }
        let found = Linkage.exact(rows, kinds: ["person", "organisation"], offsets: offsets, threads: 1, groups: &uf, links: &links)
        #expect(found.values == 2 && found.links == 5)
        #expect(links[0][0]?.exactPerson == ["b", "c"] && links[1][1]?.exactPerson == ["a", "c"])
        #expect(links[2][0]?.exactOrganisation == ["a", "b"] && links[2][0]?.exactPerson == [])
        #expect(links[0][1]?.exactOrganisation == ["c"] && links[2][1]?.exactOrganisation == ["a"])
        #expect(uf.find(2) == 0 && uf.find(3) == 0, "one person value is one group, within a party too")
        #expect(uf.find(4) == 4 && uf.find(5) == 5 && uf.find(1) == 1, "organisation values join no group")

        var uf2 = UnionFind(count: offsets.last!), personOnly = rows.map { _ in [Int: RowLinks]() }
        let persons = Linkage.exact(rows, kinds: ["person"], offsets: offsets, threads: 1, groups: &uf2, links: &personOnly)
        #expect(persons.values == 1 && persons.links == 1)
        #expect(personOnly[0][0]?.exactPerson == ["b"] && personOnly[2].isEmpty)
    }
}

@Suite struct LinkageCandidateStepTests {
    static let x: [UInt8] = [0xF0, 0x0F, 0xAA, 0x55, 1, 2, 3, 4]

    /// matching.md §5.2: two rows that both carry a person value are never compared; with
    /// blocking only rows sharing a key are.
    @Test func rowsWithTwoPersonValuesAreNotComparedAndBlockingNarrows() {
        let rows = [party("a", [Row(clk: Self.x, keys: [1, 2, 3]), Row(person: 1, clk: Self.x, keys: [1, 2, 3])], kinds: 3),
                    party("b", [Row(person: 2, clk: Self.x, keys: [1, 2, 3]), Row(person: 3, clk: Self.x, keys: [7, 8, 9])], kinds: 3)]
        var messages: [String] = []
        let open = Linkage.candidates(rows, parties: [0, 1], threshold: 0.9, blocking: false, threads: 1) { messages.append($0) }
        #expect(open.byPair[1]?.sorted() == [Candidate(a: 0, b: 0, score: 1), Candidate(a: 0, b: 1, score: 1)])
        #expect(open.compared == 2 && open.purgedBlocks == nil)
        #expect(messages == ["fuzzy a×b: 2×2 rows, 2 pairs compared so far"])
        let blocked = Linkage.candidates(rows, parties: [0, 1], threshold: 0.9, blocking: true, threads: 1) { _ in }
        #expect(blocked.byPair[1] == [Candidate(a: 0, b: 0, score: 1)])
        #expect(blocked.purgedBlocks == 0)
    }

    @Test func clksOfDifferentLengthsAreRefused() throws {
        let rows = [party("a", [Row(clk: Self.x)]), party("b", [Row(clk: [1, 2])], clkBytes: 2), party("c", [Row()], clkBytes: 0), party("d", [Row(clk: Self.x)])]
        #expect(try Linkage.fuzzyParties(rows, named: ["a", "c", "d"]) == [0, 3], "a party without CLKs takes no part")
        let error = #expect(throws: MatchError.self) { try Linkage.fuzzyParties(rows, named: ["a", "b"]) }
        #expect(error?.code == .lengthMismatch)
        #expect(error?.reason == "the parties sent CLKs of different lengths: a 8, b 2")
    }

    /// Unblocked, and blocked with one key shared by every row, against every pair with a CLK,
    /// one side without a person value, and Dice ≥ t.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func candidatesEqualTheNaiveAllPairsReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let t = [0.0, 0.5, 0.8, 1.0][Int(seed % 4)]
        let (rows, generated) = randomRun(&rng, parties: 2 + rng.below(3), kinds: 1)
        // One block for the whole run: blocking must then find every pair.
        let specs = generated.map { $0.map { var r = $0; if r.clk != nil { r.keys = [5] }; return r } }
        let oneBlock = specs.enumerated().map { party("p\($0.offset)", $0.element, kinds: 1) }
        let all = Array(rows.indices)
        var want: [Int: [Candidate]] = [:]
        for a in all { for b in all where a < b {
            for (i, x) in specs[a].enumerated() { for (j, y) in specs[b].enumerated() {
                guard let cx = x.clk, let cy = y.clk, x.person == nil || y.person == nil else { continue }
                let s = dice(cx, cy)
                if s >= t { want[a * rows.count + b, default: []].append(Candidate(a: i, b: j, score: s)) }
            } }
        } }
        let open = Linkage.candidates(rows, parties: all, threshold: t, blocking: false, threads: 2) { _ in }
        let blocked = Linkage.candidates(oneBlock, parties: all, threshold: t, blocking: true, threads: 2) { _ in }
        for key in Set(want.keys).union(open.byPair.keys).union(blocked.byPair.keys) {
            #expect((open.byPair[key] ?? []).sorted() == (want[key] ?? []).sorted(), "seed \(seed), pair \(key), unblocked")
            #expect((blocked.byPair[key] ?? []).sorted() == (want[key] ?? []).sorted(), "seed \(seed), pair \(key), blocked")
        }
    }
}

@Suite struct LinkageAgreeingKeysStepTests {
    /// matching.md §5.2, agreeing keys: with six key slots (blocking.md §4), unblocked and blocked
    /// (slot 2 one key for every row, so blocking must find every pair) against every pair with a
    /// CLK, one side without a person value, and Dice ≥ t, or Dice ≥ 0.55 (kept later only on a rare key below 0.7) with the same nonzero
    /// `dob` key (slot 0) and a nonzero key shared among the `names` slots 1, 3, 4 and 5.
    @Test(arguments: [UInt64(21), 22, 23, 24, 26, 27, 28, 29])
    func candidatesEqualTheNaiveReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let (_, generated) = randomRun(&rng, parties: 2 + rng.below(3), kinds: 6, clkBytes: 4)
        let specs = generated.map { $0.map { var r = $0; if r.clk != nil { r.keys![2] = 5 }; return r } }
        let rows = specs.enumerated().map { party("p\($0.offset)", $0.element, clkBytes: 4, kinds: 6) }
        let all = Array(rows.indices)
        func names(_ k: [UInt64]) -> Set<UInt64> { Set([k[1], k[3], k[4], k[5]]).subtracting([0]) }
        var belowThreshold = 0
        for t in [0.5, 0.8, 0.9, 1.0] {
            var want: [Int: [Candidate]] = [:]
            for a in all { for b in all where a < b {
                for (i, x) in specs[a].enumerated() { for (j, y) in specs[b].enumerated() {
                    guard let cx = x.clk, let cy = y.clk, x.person == nil || y.person == nil else { continue }
                    let s = dice(cx, cy), kx = x.keys!, ky = y.keys!
                    let agree = kx[0] != 0 && kx[0] == ky[0] && !names(kx).isDisjoint(with: names(ky))
                    if s >= t || (agree && s >= Linkage.rareAgreeingThreshold) { want[a * rows.count + b, default: []].append(Candidate(a: i, b: j, score: s)) }
                    if s < t && agree && s >= Linkage.rareAgreeingThreshold { belowThreshold += 1 }
                } }
            } }
            let open = Linkage.candidates(rows, parties: all, threshold: t, blocking: false, threads: 2) { _ in }
            let blocked = Linkage.candidates(rows, parties: all, threshold: t, blocking: true, threads: 2) { _ in }
            for key in Set(want.keys).union(open.byPair.keys).union(blocked.byPair.keys) {
                #expect((open.byPair[key] ?? []).sorted() == (want[key] ?? []).sorted(), "seed \(seed), t \(t), pair \(key), unblocked")
                #expect((blocked.byPair[key] ?? []).sorted() == (want[key] ?? []).sorted(), "seed \(seed), t \(t), pair \(key), blocked")
            }
        }
        // The rule is exercised: some pairs are kept below the threshold for their keys alone.
        #expect(belowThreshold > 0, "seed \(seed)")
    }

    /// Two rows of one person whose given-name fields differ (`Maria` and `Anna Maria Karin`):
    /// same date key, the names key of `Maria` in slot 1 of one and slot 3 of the other, Dice 0.75.
    /// Linked with the rule, not without it, and not when the dates differ.
    @Test func rowsWritingDifferentGivenNamesAreLinkedWhenTheirKeysAgree() throws {
        let a: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0], b: [UInt8] = [0xFF, 0xFF, 0xFF, 0x0F, 0, 0xFF, 0x0F, 0]
        #expect(dice(a, b) < 0.95 && dice(a, b) >= 0.7)
        func run(dobB: UInt64, agreeing: Bool) throws -> Int {
            let x = party("x", [Row(person: 1, clk: a, keys: [7, 11, 13, 21, 0, 0])], kinds: 6)
            let y = party("y", [Row(clk: b, keys: [dobB, 21, 17, 0, 0, 0])], kinds: 6)
            let l = try Linkage([x, y], exact: ["person"], threshold: 0.95, fuzzyParties: ["x", "y"], blocking: true, agreeingKeys: agreeing, threads: 1)
            return l.fuzzyLinks.count
        }
        #expect(try run(dobB: 7, agreeing: true) == 1)
        #expect(try run(dobB: 7, agreeing: false) == 0)
        #expect(try run(dobB: 8, agreeing: true) == 0)
    }
}

@Suite struct LinkageLookalikeStepTests {
    /// matching.md §5.2: a row without a person value whose date and names keys two different
    /// identified people carry is a lookalike; one person twice is not.
    @Test func aRowLikeTwoPeopleIsALookalike() {
        let rows = [party("a", [Row(clk: [1], keys: [1, 2, 3])], clkBytes: 1, kinds: 3),
                    party("b", [Row(person: 1, clk: [1], keys: [1, 2, 3])], clkBytes: 1, kinds: 3),
                    party("c", [Row(person: 2, clk: [1], keys: [1, 2, 7])], clkBytes: 1, kinds: 3)]
        var separate = UnionFind(count: 3)
        #expect(Linkage.lookalikes(rows, parties: [0, 1, 2], offsets: [0, 1, 2, 3], groups: &separate) == [0])
        var joined = UnionFind(count: 3)
        joined.union(1, 2)
        #expect(Linkage.lookalikes(rows, parties: [0, 1, 2], offsets: [0, 1, 2, 3], groups: &joined).isEmpty)
        #expect(Linkage.lookalikes(rows, parties: [0, 1], offsets: [0, 1, 2, 3], groups: &separate).isEmpty, "only the fuzzy parties count")
    }

    /// §5.2 over every names slot: "Maria Svensson" without a number, and two identified people
    /// "Anna Maria Svensson" and "Karin Maria Svensson" born the same day, whose first given names
    /// differ: the row is a lookalike through the names key of Maria in their second slots.
    @Test func aRowLikeTwoPeopleThroughAnotherGivenNameIsALookalike() {
        let (maria, anna, karin): (UInt64, UInt64, UInt64) = (21, 22, 23)
        let rows = [party("a", [Row(clk: [1], keys: [1, maria, 3, 0, 0, 0])], clkBytes: 1, kinds: 6),
                    party("b", [Row(person: 1, clk: [1], keys: [1, anna, 3, maria, 0, 0]),
                                Row(person: 2, clk: [1], keys: [1, karin, 3, maria, 0, 0])], clkBytes: 1, kinds: 6)]
        var separate = UnionFind(count: 3)
        #expect(Linkage.lookalikes(rows, parties: [0, 1], offsets: [0, 1, 3], groups: &separate) == [0])
        let onlyAnna = [rows[0], party("b", [Row(person: 1, clk: [1], keys: [1, anna, 3, maria, 0, 0])], clkBytes: 1, kinds: 6)]
        var one = UnionFind(count: 2)
        #expect(Linkage.lookalikes(onlyAnna, parties: [0, 1], offsets: [0, 1, 2], groups: &one).isEmpty)
    }

    @Test(arguments: [UInt64(11), 12, 13, 14, 15, 16])
    func lookalikesEqualTheNaiveReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let (rows, specs) = randomRun(&rng, parties: 2 + rng.below(3))
        var uf = exactGroups(specs)
        let offsets = rowOffsets(rows)
        let fuzzy = rows.indices.filter { _ in rng.below(4) != 0 }
        var want = Set<Int>()
        // Names slots: 1, and 3–5 when a row has six keys (blocking.md §4).
        func names(_ k: [UInt64]) -> Set<UInt64> { Set(k.indices.filter { $0 == 1 || $0 >= 3 }.map { k[$0] }).subtracting([0]) }
        for p in fuzzy { for (i, x) in specs[p].enumerated() where x.clk != nil && x.person == nil {
            guard let k = x.keys, k[0] != 0, !names(k).isEmpty else { continue }
            var people = Set<Int>()
            for q in fuzzy { for (j, y) in specs[q].enumerated() where y.clk != nil && y.person != nil && y.keys![0] == k[0] && !names(y.keys!).isDisjoint(with: names(k)) {
                people.insert(uf.find(offsets[q] + j))
            } }
            if people.count > 1 { want.insert(offsets[p] + i) }
        } }
        #expect(Linkage.lookalikes(rows, parties: fuzzy, offsets: offsets, groups: &uf) == want, "seed \(seed)")
    }
}

@Suite struct LinkageAcceptanceStepTests {
    /// matching.md §5.2 no bridges: the better link of a row without a number is kept, the one
    /// to another person is refused and counted.
    @Test func aLinkThatWouldBridgeTwoPeopleIsRefused() {
        let rows = [party("a", [Row()]), party("b", [Row(person: 1)]), party("c", [Row(person: 2)])]
        var uf = UnionFind(count: 3)
        let got = Linkage.accept([1: [Candidate(a: 0, b: 0, score: 0.95)], 2: [Candidate(a: 0, b: 0, score: 0.97)]],
                                 rows: rows, offsets: [0, 1, 2, 3], excluding: [], groups: &uf)
        #expect(got.links == [FuzzyLink(partyA: 0, rowA: 0, partyB: 2, rowB: 0, score: 0.97)])
        #expect(got.conflicts == 1)
        #expect(uf.find(2) == 0 && uf.find(1) == 1)
    }

    /// matching.md §5.3: one-to-one per party pair, best first; lookalike rows take no part.
    @Test func acceptanceIsOneToOnePerPartyPairAndSkipsLookalikes() {
        let rows = [party("a", [Row(), Row()]), party("b", [Row(), Row()])]
        let pair = [Candidate(a: 0, b: 0, score: 0.9), Candidate(a: 0, b: 1, score: 0.8), Candidate(a: 1, b: 1, score: 0.7)]
        var uf = UnionFind(count: 4)
        let got = Linkage.accept([1: pair], rows: rows, offsets: [0, 2, 4], excluding: [], groups: &uf)
        #expect(got.links.map { [$0.rowA, $0.rowB] } == [[0, 0], [1, 1]] && got.conflicts == 0)
        var fresh = UnionFind(count: 4)
        let without = Linkage.accept([1: pair], rows: rows, offsets: [0, 2, 4], excluding: [2], groups: &fresh)
        #expect(without.links.map { [$0.rowA, $0.rowB] } == [[0, 1]], "b's row 0 (run-wide 2) is a lookalike")
    }

    /// matching.md §5.2 ambiguity: candidates within the margin that belong to two groups drop the row.
    @Test func aRowWithCloseCandidatesOfTwoGroupsIsDropped() {
        let c = [Candidate(a: 0, b: 0, score: 0.95), Candidate(a: 0, b: 1, score: 0.94), Candidate(a: 1, b: 2, score: 0.9)]
        #expect(Linkage.unambiguous(c, margin: 0.02, groupA: { $0 }, groupB: { $0 }) == [c[2]])
        #expect(Linkage.unambiguous(c, margin: 0.02, groupA: { $0 }, groupB: { _ in 7 }) == c, "one group: no ambiguity")
        #expect(Linkage.unambiguous(c, margin: 0.005, groupA: { $0 }, groupB: { $0 }) == c)
    }

    /// matching.md §5.2 ambiguity, refined by §6.3: a close candidate of another group competes only
    /// when its other row has no candidate more than the margin better (FEBRL4's rec-949: its true
    /// duplicate at 0.7395, a namesake's duplicate at 0.7362 whose own original scores 0.971).
    @Test func aCloseCandidateWhoseOtherRowHasAFarBetterPartnerDoesNotCompete() {
        let c = [Candidate(a: 0, b: 0, score: 0.7395), Candidate(a: 0, b: 1, score: 0.7362), Candidate(a: 1, b: 1, score: 0.971)]
        #expect(Linkage.unambiguous(c, margin: 0.02, groupA: { $0 }, groupB: { $0 }) == c)
        // Without the far better partner, b's row 1 is a real alternative for a's row 0, and a's
        // row 0 one for b's row 1 (its best, 0.75, is within the margin of 0.7362): both drop.
        let close = [c[0], c[1], Candidate(a: 1, b: 1, score: 0.75)]
        #expect(Linkage.unambiguous(close, margin: 0.02, groupA: { $0 }, groupB: { $0 }).isEmpty)
    }

    /// §5.2: liveness is read after the ambiguous rows are dropped. y is ambiguous (o1 0.95, o3
    /// 0.945); once y is gone o1 is free, so x's candidates o1 (0.90) and o2 (0.89) compete.
    @Test func aRowDroppedAsAmbiguousDoesNotSettleItsPartnersOtherCandidates() {
        let (x, y, o1, o2, o3) = (0, 1, 0, 1, 2)
        let c = [Candidate(a: y, b: o1, score: 0.95), Candidate(a: y, b: o3, score: 0.945),
                 Candidate(a: x, b: o1, score: 0.90), Candidate(a: x, b: o2, score: 0.89)]
        #expect(Linkage.unambiguous(c, margin: 0.02, groupA: { $0 }, groupB: { $0 }).isEmpty)
    }

    /// `unambiguous` against a literal reading of §5.2 on seeded random candidate lists.
    @Test(arguments: [UInt64(41), 42, 43, 44, 45])
    func unambiguousEqualsTheNaiveReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var seen = Set<[Int]>(), c: [Candidate] = []
        for _ in 0..<200 {
            let a = rng.below(30), b = rng.below(30)
            guard seen.insert([a, b]).inserted else { continue }
            c.append(Candidate(a: a, b: b, score: Double(700 + rng.below(300)) / 1000))
        }
        let groupA = (0..<30).map { _ in rng.below(12) }, groupB = (0..<30).map { _ in rng.below(12) }
        let margin = 0.02
        // A row's live candidates are those whose other end has no standing candidate more than
        // the margin better; the row is dropped when a live candidate within the margin of its best
        // live one belongs to another group than that best; repeated until nothing drops.
        func dropped(_ row: Int, side: Bool, in c: [Candidate]) -> Bool {
            let mine = c.filter { (side ? $0.a : $0.b) == row }
            guard mine.count > 1 else { return false }
            let live = mine.filter { x in c.filter { side ? $0.b == x.b : $0.a == x.a }.map(\.score).max()! <= x.score + margin }
            guard live.count > 1 else { return false }
            let best = live.max { $0.score < $1.score }!
            let group = { (x: Candidate) in side ? groupB[x.b] : groupA[x.a] }
            return live.contains { $0.score >= best.score - margin && group($0) != group(best) }
        }
        var want = c
        while true {
            let next = want.filter { !dropped($0.a, side: true, in: want) && !dropped($0.b, side: false, in: want) }
            if next == want { break }
            want = next
        }
        let got = Linkage.unambiguous(c, margin: margin, groupA: { groupA[$0] }, groupB: { groupB[$0] })
        #expect(got == want, "seed \(seed)")
        #expect(got.count < c.count, "seed \(seed): the rule dropped something")
    }

    /// The union–find pass with group identities against explicit sets of rows and person values.
    @Test(arguments: [UInt64(21), 22, 23, 24, 26, 27, 28, 29])
    func acceptanceEqualsTheNaiveReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let (rows, specs) = randomRun(&rng, parties: 2 + rng.below(3))
        let offsets = rowOffsets(rows)
        var byPair: [Int: [Candidate]] = [:]
        for a in rows.indices { for b in rows.indices where a < b && rows[a].count > 0 && rows[b].count > 0 {
            var seen = Set<[Int]>()
            for _ in 0..<rng.below(40) {
                let i = rng.below(rows[a].count), j = rng.below(rows[b].count)
                guard seen.insert([i, j]).inserted else { continue }
                byPair[a * rows.count + b, default: []].append(Candidate(a: i, b: j, score: Double(80 + rng.below(21)) / 100))
            }
        } }
        let lookalike = Set((0..<offsets.last!).filter { _ in rng.below(10) == 0 })
        var uf = exactGroups(specs)
        let got = Linkage.accept(byPair, rows: rows, offsets: offsets, excluding: lookalike, groups: &uf)

        // Naive: a group label per row, relabelled on every merge; a group's person values by scan.
        var reference = exactGroups(specs)
        var label = (0..<offsets.last!).map { reference.find($0) }
        let person = specs.flatMap { $0.map(\.person) }
        var all: [(Double, Int, Int, Int, Int)] = []
        for key in byPair.keys.sorted() {
            let pa = key / rows.count, pb = key % rows.count
            let kept = Linkage.unambiguous(byPair[key]!.filter { !lookalike.contains(offsets[pa] + $0.a) && !lookalike.contains(offsets[pb] + $0.b) },
                                           margin: Linkage.ambiguityMargin, groupA: { label[offsets[pa] + $0] }, groupB: { label[offsets[pb] + $0] })
            all += kept.map { (-$0.score, pa, pb, $0.a, $0.b) }
        }
        all.sort { $0 < $1 }
        var want: [FuzzyLink] = [], conflicts = 0, ends = Set<[Int]>()
        for (s, pa, pb, i, j) in all {
            guard !ends.contains([pa, pb, i]), !ends.contains([pb, pa, j]) else { continue }
            let ga = label[offsets[pa] + i], gb = label[offsets[pb] + j]
            let pga = Set(label.indices.filter { label[$0] == ga }.compactMap { person[$0] })
            let pgb = Set(label.indices.filter { label[$0] == gb }.compactMap { person[$0] })
            if ga != gb && !pga.isEmpty && !pgb.isEmpty && pga != pgb { conflicts += 1; continue }
            ends.insert([pa, pb, i]); ends.insert([pb, pa, j])
            label = label.map { $0 == max(ga, gb) ? min(ga, gb) : $0 }
            want.append(FuzzyLink(partyA: pa, rowA: i, partyB: pb, rowB: j, score: -s))
        }
        #expect(got.links == want && got.conflicts == conflicts, "seed \(seed)")
        #expect((0..<offsets.last!).allSatisfy { uf.find($0) == label[$0] }, "seed \(seed): groups")
    }
}

@Suite struct LinkageGroupStepTests {
    /// Each row's group is the smallest run-wide row number of its component, as a naive
    /// relabelling finds it.
    @Test(arguments: [UInt64(31), 32, 33, 34])
    func groupsAreTheSmallestRowOfEachComponent(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let sizes = (0..<(1 + rng.below(4))).map { _ in rng.below(40) }
        let rows = sizes.enumerated().map { party("p\($0.offset)", Array(repeating: Row(), count: $0.element)) }
        let offsets = rowOffsets(rows), n = offsets.last!
        var uf = UnionFind(count: n), label = Array(0..<n)
        for _ in 0..<(n == 0 ? 0 : rng.below(n)) {
            let x = rng.below(n), y = rng.below(n)
            uf.union(x, y)
            let (lx, ly) = (label[x], label[y])
            label = label.map { $0 == max(lx, ly) ? min(lx, ly) : $0 }
        }
        let groups = Linkage.groups(rows, offsets: offsets, groups: &uf)
        #expect(groups.flatMap { $0 } == label, "seed \(seed)")
    }
}

@Suite struct LinkageRelationStepTests {
    /// matching.md §5.4: a row naming organisation O links to the parties where O's
    /// representatives appear; a representative's own row does not link through itself.
    @Test func anOrganisationLinksThroughItsRepresentatives() {
        let rows = [party("a", [Row(org: 50), Row(org: 51)]),
                    party("b", [Row(person: 1, org: 50)]),
                    party("c", [Row(person: 1), Row(person: 2, org: 50)])]
        let via = Linkage.relations(rows)
        #expect(via[0] == [0: ["b", "c"]])
        #expect(via[1] == [0: ["c"]], "through c's representative 2, who appears at c only")
        #expect(via[2] == [1: ["b"]], "through representative 1, at b (and c, its own party)")
    }

    /// Past 64 parties the party bits take a second word: party 66 and party 2 are told apart.
    @Test func relationsCountPartiesPastSixtyFour() {
        var rows = (0..<70).map { party("p\($0)", []) }
        rows[2] = party("p2", [Row(org: 50)])
        rows[66] = party("p66", [Row(person: 1, org: 50)])
        rows[67] = party("p67", [Row(person: 1)])
        let via = Linkage.relations(rows)
        #expect(via[2] == [0: ["p66", "p67"]] && via[66].isEmpty, "66's row is its own representative")
        #expect(via == Linkage.relationsReference(rows))
    }

    @Test(arguments: [UInt64(41), 42, 43, 44, 45, 46, 47, 48])
    func relationsEqualTheNaiveReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let (rows, specs) = randomRun(&rng, parties: 2 + rng.below(3))
        let flat = specs.enumerated().flatMap { p, s in s.map { (p, $0) } }
        var want = rows.map { _ in [Int: Set<String>]() }
        for (p, spec) in specs.enumerated() {
            for (i, x) in spec.enumerated() {
                guard let o = x.org else { continue }
                var via = Set<String>()
                for (_, rep) in flat where rep.org == o && rep.person != nil && rep.person != x.person {
                    for (q, y) in flat where q != p && y.person == rep.person { via.insert("p\(q)") }
                }
                if !via.isEmpty { want[p][i] = via }
            }
        }
        #expect(Linkage.relations(rows) == want, "seed \(seed)")
        #expect(Linkage.relationsReference(rows) == want, "seed \(seed)")
    }
}

@Suite struct LinkageCategoryStepTests {
    /// Categories travel within a group to the parties without a category column.
    @Test func categoriesTravelWithinAGroup() {
        let rows = [party("police", [Row(attributes: ["gang-a"]), Row(attributes: [""])], attributes: ["category"]),
                    party("fk", [Row(), Row(), Row()], attributes: ["note"])]
        var uf = UnionFind(count: 5)
        uf.union(0, 2); uf.union(1, 3)
        let got = Linkage.categories(rows, offsets: [0, 2, 5], groups: &uf)
        #expect(got[0].isEmpty, "a party with the column receives none")
        #expect(got[1] == [0: ["gang-a"]], "an empty category is none")
        var none = UnionFind(count: 2)
        #expect(Linkage.categories([party("x", [Row()]), party("y", [Row()])], offsets: [0, 1, 2], groups: &none) == [[:], [:]])
    }
}
