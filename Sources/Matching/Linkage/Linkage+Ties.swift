import Wire

/// How a subject row of a standing run is tied to one reference party (`Protocols/matching.md`
/// §5.8, `Protocols/standing.md` §5), and the reference rows the tie reached.
public struct Tie: Sendable, Equatable {
    /// The three ways of being tied, in the order a result lists them.
    public enum Kind: String, Sendable, CaseIterable, Comparable {
        /// The row shares a person or organisation pseudonym with a reference row.
        case directExact = "direct-exact"
        /// The row's CLK is linked (accepted, `matching.md` §5.2) to a reference row's.
        case directFuzzy = "direct-fuzzy"
        /// The row's organisation is represented by a person on a reference list, or the row's
        /// person represents an organisation on a reference list.
        case viaRepresentative = "via-representative"

        public static func < (a: Kind, b: Kind) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }

    /// The reference party.
    public let party: String
    public let kind: Kind
    /// The reference party's rows the tie reached, ascending (run-internal; never in a result).
    public let rows: [Int]
    /// `direct-fuzzy`: the best Dice score of the accepted links; nil otherwise.
    public let score: Double?

    public init(party: String, kind: Kind, rows: [Int], score: Double? = nil) {
        self.party = party; self.kind = kind; self.rows = rows; self.score = score
    }
}

extension Linkage {
    /// Step 9, ties (`Protocols/matching.md` §5.8): for each row of party `subject`, its ties to
    /// the parties in `reference` (the submitter itself never counts as one), sorted by party
    /// and kind. Rows without a tie are absent. Relations are used only to find ties through a
    /// representative: a party outside `reference` is never tied to, whatever its rows say.
    public func ties(of subject: String, reference: Set<String>) -> [Int: [Tie]] {
        guard let s = parties.firstIndex(of: subject) else { return [:] }
        let refs = parties.indices.filter { $0 != s && reference.contains(parties[$0]) }
        guard !refs.isEmpty else { return [:] }
        let offsets = rowOffsets(rows)
        let subjectRows = rows[s]
        // A person value the conflicts step re-linked away from (§5.6) is not trusted for a tie.
        func trustedPerson(_ p: Int, _ i: Int) -> BlindKey? {
            guard exactKinds.contains("person"), !relinkedRows.contains(offsets[p] + i) else { return nil }
            return rows[p].person.value(i).map(BlindKey.init)
        }
        func organisation(_ p: Int, _ i: Int) -> BlindKey? {
            guard exactKinds.contains("organisation") else { return nil }
            return rows[p].organisation.value(i).map(BlindKey.init)
        }
        struct Reached { var rows = Set<Int>(); var score: Double? }
        var found: [Int: [Int: [Tie.Kind: Reached]]] = [:]  // subject row → reference party → kind
        func reach(_ i: Int, _ q: Int, _ j: Int, _ kind: Tie.Kind, score: Double? = nil) {
            found[i, default: [:]][q, default: [:]][kind, default: Reached()].rows.insert(j)
            if let score { found[i]![q]![kind]!.score = max(found[i]![q]![kind]!.score ?? 0, score) }
        }

        // Direct, exact: one value space over both columns, as the exact step (§5.1) joins them.
        var valueRows: [BlindKey: [(q: Int, j: Int)]] = [:]
        for q in refs {
            for j in 0..<rows[q].count {
                let values = Set([trustedPerson(q, j), organisation(q, j)].compactMap { $0 })
                for v in values { valueRows[v, default: []].append((q, j)) }
            }
        }
        if !valueRows.isEmpty {
            for i in 0..<subjectRows.count {
                for v in Set([trustedPerson(s, i), organisation(s, i)].compactMap { $0 }) {
                    for (q, j) in valueRows[v] ?? [] { reach(i, q, j, .directExact) }
                }
            }
        }

        // Direct, fuzzy: the accepted links between a subject row and a reference row.
        let refSet = Set(refs)
        for l in fuzzyLinks {
            if l.partyA == s, refSet.contains(l.partyB) { reach(l.rowA, l.partyB, l.rowB, .directFuzzy, score: l.score) }
            if l.partyB == s, refSet.contains(l.partyA) { reach(l.rowB, l.partyA, l.rowA, .directFuzzy, score: l.score) }
        }

        // Through a representative (§5.4): relations from every party's rows carrying both.
        if exactKinds.contains("person") && exactKinds.contains("organisation") {
            var representatives: [BlindKey: Set<BlindKey>] = [:], represented: [BlindKey: Set<BlindKey>] = [:]
            for r in rows {
                for i in 0..<r.count {
                    guard let o = r.organisation.value(i).map(BlindKey.init), let p = r.person.value(i).map(BlindKey.init) else { continue }
                    representatives[o, default: []].insert(p)
                    represented[p, default: []].insert(o)
                }
            }
            var personRows: [BlindKey: [(q: Int, j: Int)]] = [:], organisationRows: [BlindKey: [(q: Int, j: Int)]] = [:]
            for q in refs {
                for j in 0..<rows[q].count {
                    if let p = rows[q].person.value(i: j) { personRows[p, default: []].append((q, j)) }
                    if let o = rows[q].organisation.value(i: j) { organisationRows[o, default: []].append((q, j)) }
                }
            }
            for i in 0..<subjectRows.count {
                let ownPerson = subjectRows.person.value(i: i), ownOrganisation = subjectRows.organisation.value(i: i)
                if let o = ownOrganisation {
                    for rep in representatives[o] ?? [] where rep != ownPerson {
                        for (q, j) in personRows[rep] ?? [] { reach(i, q, j, .viaRepresentative) }
                    }
                }
                if let p = ownPerson {
                    for o in represented[p] ?? [] where o != ownOrganisation {
                        for (q, j) in organisationRows[o] ?? [] { reach(i, q, j, .viaRepresentative) }
                    }
                }
            }
        }

        return found.mapValues { byParty in
            byParty.flatMap { q, byKind in
                byKind.map { kind, r in Tie(party: parties[q], kind: kind, rows: r.rows.sorted(), score: r.score) }
            }.sorted { ($0.party, $0.kind) < ($1.party, $1.kind) }
        }
    }

