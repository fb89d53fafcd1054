extension Linkage {
    /// Rows whose person value joined a group whose names and birth date disagree with theirs
    /// (`Protocols/matching.md` §5.6): by run-wide row number, the group's smallest row before
    /// the step split it off (its "home").
    struct Dissent {
        var home: [Int: Int] = [:]
        var rows: Set<Int> { Set(home.keys) }
        static let none = Dissent()
    }

    /// Blocking key `kind` of row `i` (0 absent): `dob` 0, `names` 1, `surname-initial` 2
    /// (`Protocols/blocking.md` §4).
    static func blockingKey(_ r: PartyRows, _ i: Int, _ kind: Int) -> UInt64 {
        kind < r.blockingKeys ? r.blocks[i * r.blockingKeys + kind] : 0
    }

    /// Whether two rows' names and birth date disagree strongly (`Protocols/matching.md` §5.6):
    /// both carry the three blocking keys of slots 0–2, the names and surname-initial keys differ
    /// and no names key of any slot is shared; and the birth dates differ, or they agree and the
    /// given names (`clk.md` §6), present on both rows, share none — a serial mistyped into
    /// another valid one keeps the birth date (`synth.md` §6: `id-typo-valid`).
    static func disagreeStrongly(_ r: PartyRows, _ i: Int, _ s: PartyRows, _ j: Int) -> Bool {
        for k in 0..<3 {
            let a = blockingKey(r, i, k), b = blockingKey(s, j, k)
            if a == 0 || b == 0 || (k > 0 && a == b) { return false }
        }
        guard Set(datesAndNames(r, i).map(\.names)).isDisjoint(with: datesAndNames(s, j).map(\.names)) else { return false }
        if blockingKey(r, i, 0) != blockingKey(s, j, 0) { return true }
        return givenNamesAgreement(r.givenNames(i), s.givenNames(j)) == .disagree
    }

    /// Whether two rows agree strongly enough for a dissenting row to re-link (§5.6): the same
    /// birth-date key and the same names or surname-initial key.
    static func agreeStrongly(_ r: PartyRows, _ i: Int, _ s: PartyRows, _ j: Int) -> Bool {
        let d = blockingKey(r, i, 0)
        guard d != 0, d == blockingKey(s, j, 0) else { return false }
        let n = blockingKey(r, i, 1), si = blockingKey(r, i, 2)
        return (n != 0 && n == blockingKey(s, j, 1)) || (si != 0 && si == blockingKey(s, j, 2))
    }

    /// Step 1b, conflicts (`Protocols/matching.md` §5.6): after the exact step, the rows of
    /// `parties` with a CLK whose names and birth date disagree strongly with every other row
    /// of their person value's group that carries a CLK and keys. Each is split off its group
    /// (the groups are rebuilt without them) and treated as a row without a person value by the
    /// fuzzy steps; ``settle`` decides afterwards where it belongs.
    static func dissenters(_ rows: [PartyRows], parties withCLK: [Int], offsets: [Int], groups uf: inout UnionFind) -> Dissent {
        let fuzzy = Set(withCLK)
        // Only groups of two or more numbered rows can hold a dissenter: count first, then gather
        // those (most numbered rows are alone in the run).
        var size = [Int32](repeating: 0, count: offsets.last!)
        for (p, r) in rows.enumerated() { for i in 0..<r.count where r.person.isPresent(i) { size[uf.find(offsets[p] + i)] += 1 } }
        var members: [Int: [(p: Int, i: Int)]] = [:]
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count where r.person.isPresent(i) {
                let g = uf.find(offsets[p] + i)
                if size[g] > 1 { members[g, default: []].append((p, i)) }
            }
        }
        var out = Dissent()
        for (root, m) in members where m.count > 1 {
            let keyed = m.filter { fuzzy.contains($0.p) && rows[$0.p].hasCLK[$0.i] && blockingKey(rows[$0.p], $0.i, 0) != 0 && blockingKey(rows[$0.p], $0.i, 1) != 0 }
            guard keyed.count > 1 else { continue }
            for x in keyed where keyed.allSatisfy({ y in (y.p == x.p && y.i == x.i) || disagreeStrongly(rows[x.p], x.i, rows[y.p], y.i) }) {
                out.home[offsets[x.p] + x.i] = root
            }
        }
        guard !out.home.isEmpty else { return out }
        // Rebuild the groups without the dissenters: each group joins its other members.
        var fresh = UnionFind(count: offsets.last!)
        for (_, m) in members where m.count > 1 {
            let stay = m.map { offsets[$0.p] + $0.i }.filter { out.home[$0] == nil }
            for g in stay.dropFirst() { fresh.union(stay[0], g) }
        }
        uf = fresh
        return out
    }

    /// Keeps a candidate that involves a dissenting row only when the two rows agree strongly
    /// (§5.6): a row whose number is doubted re-links on names and birth date, not on Dice alone.
    static func strongForDissenters(_ byPair: [Int: [Candidate]], rows: [PartyRows], offsets: [Int], dissent: Dissent) -> [Int: [Candidate]] {
        guard !dissent.home.isEmpty else { return byPair }
        return byPair.reduce(into: [:]) { out, kv in
            let pa = kv.key / rows.count, pb = kv.key % rows.count
            out[kv.key] = kv.value.filter { c in
                let da = dissent.home[offsets[pa] + c.a] != nil, db = dissent.home[offsets[pb] + c.b] != nil
                return !(da || db) || agreeStrongly(rows[pa], c.a, rows[pb], c.b)
            }
        }
    }

    /// Settles each dissenting row after acceptance (§5.6): one that a fuzzy link put in a group
    /// of another person value is **re-linked** there and loses its exact links; every other one
    /// returns to its home group (**kept**, and flagged in its evidence). The exact links of the
    /// rows left behind drop the parties only a re-linked row gave them.
    /// - Returns: the re-linked rows (run-wide) and the number kept.
    /// Rows in `crossed` (lone rows linked to another person value, §5.2.2) do not name their group.
    static func settle(_ dissent: Dissent, rows: [PartyRows], offsets: [Int], crossed: Set<Int> = [], groups uf: inout UnionFind,
                       links: inout [[Int: RowLinks]]) -> (relinked: Set<Int>, kept: Int) {
        guard !dissent.home.isEmpty else { return ([], 0) }
        func locate(_ g: Int) -> (p: Int, i: Int) { var p = rows.count - 1; while offsets[p] > g { p -= 1 }; return (p, g - offsets[p]) }
        // Person values by current group, dissenters excluded: whose group is it now?
        // A group of crossed lone rows only (§5.2.2) is named by one of them, as acceptance named
        // it: it holds a person, so a dissenter that joined it is re-linked, never kept.
        // Only the groups the dissenters are in now are asked.
        let asked = Set(dissent.home.keys.map { uf.find($0) })
        var identity: [Int: BlindKey] = [:], crossedIdentity: [Int: BlindKey] = [:]
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count where r.person.isPresent(i) && dissent.home[offsets[p] + i] == nil {
                let g = offsets[p] + i, root = uf.find(g)
                guard asked.contains(root) else { continue }
                if crossed.contains(g) { crossedIdentity[root] = BlindKey(r.person.value(i)!) } else { identity[root] = BlindKey(r.person.value(i)!) }
            }
        }
        for (root, v) in crossedIdentity where identity[root] == nil { identity[root] = v }
        var relinked = Set<Int>()
        var byHome: [Int: [Int]] = [:]
        for (d, home) in dissent.home { byHome[home, default: []].append(d) }
        for d in dissent.home.keys.sorted() {
            let (p, i) = locate(d)
            if let now = identity[uf.find(d)], now != BlindKey(rows[p].person.value(i)!) { relinked.insert(d) }
        }
        // The members of each home group (its person value) that stay: non-dissenters and kept ones.
        var stayers: [Int: [Int]] = [:]
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count where r.person.isPresent(i) {
                let g = offsets[p] + i
                if let home = dissent.home[g] { if !relinked.contains(g) { stayers[home, default: []].append(g) } }
            }
        }
        // Home groups are named by their smallest row before the split; non-dissenting members
        // are found through the dissenters' person value.
        var valueOfHome: [Int: BlindKey] = [:]
        for (d, home) in dissent.home { let (p, i) = locate(d); valueOfHome[home] = BlindKey(rows[p].person.value(i)!) }
        let homes = Dictionary(valueOfHome.map { ($0.value, $0.key) }, uniquingKeysWith: min)
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count where r.person.isPresent(i) && dissent.home[offsets[p] + i] == nil {
                if let home = homes[BlindKey(r.person.value(i)!)] { stayers[home, default: []].append(offsets[p] + i) }
            }
        }
        for (_, s) in stayers { for g in s.dropFirst() { uf.union(s[0], g) } }
        // Exact links: a re-linked row keeps none; the stayers keep the parties of the other stayers.
        for (home, s) in stayers where byHome[home]!.contains(where: relinked.contains) {
            let parties = s.map { locate($0).p }
            for g in s {
                let (p, i) = locate(g)
                let others = Set(parties.filter { $0 != p }.map { rows[$0].party })
                links[p][i]?.exactPerson = others
            }
        }
        for d in relinked { let (p, i) = locate(d); links[p][i]?.exactPerson = [] }
        return (relinked, dissent.home.count - relinked.count)
    }
}
