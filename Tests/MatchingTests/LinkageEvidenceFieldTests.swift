import Testing
import TestSupport
import Wire
@testable import Matching

/// A hand-built row with evidence values (Protocols/clk.md §6): a person value by number, a CLK,
/// blocking keys (dob, names, surname-initial), address (address, postcode, town) and given names.
private struct Row {
    var person: Int? = nil
    var clk: [UInt8]? = [0xFF, 0xFF, 0x0F, 0, 0, 0, 0, 0], keys: [UInt64]? = [11, 12, 13]
    var address: [UInt32]? = nil, given: [UInt32]? = nil
}

private func value(_ x: Int) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: (x + 1) >> (8 * $0)) } + [UInt8](repeating: 0x5A, count: 24)
}

private func party(_ name: String, _ rows: [Row]) -> PartyRows {
    var r = PartyRows(party: name, attributeNames: [], capacity: rows.count, clkBytes: 8, blockingKeys: 3)
    for x in rows {
        r.append(Submission.Record(person: x.person.map(value), organisation: nil, clk: x.clk, blocks: x.keys, attributes: [],
                                   address: x.address, givenNames: x.given))
    }
    return r
}

private func link(_ rows: [PartyRows]) throws -> Linkage {
    try Linkage(rows, exact: ["person"], threshold: 0.9, fuzzyParties: Set(rows.map(\.party)), blocking: true, threads: 1)
}

@Suite struct LinkageEvidenceFieldTests {
    /// matching.md §5.7: address agree / partial / disagree / absent on constructed values.
    @Test func addressAgreementFollowsTheRule() {
        func a(_ x: [UInt32]?, _ y: [UInt32]?) -> FieldAgreement? { Linkage.addressAgreement(x.map { $0[...] }, y.map { $0[...] }) }
        #expect(a([1, 2, 3], [1, 2, 3]) == .agree)
        #expect(a([1, 2, 0], [1, 0, 0]) == .agree, "the address value alone agrees")
        #expect(a([1, 2, 3], [9, 2, 8]) == .partial, "same postcode, another street")
        #expect(a([1, 2, 3], [9, 8, 3]) == .partial, "same town only")
        #expect(a([0, 0, 3], [9, 8, 3]) == .partial)
        #expect(a([1, 2, 3], [9, 8, 7]) == .disagree)
        #expect(a([1, 0, 0], [0, 0, 3]) == nil, "no part on both rows")
        #expect(a([1, 2, 3], nil) == nil && a(nil, nil) == nil)
    }

    /// §5.7: given names agree (same set), partial (some shared), disagree (none), absent.
    @Test func givenNamesAgreementFollowsTheRule() {
        func g(_ x: [UInt32]?, _ y: [UInt32]?) -> FieldAgreement? { Linkage.givenNamesAgreement(x.map { $0[...] }, y.map { $0[...] }) }
        #expect(g([1, 2, 0, 0], [1, 2, 0, 0]) == .agree)
        #expect(g([1, 2, 3, 0], [2, 0, 0, 0]) == .partial, "the everyday name among all of them")
        #expect(g([1, 2, 0, 0], [3, 4, 0, 0]) == .disagree)
        #expect(g([0, 0, 0, 0], [3, 4, 0, 0]) == nil && g([1, 0, 0, 0], nil) == nil)
    }

    /// §5.7 through a whole run: a register with addresses and one without; the evidence says
    /// agree, partial or disagree only where both rows carry values and the birth date agrees.
    @Test func linkedRowsCarryAddressAndGivenNameEvidence() throws {
        let rows = [party("fk", [Row(person: 1, address: [1, 2, 3], given: [10, 11, 12, 0]),
                                 Row(person: 2, keys: [21, 22, 23], address: [4, 5, 6], given: [20, 0, 0, 0]),
                                 Row(person: 3, keys: [31, 32, 33], address: [7, 8, 9], given: [30, 0, 0, 0])]),
                    party("pm", [Row(person: 1, address: [1, 2, 3], given: [10, 11, 12, 0]),
                                 Row(person: 2, keys: [21, 22, 23], address: [40, 5, 60], given: [21, 0, 0, 0]),
                                 Row(person: 3, keys: [34, 32, 33], address: [7, 8, 9], given: [30, 0, 0, 0])]),
                    party("polisen", [Row(person: 1, given: [11, 0, 0, 0])])]
        let l = try link(rows)
        let fkToPM = l.link(0, 0).evidence["pm"]!
        #expect(fkToPM.address == .agree && fkToPM.givenNames == .agree && fkToPM.birthDate == .agree)
        let moved = l.link(0, 1).evidence["pm"]!
        #expect(moved.address == .partial && moved.givenNames == .disagree)
        let otherDay = l.link(0, 2).evidence["pm"]!
        #expect(otherDay.birthDate == .disagree && otherDay.address == nil && otherDay.givenNames == nil, "values salted by another birth date do not compare")
        let police = l.link(2, 0).evidence["fk"]!
        #expect(police.address == nil, "polisen sends no address")
        #expect(police.givenNames == .partial, "the everyday name is one of fk's given names")
    }

