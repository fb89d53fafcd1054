import Foundation
import Tabular

/// The population over rounds (`Protocols/synth.md` §9): round 1 is the snapshot `generate`
/// wrote; each later round carries the registers on, with new applicants, a refreshed police
/// list, the decisions taken after the previous round's matches, and successor companies.
final class Rounds {
    private let config: SynthConfig
    private let people: People
    private var organisations: Organisations
    private var renderer: Renderer
    private let referenceDay: Int
    private var tables: [String: Table] = [:]
    /// Registers in the order they are written, then the decision lists.
    static let order = Synthesizer.registerIDs + ["ivo-decisions", "fk-decisions", "af-decisions"]
    static let decisionHeader = ["beslut_id", "personnummer", "fornamn", "efternamn", "fodelsedatum", "organisationsnummer",
                                 "decision", "decided"]

    private var listed: [Int: PersonCore.Listing] = [:]
    private let firstListSize: Int
    private let firstRows: [String: Int]
    /// Decisions taken after the current round's matches, entering the lists next round.
    private var pending: [Decision] = []
    private var decidedCases = Set<Int>()        // case keys per agency: see `caseKey`
    /// Barred people in the order they were barred, with the agency that barred them and the
    /// organisation of the decision; `returned` holds those who founded a successor.
    private var barred: [(person: Int, agency: String, organisation: Int?)] = []
    private var returned = Set<Int>()
    private var summary = RoundSummary(round: 1, date: "", registers: [:], checkRows: [:], listAdded: 0, listRemoved: 0,
                                       decisions: [:], ended: [:], successors: 0, ties: [:], reentries: 0)

    private init(_ world: World) {
        config = world.config
        people = world.people
        organisations = world.organisations
        renderer = world.renderer
        referenceDay = Days.from(world.config.referenceDate)
        for (k, r) in world.registers.enumerated() { tables[r.id] = Table(r, referenceDay: referenceDay, key: k) }
        // The decision lists take the styles of their agency's register (§9.2).
        for (k, agency) in ["ivo", "fk", "af"].enumerated() {
            let source = tables[agency]!
            var rng = SynthRandom(seed: config.seed, domain: .rounds, index: UInt64(k) << 32)
            tables[agency + "-decisions"] = Table(
                id: agency + "-decisions", header: Rounds.decisionHeader, prefix: agency.uppercased() + "B-",
                first: 1_000_000 + rng.below(8_000_000), personStyle: source.personStyle,
                organisationStyle: source.organisationStyle, policy: source.policy, lag: source.lag, key: 7 + k)
        }
        for r in tables["polisen"]!.rows {
            if let p = r.person, let l = PersonCore.Listing(rawValue: r.fields[5]) { listed[p] = l }
        }
        firstListSize = listed.count
        firstRows = tables.mapValues(\.rows.count)
    }

    /// Writes rounds 1 … `config.rounds` under `out` (round 1's registers are there already) and
    /// returns their summaries.
    static func evolve(_ world: World, out: String, progress: @escaping (String) -> Void) throws -> [RoundSummary] {
        guard world.config.scaleAgencies == 0 else { throw SynthError("--scale-agencies and --rounds do not go together") }
        let state = Rounds(world)
        state.barInitialPermits()
        var summaries: [RoundSummary] = []
        for k in 1...world.config.rounds {
            if k > 1 { state.advance(to: k) }
            let dir = out + "/round-\(k)"
            try state.write(round: k, dir: dir)
            let ties = RoundTruth.agreements.flatMap {
                RoundTruth.ties($0, tables: state.tables,
                                links: RoundTruth.Links(relations: state.tables["bolagsverket"]!.rows,
                                                        organisations: state.organisations.all))
            }
            state.summary.reentries = try state.writeTruth(ties, dir: dir + "/truth")
            for t in ties { state.summary.ties["\(t.agreement)/\(t.kind)", default: 0] += 1 }
            state.decide(after: k, ties: ties)
            summaries.append(state.summary)
            progress("round \(k): \(ties.count) ties, \(state.summary.reentries) re-entries")
        }
        return summaries
    }

