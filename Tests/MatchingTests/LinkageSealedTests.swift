import Testing
import TestSupport
import Wire
@testable import Matching

/// Protocols/results.md §2.1: sealed attribute boxes travel, unopened, to the rows of their
/// recipients that link to the sealing row; cross-checked against a naive reference.
@Suite struct LinkageSealedTests {
    /// A fake box naming its party, row and recipient slot (the linkage never opens boxes).
    static func box(_ party: Int, _ row: Int, _ slot: Int) -> [UInt8] {
        [UInt8(party), UInt8(row & 0xFF), UInt8(row >> 8), UInt8(slot)] + [UInt8](repeating: 0xA5, count: SealedAttribute.boxLength - 4)
    }

    static func pseudonym(_ x: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: (x + 1) >> (8 * $0)) } + [UInt8](repeating: 0x5A, count: 24) }

    @Test(arguments: [UInt64(1), 2, 3, 17, 2026])
    func sealedValuesReachExactlyTheLinkedRowsOfTheirRecipients(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let names = ["polisen", "fk", "pm"]
        // polisen seals category to fk, and note to fk and pm; pm seals benefit to fk.
        let sealedBy: [[Submission.SealedAttributeName]] = [
            [.init(name: "category", recipients: ["fk"]), .init(name: "note", recipients: ["fk", "pm"])], [],
            [.init(name: "benefit", recipients: ["fk"])],
        ]
        var persons: [[Int]] = []
        var rows: [PartyRows] = []
        for p in 0..<3 {
            let n = Int(rng.next() % 40)
            let ps = (0..<n).map { _ in Int(rng.next() % 30) }
            persons.append(ps)
            var r = PartyRows(party: names[p], attributeNames: [], capacity: n, clkBytes: 0, sealedAttributes: sealedBy[p])
            for (i, x) in ps.enumerated() {
                let sealed = sealedBy[p].map { a in a.recipients.indices.flatMap { Self.box(p, i, $0) } }
                r.append(Submission.Record(person: Self.pseudonym(x), organisation: nil, clk: nil, attributes: [], sealed: sealed))
            }
            rows.append(r)
        }
        let linkage = try Linkage(rows, exact: ["person"], threshold: nil, fuzzyParties: [])
        // Naive reference: every row of another party with the same person, for each attribute
        // sealed to this row's party, its box for this party's slot.
        for p in 0..<3 {
            for i in persons[p].indices {
                var expected: [String: [[UInt8]]] = [:]
                for q in 0..<3 where q != p {
                    for (j, x) in persons[q].enumerated() where x == persons[p][i] {
                        for a in sealedBy[q] {
                            if let slot = a.recipients.firstIndex(of: names[p]) { expected[a.name, default: []].append(Self.box(q, j, slot)) }
                        }
                    }
                }
                for k in expected.keys { expected[k]!.sort { $0.lexicographicallyPrecedes($1) } }
                #expect(linkage.link(p, i).sealed == expected, "seed \(seed), party \(names[p]) row \(i)")
            }
        }
        #expect(persons[0].indices.allSatisfy { linkage.link(0, $0).sealed.isEmpty }, "seed \(seed): the police receive nothing")
    }
}