    /// The attributes of the reference rows a tie reached (`Protocols/results.md` §5): the
    /// non-empty values the coordinator reads, distinct and sorted, and the boxes sealed to
    /// `recipient`, unopened and sorted, by attribute name.
    public func attributes(of tie: Tie, for recipient: String) -> (plain: [String: [String]], sealed: [String: [[UInt8]]]) {
        attributes(of: tie.party, rows: tie.rows, for: recipient)
    }

    /// The same for rows `reached` of `party`, each counted once: the attributes of the distinct
    /// reference rows several ties reached.
    public func attributes(of party: String, rows reached: [Int], for recipient: String) -> (plain: [String: [String]], sealed: [String: [[UInt8]]]) {
        guard let q = parties.firstIndex(of: party) else { return ([:], [:]) }
        let r = rows[q]
        var plain: [String: Set<String>] = [:], sealed: [String: [[UInt8]]] = [:]
        let box = SealedAttribute.boxLength
        for j in Set(reached) {
            for (c, name) in r.attributeNames.enumerated() where !r.attributes[j][c].isEmpty { plain[name, default: []].insert(r.attributes[j][c]) }
            for (a, attribute) in r.sealedAttributes.enumerated() {
                guard let k = attribute.recipients.firstIndex(of: recipient), r.sealed[j][a].count >= (k + 1) * box else { continue }
                sealed[attribute.name, default: []].append(Array(r.sealed[j][a][(k * box)..<((k + 1) * box)]))
            }
        }
        return (plain.mapValues { $0.sorted() }, sealed.mapValues { $0.sorted { $0.lexicographicallyPrecedes($1) } })
    }
}

extension BlindedColumn {
    /// Row `i`'s value as a hashable key, nil when absent.
    func value(i: Int) -> BlindKey? { value(i).map(BlindKey.init) }
}