    func tablesInOrder() -> [Table] { Rounds.order.map { tables[$0]! } }
    func tableNamed(_ id: String) -> Table { tables[id]! }
    var organisationsNow: [Organisation] { organisations.all }

    func setCounts(round: Int, registers: [String: Int], checks: [String: Int]) {
        summary.date = Days.iso(day(round))
        summary.registers = registers
        summary.checkRows = checks
    }

    private func day(_ round: Int) -> Int { referenceDay + (round - 1) * config.roundRates.days }

    private func rng(_ round: Int, _ purpose: UInt64) -> SynthRandom {
        SynthRandom(seed: config.seed, domain: .rounds, index: UInt64(round) << 48 | purpose << 40)
    }

    // MARK: Decisions (§9.2)

    /// Round 1's revoked permits stand on IVO's list from the start, decided before the
    /// reference date.
    private func barInitialPermits() {
        var rng = rng(1, 1)
        for o in organisations.all where o.permitRevoked && tables["ivo"]!.rows.contains(where: { $0.organisation == o.index }) {
            pending.append(Decision(agency: "ivo", person: nil, organisation: o.index, decided: referenceDay - rng.range(20...700)))
        }
        enterDecisions(round: 1)
    }

    /// A case's key, per agency: a person `p` is `p`, an organisation `o` is `-1 - o`.
    private func caseKey(_ d: Decision) -> Int { d.person ?? (-1 - d.organisation!) }
    private func caseID(_ agency: String, _ key: Int) -> Int { key &* 4 &+ ["fk": 1, "af": 2, "ivo": 3][agency]! }

    /// Whether `row` speaks for its organisation: the organisation itself or one of its representatives.
    private func speaksForOrganisation(_ row: KeptRow) -> Bool {
        guard let o = row.organisation else { return false }
        guard let p = row.person else { return true }
        return organisations.all[o].representatives.contains { $0.person == p }
    }

    /// After round `k`'s matches: `fk` decides on its tied check rows (watchlist and re-entry),
    /// `af` on its re-entry ties, IVO on care providers whose payments `fk` stopped.
    private func decide(after k: Int, ties: [RoundTruth.Tie]) {
        var rng = rng(k, 2)
        let rates = config.roundRates
        for agency in ["fk", "af"] {
            let table = tables[agency]!
            let rowOf = Dictionary(table.rows.enumerated().map { ($0.element.record, $0.offset) }, uniquingKeysWith: { a, _ in a })
            var seen = Set<Int>()
            for t in ties where t.register == agency && (agency == "fk" ? t.agreement != "cross-agency-map" : t.agreement == "reentry") {
                guard let i = rowOf[t.record] else { continue }
                let row = table.rows[i]
                let d = speaksForOrganisation(row) ? Decision(agency: agency, person: nil, organisation: row.organisation, decided: 0)
                    : row.person.map { Decision(agency: agency, person: $0, organisation: nil, decided: 0) }
                guard let d, seen.insert(caseKey(d)).inserted, !decidedCases.contains(caseID(agency, caseKey(d))) else { continue }
                guard rng.chance(rates.decided) else { continue }
                let decided = day(k) + rng.range(1...max(1, rates.days - 1))
                pending.append(Decision(agency: agency, person: d.person, organisation: d.organisation, decided: decided))
                decidedCases.insert(caseID(agency, caseKey(d)))
            }
        }
        let ivo = tables["ivo"]!
        for d in pending where d.agency == "fk" {
            guard let o = d.organisation, organisations.all[o].kind.isCare, !organisations.all[o].permitRevoked,
                  !decidedCases.contains(caseID("ivo", -1 - o)), ivo.rows.contains(where: { $0.organisation == o }),
                  rng.chance(rates.revokedAfterStop) else { continue }
            pending.append(Decision(agency: "ivo", person: nil, organisation: o, decided: d.decided))
            decidedCases.insert(caseID("ivo", -1 - o))
        }
    }