    /// §5.7.2: pm sends fk's person three times, each with another guessed address; none of its
    /// rows learns whether fk's address agrees. With one address in all three, they do.
    @Test func rowsOfOnePartyWithDifferentAddressesInOneGroupLearnNoAddressAgreement() throws {
        let fk = party("fk", [Row(person: 1, address: [1, 2, 3], given: [10, 0, 0, 0])])
        let guesses = party("pm", [Row(person: 1, address: [1, 2, 3], given: [10, 0, 0, 0]),
                                   Row(person: 1, address: [4, 2, 3], given: [10, 0, 0, 0]),
                                   Row(person: 1, address: [5, 6, 3], given: [10, 0, 0, 0])])
        let probed = try link([fk, guesses])
        for i in 0..<3 {
            let e = try #require(probed.link(1, i).evidence["fk"])
            #expect(e.address == nil && e.givenNames == .agree, "row \(i)")
        }
        let same = party("pm", (0..<3).map { _ in Row(person: 1, address: [1, 2, 3], given: [10, 0, 0, 0]) })
        let honest = try link([fk, same])
        #expect((0..<3).allSatisfy { honest.link(1, $0).evidence["fk"]?.address == .agree })
    }

    /// The evidence step equals its all-rows reference on seeded random runs with evidence values.
    @Test(arguments: [UInt64(61), 62, 63, 64, 65])
    func evidenceWithFieldValuesEqualsTheNaiveReference(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        func pick(_ n: UInt64) -> Int { Int(rng.next() % n) }
        let rows = ["a", "b", "c"].map { name in
            party(name, (0..<40).map { _ in
                let person = pick(3) == 0 ? nil : pick(12)
                let who = UInt64(pick(12))
                var clk = [UInt8](repeating: 0, count: 8)
                clk[Int(who % 8)] = 0xFF; clk[Int((who + UInt64(pick(2))) % 8)] |= 0x0F
                // Most rows of one person carry that person's values (§5.7.2 withholds the rest).
                let v = UInt32(person ?? Int(who))
                return Row(person: person, clk: clk, keys: [who + 1, pick(4) == 0 ? 99 : who + 100, who + 200],
                           address: pick(6) == 0 ? [UInt32(pick(3)), UInt32(pick(3)), UInt32(pick(2))] : [v % 3, v % 2, v % 2],
                           given: pick(6) == 0 ? [UInt32(pick(4)), UInt32(pick(4)), 0, 0] : [v % 4, (v + 1) % 4, 0, 0])
            })
        }
        let l = try link(rows)
        let offsets = rowOffsets(rows)
        var uf = UnionFind(count: offsets.last!)
        for (p, groups) in l.groupOf.enumerated() { for (i, g) in groups.enumerated() { uf.union(offsets[p] + i, g) } }
        var stripped = l.links
        for p in stripped.indices { for i in stripped[p].keys { stripped[p][i]!.evidence = [:] } }
        let want = Linkage.evidenceReference(rows, offsets: offsets, groups: &uf, links: stripped, kept: l.keptRows, relinked: l.relinkedRows)
        var compared = 0
        for p in rows.indices {
            for i in 0..<rows[p].count {
                #expect(l.link(p, i).evidence == (want[p][i] ?? [:]), "seed \(seed): party \(p) row \(i)")
                compared += l.link(p, i).evidence.values.filter { $0.address != nil || $0.givenNames != nil }.count
            }
        }
        #expect(compared > 0, "seed \(seed): no evidence with field values")
    }
}

@Suite struct LinkageAddressSupportTests {
    // Two CLKs of 64 bits whose Dice is 30/32 ≈ 0.94: below t = 0.95, above t − 0.03.
    private static let clkA: [UInt8] = [0xFF, 0xFF, 0, 0, 0, 0, 0, 0]
    private static let clkB: [UInt8] = [0xFF, 0x7F, 0x01, 0, 0, 0, 0, 0]

    private func run(_ a: Row, _ b: Row) throws -> Linkage {
        try Linkage([party("fk", [a]), party("pm", [b])], exact: ["person"], threshold: 0.95, fuzzyParties: ["fk", "pm"], blocking: true, threads: 1)
    }

