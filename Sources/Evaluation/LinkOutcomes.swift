/// The fuzzy links and the settled conflicts of a run scored against the truth
/// (`Protocols/matching.md` §6): what `korskoll match quality` reports beside the pair counts.
public struct LinkOutcomes: Sendable, Equatable {
    /// Accepted fuzzy links (predicted) and those whose two rows show one person (true positives).
    public var fuzzyLinks = Counts()
    /// Rows the conflicts step doubted (§5.6), re-linked and kept, and how many of each ended in a
    /// group that holds a row of their true person at another register ("right").
    public var conflictRows = 0, relinked = 0, relinkedRight = 0, kept = 0, keptRight = 0
    /// Rows whose result carries a conflict flag (§5.7).
    public var flaggedRows = 0
    /// Lone rows linked to another person value (§5.2.2), and how many of them ended in a group
    /// that holds a row of their true person at another register.
    public var loneLinked = 0, loneLinkedRight = 0

    public init() {}

    public var json: [String: Any] {
        ["fuzzyLinks": fuzzyLinks.json, "conflictRows": conflictRows, "relinked": relinked, "relinkedRight": relinkedRight,
         "kept": kept, "keptRight": keptRight, "flaggedRows": flaggedRows,
         "loneLinked": loneLinked, "loneLinkedRight": loneLinkedRight]
    }

    /// Scores one run. `relinked` and `kept` are run-wide row numbers (party p's row i is the sum
    /// of the earlier parties' row counts plus i); `groupOf[party][row]` is each row's group.
    /// `lone` are the lone rows linked across numbers (§5.2.2), run-wide too; `relinked` holds
    /// only the conflicts step's.
    public static func score(fuzzyLinks: [Truth.FuzzyLink], relinked: Set<Int>, kept: Set<Int>, lone: Set<Int> = [], flaggedRows: Int,
                             registers: [String], truth: TruthRows, recordOfRow: [[String]], groupOf: [[Int]]) -> LinkOutcomes {
        func person(_ p: Int, _ i: Int) -> Int? { truth[registers[p]]?[recordOfRow[p][i]]?.person }
        var out = LinkOutcomes()
        out.flaggedRows = flaggedRows
        for l in fuzzyLinks {
            out.fuzzyLinks.predicted += 1
            if let a = person(l.partyA, l.rowA), a == person(l.partyB, l.rowB) { out.fuzzyLinks.truePositives += 1 }
        }
        guard !relinked.isEmpty || !kept.isEmpty || !lone.isEmpty else { return out }
        // Per group, the (register, person) pairs it holds.
        var held: [Int: [(p: Int, person: Int)]] = [:]
        var located: [Int: (p: Int, i: Int)] = [:]
        var n = 0
        // Relations parties come after the registers and are never scored.
        for (p, groups) in groupOf.enumerated() where p < registers.count {
            for (i, g) in groups.enumerated() {
                if let x = person(p, i) { held[g, default: []].append((p, x)) }
                if relinked.contains(n) || kept.contains(n) || lone.contains(n) { located[n] = (p, i) }
                n += 1
            }
        }
        func right(_ row: Int) -> Bool {
            guard let (p, i) = located[row], let x = person(p, i) else { return false }
            return held[groupOf[p][i]]?.contains { $0.p != p && $0.person == x } ?? false
        }
        out.conflictRows = relinked.count + kept.count
        out.relinked = relinked.count; out.relinkedRight = relinked.filter(right).count
        out.kept = kept.count; out.keptRight = kept.filter(right).count
        out.loneLinked = lone.count; out.loneLinkedRight = lone.filter(right).count
        return out
    }
}