    /// The pending decisions enter their lists in `round`: a row for the organisation and one for
    /// each representative the agency's register holds, or a row for the person; the rows decided
    /// leave `fk` and `af`, and IVO's rows show the permit revoked.
    private func enterDecisions(round: Int) {
        summary.decisions = [:]
        summary.ended = [:]
        for (n, d) in pending.enumerated() {
            let source = tables[d.agency]!, list = tables[d.agency + "-decisions"]!
            summary.decisions[list.id, default: 0] += 1
            var rng = SynthRandom(seed: config.seed, domain: .rounds, index: UInt64(round) << 48 | 3 << 40 | UInt64(n))
            if let o = d.organisation {
                decisionRow(list, person: nil, organisation: o, d, round: round, rng: &rng)
                var seen = Set<Int>()
                for r in source.rows where r.organisation == o && speaksForOrganisation(r) {
                    guard let p = r.person, seen.insert(p).inserted else { continue }
                    decisionRow(list, person: p, organisation: o, d, round: round, rng: &rng)
                }
                barred.append((organisations.all[o].representatives[0].person, d.agency, o))
            } else if let p = d.person {
                decisionRow(list, person: p, organisation: nil, d, round: round, rng: &rng)
                barred.append((p, d.agency, nil))
            }
            switch d.agency {
            case "ivo":
                if let o = d.organisation {
                    organisations.revoke(o)
                    for i in source.rows.indices where source.rows[i].organisation == o { source.rows[i].fields[8] = "aterkallat" }
                }
            default:
                let before = source.rows.count
                source.rows.removeAll { r in
                    if let o = d.organisation { return r.organisation == o && speaksForOrganisation(r) }
                    return r.person == d.person && !speaksForOrganisation(r)
                }
                summary.ended[source.id, default: 0] += before - source.rows.count
            }
        }
        pending = []
    }

    private func decisionRow(_ list: Table, person: Int?, organisation: Int?, _ d: Decision, round: Int, rng: inout SynthRandom) {
        var fields = ["", "", "", ""]
        var corruptions: [Corruption] = []
        if let p = person {
            let cells = renderer.person(p, people.core(p), style: list.personStyle, policy: list.policy,
                                        extracted: day(round) - list.lag, writesAddress: false, rng: &rng)
            fields = [cells.identity, cells.given, cells.surname, cells.birth]
            corruptions = cells.corruptions
        }
        if let o = organisation {
            let (text, c) = renderer.organisation(organisations.all[o], style: list.organisationStyle,
                                                  personStyle: list.personStyle, rng: &rng)
            fields.append(text)
            corruptions += c
        } else {
            fields.append("")
        }
        list.add(fields + [d.kind, Days.iso(d.decided)], person: person, organisation: organisation, corruptions: corruptions)
    }

    // MARK: A new round (§9.2, §9.3)

    private func advance(to k: Int) {
        summary = RoundSummary(round: k, date: "", registers: [:], checkRows: [:], listAdded: 0, listRemoved: 0,
                               decisions: [:], ended: [:], successors: 0, ties: [:], reentries: 0)
        enterDecisions(round: k)
        for t in tables.values { t.checkStart = t.rows.count }
        refreshList(k)
        foundSuccessors(k)
        applicants(k)
    }

    private func age(_ i: Int, on round: Int) -> Int { (day(round) - people.core(i).birth) / 365 }

    private func person(aged range: ClosedRange<Int>, round: Int, rng: inout SynthRandom) -> Int {
        for _ in 0..<64 {
            let i = rng.below(people.count)
            if range.contains(age(i, on: round)) { return i }
        }
        return rng.below(people.count)
    }

