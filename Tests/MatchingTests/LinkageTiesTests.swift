import Testing
import TestSupport
import Wire
@testable import Matching

/// Protocols/matching.md §5.8: the ties of a standing run's subject rows, against a naive
/// all-pairs reference on seeded random runs, and the rules on hand-built rows.
@Suite struct LinkageTiesTests {
    /// One test row: person and organisation identities in one value space (a sole trader's
    /// organisation value is its owner's person value, node.md §2), a category, a CLK seed.
    struct Row { var person: Int?; var organisation: Int?; var category = ""; var clk: Int? = nil }

    static func pseudonym(_ x: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: (x + 1) >> (8 * $0)) } + [UInt8](repeating: 0x5A, count: 24) }
    static func clk(_ x: Int) -> [UInt8] { (0..<16).map { UInt8(truncatingIfNeeded: (x &* 2654435761) >> ($0 % 4 * 8) ^ $0 &* 37) } }
    /// A fake box naming its party, row and recipient slot (ties never open boxes).
    static func box(_ party: Int, _ row: Int, _ slot: Int) -> [UInt8] {
        [UInt8(party), UInt8(row & 0xFF), UInt8(row >> 8), UInt8(slot)] + [UInt8](repeating: 0xA5, count: SealedAttribute.boxLength - 4)
    }

    static let names = ["polisen", "fk", "ivo", "bolagsverket"]
    /// polisen seals `decision` to fk and ivo; ivo seals it to fk.
    static let sealedBy: [[Submission.SealedAttributeName]] = [
        [.init(name: "decision", recipients: ["fk", "ivo"])], [], [.init(name: "decision", recipients: ["fk"])], [],
    ]

    static func partyRows(_ table: [[Row]], fuzzy: Bool) -> [PartyRows] {
        table.enumerated().map { p, rs in
            var r = PartyRows(party: names[p], attributeNames: p == 0 ? ["category"] : [], capacity: rs.count, clkBytes: fuzzy ? 16 : 0,
                              sealedAttributes: sealedBy[p])
            for (i, x) in rs.enumerated() {
                let sealed = sealedBy[p].map { a in a.recipients.indices.flatMap { box(p, i, $0) } }
                r.append(Submission.Record(person: x.person.map(pseudonym), organisation: x.organisation.map(pseudonym),
                                           clk: fuzzy ? x.clk.map(clk) ?? clk(1_000_000 + p * 1000 + i) : nil,
                                           attributes: p == 0 ? [x.category] : [], sealed: sealed))
            }
            return r
        }
    }

    /// The naive reference: every subject row against every row of every reference party.
    static func naiveTies(_ table: [[Row]], subject s: Int, reference: Set<Int>, fuzzy: [FuzzyLink]) -> [Int: [Tie]] {
        var found: [Int: [String: [Tie.Kind: (Set<Int>, Double?)]]] = [:]
        func add(_ i: Int, _ q: Int, _ j: Int, _ k: Tie.Kind, _ score: Double? = nil) {
            var e = found[i, default: [:]][names[q], default: [:]][k] ?? ([], nil)
            e.0.insert(j)
            if let score { e.1 = max(e.1 ?? 0, score) }
            found[i, default: [:]][names[q], default: [:]][k] = e
        }
        let all = table.flatMap { $0 }
        for (i, x) in table[s].enumerated() {
            let mine = Set([x.person, x.organisation].compactMap { $0 })
            let reps = Set(all.filter { $0.organisation != nil && $0.organisation == x.organisation && $0.person != nil }.map { $0.person! })
                .subtracting([x.person].compactMap { $0 })
            let represents = Set(all.filter { $0.person != nil && $0.person == x.person && $0.organisation != nil }.map { $0.organisation! })
                .subtracting([x.organisation].compactMap { $0 })
            for q in reference.sorted() where q != s {
                for (j, y) in table[q].enumerated() {
                    if !mine.isDisjoint(with: [y.person, y.organisation].compactMap { $0 }) { add(i, q, j, .directExact) }
                    if let p = y.person, reps.contains(p) { add(i, q, j, .viaRepresentative) }
                    if let o = y.organisation, represents.contains(o) { add(i, q, j, .viaRepresentative) }
                }
            }
        }
        for l in fuzzy {
            for (a, ra, b, rb) in [(l.partyA, l.rowA, l.partyB, l.rowB), (l.partyB, l.rowB, l.partyA, l.rowA)] where a == s && b != s && reference.contains(b) {
                add(ra, b, rb, .directFuzzy, l.score)
            }
        }
        return found.mapValues { byParty in
            byParty.flatMap { party, byKind in byKind.map { Tie(party: party, kind: $0.key, rows: $0.value.0.sorted(), score: $0.value.1) } }
                .sorted { ($0.party, $0.kind) < ($1.party, $1.kind) }
        }
    }

    static func randomTable(_ rng: inout SeededRandom) -> [[Row]] {
        (0..<4).map { p in
            (0..<(5 + rng.below(30))).map { _ in
                let person = rng.below(4) == 0 ? nil : Optional(rng.below(40))
                let organisation = rng.below(3) == 0 ? Optional(40 + rng.below(15) - (rng.below(8) == 0 ? 15 : 0)) : nil
                return Row(person: person, organisation: person == nil && organisation == nil ? 60 + rng.below(5) : organisation,
                           category: p == 0 ? ["aktiv", "koppling", ""][rng.below(3)] : "", clk: rng.below(3) == 0 ? rng.below(12) : nil)
            }
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 17, 2026, 9_001])
    func tiesEqualTheNaiveReference(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let table = Self.randomTable(&rng)
        let fuzzy = rng.below(2) == 0
        let linkage = try Linkage(Self.partyRows(table, fuzzy: fuzzy), exact: ["person", "organisation"], threshold: fuzzy ? 0.9 : nil,
                                  fuzzyParties: fuzzy ? Set(Self.names) : [])
        for (subject, reference) in [(1, Set([0, 2])), (2, Set([0, 2])), (1, Set([0])), (0, Set([2]))] {
            let got = linkage.ties(of: Self.names[subject], reference: Set(reference.map { Self.names[$0] }))
            let want = Self.naiveTies(table, subject: subject, reference: reference, fuzzy: linkage.fuzzyLinks)
            #expect(got == want, "seed \(rng.seed), subject \(Self.names[subject])")
        }
    }

    @Test(arguments: [UInt64(5), 6, 77])
    func tiedAttributesAreThoseOfTheReachedReferenceRowsOnly(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let table = Self.randomTable(&rng)
        let linkage = try Linkage(Self.partyRows(table, fuzzy: false), exact: ["person", "organisation"], threshold: nil, fuzzyParties: [])
        for (_, ties) in linkage.ties(of: "fk", reference: ["polisen", "ivo"]) {
            for t in ties {
                let q = Self.names.firstIndex(of: t.party)!
                let got = linkage.attributes(of: t, for: "fk")
                let categories = Set(t.rows.map { table[q][$0].category }.filter { !$0.isEmpty })
                #expect(got.plain == (categories.isEmpty ? [:] : ["category": categories.sorted()]), "seed \(rng.seed)")
                let slot = Self.sealedBy[q].first?.recipients.firstIndex(of: "fk")
                let boxes = slot.map { s in t.rows.map { Self.box(q, $0, s) }.sorted { $0.lexicographicallyPrecedes($1) } }
                #expect(got.sealed == (boxes.map { ["decision": $0] } ?? [:]), "seed \(rng.seed)")
            }
        }
    }

    @Test func aRowOnlyInARelationsListIsNotTied() throws {
        // fk's row 0 (person 1) appears only at bolagsverket; row 1 (organisation 50) is
        // represented there by person 2, who is on the police list; row 2 is person 3, who
        // represents organisation 51, which IVO lists; row 3's person 4 is on fk's own list only.
        let table: [[Row]] = [
            [Row(person: 2, organisation: nil, category: "aktiv")],
            [Row(person: 1, organisation: nil), Row(person: nil, organisation: 50), Row(person: 3, organisation: nil), Row(person: 4, organisation: nil),
             Row(person: 4, organisation: nil)],
            [Row(person: nil, organisation: 51)],
            [Row(person: 1, organisation: 52), Row(person: 2, organisation: 50), Row(person: 3, organisation: 51)],
        ]
        let linkage = try Linkage(Self.partyRows(table, fuzzy: false), exact: ["person", "organisation"], threshold: nil, fuzzyParties: [])
        let ties = linkage.ties(of: "fk", reference: ["polisen", "ivo", "fk"])
        #expect(ties[0] == nil, "a relations list alone is no tie")
        #expect(ties[1] == [Tie(party: "polisen", kind: .viaRepresentative, rows: [0])])
        #expect(ties[2] == [Tie(party: "ivo", kind: .viaRepresentative, rows: [0])])
        #expect(ties[3] == nil && ties[4] == nil, "the submitter's own rows never tie")
        #expect(linkage.link(1, 0).otherParties == ["bolagsverket"], "while the plain linkage links it")
    }

    @Test func withoutBothIdentifierKindsThereIsNoTieThroughARepresentative() throws {
        let table: [[Row]] = [[Row(person: 2, organisation: nil)], [Row(person: nil, organisation: 50)], [], [Row(person: 2, organisation: 50)]]
        let linkage = try Linkage(Self.partyRows(table, fuzzy: false), exact: ["person"], threshold: nil, fuzzyParties: [])
        #expect(linkage.ties(of: "fk", reference: ["polisen"]).isEmpty)
    }
}
