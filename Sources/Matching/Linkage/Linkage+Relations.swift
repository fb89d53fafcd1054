/// A blinded value (32 bytes) as four words: hashing and equality without allocation.
struct BlindKey: Hashable {
    let a: UInt64, b: UInt64, c: UInt64, d: UInt64
    init(_ w: (UInt64, UInt64, UInt64, UInt64)) { a = w.0; b = w.1; c = w.2; d = w.3 }
}

extension Linkage {
    /// Step 6, relations (`Protocols/matching.md` §5.4): a row naming an organisation links,
    /// through the people who represent that organisation anywhere (rows carrying both), to the
    /// other parties where those people appear; the row's own person is not its representative.
    /// - Returns: by party, the rows that link so and the parties they link to.
    static func relations(_ rows: [PartyRows]) -> [[Int: Set<String>]] {
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
        var out = rows.map { _ in [Int: Set<String>]() }
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count {
                guard let o = r.organisation.value(i), let reps = representatives[BlindKey(o)] else { continue }
                let own = r.person.value(i).map(BlindKey.init)
                var via = Set<String>()
                for rep in reps where rep != own {
                    for q in personParties[rep] ?? [] where q != p { via.insert(rows[q].party) }
                }
                if !via.isEmpty { out[p][i] = via }
            }
        }
        return out
    }
}
