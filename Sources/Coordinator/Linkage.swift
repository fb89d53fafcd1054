import Foundation
import Matching
import Wire

/// A blinded value (32 bytes) as four words: hashing and equality without allocation.
struct BlindKey: Hashable {
    let a: UInt64, b: UInt64, c: UInt64, d: UInt64
    init(_ bytes: [UInt8]) {
        precondition(bytes.count == 32)
        var w = [UInt64](repeating: 0, count: 4)
        for i in 0..<32 { w[i / 8] |= UInt64(bytes[i]) << UInt64((i % 8) * 8) }
        a = w[0]; b = w[1]; c = w[2]; d = w[3]
    }
}

/// One party's submitted rows, as the coordinator holds them for a run.
public struct PartyRows: Sendable {
    public let party: String
    public let attributeNames: [String]
    var person: [BlindKey?] = []
    var organisation: [BlindKey?] = []
    var clk: [[UInt8]?] = []
    var attributes: [[String]] = []
    public var count: Int { person.count }

    public init(party: String, attributeNames: [String]) {
        self.party = party
        self.attributeNames = attributeNames
    }

    public mutating func append(_ r: Submission.Record) {
        person.append(r.person.map(BlindKey.init))
        organisation.append(r.organisation.map(BlindKey.init))
        clk.append(r.clk)
        attributes.append(r.attributes)
    }

    /// Reads a verified submission to its end (content hash and counts checked there).
    public init(opened: Submission.Opened) throws {
        self.init(party: opened.header.party, attributeNames: opened.header.attributes)
        while let r = try opened.next() { append(r) }
    }
}

/// What one row of one party linked to (`Protocols/results.md` §2).
public struct RowLinks: Sendable, Equatable {
    public var exactPerson: Set<String> = []
    public var exactOrganisation: Set<String> = []
    public var fuzzy: [String: Double] = [:]
    public var viaRepresentative: Set<String> = []
    public var categories: Set<String> = []

    public var otherParties: Set<String> { exactPerson.union(exactOrganisation).union(fuzzy.keys).union(viaRepresentative) }
    public var isEmpty: Bool { otherParties.isEmpty }
}

/// The linkage of one run (`Protocols/matching.md` §5): exact joins on blinded identifiers and
/// relations, fuzzy Dice between rows that no exact identifier links, one-to-one per party pair,
/// and groups across all parties.
public struct Linkage: Sendable {
    public let parties: [String]
    public private(set) var links: [[RowLinks]]
    /// Groups of linked rows across parties, as (party index, row): a union–find over exact
    /// person links and accepted fuzzy pairs.
    public private(set) var groupOf: [[Int]]
    public private(set) var counts: [String: Int] = [:]

    public init(_ rows: [PartyRows], exact: Set<String>, threshold: Double?, fuzzyParties: Set<String>,
                threads: Int = 2, progress: (String) -> Void = { _ in }) throws {
        parties = rows.map(\.party)
        groupOf = []
        let parties = parties
        links = rows.map { [RowLinks](repeating: RowLinks(), count: $0.count) }
        let offsets = rows.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        var uf = UnionFind(count: offsets.last!)

        // 1. Exact: every blinded value, person and organisation alike (a sole trader's organisation
        // pseudonym equals its owner's person pseudonym, node.md §2.2).
        var holders: [BlindKey: [(party: Int, row: Int, person: Bool)]] = [:]
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count {
                if exact.contains("person"), let k = r.person[i] { holders[k, default: []].append((p, i, true)) }
                if exact.contains("organisation"), let k = r.organisation[i] { holders[k, default: []].append((p, i, false)) }
            }
        }
        var exactPairs = 0
        for (_, hs) in holders where hs.count > 1 {
            // One person value is one person, within a party too.
            let persons = hs.filter(\.person)
            for h in persons.dropFirst() { uf.union(offsets[persons[0].party] + persons[0].row, offsets[h.party] + h.row) }
            let present = Set(hs.map(\.party))
            guard present.count > 1 else { continue }
            for h in hs {
                let others = present.subtracting([h.party]).map { parties[$0] }
                if h.person { links[h.party][h.row].exactPerson.formUnion(others) }
                else { links[h.party][h.row].exactOrganisation.formUnion(others) }
                exactPairs += others.count
            }
        }
        counts["exactLinks"] = exactPairs / 2
        progress("exact: \(holders.count) distinct blinded values")

