import Testing
import TestSupport
import Wire
@testable import Matching

/// A hand-built row: a person value by number (nil absent), a CLK, blocking keys.
private struct Row {
    var person: Int? = nil
    var clk: [UInt8]? = nil, keys: [UInt64]? = nil
}

private func value(_ x: Int) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: (x + 1) >> (8 * $0)) } + [UInt8](repeating: 0x5A, count: 24)
}

/// A party; `slots` blocking keys per row (3: dob, names, surname-initial; 4 adds a second names slot).
private func party(_ name: String, _ rows: [Row], slots: Int = 3) -> PartyRows {
    var r = PartyRows(party: name, attributeNames: [], capacity: rows.count, clkBytes: 8, blockingKeys: slots)
    for x in rows { r.append(Submission.Record(person: x.person.map(value), organisation: nil, clk: x.clk, blocks: x.keys, attributes: [])) }
    return r
}

private let clkP: [UInt8] = [0xFF, 0xFF, 0x0F, 0, 0, 0, 0, 0]
/// P's CLK with one bit off: Dice 0.97.
private let clkPNear: [UInt8] = [0xFF, 0xFF, 0x07, 0, 0, 0, 0, 0]
private let clkQ: [UInt8] = [0, 0, 0, 0, 0xFF, 0xFF, 0xF0, 0]

private func link(_ rows: [PartyRows], lone: Bool = true, threads: Int = 1) throws -> Linkage {
    try Linkage(rows, exact: ["person", "organisation"], threshold: 0.95, fuzzyParties: Set(rows.map(\.party)), blocking: true, loneNumbers: lone, threads: threads)
}

/// Attacks on and edge cases of lone numbers (`Protocols/matching.md` §5.2.2) where they meet
/// doubted rows (§5.6), the no-bridge rule (§5.2), many parties and thread counts.
@Suite struct LinkageLoneNumberAttackTests {
    /// §5.6 rule 3 lets a kept doubted row take "any row without a number that linked to it" home.
    /// Two lone rows of person P (a: number 1, b: number 2) link to each other (§5.2.2); c's row
    /// carries person Q's number 7 but P's fields, so it is doubted and links to P's rows. Settle
    /// skips crossed rows when it asks whose group it is, finds no number, keeps c's row, and
    /// joins its home: Q's rows (a's second row, d's row) end in P's group with P's two numbers.
    /// Without lone numbers c's row is re-linked to P and Q stays apart.
    @Test func aKeptDoubtedRowDoesNotDragTwoCrossedLoneRowsIntoItsNumbersGroup() throws {
        let rows = [party("a", [Row(person: 1, clk: clkP, keys: [11, 12, 13]), Row(person: 7, clk: clkQ, keys: [31, 32, 33])]),
                    party("b", [Row(person: 2, clk: clkPNear, keys: [11, 12, 13])]),
                    party("c", [Row(person: 7, clk: clkP, keys: [11, 19, 13])]),
                    party("d", [Row(person: 7, clk: clkQ, keys: [31, 32, 33])])]
        let without = try link(rows, lone: false)
        #expect(without.relinkedRows == [3] && without.groupOf[3][0] != without.groupOf[0][0], "c's doubted row is re-linked; Q stays apart")

        let l = try link(rows)
        #expect(l.groupOf[0][0] == l.groupOf[1][0], "P's two lone rows link")
        #expect(l.groupOf[3][0] != l.groupOf[0][0], "Q's row at d must not join P's group")
        #expect(l.groupOf[0][1] != l.groupOf[0][0], "a's own row of Q must not join a's row of P")
        #expect(l.relinkedRows.contains(3), "c's doubted row went to P's rows: re-linked, not kept")
    }

