import Foundation
import Matching
import Wire

/// A blinded value (32 bytes) as four words: hashing and equality without allocation.
struct BlindKey: Hashable {
    let a: UInt64, b: UInt64, c: UInt64, d: UInt64
    init(_ w: (UInt64, UInt64, UInt64, UInt64)) { a = w.0; b = w.1; c = w.2; d = w.3 }
}

/// One party's submitted rows, as the coordinator holds them for a run: pseudonyms in
/// contiguous columns, CLKs as contiguous words, blocking keys as words (0 absent).
public struct PartyRows: @unchecked Sendable {
    public let party: String
    public let attributeNames: [String]
    public let clkBytes: Int
    public let blockingKeys: Int
    var person: BlindedColumn
    var organisation: BlindedColumn
    var clkWords: [UInt64] = []
    var hasCLK: [Bool] = []
    var blocks: [UInt64] = []
    var attributes: [[String]] = []
    public private(set) var count = 0
    var words: Int { (clkBytes + 7) / 8 }

    public init(party: String, attributeNames: [String], capacity: Int, clkBytes: Int, blockingKeys: Int = 0) {
        self.party = party
        self.attributeNames = attributeNames
        self.clkBytes = clkBytes
        self.blockingKeys = blockingKeys
        person = BlindedColumn(capacity: capacity)
        organisation = BlindedColumn(capacity: capacity)
        clkWords.reserveCapacity(capacity * ((clkBytes + 7) / 8))
        hasCLK.reserveCapacity(capacity)
        blocks.reserveCapacity(capacity * blockingKeys)
        attributes.reserveCapacity(capacity)
    }

    public mutating func append(_ r: Submission.Record) {
        person.append(r.person)
        organisation.append(r.organisation)
        let start = clkWords.count
        for _ in 0..<words { clkWords.append(0) }
        if let c = r.clk {
            precondition(c.count == clkBytes)
            clkWords.withUnsafeMutableBytes { raw in
                raw.baseAddress!.advanced(by: start * 8).copyMemory(from: c, byteCount: c.count)
            }
        }
        hasCLK.append(r.clk != nil)
        for k in 0..<blockingKeys { blocks.append(r.blocks.map { $0[k] } ?? 0) }
        attributes.append(r.attributes)
        count += 1
    }