    /// matching.md §5.7.1: a pair just below the threshold links when both rows have the same
    /// birth date and street address and given names that are not disjoint; otherwise not. The
    /// second row's names key differs (a changed surname), so the agreeing keys of §5.2 do not
    /// make the pair a candidate on their own.
    @Test func anAgreeingAddressLetsAPairJustBelowTheThresholdLink() throws {
        let bits = { (c: [UInt8]) in c.reduce(0) { $0 + $1.nonzeroBitCount } }
        let dice = Double(2 * bits(zip(Self.clkA, Self.clkB).map { $0 & $1 })) / Double(bits(Self.clkA) + bits(Self.clkB))
        #expect(dice < 0.95 && dice >= 0.95 - Linkage.addressMargin)
        let a = Row(clk: Self.clkA, address: [1, 2, 3], given: [10, 11, 0, 0])
        let married: [UInt64] = [11, 92, 93]
        let supported = try run(a, Row(clk: Self.clkB, keys: married, address: [1, 2, 3], given: [11, 0, 0, 0]))
        #expect(supported.fuzzyLinks.count == 1 && supported.counts["addressSupported"] == 1)
        #expect(supported.link(0, 0).evidence["pm"]?.address == .agree)
        #expect(try run(a, Row(clk: Self.clkB, keys: married, address: [9, 2, 3], given: [11, 0, 0, 0])).fuzzyLinks.isEmpty, "same postcode only")
        #expect(try run(a, Row(clk: Self.clkB, keys: married, address: [1, 2, 3], given: [12, 0, 0, 0])).fuzzyLinks.isEmpty, "disjoint given names: twins at one address")
        #expect(try run(a, Row(clk: Self.clkB, keys: [19, 92, 93], address: [1, 2, 3])).fuzzyLinks.isEmpty, "another birth date")
        #expect(try run(a, Row(clk: Self.clkB, keys: married)).fuzzyLinks.isEmpty, "no address on one side")
    }

    /// The address filter keeps what the agreeing keys of §5.2 found below the threshold: a pair
    /// with the same birth-date and names keys links whatever the addresses say, and is not
    /// counted as address-supported.
    @Test func theAddressFilterKeepsAPairTheAgreeingKeysFound() throws {
        let a = Row(clk: Self.clkA, address: [1, 2, 3], given: [10, 11, 0, 0])
        let moved = try run(a, Row(clk: Self.clkB, address: [4, 5, 6], given: [12, 0, 0, 0]))
        #expect(moved.fuzzyLinks.count == 1 && moved.counts["addressSupported"] == 0)
        #expect(moved.link(0, 0).evidence["pm"]?.address == .disagree)
        #expect(try run(a, Row(clk: Self.clkB)).fuzzyLinks.count == 1, "no address on one side")
    }

    /// Address is never a veto: a pair at or above the threshold links whatever its address says.
    @Test func aDisagreeingAddressDoesNotStopALinkAboveTheThreshold() throws {
        let l = try run(Row(clk: Self.clkA, address: [1, 2, 3]), Row(clk: Self.clkA, address: [4, 5, 6]))
        #expect(l.fuzzyLinks.count == 1 && l.counts["addressSupported"] == 0)
        #expect(l.link(0, 0).evidence["pm"]?.address == .disagree)
    }
}

/// matching.md §5.2.1: agreeing keys below the threshold count only when they are distinctive.
@Suite struct LinkageDistinctiveKeysTests {
    private static let clkA: [UInt8] = [0xFF, 0xFF, 0, 0, 0, 0, 0, 0]
    private static let clkB: [UInt8] = [0xFF, 0x7F, 0x01, 0, 0, 0, 0, 0]   // Dice ≈ 0.94 with clkA

    @Test func aCommonNameAndBirthDateDoNotCarryAPairBelowTheThreshold() {
        let rows = [party("fk", [Row(clk: Self.clkA, keys: [11, 12, 13]), Row(clk: Self.clkA, keys: [21, 22, 23])]),
                    party("pm", [Row(person: 1, clk: Self.clkB, keys: [11, 12, 13]), Row(person: 2, clk: Self.clkB, keys: [21, 22, 23])])]
        let c = [Candidate(a: 0, b: 0, score: 0.94), Candidate(a: 1, b: 1, score: 0.94), Candidate(a: 0, b: 1, score: 0.96)]
        // 100,000 keyed rows: dob 11 on 300 rows with names 12 on 5,000 (expected 15 by chance);
        // dob 21 on 300 rows with names 22 on 5 (expected 0.015).
        let f = Linkage.KeyFrequencies(dob: [11: 300, 21: 300], names: [12: 5_000, 22: 5], rows: 100_000)
        #expect(f.expected(dob: 11, names: 12) > Linkage.distinctiveLimit && f.expected(dob: 21, names: 22) <= Linkage.distinctiveLimit)
        let kept = Linkage.keepSupported([1: c], rows: rows, threshold: 0.95, agreeing: f, addressed: false)
        #expect(kept.byPair[1] == [c[1], c[2]], "the common pair drops, the rare one and the one above t stay")
        #expect(kept.common == 1 && kept.addressSupported == 0)
        // Without agreeing keys nothing below t stays; with too few rows to count, both stay.
        #expect(Linkage.keepSupported([1: c], rows: rows, threshold: 0.95, agreeing: nil, addressed: false).byPair[1] == [c[2]])
        let few = Linkage.KeyFrequencies(dob: [11: 300], names: [12: 5_000], rows: Linkage.distinctiveMinRows - 1)
        #expect(Linkage.keepSupported([1: c], rows: rows, threshold: 0.95, agreeing: few, addressed: false).byPair[1] == c)
    }

