extension Linkage {
    /// How far below the threshold a fuzzy candidate may score when its address supports it
    /// (`Protocols/matching.md` §5.7.1).
    static let addressMargin = 0.03

    /// Whether two rows' field-level evidence (`Protocols/clk.md` §6) supports a link: the same
    /// birth date, the same street address, and given names that are not disjoint.
    static func addressSupports(_ r: PartyRows, _ i: Int, _ s: PartyRows, _ j: Int) -> Bool {
        guard r.blockingKeys > 0, s.blockingKeys > 0 else { return false }
        let d = blockingKey(r, i, 0)
        guard d != 0, d == blockingKey(s, j, 0), addressAgreement(r.address(i), s.address(j)) == .agree else { return false }
        return givenNamesAgreement(r.givenNames(i), s.givenNames(j)) != .disagree
    }

    /// Whether any of `parties` sent address values; only then are candidates looked for below
    /// the threshold.
    static func sendsAddresses(_ rows: [PartyRows], _ parties: [Int]) -> Bool {
        parties.contains { !rows[$0].addressValues.isEmpty }
    }

    /// §5.7.1: keeps the candidates (found at `t` − ``addressMargin``) that reach `t`, and those
    /// below it that the address supports (``addressSupports(_:_:_:_:)``). Address is positive
    /// evidence only: it never removes a candidate that reaches `t`.
    /// - Returns: the kept candidates by pair, and how many of them are below `t`.
    static func keepAddressSupported(_ byPair: [Int: [Candidate]], rows: [PartyRows], threshold t: Double) -> ([Int: [Candidate]], Int) {
        var out: [Int: [Candidate]] = [:], supported = 0
        for (key, list) in byPair {
            let pa = key / rows.count, pb = key % rows.count
            let kept = list.filter { c in
                if c.score >= t { return true }
                guard addressSupports(rows[pa], c.a, rows[pb], c.b) else { return false }
                supported += 1
                return true
            }
            if !kept.isEmpty { out[key] = kept }
        }
        return (out, supported)
    }
}
