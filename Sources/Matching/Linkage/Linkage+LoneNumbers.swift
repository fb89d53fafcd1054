/// The parties of the numbered rows of each group, by group root: one bit per party, in as many
/// words as the run has parties (§5.2.2 rule 4, also during acceptance).
struct PartyMasks {
    let words: Int
    private var bits: [UInt64]

    init(rows total: Int, parties: Int) {
        words = max(1, (parties + 63) / 64)
        bits = [UInt64](repeating: 0, count: total * words)
    }

    mutating func insert(_ party: Int, into root: Int) { bits[root * words + party / 64] |= 1 << UInt64(party % 64) }
    func contains(_ party: Int, in root: Int) -> Bool { bits[root * words + party / 64] & (1 << UInt64(party % 64)) != 0 }
    /// Whether two groups hold numbered rows of one party.
    func overlap(_ a: Int, _ b: Int) -> Bool { (0..<words).contains { bits[a * words + $0] & bits[b * words + $0] != 0 } }
    /// Group `b`'s parties become group `a`'s too (after `a` and `b` joined under root `a`).
    mutating func merge(_ b: Int, into a: Int) { for w in 0..<words { bits[a * words + w] |= bits[b * words + w] } }
}

/// Lone numbers (`Protocols/matching.md` §5.2.2): a row whose person value no other row of the run
/// carries may link to a row of another person value, on a distinctive birth date and names key
/// that one identified person alone carries besides it.
extension Linkage {
    /// The candidates of the lone-number step: by party pair as in ``Candidates``, the run-wide
    /// lone rows, and the candidate pairs themselves (run-wide, ``pairKey(_:_:)``) so that
    /// acceptance knows which links may join two person values.
    struct LoneCandidates {
        var byPair: [Int: [Candidate]] = [:]
        var lone = Set<Int>()
        var pairs = Set<UInt64>()
        /// Lone rows left out because their keys point at two or more identified people.
        var ambiguous = 0
    }

    /// A lone row's candidate needs at least this Dice score (§5.2.2), or…
    public static let loneFloor = 0.85
    /// …this one when the two rows' slot-1 `names` keys (first given name written, surname) agree,
    /// and in either case a rare shared key (``rare(_:_:)``).
    public static let loneFirstNameFloor = 0.80

    /// A run-wide row pair as one value, smaller row first.
    static func pairKey(_ x: Int, _ y: Int) -> UInt64 { UInt64(min(x, y)) << 32 | UInt64(max(x, y)) }

