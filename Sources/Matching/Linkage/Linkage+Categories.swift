extension Linkage {
    /// Step 7, categories (`Protocols/matching.md` §5.5): for the rows of parties without an
    /// attribute named `category`, the non-empty categories that rows of their group carry at the
    /// parties that have one.
    /// - Returns: by party, the rows whose group carries a category, with those categories.
    static func categories(_ rows: [PartyRows], offsets: [Int], groups: inout UnionFind) -> [[Int: Set<String>]] {
        var out = rows.map { _ in [Int: Set<String>]() }
        let categoryColumn = rows.map { $0.attributeNames.firstIndex(of: "category") }
        guard categoryColumn.contains(where: { $0 != nil }) else { return out }
        var categoryOfGroup: [Int: Set<String>] = [:]
        for (p, r) in rows.enumerated() {
            guard let c = categoryColumn[p] else { continue }
            for i in 0..<r.count where !r.attributes[i][c].isEmpty {
                categoryOfGroup[groups.find(offsets[p] + i), default: []].insert(r.attributes[i][c])
            }
        }
        for (p, r) in rows.enumerated() where categoryColumn[p] == nil {
            for i in 0..<r.count { if let c = categoryOfGroup[groups.find(offsets[p] + i)] { out[p][i] = c } }
        }
        return out
    }
}