    /// §5.2.1: below the agreeing keys' 0.7, down to 0.55, a pair stays only on a rare key
    /// (E ≤ 0.001) in a run large enough to count: a given name and surname written the wrong way
    /// round keep the sorted names key and lose half the CLK.
    @Test func aRareNameAndBirthDateCarryASwappedNameFrom055() {
        let rows = [party("fk", [Row(clk: Self.clkA, keys: [11, 12, 13]), Row(clk: Self.clkA, keys: [21, 22, 23])]),
                    party("pm", [Row(person: 1, clk: Self.clkB, keys: [11, 12, 99]), Row(person: 2, clk: Self.clkB, keys: [21, 22, 98])])]
        let c = [Candidate(a: 0, b: 0, score: 0.6), Candidate(a: 1, b: 1, score: 0.6), Candidate(a: 0, b: 1, score: 0.5)]
        // dob 11 × names 12: 0.0003 expected (rare); dob 21 × names 22: 0.009 (distinctive, not rare).
        let f = Linkage.KeyFrequencies(dob: [11: 30, 21: 300], names: [12: 1, 22: 3], rows: 100_000)
        #expect(Linkage.keepSupported([1: c], rows: rows, threshold: 0.95, agreeing: f, addressed: false).byPair[1] == [c[0]])
        let few = Linkage.KeyFrequencies(dob: [11: 30], names: [12: 1], rows: Linkage.distinctiveMinRows - 1)
        #expect(Linkage.keepSupported([1: c], rows: rows, threshold: 0.95, agreeing: few, addressed: false).byPair[1] == nil,
                "a small run says nothing of rarity: 0.7 stands")
    }

    /// A row's (birth date, names) keys equal a literal reading of blocking.md §4 on random rows
    /// with repeated and absent keys: no date, no keys; else the date with each distinct nonzero
    /// key of slots 1, 3, 4 and 5, in slot order.
    @Test func theKeyWalkEqualsTheKeyList() {
        var rng = SplitMix64(seed: 77)
        let specs = (0..<500).map { _ in Row(clk: Self.clkA, keys: (0..<6).map { _ in rng.below(4) == 0 ? 0 : UInt64(1 + rng.below(4)) }) }
        let r = party6("a", specs)
        for (i, spec) in specs.enumerated() {
            let k = spec.keys!
            var want: [Linkage.DateAndNames] = []
            if k[0] != 0 {
                for s in [1, 3, 4, 5] where k[s] != 0 && !want.contains(where: { $0.names == k[s] }) { want.append(Linkage.DateAndNames(dob: k[0], names: k[s])) }
            }
            var walked: [Linkage.DateAndNames] = []
            Linkage.forEachDateAndNames(r, i) { walked.append($0) }
            #expect(walked == want && Linkage.datesAndNames(r, i) == want, "row \(i)")
        }
    }

    @Test func frequenciesCountEachRowOnceAndEveryNamesSlot() {
        let rows = [party6("a", [Row(clk: Self.clkA, keys: [1, 5, 9, 6, 5, 0]), Row(clk: Self.clkA, keys: [1, 6, 9, 0, 0, 0]),
                                 Row(clk: Self.clkA, keys: [0, 5, 9, 0, 0, 0]), Row(clk: nil, keys: nil)])]
        let f = Linkage.KeyFrequencies(rows, parties: [0])
        #expect(f.rows == 2 && f.dob == [1: 2] && f.names == [5: 1, 6: 2])
    }
}

private func party6(_ name: String, _ rows: [Row]) -> PartyRows {
    var r = PartyRows(party: name, attributeNames: [], capacity: rows.count, clkBytes: 8, blockingKeys: 6)
    for x in rows { r.append(Submission.Record(person: nil, organisation: nil, clk: x.clk, blocks: x.keys, attributes: [])) }
    return r
}