        // 2. Fuzzy, per party pair: rows of A that no exact person value links to B.
        var fuzzyPairs = 0, comparisons = 0
        if let t = threshold {
            let fuzzyIndex = rows.indices.filter { fuzzyParties.contains(parties[$0]) }
            for (x, pa) in fuzzyIndex.enumerated() {
                for pb in fuzzyIndex[(x + 1)...] {
                    let a = rows[pa], b = rows[pb]
                    // Two rows that both carry a valid, different personnummer are two people: fuzzy
                    // matching only pairs rows where at least one side has no person value (matching.md §5.2).
                    let aRows = (0..<a.count).filter { a.clk[$0] != nil && !links[pa][$0].exactPerson.contains(parties[pb]) }
                    let bRows = (0..<b.count).filter { b.clk[$0] != nil && !links[pb][$0].exactPerson.contains(parties[pa]) }
                    let aNoID = aRows.filter { a.person[$0] == nil }, aID = aRows.filter { a.person[$0] != nil }
                    let bNoID = bRows.filter { b.person[$0] == nil }
                    var candidates: [Candidate] = []
                    for (left, right) in [(aNoID, bRows), (aID, bNoID)] where !left.isEmpty && !right.isEmpty {
                        let fa = try FilterSet(filters: left.map { a.clk[$0]! })
                        let fb = try FilterSet(filters: right.map { b.clk[$0]! })
                        comparisons += left.count * right.count
                        candidates += CandidateGenerator.candidates(fa, fb, threshold: t, threads: threads)
                            .map { Candidate(a: left[$0.a], b: right[$0.b], score: $0.score) }
                    }
                    candidates.sort()
                    for c in GreedySolver.solve(candidates) {
                        let i = c.a, j = c.b
                        links[pa][i].fuzzy[parties[pb]] = max(links[pa][i].fuzzy[parties[pb]] ?? 0, c.score)
                        links[pb][j].fuzzy[parties[pa]] = max(links[pb][j].fuzzy[parties[pa]] ?? 0, c.score)
                        uf.union(offsets[pa] + i, offsets[pb] + j)
                        fuzzyPairs += 1
                    }
                    progress("fuzzy \(parties[pa])×\(parties[pb]): \(aRows.count)×\(bRows.count) compared")
                }
            }
        }
        counts["fuzzyLinks"] = fuzzyPairs
        counts["comparisons"] = comparisons

        // 3. Relations: a row naming an organisation links, through the people who represent that
        // organisation anywhere, to the parties where those people appear.
        if exact.contains("person") && exact.contains("organisation") {
            var representatives: [BlindKey: Set<BlindKey>] = [:]
            for r in rows { for i in 0..<r.count { if let o = r.organisation[i], let p = r.person[i] { representatives[o, default: []].insert(p) } } }
            var personParties: [BlindKey: Set<Int>] = [:]
            for (p, r) in rows.enumerated() { for i in 0..<r.count { if let k = r.person[i] { personParties[k, default: []].insert(p) } } }
            var relationLinks = 0
            for (p, r) in rows.enumerated() {
                for i in 0..<r.count {
                    guard let o = r.organisation[i], let reps = representatives[o] else { continue }
                    var via = Set<String>()
                    for rep in reps where rep != r.person[i] {
                        for q in personParties[rep] ?? [] where q != p { via.insert(parties[q]) }
                    }
                    if !via.isEmpty { links[p][i].viaRepresentative = via; relationLinks += 1 }
                }
            }
            counts["relationLinks"] = relationLinks
        }

        // 4. Categories: what the linked rows of other parties say in an attribute named `category`.
        let categoryColumn = rows.map { $0.attributeNames.firstIndex(of: "category") }
        if categoryColumn.contains(where: { $0 != nil }) {
            var categoryOfGroup: [Int: Set<String>] = [:]
            for (p, r) in rows.enumerated() {
                guard let c = categoryColumn[p] else { continue }
                for i in 0..<r.count where !r.attributes[i][c].isEmpty {
                    categoryOfGroup[uf.find(offsets[p] + i), default: []].insert(r.attributes[i][c])
                }
            }
            for (p, r) in rows.enumerated() where categoryColumn[p] == nil {
                for i in 0..<r.count { if let c = categoryOfGroup[uf.find(offsets[p] + i)] { links[p][i].categories = c } }
            }
        }
        groupOf = rows.indices.map { p in (0..<rows[p].count).map { uf.find(offsets[p] + $0) } }
    }

    /// Distinct groups present at both parties of every pair (`results.md` §3).
    public func overlapMatrix() -> [String: Int] {
        var partiesOfGroup: [Int: Set<Int>] = [:]
        for (p, groups) in groupOf.enumerated() { for g in groups { partiesOfGroup[g, default: []].insert(p) } }
        var out: [String: Int] = [:]
        for a in parties.indices { for b in parties.indices where a < b { out["\(parties[a])+\(parties[b])"] = 0 } }
        for (_, ps) in partiesOfGroup where ps.count > 1 {
            let sorted = ps.sorted()
            for (x, a) in sorted.enumerated() { for b in sorted[(x + 1)...] { out["\(parties[a])+\(parties[b])", default: 0] += 1 } }
        }
        return out
    }
}

struct UnionFind {
    private var parent: [Int]
    init(count: Int) { parent = Array(0..<count) }
    mutating func find(_ x: Int) -> Int {
        var r = x
        while parent[r] != r { r = parent[r] }
        var y = x
        while parent[y] != r { let n = parent[y]; parent[y] = r; y = n }
        return r
    }
    mutating func union(_ a: Int, _ b: Int) {
        let ra = find(a), rb = find(b)
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }
}
