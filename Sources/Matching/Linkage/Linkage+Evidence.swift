/// How one field of two linked rows compares (`Protocols/matching.md` §5.7).
public enum FieldAgreement: String, Sendable, Equatable {
    case agree, partial, disagree
}

/// The evidence for a row's link to one other party (`Protocols/matching.md` §5.7), from what the
/// coordinator holds: pseudonyms, CLKs and keyed blocking keys.
public struct LinkEvidence: Sendable, Equatable {
    /// `exact-person` (the two rows share a person value) or `fuzzy`.
    public var matchKind: String
    /// Names: `agree` (same names key), `partial` (same surname-initial key only), `disagree`; nil
    /// when either row lacks the keys.
    public var name: FieldAgreement?
    /// Birth date: `agree` or `disagree` on the birth-date key; nil when either row lacks it.
    public var birthDate: FieldAgreement?
    /// All given names (Protocols/matching.md §5.7, clk.md §6): `agree` (the same set), `partial`
    /// (some shared), `disagree` (none shared); nil unless both rows carry them and agree on birth date.
    public var givenNames: FieldAgreement?
    /// Address: `agree` (same street address and postcode), `partial` (same postcode or town only),
    /// `disagree`; nil unless both rows carry comparable parts and agree on birth date.
    public var address: FieldAgreement?
    /// The Dice score of the two rows' CLKs; nil when either row has none.
    public var dice: Double?
    /// Why the evidence conflicts (§5.6): `relinked`, `number-disagrees`, `names-disagree`,
    /// `fields-disagree`; nil when it does not.
    public var conflict: String?

    public init(matchKind: String, name: FieldAgreement? = nil, birthDate: FieldAgreement? = nil, dice: Double? = nil, conflict: String? = nil,
                givenNames: FieldAgreement? = nil, address: FieldAgreement? = nil) {
        self.matchKind = matchKind; self.name = name; self.birthDate = birthDate; self.dice = dice; self.conflict = conflict
        self.givenNames = givenNames; self.address = address
    }

    /// The better of two pieces of evidence for one party: an exact link first, then the higher
    /// Dice, then the stronger name and birth-date agreement, then no conflict. A total order on
    /// the content, so the choice does not depend on the order rows are met in.
    func isBetter(than o: LinkEvidence) -> Bool {
        func rank(_ f: FieldAgreement?) -> Int { switch f { case .agree: 3; case .partial: 2; case .disagree: 1; case nil: 0 } }
        func key(_ e: LinkEvidence) -> (Int, Double, Int, Int, String) {
            (e.matchKind == "exact-person" ? 1 : 0, e.dice ?? -1,
             ((rank(e.name) * 4 + rank(e.birthDate)) * 4 + rank(e.givenNames)) * 4 + rank(e.address), e.conflict == nil ? 1 : 0, e.conflict ?? "")
        }
        return key(self) > key(o)
    }
}

extension Linkage {
    /// §5.7: given names of two rows (values of clk.md §6, zeros absent): the same set `agree`,
    /// some shared `partial`, none `disagree`; nil when either row has none.
    static func givenNamesAgreement(_ a: ArraySlice<UInt32>?, _ b: ArraySlice<UInt32>?) -> FieldAgreement? {
        guard let a, let b else { return nil }
        let x = Set(a.filter { $0 != 0 }), y = Set(b.filter { $0 != 0 })
        guard !x.isEmpty, !y.isEmpty else { return nil }
        return x == y ? .agree : x.isDisjoint(with: y) ? .disagree : .partial
    }

    /// §5.7: address of two rows (address, postcode, town values of clk.md §6, 0 absent): the
    /// same address value `agree`; else the same postcode or town `partial`; else, when some part
    /// is on both rows, `disagree`; nil when no part is.
    static func addressAgreement(_ a: ArraySlice<UInt32>?, _ b: ArraySlice<UInt32>?) -> FieldAgreement? {
        guard let a = a.map(Array.init), let b = b.map(Array.init) else { return nil }
        let both = (0..<3).filter { a[$0] != 0 && b[$0] != 0 }
        guard !both.isEmpty else { return nil }
        if both.contains(0) && a[0] == b[0] { return .agree }
        return both.contains { $0 > 0 && a[$0] == b[$0] } ? .partial : .disagree
    }

    /// Dice of two rows' CLKs (`Protocols/matching.md` §2), nil when either has none.
    static func dice(_ r: PartyRows, _ i: Int, _ s: PartyRows, _ j: Int) -> Double? {
        guard r.clkBytes > 0, r.clkBytes == s.clkBytes, r.hasCLK[i], s.hasCLK[j] else { return nil }
        var common = 0, total = 0
        for w in 0..<r.words {
            let a = r.clkWords[i * r.words + w], b = s.clkWords[j * s.words + w]
            common += (a & b).nonzeroBitCount; total += a.nonzeroBitCount + b.nonzeroBitCount
        }
        return total == 0 ? 0 : Double(2 * common) / Double(total)
    }