    /// The police list: some removed, some added (people aged 16–70 not on it).
    private func refreshList(_ k: Int) {
        var rng = rng(k, 4)
        let polisen = tables["polisen"]!
        var removed = Set<Int>()
        for p in listed.keys.sorted() where rng.chance(config.roundRates.listRemoved) { removed.insert(p) }
        polisen.rows.removeAll { $0.person.map(removed.contains) ?? false }
        for p in removed { listed[p] = nil }
        let adding = max(1, Int((config.roundRates.listAdded * Double(firstListSize)).rounded()))
        var added = 0
        for _ in 0..<(adding * 4) where added < adding {
            let p = person(aged: 16...70, round: k, rng: &rng)
            guard listed[p] == nil, !removed.contains(p) else { continue }
            let listing: PersonCore.Listing = rng.chance(0.4) ? .active : .connected
            listed[p] = listing
            personRow(polisen, p, round: k, address: false, tail: [listing.rawValue])
            added += 1
        }
        summary.listAdded = added
        summary.listRemoved = removed.count
    }

    /// Barred people come back: each, once, with chance `successor` per round, as the chair of a new
    /// company that applies at another agency (`fk`'s and IVO's barred at `af`'s ... see §9.3).
    private func foundSuccessors(_ k: Int) {
        var rng = rng(k, 5)
        for b in barred where !returned.contains(b.person) {
            guard rng.chance(config.roundRates.successor) else { continue }
            returned.insert(b.person)
            let atFK = b.agency != "fk"
            let kind: Organisation.Kind = atFK ? .assistance : rng.pick([.staffing, .cleaning, .construction])
            let board = (0..<rng.below(3)).map { _ in person(aged: 20...80, round: k, rng: &rng) }
            let o = organisations.found(kind: kind, chair: b.person, board: board, successorOf: b.organisation,
                                        crimeTied: true, rng: &rng)
            register(o, round: k)
            if atFK { provider(o, round: k, rng: &rng) } else { employer(o, round: k, rng: &rng) }
            summary.successors += 1
        }
    }

    /// New applicants: at `fk` recipients, assistants and new providers; at `af` employers.
    private func applicants(_ k: Int) {
        let rates = config.roundRates
        var rng = rng(k, 6)
        let fk = tables["fk"]!, af = tables["af"]!
        let providers = organisations.all.filter { $0.kind == .assistance && !$0.permitRevoked }.map(\.index)
        let current = listed.keys.sorted()
        let fkTarget = fk.rows.count + max(1, Int((rates.applicants * Double(firstRows["fk"]!)).rounded()))
        while fk.rows.count < fkTarget {
            let draw = rng.unit()
            if draw < 0.5 {
                let p = person(aged: 0...104, round: k, rng: &rng)
                personRow(fk, p, round: k, address: true, tail: ["assistansmottagare", "", String(rng.range(400...2600) * 1000)])
            } else if draw < 0.85 && !providers.isEmpty {
                // One assistant in ten is on the police list as it stands, the risk §7.1 describes.
                let p = !current.isEmpty && rng.chance(0.1) ? rng.pick(current) : person(aged: 18...67, round: k, rng: &rng)
                personRow(fk, p, round: k, address: true, organisation: rng.pick(providers)) { ["personlig_assistent", $0, ""] }
            } else {
                let board = (0..<rng.below(3)).map { _ in person(aged: 20...80, round: k, rng: &rng) }
                let o = organisations.found(kind: .assistance, chair: person(aged: 20...80, round: k, rng: &rng), board: board,
                                            successorOf: nil, crimeTied: false, rng: &rng)
                register(o, round: k)
                provider(o, round: k, rng: &rng)
            }
        }
        let present = Set(af.rows.compactMap(\.organisation))
        var taken = Set<Int>()
        let afTarget = af.rows.count + max(1, Int((rates.applicants * Double(firstRows["af"]!)).rounded()))
        for _ in 0..<(afTarget * 20) where af.rows.count < afTarget {
            let o = rng.below(organisations.all.count)
            let org = organisations.all[o]
            guard org.employees > 0, !present.contains(o), !decidedCases.contains(caseID("af", -1 - o)),
                  taken.insert(o).inserted else { continue }
            employer(o, round: k, rng: &rng)
        }
    }

