extension Linkage {
    /// Step 4, acceptance (`Protocols/matching.md` §5.2, §5.3): drops the candidates of
    /// `lookalike` rows (run-wide numbers) and of ambiguous rows, then makes one greedy pass over
    /// every party pair's candidates, best first: one-to-one per party pair, and never a link that
    /// would put two different person values in one group — two valid, different personnummer are
    /// two people, and a row without a number may join one of them, not bridge them. Each accepted
    /// link joins its rows' groups.
    /// - Returns: the accepted links in the order they were accepted, and the refused bridges.
    /// Rows in `doubted` (§5.6, run-wide, with their home groups) carry no person value here; two
    /// groups without one whose doubted rows come from different homes are not joined either.
    /// A candidate of the lone-number step (§5.2.2, in `lone.pairs`) may join two person values
    /// when one side's group still holds only its lone row's value: the group then takes the other
    /// value, and the lone rows that crossed are returned.
    static func accept(_ byPair: [Int: [Candidate]], rows: [PartyRows], offsets: [Int], excluding lookalike: Set<Int>,
                       doubted: [Int: Int] = [:], lone: LoneCandidates = LoneCandidates(),
                       groups uf: inout UnionFind) -> (links: [FuzzyLink], conflicts: Int, crossed: Set<Int>) {
        var allCandidates: [FuzzyCandidate] = []
        for key in byPair.keys.sorted() {
            let pa = key / rows.count, pb = key % rows.count
            let candidates = Linkage.unambiguous(byPair[key]!.filter { !lookalike.contains(offsets[pa] + $0.a) && !lookalike.contains(offsets[pb] + $0.b) },
                                                 margin: Linkage.ambiguityMargin,
                                                 groupA: { uf.find(offsets[pa] + $0) }, groupB: { uf.find(offsets[pb] + $0) })
            allCandidates += candidates.map { FuzzyCandidate(score: $0.score, partyA: pa, partyB: pb, a: $0.a, b: $0.b) }
        }
        allCandidates.sort()
        // The person value of each group, as the group's first root (-1: none).
        var identity = [Int32](repeating: -1, count: offsets.last!)
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count where r.person.isPresent(i) && (doubted.isEmpty || doubted[offsets[p] + i] == nil) { identity[uf.find(offsets[p] + i)] = Int32(uf.find(offsets[p] + i)) }
        }
        // The home of the doubted rows of each group (-1: none), §5.6.
        var home = [Int32](repeating: -1, count: doubted.isEmpty ? 0 : offsets.last!)
        for (d, h) in doubted { home[uf.find(d)] = Int32(h) }
        // §5.2.2: the groups whose person value is still only their lone row's, and (rule 4, kept
        // up to date) the parties of every group's numbered rows.
        var loneGroup = Set(lone.lone.map { uf.find($0) })
        var parties = PartyMasks(rows: lone.pairs.isEmpty ? 0 : offsets.last!, parties: rows.count)
        if !lone.pairs.isEmpty {
            for (p, r) in rows.enumerated() {
                for i in 0..<r.count where r.person.isPresent(i) && (doubted.isEmpty || doubted[offsets[p] + i] == nil) { parties.insert(p, into: uf.find(offsets[p] + i)) }
            }
        }
        var taken = Set<FuzzyEnd>()
        var accepted: [FuzzyLink] = [], conflicts = 0, crossed = Set<Int>()
        for c in allCandidates {
            let ea = FuzzyEnd(party: c.partyA, other: c.partyB, row: c.a), eb = FuzzyEnd(party: c.partyB, other: c.partyA, row: c.b)
            guard !taken.contains(ea), !taken.contains(eb) else { continue }
            let (xa, xb) = (offsets[c.partyA] + c.a, offsets[c.partyB] + c.b)
            let ra = uf.find(xa), rb = uf.find(xb)
            var known = identity[ra] >= 0 ? identity[ra] : identity[rb]
            var stillLone = identity[ra] >= 0 ? loneGroup.contains(ra) : loneGroup.contains(rb)
            if ra != rb, identity[ra] >= 0, identity[rb] >= 0, identity[ra] != identity[rb] {
                let (la, lb) = (loneGroup.contains(ra), loneGroup.contains(rb))
                // Never two numbered rows of one party in one group: that party holds two people.
                guard lone.pairs.contains(pairKey(xa, xb)), la || lb, !parties.overlap(ra, rb) else { conflicts += 1; continue }
                // The group keeps the value that is not a lone row's; its rows that crossed are marked.
                known = la && !lb ? identity[rb] : identity[ra]
                stillLone = false
                if la { crossed.insert(xa) }
                if lb { crossed.insert(xb) }
            }
            if !home.isEmpty, ra != rb, identity[ra] < 0, identity[rb] < 0, home[ra] >= 0, home[rb] >= 0, home[ra] != home[rb] { conflicts += 1; continue }
            taken.insert(ea); taken.insert(eb)
            let knownHome = home.isEmpty ? -1 : home[ra] >= 0 ? home[ra] : home[rb]
            loneGroup.remove(ra); loneGroup.remove(rb)
            uf.union(ra, rb)
            if !lone.pairs.isEmpty, ra != rb {
                let root = uf.find(ra)
                parties.merge(root == ra ? rb : ra, into: root)
            }
            identity[uf.find(ra)] = known
            if stillLone { loneGroup.insert(uf.find(ra)) }
            if !home.isEmpty { home[uf.find(ra)] = knownHome }
            accepted.append(FuzzyLink(partyA: c.partyA, rowA: c.a, partyB: c.partyB, rowB: c.b, score: c.score))
        }
        return (accepted, conflicts, crossed)
    }

    /// Drops every candidate of a row whose best candidate is not clearly better than a candidate
    /// of another group: two people with the same name and birth date cannot be told apart, and
    /// guessing would link the wrong one. Only x's *live* candidates are read: (x, o) is live when
    /// o has no candidate more than `margin` better than it, since greedy gives o to that one
    /// first and o was never a real alternative for x (Protocols/matching.md §5.2, found by §6.3).
    static func unambiguous(_ candidates: [Candidate], margin: Double, groupA: (Int) -> Int, groupB: (Int) -> Int) -> [Candidate] {
        // Liveness is read from the candidates still standing, so a row dropped as ambiguous no
        // longer makes its partner's other candidates look settled: repeat until nothing drops.
        var current = candidates
        while true {
            var byA: [Int: [Candidate]] = [:], byB: [Int: [Candidate]] = [:]
            for c in current { byA[c.a, default: []].append(c); byB[c.b, default: []].append(c) }
            let bestA = byA.mapValues { $0.map(\.score).max()! }, bestB = byB.mapValues { $0.map(\.score).max()! }
            func ambiguous(_ all: [Candidate], other: (Candidate) -> Int, otherBest: (Candidate) -> Double) -> Bool {
                let list = all.count > 1 ? all.filter { otherBest($0) <= $0.score + margin } : all
                guard list.count > 1, let best = list.max(by: { $0.score < $1.score }) else { return false }
                let g = other(best)
                return list.contains { $0.score >= best.score - margin && other($0) != g }
            }
            let badA = Set(byA.filter { ambiguous($0.value, other: { groupB($0.b) }, otherBest: { bestB[$0.b]! }) }.keys)
            let badB = Set(byB.filter { ambiguous($0.value, other: { groupA($0.a) }, otherBest: { bestA[$0.a]! }) }.keys)
            let next = current.filter { !badA.contains($0.a) && !badB.contains($0.b) }
            if next.count == current.count { return current }
            current = next
        }
    }
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
