extension Linkage {
    /// A row's birth-date and names blocking keys (`Protocols/blocking.md` §4), the first two kinds.
    struct DateAndNames: Hashable { let dob: UInt64, names: UInt64 }

    static func dateAndNames(_ r: PartyRows, _ i: Int) -> DateAndNames? {
        let d = r.blocks[i * r.blockingKeys], n = r.blocks[i * r.blockingKeys + 1]
        return d == 0 || n == 0 ? nil : DateAndNames(dob: d, names: n)
    }

    /// Step 3, lookalikes (`Protocols/matching.md` §5.2): the run-wide numbers of the rows with a
    /// CLK and no person value whose birth-date and names keys rows with a CLK of two or more
    /// different identified people (groups after the exact step) also carry, in any party of
    /// `parties`. Needs two blocking key kinds or more.
    /// Rows in `doubted` (§5.6) count as rows without a person value.
    static func lookalikes(_ rows: [PartyRows], parties withCLK: [Int], offsets: [Int], doubted: Set<Int> = [], groups: inout UnionFind) -> Set<Int> {
        func present(_ r: PartyRows, _ p: Int, _ i: Int) -> Bool { r.person.isPresent(i) && (doubted.isEmpty || !doubted.contains(offsets[p] + i)) }
        var owner: [DateAndNames: Int] = [:]   // -1 nobody yet, a group, or -2 several groups
        for p in withCLK { let r = rows[p]; for i in 0..<r.count where r.hasCLK[i] && !present(r, p, i) { if let k = dateAndNames(r, i) { owner[k] = -1 } } }
        for p in withCLK {
            let r = rows[p]
            for i in 0..<r.count where r.hasCLK[i] && present(r, p, i) {
                guard let k = dateAndNames(r, i), let o = owner[k], o != -2 else { continue }
                let g = groups.find(offsets[p] + i)
                owner[k] = o == -1 || o == g ? g : -2
            }
        }
        var lookalike = Set<Int>()
        for p in withCLK { let r = rows[p]; for i in 0..<r.count where r.hasCLK[i] && !present(r, p, i) { if let k = dateAndNames(r, i), owner[k] == -2 { lookalike.insert(offsets[p] + i) } } }
        return lookalike
    }
}
