import Testing
import TestSupport
import Wire
@testable import Matching

/// A hand-built row: a person value by number (nil absent), a CLK, blocking keys (dob, names, surname-initial).
private struct Row {
    var person: Int? = nil
    var clk: [UInt8]? = nil, keys: [UInt64]? = nil
    /// Given-name values (`clk.md` §6), at most four.
    var given: [UInt32]? = nil
}

private func value(_ x: Int) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: (x + 1) >> (8 * $0)) } + [UInt8](repeating: 0xA5, count: 24)
}

private func party(_ name: String, _ rows: [Row], clkBytes: Int = 8) -> PartyRows {
    var r = PartyRows(party: name, attributeNames: [], capacity: rows.count, clkBytes: clkBytes, blockingKeys: 3)
    for x in rows {
        var record = Submission.Record(person: x.person.map(value), organisation: nil, clk: x.clk, blocks: x.keys, attributes: [])
        record.givenNames = x.given.map { ($0 + [0, 0, 0, 0]).prefix(4).sorted { ($0 == 0 ? UInt32.max : $0) < ($1 == 0 ? UInt32.max : $1) } }
        r.append(record)
    }
    return r
}

private let clkP1: [UInt8] = [0xFF, 0xFF, 0x0F, 0, 0, 0, 0, 0], clkP2: [UInt8] = [0, 0, 0, 0, 0xFF, 0xFF, 0xF0, 0]
private let keysP1: [UInt64] = [11, 12, 13], keysP2: [UInt64] = [21, 22, 23]

private func link(_ rows: [PartyRows], conflicts: Bool = true) throws -> Linkage {
    try Linkage(rows, exact: ["person"], threshold: 0.9, fuzzyParties: Set(rows.map(\.party)), blocking: true, conflicts: conflicts, threads: 1)
}

@Suite struct LinkageConflictStepTests {
    /// matching.md §5.6 (a): b's row carries person 1's valid number but person 2's names, birth
    /// date and CLK; it leaves person 1's group and re-links to person 2, flagged `relinked`.
    @Test func aWrongButValidNumberIsRelinkedToThePersonItsFieldsAgreeWith() throws {
        let rows = [party("a", [Row(person: 1, clk: clkP1, keys: keysP1)]),
                    party("b", [Row(person: 1, clk: clkP2, keys: keysP2)]),
                    party("c", [Row(person: 1, clk: clkP1, keys: keysP1), Row(person: 2, clk: clkP2, keys: keysP2)])]
        let l = try link(rows)
        #expect(l.groupOf == [[0], [1], [0, 1]])
        #expect(l.counts["conflictRows"] == 1 && l.counts["conflictRelinked"] == 1 && l.counts["conflictKept"] == 0)
        #expect(l.link(1, 0).exactPerson.isEmpty && l.link(1, 0).fuzzy == ["c": 1])
        #expect(l.link(0, 0).exactPerson == ["c"], "a's row no longer links to b through the wrong number")
        #expect(l.link(1, 0).evidence["c"] == LinkEvidence(matchKind: "fuzzy", name: .agree, birthDate: .agree, dice: 1, conflict: "relinked"))
        #expect(l.link(0, 0).evidence["c"] == LinkEvidence(matchKind: "exact-person", name: .agree, birthDate: .agree, dice: 1))

        let without = try link(rows, conflicts: false)
        #expect(without.groupOf == [[0], [0], [0, 3]], "without the step the row stays with person 1")
        #expect(without.link(1, 0).evidence["a"]?.conflict == "names-disagree")
    }

