import Foundation
import Testing
import TestSupport
import Wire
@testable import Matching

/// The linkage of a run, characterised on seeded random multi-party rows: the full result
/// (links, groups, counts, accepted fuzzy links, overlap matrix) of every case in
/// `Tests/Vectors/linkage/runs.json`, recorded from the linkage before it moved into `Matching`
/// (the later conflicts and lone-number steps are off here; their own suites test them).
@Suite struct LinkageCharacterisationTests {
    struct Case: Decodable {
        let description: String
        let seed: UInt64
        let exact: [String]
        let threshold: Double?
        let fuzzyParties: [String]?
        let blocking: Bool
        let mixedBlockingKinds: Bool
        let expected: [String]
    }
    struct File: Decodable { let description: String; let cases: [Case] }

    @Test func linkageOfRandomRunsEqualsTheRecordedResult() throws {
        let file = try Vectors.load(File.self, "linkage/runs.json")
        #expect(file.cases.count >= 10)
        for c in file.cases {
            let rows = LinkageRun.rows(seed: c.seed, mixedBlockingKinds: c.mixedBlockingKinds)
            let linkage = try Linkage(rows, exact: Set(c.exact), threshold: c.threshold,
                                      fuzzyParties: Set(c.fuzzyParties ?? rows.map(\.party)), blocking: c.blocking, conflicts: false,
                                      loneNumbers: false)
            let got = LinkageRun.render(linkage)
            // The first line that differs, not the whole run, when they differ.
            let first = zip(got, c.expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, c.expected.count)
            #expect(got.count == c.expected.count && first == got.count,
                    "\(c.description), seed \(c.seed), line \(first): \(first < got.count ? got[first] : "(end)") — recorded: \(first < c.expected.count ? c.expected[first] : "(end)")")
        }
    }
}

/// Seeded random runs for the characterisation: people with a person value, a CLK near their
/// own and blocking keys drawn from small pools (so lookalikes, ambiguity and conflicts occur),
/// organisations (one a sole trader's person value) and representatives, and categories.
enum LinkageRun {
    static let clkBytes = 20

    static func rows(seed: UInt64, mixedBlockingKinds: Bool) -> [PartyRows] {
        var rng = SplitMix64(seed: seed)
        struct Person { var value: [UInt8]; var clk: [UInt8]; var keys: [UInt64] }
        var people: [Person] = []
        for k in 0..<40 {
            if k % 7 == 6 {
                // A lookalike of the previous person: same CLK and keys, another person value.
                var twin = people[k - 1]
                twin.value = rng.bytes(32)
                people.append(twin)
            } else {
                let clk = (0..<clkBytes).map { _ in UInt8(truncatingIfNeeded: rng.next() & rng.next() | rng.next() & rng.next()) }
                people.append(Person(value: rng.bytes(32), clk: clk,
                                     keys: [UInt64(1 + rng.below(8)), UInt64(100 + rng.below(8)), UInt64(200 + rng.below(12))]))
            }
        }
        var organisations = (0..<7).map { _ in rng.bytes(32) }
        organisations.append(people[3].value)   // a sole trader: its organisation pseudonym is its owner's person pseudonym
        let partyCount = 3 + rng.below(3)
        let categories = ["", "gang-a", "gang-b"]
        var out: [PartyRows] = []
        for p in 0..<partyCount {
            let names = p == 0 ? ["category"] : p == 2 ? ["note", "category"] : ["note"]
            let kinds = mixedBlockingKinds && p == partyCount - 1 ? 2 : 3
            let n = 20 + rng.below(21)
            var r = PartyRows(party: "p\(p)", attributeNames: names, capacity: n, clkBytes: clkBytes, blockingKeys: kinds)
            for _ in 0..<n {
                let who = people[rng.below(people.count)]
                let person = rng.below(10) < 7 ? who.value : nil
                let organisation = rng.below(4) == 0 ? organisations[rng.below(organisations.count)] : nil
                var clk: [UInt8]? = nil, blocks: [UInt64]? = nil
                if rng.below(20) < 17 {
                    var c = who.clk
                    for _ in 0..<rng.below(4) { c[rng.below(clkBytes)] ^= 1 << UInt8(rng.below(8)) }
                    clk = c
                    blocks = (0..<kinds).map { rng.below(10) == 0 ? 0 : who.keys[$0] }
                }
                let attributes = names.map { $0 == "category" ? categories[rng.below(categories.count)] : "n\(rng.below(3))" }
                r.append(Submission.Record(person: person, organisation: organisation, clk: clk, blocks: blocks, attributes: attributes))
            }
            out.append(r)
        }
        return out
    }

    /// The whole public result as lines, in a fixed order.
    static func render(_ l: Linkage) -> [String] {
        func list(_ s: Set<String>) -> String { s.sorted().joined(separator: ",") }
        var out = ["parties \(l.parties.joined(separator: ","))"]
        for (p, links) in l.links.enumerated() {
            for i in links.keys.sorted() {
                let x = links[i]!
                out.append("link \(p) \(i) exactPerson=\(list(x.exactPerson)) exactOrganisation=\(list(x.exactOrganisation))"
                           + " fuzzy=\(x.fuzzy.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))"
                           + " via=\(list(x.viaRepresentative)) categories=\(list(x.categories))")
            }
        }
        for (p, groups) in l.groupOf.enumerated() { out.append("groups \(p) \(groups.map(String.init).joined(separator: ","))") }
        for (k, v) in l.counts.sorted(by: { $0.key < $1.key }) where !k.hasPrefix("conflict") { out.append("count \(k) \(v)") }
        for f in l.fuzzyLinks { out.append("fuzzyLink \(f.partyA) \(f.rowA) \(f.partyB) \(f.rowB) \(f.score)") }
        for (k, v) in l.overlapMatrix().sorted(by: { $0.key < $1.key }) { out.append("overlap \(k) \(v)") }
        return out
    }
}
