import Sodium
import Testing
import TestSupport
import Wire
@testable import Matching

/// Protocols/matching.md §5.9: identity changes from a relations party join the rows under a
/// previous number (a samordningsnummer) and under the current one (the personnummer).
@Suite struct LinkageIdentityTests {
    static func value(_ s: String) -> [UInt8] { SHA256.hash(Array(s.utf8)) }

    static func party(_ name: String, _ people: [String?]) -> PartyRows {
        var r = PartyRows(party: name, attributeNames: [], capacity: people.count, clkBytes: 0)
        for p in people { r.append(Submission.Record(person: p.map(value), organisation: nil, clk: nil, attributes: [])) }
        return r
    }

    static func changes(_ name: String, _ pairs: [(previous: String, current: String)]) -> PartyRows {
        var r = PartyRows(party: name, attributeNames: [], capacity: pairs.count, clkBytes: 0)
        for p in pairs {
            r.append(Submission.Record(person: value(p.current), organisation: nil, clk: nil, attributes: [], previousPerson: value(p.previous)))
        }
        return r
    }

    @Test func aRowUnderTheSamordningsnummerAndOneUnderThePersonnummerAreNotLinkedWithoutTheChange() throws {
        let linkage = try Linkage([Self.party("fk", ["SAM"]), Self.party("af", ["PNR"])], exact: ["person"], threshold: nil, fuzzyParties: [])
        #expect(linkage.link(0, 0).exactPerson.isEmpty)
        #expect(linkage.groupOf[0][0] != linkage.groupOf[1][0])
    }

    @Test func anIdentityChangeLinksTheRowsUnderEitherNumber() throws {
        let rows = [Self.party("fk", ["SAM", "X"]), Self.party("af", ["PNR"]), Self.changes("skv", [("SAM", "PNR")])]
        let linkage = try Linkage(rows, exact: ["person"], threshold: nil, fuzzyParties: [])
        #expect(linkage.link(0, 0).exactPerson == ["af"])
        #expect(linkage.link(1, 0).exactPerson == ["fk"])
        #expect(linkage.groupOf[0][0] == linkage.groupOf[1][0])
        #expect(linkage.link(0, 1).isEmpty)
        #expect(linkage.counts["identityChanges"] == 1)
        #expect(linkage.overlapMatrix() == ["fk+af": 1, "fk+skv": 0, "af+skv": 0])
    }

    @Test func theRelationsRowMakesNoMatchOfItsOwn() throws {
        let rows = [Self.party("fk", ["PNR"]), Self.changes("skv", [("SAM", "PNR")])]
        let linkage = try Linkage(rows, exact: ["person"], threshold: nil, fuzzyParties: [])
        #expect(linkage.link(0, 0).isEmpty)
        #expect(linkage.link(1, 0).isEmpty)
        #expect(linkage.groupOf[0][0] != linkage.groupOf[1][0])
    }

    @Test func chainsOfChangesJoinEveryNumber() throws {
        let rows = [Self.party("fk", ["A"]), Self.party("af", ["C"]), Self.changes("skv", [("B", "C"), ("A", "B")])]
        let linkage = try Linkage(rows, exact: ["person"], threshold: nil, fuzzyParties: [])
        #expect(linkage.link(0, 0).exactPerson == ["af"])
    }

    @Test func aSubjectRowUnderTheOldNumberIsTiedToTheListedNewNumber() throws {
        let rows = [Self.party("polisen", ["PNR"]), Self.party("fk", ["SAM", "OTHER"]), Self.changes("skv", [("SAM", "PNR")])]
        let linkage = try Linkage(rows, exact: ["person"], threshold: nil, fuzzyParties: [])
        let ties = linkage.ties(of: "fk", reference: ["polisen"])
        #expect(ties[0] == [Tie(party: "polisen", kind: .directExact, rows: [0])])
        #expect(ties[1] == nil)
        // The relations party is never tied to, and its rows tie nothing.
        #expect(linkage.ties(of: "fk", reference: ["skv"]).isEmpty)
    }

    /// The naive reading: two rows are one person when their numbers are connected through the
    /// changes (a closure computed by repeated passes); identity rows link nothing.
    @Test(arguments: [UInt64(11), 12, 13, 14])
    func linksAndGroupsEqualNaiveReference(seed: UInt64) throws {
        var gen = SplitMix64(seed: seed)
        let names = ["a", "b", "c"]
        var values: [[Int?]] = []
        var rows: [PartyRows] = []
        for _ in names {
            values.append((0..<120).map { _ in Int.random(in: 0..<8, using: &gen) == 0 ? nil : Int.random(in: 0..<150, using: &gen) })
        }
        for (p, v) in values.enumerated() { rows.append(Self.party(names[p], v.map { $0.map { "n\($0)" } })) }
        let pairs = (0..<40).map { _ in (Int.random(in: 0..<150, using: &gen), Int.random(in: 0..<150, using: &gen)) }
        rows.append(Self.changes("skv", pairs.map { ("n\($0.0)", "n\($0.1)") }))

        // Naive closure: label each number by the smallest number it is connected to.
        var label = Array(0..<150)
        var changed = true
        while changed {
            changed = false
            for (x, y) in pairs {
                let m = min(label[x], label[y])
                if label[x] != m || label[y] != m { label[x] = m; label[y] = m; changed = true }
            }
        }
        let linkage = try Linkage(rows, exact: ["person"], threshold: nil, fuzzyParties: [])
        for (p, v) in values.enumerated() {
            for (i, x) in v.enumerated() {
                var expected = Set<String>()
                if let x { for (q, w) in values.enumerated() where q != p && w.contains(where: { $0.map { label[$0] } == label[x] }) { expected.insert(names[q]) } }
                #expect(linkage.link(p, i).exactPerson == expected, "seed \(seed) party \(p) row \(i)")
            }
        }
        for i in 0..<pairs.count { #expect(linkage.link(3, i).isEmpty, "seed \(seed)") }
        for p in 0..<3 { for q in 0..<3 { for i in stride(from: 0, to: 120, by: 5) { for j in stride(from: 0, to: 120, by: 7) {
            guard let x = values[p][i], let y = values[q][j] else { continue }
            #expect((linkage.groupOf[p][i] == linkage.groupOf[q][j]) == (label[x] == label[y]), "seed \(seed)")
        } } } }
        // Ties of a subject against the others as lists, against the same closure.
        let ties = linkage.ties(of: "a", reference: ["b", "c"])
        for (i, x) in values[0].enumerated() {
            var expected: [Tie] = []
            for q in 1...2 {
                let reached = values[q].indices.filter { j in x != nil && values[q][j].map { label[$0] } == label[x!] }
                if !reached.isEmpty { expected.append(Tie(party: names[q], kind: .directExact, rows: reached)) }
            }
            #expect((ties[i] ?? []) == expected, "seed \(seed) row \(i)")
        }
    }
}