    /// The same hole with two doubted rows of two different people (numbers 7 and 8, each held
    /// by two registers): acceptance lets both join the crossed pair's group because it reads the
    /// lone numbers as the group's, settle reads the group as numberless and keeps both, and both
    /// homes join it: two non-lone numbers, 7 and 8, in one group. Without lone numbers both
    /// doubted rows re-link to person 1 and 7 and 8 stay apart.
    @Test func twoKeptDoubtedRowsDoNotJoinTwoNumbersThroughACrossedPair() throws {
        let clkR: [UInt8] = [0, 0, 0, 0, 0, 0, 0x0F, 0xFF]
        let rows = [party("a", [Row(person: 1, clk: clkP, keys: [11, 12, 13]), Row(person: 7, clk: clkQ, keys: [31, 32, 33])]),
                    party("b", [Row(person: 2, clk: clkPNear, keys: [11, 12, 13])]),
                    party("c", [Row(person: 7, clk: clkP, keys: [11, 19, 13])]),
                    party("d", [Row(person: 7, clk: clkQ, keys: [31, 32, 33]), Row(person: 8, clk: clkR, keys: [41, 42, 43])]),
                    party("e", [Row(person: 8, clk: clkP, keys: [11, 18, 13])]),
                    party("f", [Row(person: 8, clk: clkR, keys: [41, 42, 43])])]
        let without = try link(rows, lone: false)
        #expect(without.groupOf[0][1] != without.groupOf[3][1] && without.relinkedRows == [3, 6])

        let l = try link(rows)
        #expect(l.groupOf[0][1] != l.groupOf[3][1], "numbers 7 and 8, each held by two registers, are two people")
        #expect(l.groupOf[0][1] != l.groupOf[0][0] && l.groupOf[3][1] != l.groupOf[0][0])
    }

    /// The no-bridge rule (§5.2) stops one row joining two person values. A lone row whose two
    /// names keys (double given names, `matching.md` §6.2 — or a rogue node's row with a fresh
    /// number and two people's names) point at two lone people is itself ambiguous (§5.2.2 rule 3),
    /// yet each of those people, seeing only it, links to it, and the lone-lone links chain: a's
    /// person 1 and c's person 3 end in one group. A row without a number in its place is refused.
    @Test func anAmbiguousLoneRowDoesNotBridgeTwoLonePeople() throws {
        func run(_ middle: Int?, lone: Bool = true) throws -> Linkage {
            try link([party("a", [Row(person: 1, clk: clkP, keys: [11, 12, 13, 0])], slots: 4),
                      party("b", [Row(person: middle, clk: clkP, keys: [11, 12, 13, 14])], slots: 4),
                      party("c", [Row(person: 3, clk: clkPNear, keys: [11, 14, 13, 0])], slots: 4)], lone: lone)
        }
        let numberless = try run(nil)
        #expect(numberless.groupOf[0][0] != numberless.groupOf[2][0], "a row without a number bridges nobody")
        #expect(try run(500, lone: false).groupOf[0][0] != run(500, lone: false).groupOf[2][0])

        let l = try run(500)
        #expect(l.counts["loneAmbiguous"] == 1, "b's row meets two people")
        #expect(l.groupOf[0][0] != l.groupOf[2][0], "persons 1 and 3 are joined only through b's ambiguous row")
        #expect(l.loneLinkedRows.count <= 2)
    }

    /// §5.2.2 rule 4 reads the parties of a group as bits `p % 64`: in a run of 65 parties (the
    /// municipalities alone are 290) party 64 counts as party 0, and its lone row is refused a
    /// group that holds a row of party 0 only. Party 63, the same case, links.
    @Test func partySixtyFourIsNotTakenForPartyZero() throws {
        func run(loneAt q: Int) throws -> Linkage {
            var rows: [PartyRows] = []
            for p in 0..<65 {
                if p == 0 || p == 1 { rows.append(party("p\(p)", [Row(person: 1, clk: clkP, keys: [11, 12, 13])])) }
                else if p == q { rows.append(party("p\(p)", [Row(person: 9, clk: clkPNear, keys: [11, 12, 13])])) }
                else { rows.append(party("p\(p)", [Row(person: 100 + p, clk: clkQ, keys: [UInt64(1000 + p), UInt64(2000 + p), UInt64(3000 + p)])])) }
            }
            return try link(rows)
        }
        let at63 = try run(loneAt: 63)
        #expect(at63.groupOf[63][0] == at63.groupOf[0][0], "party 63's lone row joins person 1")
        let at64 = try run(loneAt: 64)
        #expect(at64.groupOf[64][0] == at64.groupOf[0][0], "party 64 holds no row of person 1 either")
    }

