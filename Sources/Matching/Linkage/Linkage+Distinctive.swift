/// Distinctive agreeing keys (`Protocols/matching.md` §5.2.1): a pair below the threshold that the
/// agreeing-keys rule found stays only when the birth date and names key it agrees on are rare
/// enough in the run that a lookalike is unlikely.
extension Linkage {
    /// The most rows of the run expected to share a birth-date key and a names key by chance,
    /// `rows(dob) × rows(names) / rows`, for the pair's agreement to count.
    public static let distinctiveLimit = 0.02
    /// Below this many keyed rows the frequencies say nothing and the test is off.
    public static let distinctiveMinRows = 10_000
    /// A key expected by chance at most this often is *rare*: agreeing on it admits a pair from
    /// ``rareAgreeingThreshold`` (§5.2.1) and a lone number from ``loneFloor`` (§5.2.2).
    public static let rareLimit = 0.001

    /// How many rows of the fuzzy parties carry each birth-date key and each names key (any names
    /// slot, once per row), and how many rows carry a birth-date key.
    struct KeyFrequencies {
        var dob: [UInt64: Int] = [:], names: [UInt64: Int] = [:], rows = 0

        init(_ all: [PartyRows], parties: [Int]) {
            // Room for every row's keys up front: growing the tables rehashes them again and again.
            let keyed = parties.reduce(0) { $0 + (all[$1].blockingKeys >= 2 ? all[$1].count : 0) }
            dob.reserveCapacity(min(keyed, 1 << 16))
            names.reserveCapacity(keyed)
            for p in parties {
                let r = all[p]
                guard r.blockingKeys >= 2 else { continue }
                for i in 0..<r.count where r.hasCLK[i] {
                    let d = r.blocks[i * r.blockingKeys]
                    guard d != 0 else { continue }
                    var any = false
                    forEachDateAndNames(r, i) { k in any = true; names[k.names, default: 0] += 1 }
                    guard any else { continue }
                    dob[d, default: 0] += 1
                    rows += 1
                }
            }
        }

        init(dob: [UInt64: Int], names: [UInt64: Int], rows: Int) { self.dob = dob; self.names = names; self.rows = rows }

        /// Rows expected to share birth-date key `d` and names key `k` by chance.
        func expected(dob d: UInt64, names k: UInt64) -> Double {
            rows == 0 ? .infinity : Double(dob[d] ?? 0) * Double(names[k] ?? 0) / Double(rows)
        }
    }

    /// The birth-date and names keys rows `i` of `r` and `j` of `s` share: empty unless their
    /// birth-date keys agree.
    static func sharedDatesAndNames(_ r: PartyRows, _ i: Int, _ s: PartyRows, _ j: Int) -> [DateAndNames] {
        let a = datesAndNames(r, i), b = datesAndNames(s, j)
        guard let d = a.first?.dob, d == b.first?.dob else { return [] }
        return a.filter { b.contains($0) }
    }

    /// Whether some of the `shared` keys agree distinctively: expected by chance
    /// (``KeyFrequencies/expected(dob:names:)``) at most ``distinctiveLimit`` times, or any at all
    /// with fewer than ``distinctiveMinRows`` keyed rows.
    static func distinctive(_ shared: [DateAndNames], _ f: KeyFrequencies) -> Bool {
        shared.contains { f.rows < distinctiveMinRows || f.expected(dob: $0.dob, names: $0.names) <= distinctiveLimit }
    }

    /// Whether some of the `shared` keys are rare: expected by chance at most ``rareLimit`` times,
    /// in a run of at least ``distinctiveMinRows`` keyed rows (a smaller run says nothing of rarity).
    static func rare(_ shared: [DateAndNames], _ f: KeyFrequencies) -> Bool {
        f.rows >= distinctiveMinRows && shared.contains { f.expected(dob: $0.dob, names: $0.names) <= rareLimit }
    }
}