    /// matching.md §5.6 (a) on the same birth date: a serial mistyped into another valid one keeps
    /// the birth date, so a row whose names keys and given names share nothing with its number's
    /// other rows is doubted, and re-links to the person its fields agree with. A row that keeps
    /// a given name (a changed surname) is not doubted.
    @Test func aNumberSharingOnlyTheBirthDateIsDoubtedByItsGivenNames() throws {
        let rows = [party("a", [Row(person: 1, clk: clkP1, keys: [11, 12, 13], given: [5])]),
                    party("b", [Row(person: 1, clk: clkP2, keys: [11, 22, 23], given: [6])]),
                    party("c", [Row(person: 2, clk: clkP2, keys: [11, 22, 23], given: [6])])]
        let l = try link(rows)
        #expect(l.counts["conflictRows"] == 2 && l.counts["conflictRelinked"] == 1 && l.counts["conflictKept"] == 1)
        #expect(l.groupOf[1][0] == l.groupOf[2][0] && l.groupOf[0][0] != l.groupOf[1][0])
        #expect(l.link(1, 0).evidence["c"]?.conflict == "relinked")

        let married = [rows[0], party("b", [Row(person: 1, clk: clkP2, keys: [11, 22, 23], given: [5, 6])]), rows[2]]
        let m = try link(married)
        #expect(m.counts["conflictRows"] == 0 && m.groupOf[0][0] == m.groupOf[1][0])
        #expect(m.link(1, 0).evidence["a"]?.conflict == "names-disagree")
        let unknown = [rows[0], party("b", [Row(person: 1, clk: clkP2, keys: [11, 22, 23])]), rows[2]]
        #expect(try link(unknown).counts["conflictRows"] == 0, "without given names on both rows the date's agreement stands")
    }

    /// matching.md §5.6 (a) without a strong alternative: the doubted rows return to their group
    /// and their links are flagged `number-disagrees`.
    @Test func aDoubtedNumberWithoutAnAlternativeIsKeptAndFlagged() throws {
        let rows = [party("a", [Row(person: 1, clk: clkP1, keys: keysP1)]), party("b", [Row(person: 1, clk: clkP2, keys: keysP2)])]
        let l = try link(rows)
        #expect(l.groupOf == [[0], [0]])
        #expect(l.counts["conflictRows"] == 2 && l.counts["conflictKept"] == 2 && l.counts["conflictRelinked"] == 0)
        #expect(l.link(0, 0).exactPerson == ["b"])
        #expect(l.link(0, 0).evidence["b"] == LinkEvidence(matchKind: "exact-person", name: .disagree, birthDate: .disagree, dice: 0, conflict: "number-disagrees"))
    }

    /// matching.md §5.6 (b): an exact link whose names disagree while the birth date agrees is kept
    /// and flagged `names-disagree`; a surname-initial agreement is `partial` and no conflict.
    @Test func anExactLinkWhoseNamesDisagreeIsKeptAndFlagged() throws {
        let rows = [party("a", [Row(person: 1, clk: clkP1, keys: [11, 12, 13]), Row(person: 2, clk: clkP2, keys: [21, 22, 23])]),
                    party("b", [Row(person: 1, clk: clkP2, keys: [11, 99, 98]), Row(person: 2, clk: clkP2, keys: [21, 97, 23])])]
        let l = try link(rows)
        #expect(l.counts["conflictRows"] == nil || l.counts["conflictRows"] == 0)
        #expect(l.groupOf == [[0, 1], [0, 1]])
        #expect(l.link(0, 0).evidence["b"] == LinkEvidence(matchKind: "exact-person", name: .disagree, birthDate: .agree, dice: 0, conflict: "names-disagree"))
        #expect(l.link(0, 1).evidence["b"] == LinkEvidence(matchKind: "exact-person", name: .partial, birthDate: .agree, dice: 1))
        #expect(l.counts["conflictFlaggedRows"] == 2)
    }