    /// Reads a verified submission to its end (content hash and counts checked there).
    public init(opened: Submission.Opened) throws {
        let h = opened.header
        self.init(party: h.party, attributeNames: h.attributes, capacity: Int(h.rows), clkBytes: h.clkBytes, blockingKeys: h.blockingKeys)
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
/// relations, fuzzy Dice between rows that no exact identifier links (under keyed blocking when
/// the agreement names it), one-to-one per party pair, and groups across all parties.
public struct Linkage: Sendable {
    public let parties: [String]
    /// Links of the rows that linked to anything, by party and row (rows without links are absent).
    public private(set) var links: [[Int: RowLinks]]
    /// Groups of linked rows across parties, as (party index, row): a union–find over exact
    /// person links and accepted fuzzy pairs.
    public private(set) var groupOf: [[Int]]
    public private(set) var counts: [String: Int] = [:]
    /// The accepted fuzzy links, in the order they were accepted (best first).
    public private(set) var fuzzyLinks: [FuzzyLink] = []

    public func link(_ party: Int, _ row: Int) -> RowLinks { links[party][row] ?? RowLinks() }

    public init(_ rows: [PartyRows], exact: Set<String>, threshold: Double?, fuzzyParties: Set<String>, blocking: Bool = false,
                threads: Int = 2, progress: (String) -> Void = { _ in }) throws {
        parties = rows.map(\.party)
        groupOf = []
        let parties = parties
        links = rows.map { _ in [:] }
        let offsets = rows.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        var uf = UnionFind(count: offsets.last!)

        // 1. Exact: one join over every party's person and organisation columns (a sole trader's
        // organisation pseudonym equals its owner's person pseudonym, node.md §2.2).
        let none = BlindedColumn(capacity: 0)
        var columns: [BlindedColumn] = []
        for r in rows {
            columns.append(exact.contains("person") ? r.person : none)
            columns.append(exact.contains("organisation") ? r.organisation : none)
        }
        let join = ExactJoin(columns: columns, threads: threads)
        var exactPairs = 0
        for g in 0..<join.groupCount {
            let members = join.group(g).map { gid -> (party: Int, row: Int, person: Bool) in
                let (c, row) = join.locate(gid)
                return (c / 2, row, c % 2 == 0)
            }
            // One person value is one person, within a party too.
            let persons = members.filter(\.person)
            for h in persons.dropFirst() { uf.union(offsets[persons[0].party] + persons[0].row, offsets[h.party] + h.row) }
            let present = Set(members.map(\.party))
            guard present.count > 1 else { continue }
            for h in members {
                let others = present.subtracting([h.party]).map { parties[$0] }
                if h.person { links[h.party][h.row, default: RowLinks()].exactPerson.formUnion(others) }
                else { links[h.party][h.row, default: RowLinks()].exactOrganisation.formUnion(others) }
                exactPairs += others.count
            }
        }
        counts["exactLinks"] = exactPairs / 2
        counts["exactGroups"] = join.groupCount
        progress("exact: \(join.groupCount) shared values")

        // 2. Fuzzy, per party pair: rows of A that no exact person value links to B.
        var fuzzyPairs = 0, comparisons = 0, conflicts = 0
        var allCandidates: [FuzzyCandidate] = []
        if let t = threshold {
            let fuzzyIndex = rows.indices.filter { fuzzyParties.contains(parties[$0]) }
            let withCLK = fuzzyIndex.filter { rows[$0].clkBytes > 0 }
            guard Set(withCLK.map { rows[$0].clkBytes }).count <= 1 else {
                throw CoordinatorError(.internal, "the parties sent CLKs of different lengths: " + withCLK.map { "\(parties[$0]) \(rows[$0].clkBytes)" }.joined(separator: ", "))
            }
            // Two rows that both carry a valid, different personnummer are two people: fuzzy
            // matching only pairs rows where at least one side has no person value (matching.md §5.2).
            // Rows already linked exactly stay candidates: a party can hold the same person
            // in a row with a number and in one without.
            var byPair: [Int: [Candidate]] = [:]
            let kinds = withCLK.first.map { rows[$0].blockingKeys } ?? 0
            if blocking && kinds > 0 && withCLK.allSatisfy({ rows[$0].blockingKeys == kinds }) {
                // Blocked: one index and one pass for the whole run (blocking.md §5).
                let words = rows[withCLK[0]].words
                let views = withCLK.map { p in
                    let r = rows[p]
                    return MultiPartyBlocking.Party(clkWords: r.clkWords, words: words, keys: r.blocks, hasCLK: r.hasCLK,
                                                    withoutPerson: (0..<r.count).map { !r.person.isPresent($0) })
                }
                let found = MultiPartyBlocking.candidates(views, words: words, kinds: kinds, threshold: t, maxBlock: Linkage.maxBlock, threads: threads)
                comparisons += found.compared
                counts["purgedBlocks"] = found.purgedBlocks
                for c in found.pairs {
                    byPair[withCLK[c.partyA] * rows.count + withCLK[c.partyB], default: []].append(Candidate(a: c.rowA, b: c.rowB, score: c.score))
                }
                progress("fuzzy, blocked: \(withCLK.count) parties, \(found.compared) pairs compared, \(found.pairs.count) candidates")
            } else {
                for (x, pa) in withCLK.enumerated() {
                    for pb in withCLK[(x + 1)...] {
                        let a = rows[pa], b = rows[pb]
                        let aRows = (0..<a.count).filter { a.hasCLK[$0] }, bRows = (0..<b.count).filter { b.hasCLK[$0] }
                        let aNoID = aRows.filter { !a.person.isPresent($0) }, aID = aRows.filter { a.person.isPresent($0) }
                        let bNoID = bRows.filter { !b.person.isPresent($0) }
                        var candidates: [Candidate] = []
                        // The row sets without a person value are the small ones: they are indexed.
                        for (small, smallRows, large, largeRows, smallIsA) in [(a, aNoID, b, bRows, true), (b, bNoID, a, aID, false)]
                            where !smallRows.isEmpty && !largeRows.isEmpty {
                            let fs = FilterSet(gathering: smallRows, from: small.clkWords, words: small.words, byteLength: small.clkBytes)
                            let fl = FilterSet(gathering: largeRows, from: large.clkWords, words: large.words, byteLength: large.clkBytes)
                            let found = CandidateGenerator.candidates(fs, fl, threshold: t, threads: threads)
                            comparisons += smallRows.count * largeRows.count
                            candidates += found.map { c in
                                smallIsA ? Candidate(a: smallRows[c.a], b: largeRows[c.b], score: c.score)
                                         : Candidate(a: largeRows[c.b], b: smallRows[c.a], score: c.score)
                            }
                        }
                        byPair[pa * rows.count + pb] = candidates
                        progress("fuzzy \(parties[pa])×\(parties[pb]): \(aRows.count)×\(bRows.count) rows, \(comparisons) pairs compared so far")
                    }
                }
            }
            // Lookalikes (matching.md §5.2): rows without a person value whose birth date and names
            // keys two or more different identified people of the run also carry.
            var lookalike = Set<Int>()
            if blocking && kinds >= 2 {
                struct DateAndNames: Hashable { let dob: UInt64, names: UInt64 }
                func keyOf(_ r: PartyRows, _ i: Int) -> DateAndNames? {
                    let d = r.blocks[i * r.blockingKeys], n = r.blocks[i * r.blockingKeys + 1]
                    return d == 0 || n == 0 ? nil : DateAndNames(dob: d, names: n)
                }
                var owner: [DateAndNames: Int] = [:]   // -1 nobody yet, a group, or -2 several groups
                for p in withCLK { let r = rows[p]; for i in 0..<r.count where r.hasCLK[i] && !r.person.isPresent(i) { if let k = keyOf(r, i) { owner[k] = -1 } } }
                for p in withCLK {
                    let r = rows[p]
                    for i in 0..<r.count where r.hasCLK[i] && r.person.isPresent(i) {
                        guard let k = keyOf(r, i), let o = owner[k], o != -2 else { continue }
                        let g = uf.find(offsets[p] + i)
                        owner[k] = o == -1 || o == g ? g : -2
                    }
                }
                for p in withCLK { let r = rows[p]; for i in 0..<r.count where r.hasCLK[i] && !r.person.isPresent(i) { if let k = keyOf(r, i), owner[k] == -2 { lookalike.insert(offsets[p] + i) } } }
                counts["lookalikeRows"] = lookalike.count
            }
            for key in byPair.keys.sorted() {
                let pa = key / rows.count, pb = key % rows.count
                let candidates = Linkage.unambiguous(byPair[key]!.filter { !lookalike.contains(offsets[pa] + $0.a) && !lookalike.contains(offsets[pb] + $0.b) },
                                                     margin: Linkage.ambiguityMargin,
                                                     groupA: { uf.find(offsets[pa] + $0) }, groupB: { uf.find(offsets[pb] + $0) })
                allCandidates += candidates.map { FuzzyCandidate(score: $0.score, partyA: pa, partyB: pb, a: $0.a, b: $0.b) }
            }
            // One greedy pass over every party pair's candidates, best first (matching.md §5.3):
            // one-to-one per party pair, and never a link that would put two different person
            // values in one group — two valid, different personnummer are two people, and a row
            // without a number may join one of them, not bridge them.
            allCandidates.sort()
            var identity = [Int32](repeating: -1, count: offsets.last!)
            for (p, r) in rows.enumerated() {
                for i in 0..<r.count where r.person.isPresent(i) { identity[uf.find(offsets[p] + i)] = Int32(uf.find(offsets[p] + i)) }
            }
            var taken = Set<FuzzyEnd>()
            for c in allCandidates {
                let ea = FuzzyEnd(party: c.partyA, other: c.partyB, row: c.a), eb = FuzzyEnd(party: c.partyB, other: c.partyA, row: c.b)
                guard !taken.contains(ea), !taken.contains(eb) else { continue }
                let ra = uf.find(offsets[c.partyA] + c.a), rb = uf.find(offsets[c.partyB] + c.b)
                if ra != rb, identity[ra] >= 0, identity[rb] >= 0, identity[ra] != identity[rb] { conflicts += 1; continue }
                taken.insert(ea); taken.insert(eb)
                let i = c.a, j = c.b, pa = c.partyA, pb = c.partyB
                links[pa][i, default: RowLinks()].fuzzy[parties[pb]] = max(links[pa][i]?.fuzzy[parties[pb]] ?? 0, c.score)
                links[pb][j, default: RowLinks()].fuzzy[parties[pa]] = max(links[pb][j]?.fuzzy[parties[pa]] ?? 0, c.score)
                let known = identity[ra] >= 0 ? identity[ra] : identity[rb]
                uf.union(ra, rb)
                identity[uf.find(ra)] = known
                fuzzyPairs += 1
                fuzzyLinks.append(FuzzyLink(partyA: pa, rowA: i, partyB: pb, rowB: j, score: c.score))
            }
        }
        counts["fuzzyLinks"] = fuzzyPairs
        counts["fuzzyConflicts"] = conflicts
        counts["comparisons"] = comparisons

        // 3. Relations: a row naming an organisation links, through the people who represent that
        // organisation anywhere, to the parties where those people appear.
        if exact.contains("person") && exact.contains("organisation") {
            var representatives: [BlindKey: Set<BlindKey>] = [:]
            for r in rows {
                for i in 0..<r.count {
                    if let o = r.organisation.value(i), let p = r.person.value(i) { representatives[BlindKey(o), default: []].insert(BlindKey(p)) }
                }
            }
            var personParties: [BlindKey: Set<Int>] = [:]
            for (p, r) in rows.enumerated() {
                for i in 0..<r.count { if let k = r.person.value(i) { personParties[BlindKey(k), default: []].insert(p) } }
            }
            var relationLinks = 0
            for (p, r) in rows.enumerated() {
                for i in 0..<r.count {
                    guard let o = r.organisation.value(i), let reps = representatives[BlindKey(o)] else { continue }
                    let own = r.person.value(i).map(BlindKey.init)
                    var via = Set<String>()
                    for rep in reps where rep != own {
                        for q in personParties[rep] ?? [] where q != p { via.insert(parties[q]) }
                    }
                    if !via.isEmpty { links[p][i, default: RowLinks()].viaRepresentative = via; relationLinks += 1 }
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
                for i in 0..<r.count { if let c = categoryOfGroup[uf.find(offsets[p] + i)] { links[p][i, default: RowLinks()].categories = c } }
            }
        }
        groupOf = rows.indices.map { p in (0..<rows[p].count).map { uf.find(offsets[p] + $0) } }
    }

    /// Blocks carried by more rows than this across a run are not compared (blocking.md §5.1).
    public static let maxBlock = 1_000

    /// A row whose best candidates lie within this much of each other and belong to different
    /// people (matching.md §5.2) is left unlinked.
    public static let ambiguityMargin = 0.02

    /// Drops every candidate of a row whose best candidate is not clearly better than a candidate
    /// of another group: two people with the same name and birth date cannot be told apart, and
    /// guessing would link the wrong one.
    static func unambiguous(_ candidates: [Candidate], margin: Double, groupA: (Int) -> Int, groupB: (Int) -> Int) -> [Candidate] {
        var byA: [Int: [Candidate]] = [:], byB: [Int: [Candidate]] = [:]
        for c in candidates { byA[c.a, default: []].append(c); byB[c.b, default: []].append(c) }
        func ambiguous(_ list: [Candidate], other: (Candidate) -> Int) -> Bool {
            guard list.count > 1, let best = list.max(by: { $0.score < $1.score }) else { return false }
            let g = other(best)
            return list.contains { $0.score >= best.score - margin && other($0) != g }
        }
        let badA = Set(byA.filter { ambiguous($0.value, other: { groupB($0.b) }) }.keys)
        let badB = Set(byB.filter { ambiguous($0.value, other: { groupA($0.a) }) }.keys)
        return candidates.filter { !badA.contains($0.a) && !badB.contains($0.b) }
    }

    /// Distinct groups present at both parties of every pair (`results.md` §3).
    public func overlapMatrix() -> [String: Int] {
        // Group ids are union–find roots below the run's row count: one party bit mask per id.
        guard parties.count <= 64 else { return overlapMatrixReference() }
        let ids = groupOf.reduce(0) { $0 + $1.count }
        var masks = [UInt64](repeating: 0, count: ids)
        for (p, groups) in groupOf.enumerated() { for g in groups { masks[g] |= 1 << UInt64(p) } }
        let n = parties.count
        var counts = [Int](repeating: 0, count: n * n)
        for var m in masks where m & (m &- 1) != 0 {
            var members: [Int] = []
            while m != 0 { members.append(m.trailingZeroBitCount); m &= m - 1 }
            for (x, a) in members.enumerated() { for b in members[(x + 1)...] { counts[a * n + b] += 1 } }
        }
        var out: [String: Int] = [:]
        for a in parties.indices { for b in parties.indices where a < b { out["\(parties[a])+\(parties[b])"] = counts[a * n + b] } }
        return out
    }

    /// The overlap counts by sets of parties per group: the reference for ``overlapMatrix()``.
    func overlapMatrixReference() -> [String: Int] {
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

/// An accepted fuzzy link between row `rowA` of party `partyA` and row `rowB` of party `partyB`.
public struct FuzzyLink: Sendable {
    public let partyA: Int, rowA: Int, partyB: Int, rowB: Int
    public let score: Double
}

/// A fuzzy candidate of one party pair, ordered like ``Candidate`` (score down, then parties and
/// rows up) so that the global greedy pass is deterministic.
struct FuzzyCandidate: Comparable {
    let score: Double, partyA: Int, partyB: Int, a: Int, b: Int
    static func < (x: FuzzyCandidate, y: FuzzyCandidate) -> Bool {
        if x.score != y.score { return x.score > y.score }
        return (x.partyA, x.partyB, x.a, x.b) < (y.partyA, y.partyB, y.a, y.b)
    }
}

/// A row's end of a fuzzy link to another party: each row links to at most one row per party.
struct FuzzyEnd: Hashable { let party: Int, other: Int, row: Int }

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
