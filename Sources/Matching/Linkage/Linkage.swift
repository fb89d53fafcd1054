/// What one row of one party linked to (`Protocols/results.md` §2).
public struct RowLinks: Sendable, Equatable {
    /// No links.
    public init() {}
    public var exactPerson: Set<String> = []
    public var exactOrganisation: Set<String> = []
    public var fuzzy: [String: Double] = [:]
    public var viaRepresentative: Set<String> = []
    public var categories: Set<String> = []
    /// Sealed attribute values of linked rows of other parties that are sealed to this row's
    /// party, by attribute name: opaque boxes (Protocols/wire.md §3.2), sorted.
    public var sealed: [String: [[UInt8]]] = [:]
    /// The evidence for each party the row links to exactly by person or fuzzily, by party
    /// (`Protocols/matching.md` §5.7).
    public var evidence: [String: LinkEvidence] = [:]

    public var otherParties: Set<String> { exactPerson.union(exactOrganisation).union(fuzzy.keys).union(viaRepresentative) }
    public var isEmpty: Bool { otherParties.isEmpty }
}

/// The linkage of one run (`Protocols/matching.md` §5): exact joins on blinded identifiers and
/// relations, fuzzy Dice between rows that no exact identifier links (under keyed blocking when
/// the agreement names it), one-to-one per party pair, and groups across all parties.
///
/// A pipeline of steps, each in its own file: identity changes (§5.9), exact (§5.1), candidates, lookalikes,
/// lone numbers (§5.2.2) and acceptance (§5.2), groups (§5.3), relations (§5.4), categories (§5.5); the ties of a standing
/// run (§5.8) are asked afterwards with ``ties(of:reference:)``. Rows are numbered
/// run-wide: party `p`'s row `i` is `offsets[p] + i`.
public struct Linkage: Sendable {
    public let parties: [String]
    /// Links of the rows that linked to anything, by party and row (rows without links are absent).
    public private(set) var links: [[Int: RowLinks]]
    /// Groups of linked rows across parties, as (party index, row): a union–find over exact
    /// person links and accepted fuzzy pairs.
    public private(set) var groupOf: [[Int]]
    /// The run's counts by name (`exactLinks`, `fuzzyLinks`, `lookalikeRows`, …), as logged.
    public private(set) var counts: [String: Int] = [:]
    /// The accepted fuzzy links, in the order they were accepted (best first).
    public private(set) var fuzzyLinks: [FuzzyLink] = []
    /// Rows (run-wide) the conflicts step re-linked, and those it kept in their group (§5.6).
    public private(set) var relinkedRows = Set<Int>(), keptRows = Set<Int>()
    /// Rows (run-wide) whose lone person value a fuzzy link joined to another (§5.2.2); also in
    /// ``relinkedRows``.
    public private(set) var loneLinkedRows = Set<Int>()
    /// The run's rows, kept for the ties of a standing run (§5.8), which are asked per subject.
    let rows: [PartyRows]
    /// The identifier kinds the agreement matches exactly (§5.1).
    let exactKinds: Set<String>

    /// What row `row` of party index `party` linked to (empty when nothing).
    public func link(_ party: Int, _ row: Int) -> RowLinks { links[party][row] ?? RowLinks() }

