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

    /// §5.2.1 and §5.7.1: keeps the candidates that reach `t`; below it, those whose keys agree
    /// distinctively from ``agreeingKeysThreshold`` or rarely from ``rareAgreeingThreshold`` (with
    /// `agreeing`: the agreeing-keys rule found them, §5.2) and, with `addressed`, those from `t` − ``addressMargin``
    /// that the address supports (``addressSupports(_:_:_:_:)``). Address is positive evidence
    /// only: it never removes a candidate that reaches `t`.
    /// - Returns: the kept candidates by pair, how many the address alone kept below `t`, and how
    ///   many agreeing candidates were dropped as too common.
    static func keepSupported(_ byPair: [Int: [Candidate]], rows: [PartyRows], threshold t: Double,
                              agreeing: KeyFrequencies?, addressed: Bool) -> (byPair: [Int: [Candidate]], addressSupported: Int, common: Int) {
        var out: [Int: [Candidate]] = [:], supported = 0, common = 0
        for (key, list) in byPair {
            let pa = key / rows.count, pb = key % rows.count
            let (r, s) = (rows[pa], rows[pb])
            let kept = list.filter { c in
                if c.score >= t { return true }
                let shared = agreeing != nil && c.score >= rareAgreeingThreshold && r.blockingKeys == s.blockingKeys
                    ? sharedDatesAndNames(r, c.a, s, c.b) : []
                if let f = agreeing, c.score >= agreeingKeysThreshold ? distinctive(shared, f) : rare(shared, f) { return true }
                if addressed && c.score >= t - addressMargin && addressSupports(r, c.a, s, c.b) { supported += 1; return true }
                if !shared.isEmpty { common += 1 }
                return false
            }
            if !kept.isEmpty { out[key] = kept }
        }
        return (out, supported, common)
    }
}