    /// A rogue node's row with a fresh number and a person's copied fields reaches that person's
    /// rows exactly as far as a row without a number does, and no further (here: one person held
    /// by two registers; the rogue learns the same links either way). Passes today.
    @Test func aFreshNumberGainsARogueRowNothingARowWithoutANumberHas() throws {
        func run(_ rogue: Int?) throws -> Linkage {
            try link([party("a", [Row(person: 1, clk: clkP, keys: [11, 12, 13]), Row(person: 2, clk: clkQ, keys: [21, 22, 23])]),
                      party("b", [Row(person: 1, clk: clkP, keys: [11, 12, 13])]),
                      party("rogue", [Row(person: rogue, clk: clkP, keys: [11, 12, 13])])])
        }
        let numbered = try run(777), numberless = try run(nil)
        #expect(numbered.groupOf == numberless.groupOf && numbered.groupOf[2][0] == numbered.groupOf[0][0])
        #expect(Set(numbered.link(2, 0).fuzzy.keys) == Set(numberless.link(2, 0).fuzzy.keys))
        #expect(numbered.link(0, 0).evidence["rogue"]?.conflict == "relinked" && numberless.link(0, 0).evidence["rogue"]?.conflict == nil,
                "the only difference: the recipient is told the rogue row's number differed")
        // The rogue's lookalike of two people (each held by two registers) stays out either way.
        func twins(_ rogue: Int?) throws -> Linkage {
            try link([party("a", [Row(person: 1, clk: clkP, keys: [11, 12, 13]), Row(person: 5, clk: clkP, keys: [11, 12, 13])]),
                      party("b", [Row(person: 1, clk: clkP, keys: [11, 12, 13]), Row(person: 5, clk: clkP, keys: [11, 12, 13])]),
                      party("rogue", [Row(person: rogue, clk: clkP, keys: [11, 12, 13])])])
        }
        for rogue in [777, nil] as [Int?] {
            let t = try twins(rogue)
            #expect(Set(t.groupOf.flatMap { $0 }).count == 3 && t.fuzzyLinks.isEmpty, "rogue \(String(describing: rogue))")
        }
    }

    /// Two people with the same names, birth date and CLK, each held by one register alone, are
    /// two lone rows that see only each other: §5.2.2 links them (as it links one person's right
    /// and mistyped numbers). A rogue row with a fresh number and the same fields makes both
    /// ambiguous and keeps them apart; a rogue row without a number is a lookalike and changes
    /// nothing. Passes today: it records what the step does with twins, and that a rogue can
    /// steer it either way.
    @Test func loneTwinsLinkUnlessAThirdNumberLooksLikeThem() throws {
        func twins(_ rogue: Int??) throws -> Linkage {
            var rows = [party("a", [Row(person: 1, clk: clkP, keys: [11, 12, 13])]), party("b", [Row(person: 5, clk: clkP, keys: [11, 12, 13])])]
            if let rogue { rows.append(party("rogue", [Row(person: rogue, clk: clkP, keys: [11, 12, 13])])) }
            return try link(rows)
        }
        #expect(try twins(.none).groupOf == [[0], [0]], "two lone people of one name and birth date are linked")
        #expect(try twins(.some(nil)).groupOf[1][0] == twins(.some(nil)).groupOf[0][0])
        let blocked = try twins(.some(777))
        #expect(blocked.groupOf[1][0] != blocked.groupOf[0][0] && blocked.counts["loneAmbiguous"] == 3)
    }

    /// A standing run's subject row that crossed (§5.2.2) is tied to the reference rows by its
    /// fuzzy links only, never through its number (§5.8). Passes today.
    @Test func aCrossedSubjectRowIsTiedFuzzilyOnly() throws {
        let l = try link([party("a", [Row(person: 1, clk: clkP, keys: [11, 12, 13])]),
                          party("b", [Row(person: 9, clk: clkPNear, keys: [11, 12, 13])]),
                          party("c", [Row(person: 1, clk: clkP, keys: [11, 12, 13])])])
        let ties = l.ties(of: "b", reference: ["a", "c"])[0] ?? []
        #expect(ties.map(\.kind) == [.directFuzzy, .directFuzzy] && ties.map(\.party) == ["a", "c"], "b's lone candidates: one per party of the group")
        let back = l.ties(of: "c", reference: ["a", "b"])[0] ?? []
        #expect(back.contains { $0.party == "a" && $0.kind == .directExact } && !back.contains { $0.party == "b" && $0.kind == .directExact })
    }

    /// §5.2.2 rule 4: a lone row does not join a person its own party holds under another number.
    /// The rule reads the groups before acceptance, so two lone rows of one party (two numbers,
    /// two people by that party's own account) that each meet person 2 on another names key and
    /// through another party's row both join person 2: party a ends with two numbers in one group.
    @Test func twoLoneNumbersOfOnePartyDoNotBothJoinOnePerson() throws {
        let rows = [party("a", [Row(person: 1, clk: clkP, keys: [11, 12, 13]), Row(person: 3, clk: clkPNear, keys: [11, 14, 13])]),
                    party("b", [Row(person: 2, clk: clkP, keys: [11, 12, 13])]),
                    party("c", [Row(person: 2, clk: clkPNear, keys: [11, 14, 13])])]
        let l = try link(rows)
        #expect(l.groupOf[1][0] == l.groupOf[2][0], "b and c hold person 2")
        #expect(l.groupOf[0][0] != l.groupOf[0][1], "a's numbers 1 and 3 are two people by a's own account")
        #expect(l.loneLinkedRows.count <= 1)
    }

    /// An identity change (§5.9, a relations party after the registers) that makes a register's
    /// number and another's one person leaves neither row lone: they link exactly and no evidence
    /// says `relinked`. Without the change both are lone and cross. Passes today.
    @Test func anIdentityChangeLeavesNoLoneNumberBehind() throws {
        let a = party("a", [Row(person: 1, clk: clkP, keys: [11, 12, 13])]), b = party("b", [Row(person: 9, clk: clkPNear, keys: [11, 12, 13])])
        var skv = PartyRows(party: "skv", attributeNames: [], capacity: 1, clkBytes: 0)
        skv.append(Submission.Record(person: value(9), organisation: nil, clk: nil, attributes: [], previousPerson: value(1)))
        let changed = try Linkage([a, b, skv], exact: ["person", "organisation"], threshold: 0.95, fuzzyParties: ["a", "b"], blocking: true, threads: 1)
        #expect(changed.groupOf[0][0] == changed.groupOf[1][0] && changed.loneLinkedRows.isEmpty && changed.relinkedRows.isEmpty)
        #expect(changed.link(1, 0).exactPerson == ["a"] && changed.link(1, 0).evidence["a"]?.conflict == nil)
        let unchanged = try link([a, b])
        #expect(unchanged.groupOf[0][0] == unchanged.groupOf[1][0] && unchanged.loneLinkedRows == [0, 1])
    }

    /// On seeded random runs with lone rows, lookalikes, doubted rows and rows without a number:
    /// the result does not depend on the thread count, and no group holds two person values among
    /// its rows that were neither re-linked nor lone-crossed (§5.2, §5.3).
    @Test(arguments: [UInt64(7), 8, 9, 10, 11, 12])
    func loneNumbersAreDeterministicAndBridgeNoTrustedNumbers(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        struct Person { var number: Int; var clk: [UInt8]; var keys: [UInt64] }
        var people: [Person] = []
        for k in 0..<24 {
            people.append(Person(number: k, clk: (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
                                 keys: [UInt64(1 + rng.below(3)), UInt64(100 + rng.below(4)), UInt64(200 + rng.below(4)), UInt64(100 + rng.below(4))]))
        }
        var rows: [PartyRows] = []
        var fresh = 1000
        for p in 0..<4 {
            var specs: [Row] = []
            for _ in 0..<(12 + rng.below(8)) {
                let who = people[rng.below(people.count)]
                var number: Int? = who.number
                let roll = rng.below(10)
                if roll == 0 { number = fresh; fresh += 1 } else if roll == 1 { number = nil } else if roll == 2 { number = people[rng.below(people.count)].number }
                var clk = who.clk
                for _ in 0..<rng.below(3) { clk[rng.below(8)] ^= 1 << UInt8(rng.below(8)) }
                specs.append(Row(person: number, clk: clk, keys: who.keys.enumerated().map { $0.offset == 3 && rng.below(2) == 0 ? 0 : $0.element }))
            }
            rows.append(party("p\(p)", specs, slots: 4))
        }
        let one = try link(rows, threads: 1), two = try link(rows, threads: 2)
        #expect(one.groupOf == two.groupOf, "seed \(seed)")
        #expect(one.fuzzyLinks == two.fuzzyLinks && one.loneLinkedRows == two.loneLinkedRows && one.relinkedRows == two.relinkedRows, "seed \(seed)")
        let offsets = rowOffsets(rows)
        var values: [Int: Set<BlindKey>] = [:]
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count where !one.relinkedRows.contains(offsets[p] + i) {
                if let v = r.person.value(i) { values[one.groupOf[p][i], default: []].insert(BlindKey(v)) }
            }
        }
        #expect(values.values.allSatisfy { $0.count <= 1 }, "seed \(seed)")
    }
}
