extension Linkage {
    /// What the linkage saw of two rows that it left in different groups (`Protocols/matching.md`
    /// §6: `korskoll match quality --misses`), as CSV cells under ``missColumns``: whether each
    /// row carries a person value and how many rows share it, the Dice score, the agreement of the
    /// birth-date, names and surname-initial keys, whether any names key (slots 1, 3–5) is shared,
    /// the address and given-name evidence (§5.7), and the smallest E (§5.2.1) of the birth-date
    /// and names keys the two rows share.
    public static let missColumns = ["number_a", "number_rows_a", "number_b", "number_rows_b", "dice", "dob", "names",
                                     "surname_initial", "names_shared", "address", "given_names", "group_rows_a", "group_rows_b", "key_e"]

    /// The cells of ``missColumns`` for row `i` of party `pa` and row `j` of party `pb`;
    /// `counts` is the run's ``MissCounts`` (``missCounts()``), made once.
    public func missCells(_ pa: Int, _ i: Int, _ pb: Int, _ j: Int, counts: MissCounts) -> [String] {
        let (numberRows, groupRows) = (counts.numberRows, counts.groupRows)
        let (r, s) = (rows[pa], rows[pb])
        func key(_ x: PartyRows, _ k: Int, _ n: Int) -> UInt64 { Self.blockingKey(x, k, n) }
        func agreement(_ n: Int) -> String {
            let (a, b) = (key(r, i, n), key(s, j, n))
            return a == 0 || b == 0 ? "" : a == b ? "agree" : "disagree"
        }
        let namesA = Set([1, 3, 4, 5].map { key(r, i, $0) }.filter { $0 != 0 })
        let namesB = Set([1, 3, 4, 5].map { key(s, j, $0) }.filter { $0 != 0 })
        let sameDob = key(r, i, 0) != 0 && key(r, i, 0) == key(s, j, 0)
        let va = r.person.value(i).map(BlindKey.init), vb = s.person.value(j).map(BlindKey.init)
        return [va == nil ? "0" : "1", va.map { String(numberRows[$0] ?? 0) } ?? "",
                vb == nil ? "0" : "1", vb.map { String(numberRows[$0] ?? 0) } ?? "",
                Self.dice(r, i, s, j).map { String(format: "%.4f", $0) } ?? "",
                agreement(0), agreement(1), agreement(2), namesA.isDisjoint(with: namesB) ? "0" : "1",
                sameDob ? Self.addressAgreement(r.address(i), s.address(j)).map { "\($0)" } ?? "" : "",
                sameDob ? Self.givenNamesAgreement(r.givenNames(i), s.givenNames(j)).map { "\($0)" } ?? "" : "",
                String(groupRows[groupOf[pa][i]] ?? 0), String(groupRows[groupOf[pb][j]] ?? 0),
                Self.sharedDatesAndNames(r, i, s, j).map { counts.frequencies.expected(dob: $0.dob, names: $0.names) }.min().map { String(format: "%.6f", $0) } ?? ""]
    }

    /// How many rows of the run carry each person value, how many rows each group holds, and the
    /// key frequencies of §5.2.1.
    public struct MissCounts: Sendable {
        let numberRows: [BlindKey: Int]
        let groupRows: [Int: Int]
        let frequencies: KeyFrequencies
    }

    /// The run's ``MissCounts``.
    public func missCounts() -> MissCounts {
        var numbers: [BlindKey: Int] = [:], groups: [Int: Int] = [:]
        for r in rows { for i in 0..<r.count { if let v = r.person.value(i) { numbers[BlindKey(v), default: 0] += 1 } } }
        for g in groupOf { for x in g { groups[x, default: 0] += 1 } }
        let keyed = rows.indices.filter { rows[$0].clkBytes > 0 && rows[$0].blockingKeys >= 2 }
        return MissCounts(numberRows: numbers, groupRows: groups, frequencies: KeyFrequencies(rows, parties: keyed))
    }
}
