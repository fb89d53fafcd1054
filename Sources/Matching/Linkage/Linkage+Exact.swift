extension Linkage {
    /// Step 1, exact (`Protocols/matching.md` §5.1): one join over every party's person and
    /// organisation columns of the kinds in `kinds` (a sole trader's organisation pseudonym equals
    /// its owner's person pseudonym, `Protocols/node.md` §2). A value held by two or more parties links each
    /// of its rows to the other parties; rows sharing a person value join one group, within a
    /// party too.
    /// - Returns: the number of linked row pairs across parties and of shared values.
    static func exact(_ rows: [PartyRows], kinds: Set<String>, offsets: [Int], threads: Int,
                      groups: inout UnionFind, links: inout [[Int: RowLinks]]) -> (links: Int, values: Int) {
        let none = BlindedColumn(capacity: 0)
        var columns: [BlindedColumn] = []
        for r in rows {
            columns.append(kinds.contains("person") ? r.person : none)
            columns.append(kinds.contains("organisation") ? r.organisation : none)
        }
        let join = ExactJoin(columns: columns, threads: threads)
        var pairs = 0
        for g in 0..<join.groupCount {
            let members = join.group(g).map { gid -> (party: Int, row: Int, person: Bool) in
                let (c, row) = join.locate(gid)
                return (c / 2, row, c % 2 == 0)
            }
            // One person value is one person, within a party too.
            let persons = members.filter(\.person)
            for h in persons.dropFirst() { groups.union(offsets[persons[0].party] + persons[0].row, offsets[h.party] + h.row) }
            let present = Set(members.map(\.party))
            guard present.count > 1 else { continue }
            for h in members {
                let others = present.subtracting([h.party]).map { rows[$0].party }
                if h.person { links[h.party][h.row, default: RowLinks()].exactPerson.formUnion(others) }
                else { links[h.party][h.row, default: RowLinks()].exactOrganisation.formUnion(others) }
                pairs += others.count
            }
        }
        return (pairs / 2, join.groupCount)
    }
}
