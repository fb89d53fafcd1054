extension Linkage {
    /// How far below the threshold a fuzzy candidate may score when its address supports it
    /// (`Protocols/matching.md` §5.7.1).
    static let addressMargin = 0.03

    /// Whether two rows' field-level evidence (`Protocols/clk.md` §6) supports a link: the same
    /// birth date, the same street address, and given names on both rows that share one.
    static func addressSupports(_ r: PartyRows, _ i: Int, _ s: PartyRows, _ j: Int) -> Bool {
        guard r.blockingKeys > 0, s.blockingKeys > 0 else { return false }
        let d = blockingKey(r, i, 0)
        guard d != 0, d == blockingKey(s, j, 0), addressAgreement(r.address(i), s.address(j)) == .agree else { return false }
        // Present on both rows and sharing one: twins at one address share the rest.
        let given = givenNamesAgreement(r.givenNames(i), s.givenNames(j))
        return given == .agree || given == .partial
    }

    /// Whether any of `parties` sent address values; only then are candidates looked for below
    /// the threshold.
    static func sendsAddresses(_ rows: [PartyRows], _ parties: [Int]) -> Bool {
        parties.contains { !rows[$0].addressValues.isEmpty }
    }

    /// §5.7.1: keeps the candidates (found at `t` − ``addressMargin``) that reach `t`, those below
    /// it whose blocking keys agree (with `agreeing`, §5.2: the candidates step found them from
    /// ``agreeingKeysThreshold`` on its own), and those below it that the address supports
    /// (``addressSupports(_:_:_:_:)``). Address is positive evidence only: it never removes a
    /// candidate that reaches `t`.
    /// - Returns: the kept candidates by pair, and how many the address alone kept below `t`.
    static func keepAddressSupported(_ byPair: [Int: [Candidate]], rows: [PartyRows], threshold t: Double,
                                     agreeing: Bool = true) -> ([Int: [Candidate]], Int) {
        var out: [Int: [Candidate]] = [:], supported = 0
        for (key, list) in byPair {
            let pa = key / rows.count, pb = key % rows.count
            let (r, s) = (rows[pa], rows[pb])
            let slots = r.blockingKeys
            let rule = agreeing && slots == s.blockingKeys ? agreeingKeys(slots: slots) : nil
            let kindOf = (0..<slots).map { $0 < blockingKindOfSlot.count ? blockingKindOfSlot[$0] : $0 }
            let kept = list.filter { c in
                if c.score >= t { return true }
                if let rule, c.score >= rule.threshold, rule.agree(r.blocks, c.a, s.blocks, c.b, slots: slots, kindOf: kindOf) { return true }
                guard addressSupports(r, c.a, s, c.b) else { return false }
                supported += 1
                return true
            }
            if !kept.isEmpty { out[key] = kept }
        }
        return (out, supported)
    }
}
