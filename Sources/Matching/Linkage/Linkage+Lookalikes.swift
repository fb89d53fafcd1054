extension Linkage {
    /// A birth-date key and one names key of a row (`Protocols/blocking.md` §4).
    struct DateAndNames: Hashable { let dob: UInt64, names: UInt64 }

    /// A row's birth-date key with each of its distinct nonzero names keys (every slot of the
    /// names kind, §4: the surname with each given name); empty without a birth-date key.
    static func datesAndNames(_ r: PartyRows, _ i: Int) -> [DateAndNames] {
        var out: [DateAndNames] = []
        forEachDateAndNames(r, i) { out.append($0) }
        return out
    }

    /// The keys of ``datesAndNames(_:_:)`` without building an array: `body` gets each in slot
    /// order (the passes over every row of a run call this millions of times).
    @inline(__always)
    static func forEachDateAndNames(_ r: PartyRows, _ i: Int, _ body: (DateAndNames) -> Void) {
        let slots = r.blockingKeys
        guard slots >= 2 else { return }
        let base = i * slots, d = r.blocks[base]
        guard d != 0 else { return }
        func names(_ s: Int) -> Bool { (s < blockingKindOfSlot.count ? blockingKindOfSlot[s] : s) == 1 }
        for s in 1..<slots where names(s) {
            let n = r.blocks[base + s]
            guard n != 0 else { continue }
            var seen = false
            for t in 1..<s where names(t) && r.blocks[base + t] == n { seen = true; break }
            if !seen { body(DateAndNames(dob: d, names: n)) }
        }
    }

    /// Step 3, lookalikes (`Protocols/matching.md` §5.2): the run-wide numbers of the rows with a
    /// CLK and no person value whose birth-date key with any of their names keys rows with a CLK
    /// of two or more different identified people (groups after the exact step) also carry, in
    /// any names slot and any party of `parties`. Needs two blocking key kinds or more.
    /// Rows in `doubted` (§5.6) count as rows without a person value.
    static func lookalikes(_ rows: [PartyRows], parties withCLK: [Int], offsets: [Int], doubted: Set<Int> = [], groups: inout UnionFind) -> Set<Int> {
        func present(_ r: PartyRows, _ p: Int, _ i: Int) -> Bool { r.person.isPresent(i) && (doubted.isEmpty || !doubted.contains(offsets[p] + i)) }
        var owner: [DateAndNames: Int] = [:]   // -1 nobody yet, a group, or -2 several groups
        for p in withCLK { let r = rows[p]; for i in 0..<r.count where r.hasCLK[i] && !present(r, p, i) { forEachDateAndNames(r, i) { owner[$0] = -1 } } }
        for p in withCLK {
            let r = rows[p]
            for i in 0..<r.count where r.hasCLK[i] && present(r, p, i) {
                guard r.blockingKeys >= 2, r.blocks[i * r.blockingKeys] != 0 else { continue }
                let g = groups.find(offsets[p] + i)
                forEachDateAndNames(r, i) { k in if let o = owner[k], o != -2 { owner[k] = o == -1 || o == g ? g : -2 } }
            }
        }
        var lookalike = Set<Int>()
        for p in withCLK {
            let r = rows[p]
            for i in 0..<r.count where r.hasCLK[i] && !present(r, p, i) {
                var seen = -1
                for k in datesAndNames(r, i) {
                    guard let o = owner[k], o != -1 else { continue }
                    if o == -2 || (seen >= 0 && seen != o) { lookalike.insert(offsets[p] + i); break }
                    seen = o
                }
            }
        }
        return lookalike
    }
}
