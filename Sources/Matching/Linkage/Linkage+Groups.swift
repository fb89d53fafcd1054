extension Linkage {
    /// Step 5, groups (`Protocols/matching.md` §5.3): each row's group, as (party index, row),
    /// named by the group's smallest run-wide row number.
    static func groups(_ rows: [PartyRows], offsets: [Int], groups: inout UnionFind) -> [[Int]] {
        rows.indices.map { p in (0..<rows[p].count).map { groups.find(offsets[p] + $0) } }
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

/// Disjoint sets of run-wide row numbers; a set's root is its smallest member.
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
