import Sodium
import Testing
import TestSupport
import Wire
@testable import Matching

@Suite struct LinkageTests {
    /// The exact join against a naive all-pairs reference on random data.
    @Test(arguments: [UInt64(1), 2, 3])
    func exactLinksEqualNaiveReference(seed: UInt64) throws {
        var gen = SplitMix64(seed: seed)
        let parties = ["a", "b", "c"]
        var rows: [PartyRows] = []
        var values: [[Int?]] = []
        for p in parties {
            var r = PartyRows(party: p, attributeNames: [], capacity: 300, clkBytes: 128)
            var v: [Int?] = []
            for _ in 0..<300 {
                let x: Int? = Int.random(in: 0..<10, using: &gen) == 0 ? nil : Int.random(in: 0..<400, using: &gen)
                v.append(x)
                r.append(Submission.Record(person: x.map { SHA256.hash(Array("\($0)".utf8)) },
                                           organisation: nil, clk: x == nil ? [UInt8](repeating: 1, count: 128) : nil, attributes: []))
            }
            rows.append(r)
            values.append(v)
        }
        let linkage = try Linkage(rows, exact: ["person"], threshold: nil, fuzzyParties: [])
        for (p, v) in values.enumerated() {
            for (i, x) in v.enumerated() {
                var expected = Set<String>()
                if let x { for (q, w) in values.enumerated() where q != p && w.contains(x) { expected.insert(parties[q]) } }
                #expect(linkage.link(p, i).exactPerson == expected, "seed \(seed)")
            }
        }
        #expect(linkage.overlapMatrix() == linkage.overlapMatrixReference(), "seed \(seed)")
        #expect(linkage.overlapMatrix().values.reduce(0, +) > 0, "seed \(seed)")
        // Groups: two rows share a group exactly when they share a value.
        for p in 0..<3 { for q in 0..<3 { for i in stride(from: 0, to: 300, by: 7) { for j in stride(from: 0, to: 300, by: 11) {
            guard let x = values[p][i], let y = values[q][j] else { continue }
            #expect((linkage.groupOf[p][i] == linkage.groupOf[q][j]) == (x == y), "seed \(seed)")
        } } } }
    }
}

@Suite struct FuzzyRuleTests {
    static let clk = (0..<128).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    static func party(_ name: String, _ records: [(person: String?, blocks: [UInt64])]) -> PartyRows {
        var r = PartyRows(party: name, attributeNames: [], capacity: records.count, clkBytes: 128, blockingKeys: 3)
        for x in records {
            r.append(Submission.Record(person: x.person.map { SHA256.hash(Array($0.utf8)) }, organisation: nil, clk: clk, blocks: x.blocks, attributes: []))
        }
        return r
    }

    /// matching.md §5.2, no bridges: a row without a number that looks like two different
    /// identified people links to one of them, and their groups stay apart.
    @Test func aRowWithoutANumberDoesNotJoinTwoPeople() throws {
        let rows = [Self.party("a", [(nil, [1, 2, 3])]), Self.party("b", [("P1", [9, 9, 3])]), Self.party("c", [("P2", [8, 8, 3])])]
        let linkage = try Linkage(rows, exact: ["person"], threshold: 0.9, fuzzyParties: ["a", "b", "c"], blocking: true)
        #expect(linkage.link(0, 0).fuzzy.count == 1)
        #expect(linkage.groupOf[1][0] != linkage.groupOf[2][0])
        #expect(linkage.counts["fuzzyConflicts"] == 1)
    }

    /// matching.md §5.2, lookalikes: when two identified people of the run share the row's birth
    /// date and names keys, the row is left unlinked; with one of them it links.
    @Test func aRowThatTwoPeopleLookLikeIsLeftUnlinked() throws {
        let two = [Self.party("a", [(nil, [1, 2, 3])]), Self.party("b", [("P1", [1, 2, 3])]), Self.party("c", [("P2", [1, 2, 7])])]
        let ambiguous = try Linkage(two, exact: ["person"], threshold: 0.9, fuzzyParties: ["a", "b", "c"], blocking: true)
        #expect(ambiguous.link(0, 0).fuzzy.isEmpty)
        #expect(ambiguous.counts["lookalikeRows"] == 1)
        // The same person twice (one person value) is one person, not a lookalike.
        let one = [Self.party("a", [(nil, [1, 2, 3])]), Self.party("b", [("P1", [1, 2, 3])]), Self.party("c", [("P1", [1, 2, 7])])]
        let linked = try Linkage(one, exact: ["person"], threshold: 0.9, fuzzyParties: ["a", "b", "c"], blocking: true)
        #expect(linked.link(0, 0).fuzzy.keys.sorted() == ["b", "c"])
        #expect(linked.counts["lookalikeRows"] == 0)
    }
}
