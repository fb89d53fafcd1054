extension Linkage {
    /// Step 0, identity changes (`Protocols/matching.md` §5.9): every row that records an
    /// identity change (previous, current) — sent only by a party holding the `relations` role —
    /// makes its two person values one person for the rest of the run. Chains (a samordningsnummer
    /// replaced by a personnummer that was later corrected) join too. Each set of values that the
    /// changes join is written as one value, its smallest (by words), in every party's person and
    /// organisation columns (one value space, §5.1); the identity rows themselves lose their person
    /// value, so they make no match, group or tie of their own.
    ///
    /// Columns without a value to rewrite are shared, not copied.
    /// - Returns: the rows to link and the number of identity changes.
    static func resolveIdentities(_ rows: [PartyRows]) -> (rows: [PartyRows], changes: Int) {
        let changes = rows.reduce(0) { $0 + $1.identityChanges.count }
        guard changes > 0 else { return (rows, 0) }
        // A union–find over the values the changes name.
        var index: [BlindKey: Int] = [:], values: [BlindKey] = []
        func id(_ v: BlindKey) -> Int {
            if let i = index[v] { return i }
            index[v] = values.count; values.append(v)
            return values.count - 1
        }
        var sets = UnionFind(count: 2 * changes)
        for r in rows { for c in r.identityChanges { sets.union(id(c.previous), id(c.current)) } }
        var smallest: [Int: BlindKey] = [:]
        for (i, v) in values.enumerated() {
            let root = sets.find(i)
            if let s = smallest[root], !(v < s) { continue }
            smallest[root] = v
        }
        var alias: [BlindKey: BlindKey] = [:]
        for (i, v) in values.enumerated() where smallest[sets.find(i)]! != v { alias[v] = smallest[sets.find(i)]! }

        func rewritten(_ column: BlindedColumn, blank: Set<Int>) -> BlindedColumn {
            let touched = !blank.isEmpty || (0..<column.count).contains { i in column.value(i).map { alias[BlindKey($0)] != nil } ?? false }
            guard touched else { return column }
            var out = BlindedColumn(capacity: column.count)
            for i in 0..<column.count {
                guard !blank.contains(i), let v = column.value(i) else { out.append(nil); continue }
                let k = alias[BlindKey(v)] ?? BlindKey(v)
                out.append(k.a, k.b, k.c, k.d)
            }
            return out
        }
        let resolved = rows.map { r -> PartyRows in
            var r = r
            r.person = rewritten(r.person, blank: Set(r.identityChanges.map(\.row)))
            r.organisation = rewritten(r.organisation, blank: [])
            return r
        }
        return (resolved, changes)
    }
}

extension BlindKey: Comparable {
    static func < (x: BlindKey, y: BlindKey) -> Bool { (x.a, x.b, x.c, x.d) < (y.a, y.b, y.c, y.d) }
}