    /// A founded company's rows at Bolagsverket and, with employees, at Skatteverket.
    private func register(_ o: Int, round: Int) {
        let org = organisations.all[o]
        let bv = tables["bolagsverket"]!
        for rep in org.representatives {
            personRow(bv, rep.person, round: round, address: false, organisation: o) { [$0, org.name, rep.role.rawValue] }
        }
        organisationRow(tables["skatteverket"]!, o, round: round) { [$0, org.name, String(org.employees)] }
    }

    private func provider(_ o: Int, round: Int, rng: inout SynthRandom) {
        let org = organisations.all[o], fk = tables["fk"]!
        let amount = String(org.employees * rng.range(280...420) * 1000)
        organisationRow(fk, o, round: round) { ["", "", "", "", "", "", "", "anordnare", $0, amount] }
        for rep in org.representatives {
            personRow(fk, rep.person, round: round, address: true, organisation: o) { ["anordnare_foretradare", $0, ""] }
        }
    }

    private func employer(_ o: Int, round: Int, rng: inout SynthRandom) {
        let org = organisations.all[o], af = tables["af"]!
        let amount = String(rng.range(50...900) * 1000)
        organisationRow(af, o, round: round) { ["", "", "", "", $0, "arbetsgivare", amount] }
        for rep in org.representatives {
            personRow(af, rep.person, round: round, address: false, organisation: o) { [$0, "foretradare", ""] }
        }
    }

    // MARK: Rows, with the problems of §6

    private func rowRNG(_ t: Table, round: Int) -> SynthRandom {
        SynthRandom(seed: config.seed, domain: .rounds, index: UInt64(round) << 48 | UInt64(16 + t.key) << 40 | UInt64(t.next))
    }

    private func personRow(_ t: Table, _ p: Int, round: Int, address: Bool, tail: [String], organisation: Int? = nil,
                           organisationCorruptions: [Corruption] = []) {
        var rng = rowRNG(t, round: round)
        let cells = renderer.person(p, people.core(p), style: t.personStyle, policy: t.policy, extracted: day(round) - t.lag,
                                    writesAddress: address, rng: &rng)
        var fields = [cells.identity, cells.given, cells.surname, cells.birth]
        if address { fields += [cells.address.street, cells.address.postcode, cells.address.town] }
        t.add(fields + tail, person: p, organisation: organisation, corruptions: cells.corruptions + organisationCorruptions)
    }

    /// A representative's row: the person's cells, then `tail` of the organisation's number as written.
    private func personRow(_ t: Table, _ p: Int, round: Int, address: Bool, organisation o: Int, tail: (String) -> [String]) {
        var orng = SynthRandom(seed: config.seed, domain: .rounds, index: UInt64(round) << 48 | UInt64(48 + t.key) << 40 | UInt64(t.next))
        let (text, c) = renderer.organisation(organisations.all[o], style: t.organisationStyle, personStyle: t.personStyle, rng: &orng)
        personRow(t, p, round: round, address: address, tail: tail(text), organisation: o, organisationCorruptions: c)
    }

    private func organisationRow(_ t: Table, _ o: Int, round: Int, _ fields: (String) -> [String]) {
        var rng = rowRNG(t, round: round)
        let (text, c) = renderer.organisation(organisations.all[o], style: t.organisationStyle, personStyle: t.personStyle, rng: &rng)
        t.add(fields(text), person: nil, organisation: o, corruptions: c)
    }
}
