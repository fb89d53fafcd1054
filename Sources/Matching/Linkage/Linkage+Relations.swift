/// A blinded value (32 bytes) as four words: hashing and equality without allocation.
struct BlindKey: Hashable {
    let a: UInt64, b: UInt64, c: UInt64, d: UInt64
    init(_ w: (UInt64, UInt64, UInt64, UInt64)) { a = w.0; b = w.1; c = w.2; d = w.3 }
}

extension Linkage {
    /// Step 6, relations (`Protocols/matching.md` §5.4): a row naming an organisation links,
    /// through the people who represent that organisation anywhere (rows carrying both), to the
    /// other parties where those people appear; the row's own person is not its representative.
    /// One pass numbers the representatives, one marks the parties each appears at (bits), and
    /// each organisation row ORs its representatives' bits: no set per person or per row
    /// (``relationsReference(_:)`` is the literal reading, kept for the tests).
    /// - Returns: by party, the rows that link so and the parties they link to.
    static func relations(_ rows: [PartyRows]) -> [[Int: Set<String>]] {
        let words = max(1, (rows.count + 63) / 64)
        var repID: [BlindKey: Int32] = [:]
        var repsOf: [BlindKey: [Int32]] = [:]
        for r in rows {
            for i in 0..<r.count {
                guard let o = r.organisation.value(i), let p = r.person.value(i) else { continue }
                let key = BlindKey(p)
                let id: Int32
                if let known = repID[key] { id = known } else { id = Int32(repID.count); repID[key] = id }
                repsOf[BlindKey(o), default: []].append(id)
            }
        }
        guard !repsOf.isEmpty else { return rows.map { _ in [:] } }
        for k in repsOf.keys { repsOf[k] = Array(Set(repsOf[k]!)).sorted() }
        // The parties each representative appears at, as a person.
        var at = [UInt64](repeating: 0, count: repID.count * words)
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count {
                guard let v = r.person.value(i), let id = repID[BlindKey(v)] else { continue }
                at[Int(id) * words + p / 64] |= 1 << UInt64(p % 64)
            }
        }
        var names: [[UInt64]: Set<String>] = [:]
        var out = rows.map { _ in [Int: Set<String>]() }
        var mask = [UInt64](repeating: 0, count: words)
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count {
                guard let o = r.organisation.value(i), let reps = repsOf[BlindKey(o)] else { continue }
                let own = r.person.value(i).flatMap { repID[BlindKey($0)] }
                for w in 0..<words { mask[w] = 0 }
                for rep in reps where rep != own { for w in 0..<words { mask[w] |= at[Int(rep) * words + w] } }
                mask[p / 64] &= ~(1 << UInt64(p % 64))
                guard mask.contains(where: { $0 != 0 }) else { continue }
                if let known = names[mask] { out[p][i] = known; continue }
                var via = Set<String>()
                for q in rows.indices where mask[q / 64] & (1 << UInt64(q % 64)) != 0 { via.insert(rows[q].party) }
                names[mask] = via
                out[p][i] = via
            }
        }
        return out
    }

    /// §5.4 read literally: a set of representatives per organisation and of parties per person.
    static func relationsReference(_ rows: [PartyRows]) -> [[Int: Set<String>]] {
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