    /// The dissenters of the step equal a naive reading of §5.6 on seeded random runs.
    @Test(arguments: [UInt64(31), 32, 33, 34, 35, 36, 37, 38])
    func dissentersEqualTheNaiveReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let (rows, specs) = randomRun(&rng)
        let offsets = rowOffsets(rows)
        var uf = UnionFind(count: offsets.last!), links = rows.map { _ in [Int: RowLinks]() }
        _ = Linkage.exact(rows, kinds: ["person"], offsets: offsets, threads: 1, groups: &uf, links: &links)
        let got = Linkage.dissenters(rows, parties: Array(rows.indices), offsets: offsets, groups: &uf)
        var want = Set<Int>()
        func keyed(_ r: Row) -> Bool { r.person != nil && r.clk != nil && r.keys![0] != 0 && r.keys![1] != 0 }
        for (p, spec) in specs.enumerated() {
            for (i, x) in spec.enumerated() where keyed(x) {
                var others: [Row] = []
                for (q, s2) in specs.enumerated() { for (j, y) in s2.enumerated() where keyed(y) && y.person == x.person && (q, j) != (p, i) { others.append(y) } }
                // §5.6: all three keys differ; or the birth date agrees, the names keys differ
                // and the given names, on both rows, share none.
                let strong = others.allSatisfy { y in
                    guard (0..<3).allSatisfy({ x.keys![$0] != 0 && y.keys![$0] != 0 }), x.keys![1] != y.keys![1], x.keys![2] != y.keys![2] else { return false }
                    if x.keys![0] != y.keys![0] { return true }
                    guard let gx = x.given, let gy = y.given, !gx.isEmpty, !gy.isEmpty else { return false }
                    return Set(gx).isDisjoint(with: gy)
                }
                if !others.isEmpty && strong { want.insert(offsets[p] + i) }
            }
        }
        #expect(got.rows == want, "seed \(seed)")
        for (p, spec) in specs.enumerated() {
            for (i, x) in spec.enumerated() where x.person != nil {
                for (q, s2) in specs.enumerated() { for (j, y) in s2.enumerated() where y.person == x.person {
                    let a = offsets[p] + i, b = offsets[q] + j
                    let together = uf.find(a) == uf.find(b)
                    #expect(together == (a == b || (!want.contains(a) && !want.contains(b))), "seed \(seed): rows \(a), \(b)")
                } }
            }
        }
    }

    /// The evidence step (§5.7) equals its all-rows reference on whole seeded random runs, and
    /// after the conflicts step no group holds two person values but through re-linked rows.
    @Test(arguments: [UInt64(41), 42, 43, 44, 45, 46, 47, 48, 49, 50])
    func evidenceEqualsTheNaiveReferenceOnRandomRuns(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let (rows, specs) = randomRun(&rng)
        let l = try link(rows)
        let offsets = rowOffsets(rows)
        var uf = UnionFind(count: offsets.last!)
        for (p, groups) in l.groupOf.enumerated() { for (i, g) in groups.enumerated() { uf.union(offsets[p] + i, g) } }
        var stripped = l.links
        for p in stripped.indices { for i in stripped[p].keys { stripped[p][i]!.evidence = [:] } }
        let want = Linkage.evidenceReference(rows, offsets: offsets, groups: &uf, links: stripped, kept: l.keptRows, relinked: l.relinkedRows)
        for p in rows.indices {
            for i in 0..<rows[p].count { #expect(l.link(p, i).evidence == (want[p][i] ?? [:]), "seed \(seed): party \(p) row \(i)") }
        }
        var valueOfGroup: [Int: Int] = [:]
        for (p, spec) in specs.enumerated() {
            for (i, x) in spec.enumerated() where x.person != nil && !l.relinkedRows.contains(offsets[p] + i) {
                let g = l.groupOf[p][i]
                #expect(valueOfGroup[g] == nil || valueOfGroup[g] == x.person, "seed \(seed): group \(g) holds two person values")
                valueOfGroup[g] = x.person
            }
        }
    }
}

/// Random parties: persons from a small pool, each person's CLK and keys near its own, and some
/// rows given another person's number (a wrong-but-valid number) or none.
private func randomRun(_ rng: inout SplitMix64) -> (rows: [PartyRows], specs: [[Row]]) {
    let people = 10
    let clks = (0..<people).map { _ in (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
    let keys: [[UInt64]] = (0..<people).map { (p: Int) -> [UInt64] in
        let d = UInt64(1 + p % 7), n = UInt64(1 + p % 5), s = UInt64(1 + p % 4)
        return [d, n, s]
    }
    var rows: [PartyRows] = [], specs: [[Row]] = []
    for p in 0..<(2 + rng.below(3)) {
        let spec: [Row] = (0..<rng.below(25)).map { _ in
            let who = rng.below(people)
            var clk = clks[who]
            for _ in 0..<rng.below(2) { clk[rng.below(8)] ^= 1 << UInt8(rng.below(8)) }
            var number: Int? = who
            if rng.below(4) == 0 { number = nil } else if rng.below(5) == 0 { number = rng.below(people) }
            var k = keys[who]
            for x in 0..<3 where rng.below(8) == 0 { k[x] = 0 }
            let c: [UInt8]? = rng.below(10) == 0 ? nil : clk
            // Given names: the person's own code, sometimes with a second, sometimes none.
            let given: [UInt32]? = rng.below(3) == 0 ? nil : rng.below(2) == 0 ? [UInt32(1 + who % 6)] : [UInt32(1 + who % 6), UInt32(10 + who)]
            return Row(person: number, clk: c, keys: c == nil ? nil : k, given: c == nil ? nil : given)
        }
        rows.append(party("p\(p)", spec))
        specs.append(spec)
    }
    return (rows, specs)
}
