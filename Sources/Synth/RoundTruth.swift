/// The true ties of a round (`Protocols/synth.md` §9.4): which subject rows a perfect matcher
/// ties to which reference rows under each of the three example agreements.
enum RoundTruth {
    /// An agreement as the truth reads it: whose rows are subjects (the round's check, or the
    /// whole register), whose are references, and whether Bolagsverket's relations take part.
    struct Agreement {
        let name: String
        let subjects: [String]
        let checksOnly: Bool
        let references: [String]
        let relations: Bool
    }

    static let agreements = [
        Agreement(name: "watchlist", subjects: ["fk"], checksOnly: false, references: ["polisen"], relations: false),
        Agreement(name: "reentry", subjects: ["fk", "af"], checksOnly: true,
                  references: ["ivo-decisions", "fk-decisions", "af-decisions"], relations: true),
        Agreement(name: "cross-agency-map", subjects: ["fk", "af", "pm", "ivo"], checksOnly: false,
                  references: ["fk", "af", "pm", "ivo"], relations: false),
    ]

    struct Tie: Equatable {
        let agreement: String
        let register: String
        let record: String
        let referenceRegister: String
        let referenceRecord: String
        /// `direct` or `via-representative`.
        let kind: String
        /// The reference row itself (its `decision` column for re-entries).
        let referenceRow: Int
    }

    /// The party a register belongs to: `fk-decisions` is `fk`'s. A party's rows are never tied
    /// to its own lists (`standing.md` §1).
    static func party(_ register: String) -> Substring { register.split(separator: "-")[0] }

    /// Who represents which organisation, from Bolagsverket's rows of the round, and which
    /// organisations are sole traders (whose number is their owner's, `node.md` §2.2).
    struct Links {
        var representatives: [Int: [Int]] = [:]     // organisation → people
        var represents: [Int: [Int]] = [:]          // person → organisations
        var soleOwner: [Int: Int] = [:]             // sole trader → owner
        var soleTraders: [Int: [Int]] = [:]         // owner → sole traders

        init(relations: [KeptRow], organisations: [Organisation]) {
            for r in relations {
                guard let p = r.person, let o = r.organisation else { continue }
                representatives[o, default: []].append(p)
                represents[p, default: []].append(o)
            }
            for o in organisations where o.form == .soleTrader {
                soleOwner[o.index] = o.representatives[0].person
                soleTraders[o.representatives[0].person, default: []].append(o.index)
            }
        }
    }

    /// Every tie of `agreement` in the round, subjects in register order, each subject's
    /// references in register order; a pair tied directly is not listed again through a
    /// representative. Indexed: each subject row looks up only the rows sharing an identity.
    static func ties(_ agreement: Agreement, tables: [String: Table], links: Links) -> [Tie] {
        struct Index { var person: [Int: [Int]] = [:]; var organisation: [Int: [Int]] = [:] }
        let references = agreement.references.compactMap { tables[$0] }
        let indices = references.map { t -> Index in
            var index = Index()
            for (k, r) in t.rows.enumerated() {
                if let p = r.person { index.person[p, default: []].append(k) }
                if let o = r.organisation { index.organisation[o, default: []].append(k) }
            }
            return index
        }
        var out: [Tie] = []
        for id in agreement.subjects {
            guard let subjects = tables[id] else { continue }
            let rows = agreement.checksOnly ? subjects.checkRows : subjects.rows[...]
            for s in rows {
                for (t, ref) in references.enumerated() where party(ref.id) != party(id) {
                    var kind: [Int: Bool] = [:]   // reference row → direct?
                    func mark(_ rows: [Int]?, direct: Bool) { for k in rows ?? [] where kind[k] != true { kind[k] = direct } }
                    if let p = s.person {
                        mark(indices[t].person[p], direct: true)
                        for o in links.soleTraders[p] ?? [] { mark(indices[t].organisation[o], direct: true) }
                    }
                    if let o = s.organisation {
                        mark(indices[t].organisation[o], direct: true)
                        if let owner = links.soleOwner[o] { mark(indices[t].person[owner], direct: true) }
                    }
                    if agreement.relations {
                        if let o = s.organisation { for p in links.representatives[o] ?? [] { mark(indices[t].person[p], direct: false) } }
                        if let p = s.person { for o in links.represents[p] ?? [] { mark(indices[t].organisation[o], direct: false) } }
                    }
                    for k in kind.keys.sorted() {
                        out.append(Tie(agreement: agreement.name, register: id, record: s.record, referenceRegister: ref.id,
                                       referenceRecord: ref.rows[k].record, kind: kind[k]! ? "direct" : "via-representative",
                                       referenceRow: k))
                    }
                }
            }
        }
        return out
    }
}
