import Wire

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

    /// Step 7, sealed attributes (`Protocols/matching.md` §5.5, `Protocols/wire.md` §3.2): for
    /// each row, the boxes that linked rows of *other* parties carry for an attribute sealed to
    /// the row's party. The coordinator moves them without reading them.
    /// - Returns: by party, the rows that receive sealed values, by attribute name.
    static func sealedValues(_ rows: [PartyRows], offsets: [Int], groups: inout UnionFind) -> [[Int: [String: [[UInt8]]]]] {
        var out = rows.map { _ in [Int: [String: [[UInt8]]]]() }
        let index = Dictionary(rows.enumerated().map { ($1.party, $0) }, uniquingKeysWith: { a, _ in a })
        // group → (recipient party index, attribute, source party index, box)
        var byGroup: [Int: [(recipient: Int, name: String, source: Int, box: [UInt8])]] = [:]
        let box = SealedAttribute.boxLength
        for (q, r) in rows.enumerated() where !r.sealedAttributes.isEmpty {
            for i in 0..<r.count {
                let g = groups.find(offsets[q] + i)
                for (a, attribute) in r.sealedAttributes.enumerated() {
                    let bytes = r.sealed[i][a]
                    for (k, recipient) in attribute.recipients.enumerated() {
                        guard let p = index[recipient], p != q, bytes.count >= (k + 1) * box else { continue }
                        byGroup[g, default: []].append((p, attribute.name, q, Array(bytes[(k * box)..<((k + 1) * box)])))
                    }
                }
            }
        }
        guard !byGroup.isEmpty else { return out }
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count {
                guard let entries = byGroup[groups.find(offsets[p] + i)] else { continue }
                for e in entries where e.recipient == p && e.source != p { out[p][i, default: [:]][e.name, default: []].append(e.box) }
            }
        }
        for p in out.indices {
            for i in out[p].keys { for name in out[p][i]!.keys { out[p][i]![name]!.sort { $0.lexicographicallyPrecedes($1) } } }
        }
        return out
    }
}