    /// The evidence of one pair of rows of one group (§5.7). `kept` and `relinked` are run-wide
    /// row numbers settled by the conflicts step (§5.6).
    static func pairEvidence(_ r: PartyRows, _ i: Int, _ gi: Int, _ s: PartyRows, _ j: Int, _ gj: Int,
                             kept: Set<Int>, relinked: Set<Int>) -> LinkEvidence {
        let exact = !relinked.contains(gi) && !relinked.contains(gj) && r.person.value(i).map(BlindKey.init) != nil
            && r.person.value(i).map(BlindKey.init) == s.person.value(j).map(BlindKey.init)
        var e = LinkEvidence(matchKind: exact ? "exact-person" : "fuzzy", dice: dice(r, i, s, j))
        let n = (blockingKey(r, i, 1), blockingKey(s, j, 1))
        if n.0 != 0 && n.1 != 0 {
            let si = (blockingKey(r, i, 2), blockingKey(s, j, 2))
            e.name = n.0 == n.1 ? .agree : si.0 != 0 && si.0 == si.1 ? .partial : .disagree
        }
        let d = (blockingKey(r, i, 0), blockingKey(s, j, 0))
        if d.0 != 0 && d.1 != 0 { e.birthDate = d.0 == d.1 ? .agree : .disagree }
        // clk.md §6: the values are salted by the birth date, so they compare only when it agrees.
        if e.birthDate == .agree {
            e.givenNames = givenNamesAgreement(r.givenNames(i), s.givenNames(j))
            e.address = addressAgreement(r.address(i), s.address(j))
        }
        if relinked.contains(gi) || relinked.contains(gj) { e.conflict = "relinked" }
        else if exact && (kept.contains(gi) || kept.contains(gj)) { e.conflict = "number-disagrees" }
        else if exact && e.name == .disagree { e.conflict = "names-disagree" }
        else if !exact && e.name == .disagree && e.birthDate == .disagree { e.conflict = "fields-disagree" }
        return e
    }

    /// Step 8, evidence (`Protocols/matching.md` §5.7): for each row with an exact person or fuzzy
    /// link, per party it links so, the best evidence (``LinkEvidence/isBetter(than:)``) over the
    /// rows of that party in its group. Each group's members are listed once.
    static func evidence(_ rows: [PartyRows], offsets: [Int], groups uf: inout UnionFind, links: [[Int: RowLinks]],
                         kept: Set<Int>, relinked: Set<Int>) -> [[Int: [String: LinkEvidence]]] {
        var members: [Int: [(p: Int, i: Int)]] = [:]
        for (p, byRow) in links.enumerated() {
            for (i, l) in byRow where !l.exactPerson.isEmpty || !l.fuzzy.isEmpty { members[uf.find(offsets[p] + i), default: []].append((p, i)) }
        }
        var out = rows.map { _ in [Int: [String: LinkEvidence]]() }
        for (_, m) in members {
            for x in m {
                let l = links[x.p][x.i]!
                var best: [String: LinkEvidence] = [:]
                for y in m where y.p != x.p && (l.exactPerson.contains(rows[y.p].party) || l.fuzzy[rows[y.p].party] != nil) {
                    let e = pairEvidence(rows[x.p], x.i, offsets[x.p] + x.i, rows[y.p], y.i, offsets[y.p] + y.i, kept: kept, relinked: relinked)
                    if let b = best[rows[y.p].party], !e.isBetter(than: b) { continue }
                    best[rows[y.p].party] = e
                }
                if !best.isEmpty { out[x.p][x.i] = best }
            }
        }
        withholdProbes(&out, rows, offsets: offsets, groups: &uf)
        return out
    }

    /// §5.7.2: a party whose rows in one group carry different address values learns no address
    /// agreement for any of them, and the same for given-name values. Otherwise a party could send
    /// one person's number in many rows, each with a guessed address, and read which guess agrees
    /// with another register's row: a dictionary attack through the evidence (nodes hold K_block).
    static func withholdProbes(_ out: inout [[Int: [String: LinkEvidence]]], _ rows: [PartyRows], offsets: [Int], groups uf: inout UnionFind) {
        for p in rows.indices {
            // Only a group where the party has two rows or more can hold a probe.
            var rowsIn: [Int: Int] = [:]
            for i in out[p].keys { rowsIn[uf.find(offsets[p] + i), default: 0] += 1 }
            var address: [Int: Set<[UInt32]>] = [:], given: [Int: Set<[UInt32]>] = [:]
            for i in out[p].keys {
                let g = uf.find(offsets[p] + i)
                guard rowsIn[g]! > 1 else { continue }
                address[g, default: []].insert(rows[p].address(i).map(Array.init) ?? [])
                given[g, default: []].insert(rows[p].givenNames(i).map(Array.init) ?? [])
            }
            for i in Array(out[p].keys) {
                let g = uf.find(offsets[p] + i)
                guard rowsIn[g]! > 1 else { continue }
                let (a, n) = (address[g]!.count > 1, given[g]!.count > 1)
                guard a || n else { continue }
                for party in Array(out[p][i]!.keys) {
                    if a { out[p][i]![party]!.address = nil }
                    if n { out[p][i]![party]!.givenNames = nil }
                }
            }
        }
    }

    /// The reference for ``evidence(_:offsets:groups:links:kept:relinked:)``: every row of every
    /// party each linked row names, tested for membership of its group one by one.
    static func evidenceReference(_ rows: [PartyRows], offsets: [Int], groups uf: inout UnionFind, links: [[Int: RowLinks]],
                                  kept: Set<Int>, relinked: Set<Int>) -> [[Int: [String: LinkEvidence]]] {
        var out = rows.map { _ in [Int: [String: LinkEvidence]]() }
        for (p, byRow) in links.enumerated() {
            for (i, l) in byRow {
                var best: [String: LinkEvidence] = [:]
                for q in rows.indices where q != p && (l.exactPerson.contains(rows[q].party) || l.fuzzy[rows[q].party] != nil) {
                    for j in 0..<rows[q].count where uf.find(offsets[q] + j) == uf.find(offsets[p] + i) {
                        let e = pairEvidence(rows[p], i, offsets[p] + i, rows[q], j, offsets[q] + j, kept: kept, relinked: relinked)
                        if let b = best[rows[q].party], !e.isBetter(than: b) { continue }
                        best[rows[q].party] = e
                    }
                }
                if !best.isEmpty { out[p][i] = best }
            }
        }
        withholdProbes(&out, rows, offsets: offsets, groups: &uf)
        return out
    }
}