    /// Step 2b, lone numbers (§5.2.2). A row of `parties` with a CLK, a birth-date key and a names
    /// key is *lone* when it carries a person value that no other row of the run carries (its group
    /// after the exact step holds it alone, and no other party holds the value as a person or an
    /// organisation). For each lone row x, the identified rows y of the other fuzzy parties that
    /// share one of its (birth date, names) keys are gathered. x is a candidate with y when:
    /// - the key is distinctive (§5.2.1, ``distinctive(_:_:)``);
    /// - every such y of x, over all its keys, belongs to one group G besides x's own (two people
    ///   who could be x leave x unlinked: the lookalike rule of §5.2), and y is no lone row whose
    ///   own keys meet two people;
    /// - G holds no row of x's party (the party holds that person under another number);
    /// - a key they share is expected by chance at most ``rareLimit`` times, in a run
    ///   large enough to say so (``distinctiveMinRows``), and Dice ≥ ``loneFloor``, or
    ///   ≥ ``loneFirstNameFloor`` when their slot-1 names keys agree; in a smaller run, Dice ≥ `t`,
    ///   the run's threshold. Two valid numbers that differ are two people unless
    ///   the names and birth date are very rare and the CLKs agree (§5.2.2 gives the measurement).
    /// Rows in `doubted` (§5.6) are neither lone nor identified here.
    static func loneCandidates(_ rows: [PartyRows], parties withCLK: [Int], threshold t: Double, offsets: [Int], links: [[Int: RowLinks]],
                               frequencies f: KeyFrequencies, doubted: Set<Int>, groups uf: inout UnionFind) -> LoneCandidates {
        var out = LoneCandidates()
        let total = offsets.last!
        func identified(_ p: Int, _ i: Int) -> Bool { rows[p].person.isPresent(i) && (doubted.isEmpty || !doubted.contains(offsets[p] + i)) }
        // Per group root: identified rows, and the parties among them.
        var size = [Int32](repeating: 0, count: total), parties = PartyMasks(rows: total, parties: rows.count)
        for (p, r) in rows.enumerated() {
            for i in 0..<r.count where identified(p, i) {
                let g = uf.find(offsets[p] + i)
                size[g] += 1
                parties.insert(p, into: g)
            }
        }
        // The exact join links a person value to every other party that holds it, as a person or
        // as a sole trader's organisation (§5.1), so a lone row has no exact person links.
        func isLone(_ p: Int, _ i: Int) -> Bool {
            identified(p, i) && size[uf.find(offsets[p] + i)] == 1 && (links[p][i]?.exactPerson.isEmpty ?? true)
        }
        // Every (birth date, names) key of the identified keyed rows with a CLK, sorted by key.
        struct Entry: Comparable {
            let dob: UInt64, names: UInt64, row: Int32, party: Int32
            static func < (x: Entry, y: Entry) -> Bool { (x.dob, x.names, x.row) < (y.dob, y.names, y.row) }
        }
        var entries: [Entry] = []
        var lone = [Bool](repeating: false, count: total)
        for p in withCLK {
            let r = rows[p]
            guard r.blockingKeys >= 2 else { continue }
            for i in 0..<r.count where r.hasCLK[i] && identified(p, i) {
                let before = entries.count
                forEachDateAndNames(r, i) { k in entries.append(Entry(dob: k.dob, names: k.names, row: Int32(offsets[p] + i), party: Int32(p))) }
                if entries.count > before && isLone(p, i) { lone[offsets[p] + i] = true }
            }
        }
        entries.sort()
        // Per lone row: the other groups its keys meet, and its pairs.
        var otherGroups: [Int: Set<Int>] = [:]
        var pairsOf: [Int: [(y: Int, py: Int)]] = [:]
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count && entries[end].dob == entries[start].dob && entries[end].names == entries[start].names { end += 1 }
            defer { start = end }
            let run = entries[start..<end]
            guard run.count > 1, run.contains(where: { lone[Int($0.row)] }) else { continue }
            guard distinctive([DateAndNames(dob: run.first!.dob, names: run.first!.names)], f) else { continue }
            for x in run where lone[Int(x.row)] {
                let gx = uf.find(Int(x.row))
                for y in run where y.row != x.row {
                    let gy = uf.find(Int(y.row))
                    guard gy != gx else { continue }
                    otherGroups[Int(x.row), default: []].insert(gy)
                    if y.party != x.party { pairsOf[Int(x.row), default: []].append((Int(y.row), Int(y.party))) }
                }
            }
        }
        // Rule 3: a lone row whose keys meet two people is no one's candidate, neither as the row
        // looking nor as the row looked for (else two people could each cross into it).
        let ambiguous = Set(otherGroups.filter { $0.value.count > 1 }.keys)
        for (x, groupsMet) in otherGroups {
            out.lone.insert(x)
            guard groupsMet.count == 1 else { out.ambiguous += 1; continue }
            var px = rows.count - 1
            while offsets[px] > x { px -= 1 }
            for (y, py) in pairsOf[x] ?? [] where !ambiguous.contains(y) {
                guard !parties.contains(px, in: uf.find(y)) else { continue }
                let key = pairKey(x, y)
                guard !out.pairs.contains(key) else { continue }
                let (i, j) = (x - offsets[px], y - offsets[py])
                guard let score = dice(rows[px], i, rows[py], j) else { continue }
                if f.rows >= distinctiveMinRows {
                    // From loneFloor, or from loneFirstNameFloor when the first given names written agree too.
                    let first = blockingKey(rows[px], i, 1) != 0 && blockingKey(rows[px], i, 1) == blockingKey(rows[py], j, 1)
                    guard score >= loneFloor || (first && score >= loneFirstNameFloor), rare(sharedDatesAndNames(rows[px], i, rows[py], j), f) else { continue }
                } else {
                    guard score >= t else { continue }
                }
                out.pairs.insert(key)
                let (pa, a, pb, b) = px < py ? (px, i, py, j) : (py, j, px, i)
                out.byPair[pa * rows.count + pb, default: []].append(Candidate(a: a, b: b, score: score))
            }
        }
        for k in out.byPair.keys { out.byPair[k]!.sort() }
        return out
    }
}