    /// Links `rows` under the agreement's rules.
    /// - Throws: ``MatchError`` (`match.length-mismatch`) when fuzzy parties sent CLKs of different lengths.
    /// With `conflicts` (the default) the conflicts step (§5.6) runs when the run is blocked; with
    /// `agreeingKeys` (the default) pairs that agree on their blocking keys are candidates from a lower score (§5.2);
    /// with `loneNumbers` (the default, blocked runs with agreeing keys) a lone row may link across numbers (§5.2.2).
    public init(_ rows: [PartyRows], exact: Set<String>, threshold: Double?, fuzzyParties: Set<String>, blocking: Bool = false,
                conflicts: Bool = true, agreeingKeys: Bool = true, loneNumbers: Bool = true, evidence: Bool = true, threads: Int = 2, progress: (String) -> Void = { _ in }) throws {
        // Step 0, identity changes (matching.md §5.9): previous and current numbers become one value.
        let (rows, changes) = Self.resolveIdentities(rows)
        parties = rows.map(\.party)
        links = rows.map { _ in [:] }
        self.rows = rows
        exactKinds = exact
        let offsets = rowOffsets(rows)
        var groups = UnionFind(count: offsets.last!)

        // Step 1, exact (matching.md §5.1).
        let joined = Self.exact(rows, kinds: exact, offsets: offsets, threads: threads, groups: &groups, links: &links)
        if changes > 0 { counts["identityChanges"] = changes }
        counts["exactLinks"] = joined.links
        counts["exactGroups"] = joined.values
        progress("exact: \(joined.values) shared values")

        // Steps 2–4, fuzzy (matching.md §5.2): candidates, lookalikes, then one greedy pass.
        var comparisons = 0, bridges = 0
        if let t = threshold {
            let withCLK = try Self.fuzzyParties(rows, named: fuzzyParties)
            // Step 1b, conflicts (matching.md §5.6): rows whose number's group disagrees with them.
            var dissent = Dissent.none
            if conflicts && blocking && withCLK.allSatisfy({ rows[$0].blockingKeys >= 3 }) {
                dissent = Self.dissenters(rows, parties: withCLK, offsets: offsets, groups: &groups)
                counts["conflictRows"] = dissent.home.count
            }
            let doubted = dissent.rows
            // §5.7.1: with addresses, candidates are looked for a little below t; only those the
            // address supports stay, besides those the agreeing keys (§5.2) found.
            let addressed = Self.sendsAddresses(rows, withCLK)
            let found = Self.candidates(rows, parties: withCLK, threshold: addressed ? t - Self.addressMargin : t, blocking: blocking,
                                        agreeing: agreeingKeys, doubted: doubted, offsets: offsets, threads: threads, progress: progress)
            comparisons = found.compared
            if let purged = found.purgedBlocks { counts["purgedBlocks"] = purged }
            var lookalike = Set<Int>()
            if blocking && (withCLK.first.map { rows[$0].blockingKeys } ?? 0) >= 2 {
                lookalike = Self.lookalikes(rows, parties: withCLK, offsets: offsets, doubted: doubted, groups: &groups)
                counts["lookalikeRows"] = lookalike.count
            }
            var candidates = found.byPair
            let frequencies = agreeingKeys ? KeyFrequencies(rows, parties: withCLK) : nil
            if addressed || agreeingKeys {
                let kept = Self.keepSupported(found.byPair, rows: rows, threshold: t, agreeing: frequencies, addressed: addressed)
                candidates = kept.byPair
                if addressed { counts["addressSupported"] = kept.addressSupported }
                if kept.common > 0 { counts["agreeingTooCommon"] = kept.common }
            }
            var byPair = Self.strongForDissenters(candidates, rows: rows, offsets: offsets, dissent: dissent)
            // Step 2b, lone numbers (matching.md §5.2.2): needs the keys and their frequencies.
            var lone = LoneCandidates()
            if loneNumbers && blocking, let frequencies, withCLK.allSatisfy({ rows[$0].blockingKeys >= 2 }) {
                lone = Self.loneCandidates(rows, parties: withCLK, threshold: t, offsets: offsets, links: links, frequencies: frequencies,
                                           doubted: dissent.rows, groups: &groups)
                for (key, list) in lone.byPair { byPair[key, default: []] += list }
                counts["loneCandidates"] = lone.pairs.count
                counts["loneAmbiguous"] = lone.ambiguous
            }
            let accepted = Self.accept(byPair, rows: rows, offsets: offsets, excluding: lookalike, doubted: dissent.home, lone: lone, groups: &groups)
            bridges = accepted.conflicts
            loneLinkedRows = accepted.crossed
            if !lone.lone.isEmpty { counts["loneNumberLinks"] = accepted.crossed.count }
            for l in accepted.links {
                let (i, j, pa, pb) = (l.rowA, l.rowB, l.partyA, l.partyB)
                links[pa][i, default: RowLinks()].fuzzy[parties[pb]] = max(links[pa][i]?.fuzzy[parties[pb]] ?? 0, l.score)
                links[pb][j, default: RowLinks()].fuzzy[parties[pa]] = max(links[pb][j]?.fuzzy[parties[pa]] ?? 0, l.score)
            }
            fuzzyLinks = accepted.links
            if !dissent.home.isEmpty {
                let settled = Self.settle(dissent, rows: rows, offsets: offsets, crossed: loneLinkedRows, groups: &groups, links: &links)
                relinkedRows = settled.relinked
                keptRows = dissent.rows.subtracting(relinkedRows)
                counts["conflictRelinked"] = relinkedRows.count
                counts["conflictKept"] = settled.kept
            }
            // §5.2.2: a lone row linked to another person value is re-linked as far as its
            // evidence goes (§5.7).
            relinkedRows.formUnion(loneLinkedRows)
        }
        counts["fuzzyLinks"] = fuzzyLinks.count
        counts["fuzzyConflicts"] = bridges
        counts["comparisons"] = comparisons

        // Step 6, relations (matching.md §5.4).
        if exact.contains("person") && exact.contains("organisation") {
            let via = Self.relations(rows)
            for (p, rowsVia) in via.enumerated() { for (i, v) in rowsVia { links[p][i, default: RowLinks()].viaRepresentative = v } }
            counts["relationLinks"] = via.reduce(0) { $0 + $1.count }
        }

        // Step 7, categories (matching.md §5.5), then step 5, each row's group (§5.3).
        for (p, rowsCategories) in Self.categories(rows, offsets: offsets, groups: &groups).enumerated() {
            for (i, c) in rowsCategories { links[p][i, default: RowLinks()].categories = c }
        }
        for (p, rowsSealed) in Self.sealedValues(rows, offsets: offsets, groups: &groups).enumerated() {
            for (i, s) in rowsSealed { links[p][i, default: RowLinks()].sealed = s }
        }
        groupOf = Self.groups(rows, offsets: offsets, groups: &groups)

        // Step 8, evidence (matching.md §5.7): only when an output grants it, since it visits every
        // link again (it doubled a national run's linkage time).
        guard evidence else { return }
        var flagged = 0
        for (p, byRow) in Self.evidence(rows, offsets: offsets, groups: &groups, links: links, kept: keptRows, relinked: relinkedRows).enumerated() {
            for (i, e) in byRow {
                links[p][i]!.evidence = e
                if e.values.contains(where: { $0.conflict != nil }) { flagged += 1 }
            }
        }
        counts["conflictFlaggedRows"] = flagged
    }

    /// Blocks carried by more rows than this across a run are not compared (blocking.md §5.1).
    public static let maxBlock = 1_000

    /// A row whose best candidates lie within this much of each other and belong to different
    /// people (matching.md §5.2) is left unlinked.
    public static let ambiguityMargin = 0.02
}

/// An accepted fuzzy link between row `rowA` of party `partyA` and row `rowB` of party `partyB`.
public struct FuzzyLink: Sendable, Equatable {
    public let partyA: Int, rowA: Int, partyB: Int, rowB: Int
    public let score: Double
}
