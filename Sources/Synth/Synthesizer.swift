import Foundation
import Identifiers
import Tabular

public struct SynthConfig: Sendable {
    public var people: Int
    public var seed: UInt64
    /// Resolves 10-digit numbers ('+' from the year a person turns 100) and every age.
    public var referenceDate: CalendarDate
    public var rates: CorruptionRates
    /// Organisations; default one per 15 people.
    public var organisations: Int?
    /// Target share of people with a samordningsnummer.
    public var coordinationShare: Double
    /// Share of people on the police's list: 62,000 of 10.6 million.
    public var watchlistShare: Double
    /// Extra registers `agency1`… for scale benchmarks (synth.md §7.3): how many, and about how
    /// many rows each.
    public var scaleAgencies = 0
    public var scaleRows = 1_000_000
    /// Realistic names (the default) or today's small tables (synth.md §3).
    public var names: NameSetting = .realistic
    /// Rounds of a standing agreement (synth.md §9): 1 writes today's single snapshot; more write
    /// `round-1/` … `round-N/`, the population evolving between them at `roundRates`.
    public var rounds = 1
    public var roundRates = RoundRates()

    public init(people: Int, seed: UInt64, referenceDate: CalendarDate = CalendarDate(year: 2026, month: 1, day: 1)!,
                rates: CorruptionRates = CorruptionRates(), organisations: Int? = nil,
                coordinationShare: Double = 0.03, watchlistShare: Double = 62_000.0 / 10_600_000.0) {
        self.people = people
        self.seed = seed
        self.referenceDate = referenceDate
        self.rates = rates
        self.organisations = organisations
        self.coordinationShare = coordinationShare
        self.watchlistShare = watchlistShare
    }
}

public struct SynthSummary: Codable, Sendable {
    public var format = "korskoll-synth-summary-v1"
    public var seed: UInt64
    public var referenceDate: String
    public var people: Int
    public var testNumbersOnly: Bool
    public var samordningsnummer: Int
    public var changedIdentifiers: Int
    public var centenarians: Int
    public var listed: Int
    public var organisations: Int
    public var organisationsByKind: [String: Int]
    public var soleTraders: Int
    public var crimeTiedOrganisations: Int
    public var revokedPermits: Int
    public var reentries: Int
    public var registers: [String: Int]
    /// People (by true identity) present in both registers of a pair, "a+b" → count.
    public var personOverlaps: [String: Int]
    public var organisationOverlaps: [String: Int]
    public var listedPeopleIn: [String: Int]
    public var corruptions: [String: Int]
    public var rates: [String: Double]
    public var seconds: Double
    /// Name statistics of the generated people beside the published ones (§8.1).
    public var nameFigures: NameFigures?
    /// What each round held and changed, with more than one round (synth.md §9.5).
    public var rounds: [RoundSummary]?
}

public struct SynthError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// `korskoll synth` (`Protocols/synth.md`): a synthetic Swedish population with agency registers
/// and ground truth, streamed to disk.
public enum Synthesizer {
    public static let registerIDs = ["polisen", "fk", "af", "pm", "ivo", "bolagsverket", "skatteverket"]

    public static func run(_ config: SynthConfig, out: String, progress: @escaping (String) -> Void = { _ in }) throws -> SynthSummary {
        guard config.people >= 4 else { throw SynthError("--people must be at least 4") }
        guard config.rounds >= 1 else { throw SynthError("--rounds must be at least 1") }
        let fm = FileManager.default
        guard !fm.fileExists(atPath: out) else { throw SynthError("\(out) exists; choose a new directory") }
        let work = out + ".partial-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        // One round: today's layout. More: round 1 is the same population in `round-1/` (§9).
        let first = config.rounds == 1 ? work : work + "/round-1"
        try fm.createDirectory(atPath: first + "/registers", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: first + "/truth", withIntermediateDirectories: true)
        do {
            var (summary, world) = try generate(config, work: first, keep: config.rounds > 1, progress: progress)
            if let world { summary.rounds = try Rounds.evolve(world, out: work, progress: progress) }
            let data = try JSONEncoder.sorted.encode(summary)
            try data.write(to: URL(fileURLWithPath: work + "/summary.json"))
            try fm.moveItem(atPath: work, toPath: out)
            return summary
        } catch {
            try? fm.removeItem(atPath: work)
            throw error
        }
    }

    /// Writes one snapshot into `work`; with `keep`, also returns the population and the rows
    /// written, for later rounds (§9).
    private static func generate(_ config: SynthConfig, work: String, keep: Bool,
                                 progress: @escaping (String) -> Void) throws -> (SynthSummary, World?) {
        let start = Date()
        let refDay = Days.from(config.referenceDate)
        let refYear = config.referenceDate.year
        let n = config.people
        // The age filter of `core` (16–70) keeps about 78% of people (measured at 10.6 million): scale so the list is the share asked for.
        let people = People(count: n, seed: config.seed, referenceDay: refDay, coordinationShare: config.coordinationShare,
                            changedIdentifierRate: config.rates[.idChanged], listedShare: config.watchlistShare / 0.776,
                            names: config.names)

        // Pass 1 (§4.2): identity numbers, the list and its families.
        var listed: [Int] = []
        var listedFamily: [Int] = []
        var familyOfListed = [Bool](repeating: false, count: n)
        let identities = Identities(people: people) { done in progress("identities \(done)/\(n)") }
        for i in 0..<n {
            let core = people.core(i)
            guard core.listed != nil else { continue }
            listed.append(i)
            for j in core.householdStart..<(core.householdStart + core.householdSize) where j != i {
                if !familyOfListed[j] { listedFamily.append(j) }
                familyOfListed[j] = true
            }
        }
        progress("identities \(n)/\(n), \(listed.count) listed")
        try writeIdentityChanges(identities, dir: work + "/relations")

        // Pass 2 (§5): organisations.
        let orgCount = config.organisations ?? max(40, n / 15)
        let orgs = Organisations(count: orgCount, people: people, identities: identities, listed: listed, listedFamily: listedFamily)
        progress("organisations \(orgCount)")

        var renderer = Renderer(people: people, identities: identities, rates: config.rates, referenceYear: refYear)
        let registersDir = work + "/registers"
        let truthRows = try CSVFileWriter(path: work + "/truth/rows.csv", header: ["register", "record_id", "person", "organisation", "corruptions"])
        func register(_ id: String, _ header: [String], delimiter: Character = ",", prefix: String, person: PersonStyle,
                      org: OrganisationStyle = .dash) throws -> RegisterOut {
            var rng = SynthRandom(seed: config.seed, domain: .register, index: UInt64(registerIDs.firstIndex(of: id)!) << 40)
            return try RegisterOut(id: id, bit: registerIDs.firstIndex(of: id)!, directory: registersDir, header: header,
                                   delimiter: delimiter, recordPrefix: prefix, firstRecord: 1_000_000 + rng.below(8_000_000),
                                   personStyle: person, organisationStyle: org, truth: truthRows)
        }
        let polisen = try register("polisen", ["lopnr", "personnummer", "fornamn", "efternamn", "fodelsedatum", "kategori"],
                                   delimiter: ";", prefix: "LB26-", person: .tenDash)
        let fk = try register("fk", ["arende_id", "personnr", "fornamn", "efternamn", "fodd", "adress", "postnr", "ort", "roll",
                                     "anordnare_orgnr", "utbetalt_kr"], prefix: "FK", person: .twelve, org: .plain)
        let af = try register("af", ["AFID", "PNR", "FORNAMN", "EFTERNAMN", "FODELSEDATUM", "ORGNR", "ROLL", "STOD_KR"],
                              prefix: "AF-", person: .tenDash, org: .dash)
        let pm = try register("pm", ["pm_id", "identitet", "namn_for", "namn_efter", "fodelsedag", "adress", "postnummer",
                                     "postort", "forman"], prefix: "PM", person: .twelveDash)
        let ivo = try register("ivo", ["ivo_nr", "personnummer", "fornamn", "efternamn", "fodelsedatum", "organisationsnummer",
                                       "verksamhet", "roll", "tillstand"], prefix: "IVO-", person: .twelve, org: .dash)
        let bolagsverket = try register("bolagsverket", ["bv_id", "identitet", "fornamn", "efternamn", "fodelsedatum", "orgnr",
                                                         "foretagsnamn", "roll"], prefix: "BV", person: .twelve, org: .sixteen)
        let skatteverket = try register("skatteverket", ["skv_lopnr", "arbetsgivare", "namn", "antal_anstallda"],
                                        delimiter: ";", prefix: "SKV", person: .tenPlain, org: .plain)
        let all = [polisen, fk, af, pm, ivo, bolagsverket, skatteverket]
        if keep { for reg in all { reg.kept = [] } }
        // Clean registers are all extracted on the reference date: no stale surname or address (§6).
        let stale = config.names == .realistic && config.rates != .none
        for reg in all { reg.extracted = refDay }
        if config.names == .realistic {
            // §7.4: which given names each register writes, and how many days before the reference date it was extracted.
            let policies: [(RegisterOut, GivenNamePolicy, Int)] = [(polisen, .everyday, 45), (fk, .all, 0), (af, .first, 20),
                (pm, .all, 75), (ivo, .everyday, 120), (bolagsverket, .all, 180), (skatteverket, .all, 10)]
            for (reg, policy, days) in policies { reg.policy = policy; if stale { reg.extracted = refDay - days } }
        }
        // §7.3: scale registers, people drawn uniformly; their bits lie past the masks' eight.
        let scaleStyles: [PersonStyle] = [.twelve, .tenDash, .twelveDash, .tenPlain]
        let scale = try (0..<config.scaleAgencies).map { k in
            try RegisterOut(id: "agency\(k + 1)", bit: 8 + k, directory: registersDir,
                            header: ["lopnr", "personnummer", "fornamn", "efternamn", "fodelsedatum", "adress", "postnr", "ort"],
                            recordPrefix: "A\(k + 1)-", firstRecord: 1_000_000, personStyle: scaleStyles[k % scaleStyles.count],
                            organisationStyle: .dash, truth: truthRows)
        }
        for (k, reg) in scale.enumerated() {
            reg.extracted = stale ? refDay - (30 * k) % 360 : refDay
            if config.names == .realistic { reg.policy = [.all, .everyday, .first][k % 3] }
        }
        let scaleChance = min(1, Double(config.scaleRows) / Double(max(1, n)))

        var personMask = [UInt8](repeating: 0, count: n)
        var orgMask = [UInt8](repeating: 0, count: orgCount)
        func rowRNG(_ reg: RegisterOut, _ k: Int) -> SynthRandom {
            SynthRandom(seed: config.seed, domain: .register, index: UInt64(reg.bit) << 40 | UInt64(k))
        }
        func personRow(_ reg: RegisterOut, _ i: Int, _ core: PersonCore, address: Bool, tail: [String], org: (Int, String)? = nil,
                       orgCorruptions: [Corruption] = [], key: Int) throws {
            var rng = rowRNG(reg, key)
            let cells = renderer.person(i, core, style: reg.personStyle, policy: reg.policy, extracted: reg.extracted,
                                        writesAddress: address, rng: &rng)
            var fields = [cells.identity, cells.given, cells.surname, cells.birth]
            if address { fields += [cells.address.street, cells.address.postcode, cells.address.town] }
            try reg.emit(fields + tail, person: i, organisation: org?.0, corruptions: cells.corruptions + orgCorruptions)
            guard reg.bit < 8 else { return }
            personMask[i] |= 1 << reg.bit
            if let org { orgMask[org.0] |= 1 << reg.bit }
        }

        // Pass 3 (§7.1): registers driven by people, and the people's truth.
        let peopleTruth = try CSVFileWriter(path: work + "/truth/people.csv", header: [
            "person", "identity", "previous_identity", "sex", "birth_date", "given_names", "surname", "street", "postcode",
            "town", "household", "role", "listed", "coordination", "everyday_name", "previous_surname", "surname_changed",
            "previous_street", "previous_postcode", "previous_town", "moved"])
        var figures = NameFigures.Counter()
        let family = try CSVFileWriter(path: work + "/truth/family.csv", header: ["person_a", "person_b", "relation"])
        let providers = (orgs.byKind[.assistance] ?? []) + (orgs.byKind[.careHome] ?? [])
        let crimeProviders = providers.filter { orgs.all[$0].crimeTied }
        var samordning = 0, centenarians = 0
        let ticker = Ticker(total: n, label: "people", report: progress)
        for i in 0..<n {
            let core = people.core(i)
            let number = PersonNumber(value: identities.current[i])
            let birth = renderer.birthDay(i, core)
            let age = (refDay - birth) / 365
            if number.isCoordination { samordning += 1 }
            if refYear - number.year >= 100 { centenarians += 1 }
            try peopleTruth.write([String(i), number.canonical, identities.previous[i].map { PersonNumber(value: $0).canonical } ?? "",
                                   number.sex == .male ? "M" : "K", Days.iso(birth), core.givenNames, core.surname,
                                   core.address.street, core.address.postcode, core.address.town, String(core.householdStart),
                                   "\(core.role)", core.listed?.rawValue ?? "", core.coordination ? "1" : "",
                                   core.everydayName, core.previousSurname ?? "", core.surnameChanged.map(Days.iso) ?? "",
                                   core.previousAddress?.street ?? "", core.previousAddress?.postcode ?? "",
                                   core.previousAddress?.town ?? "", core.moved.map(Days.iso) ?? ""])
            figures.add(core, birth: birth, male: number.sex == .male)
            if core.role == .head {
                var partner: Int?
                for j in (i + 1)..<(i + core.householdSize) {
                    let member = people.core(j)
                    if member.role == .partner {
                        partner = j
                        try family.write([String(i), String(j), "spouse"])
                    } else if member.role == .child {
                        try family.write([String(i), String(j), "parent"])
                        if let partner { try family.write([String(partner), String(j), "parent"]) }
                    }
                }
            }
            var rng = SynthRandom(seed: config.seed, domain: .person, index: UInt64(i) | 1 << 42)
            if let listing = core.listed {
                try personRow(polisen, i, core, address: false, tail: [listing.rawValue], key: i)
            }
            if rng.chance(0.0015) {
                try personRow(fk, i, core, address: true, tail: ["assistansmottagare", "", String(rng.range(400...2600) * 1000)], key: i)
            }
            let assistantChance = core.listed != nil ? 0.06 : familyOfListed[i] ? 0.05 : 0.008
            if (18...67).contains(age) && !providers.isEmpty && rng.chance(assistantChance) {
                let risky = core.listed != nil || familyOfListed[i]
                let employer = risky && !crimeProviders.isEmpty && rng.chance(0.6) ? rng.pick(crimeProviders) : rng.pick(providers)
                var orng = rowRNG(fk, n + i)
                let (orgText, orgCorruptions) = renderer.organisation(orgs.all[employer], style: fk.organisationStyle,
                                                                     personStyle: fk.personStyle, rng: &orng)
                try personRow(fk, i, core, address: true, tail: ["personlig_assistent", orgText, ""], org: (employer, orgText),
                              orgCorruptions: orgCorruptions, key: 2 * n + i)
            }
            if age >= 65 && rng.chance(0.12) {
                try personRow(pm, i, core, address: true, tail: [rng.chance(0.4) ? "alderspension+bostadstillagg" : "alderspension"], key: i)
            }
            for reg in scale where rng.chance(scaleChance) {
                try personRow(reg, i, core, address: true, tail: [], key: i)
            }
            ticker.tick(i + 1)
        }
        try peopleTruth.close()
        try family.close()

        // Pass 4 (§7.2): registers driven by organisations, and their truth.
        let orgTruth = try CSVFileWriter(path: work + "/truth/organisations.csv", header: [
            "organisation", "number", "name", "kind", "form", "employees", "crime_tied", "permit_revoked", "successor_of"])
        let repTruth = try CSVFileWriter(path: work + "/truth/representatives.csv", header: ["organisation", "person", "role"])
        var rowKey = 3 * n
        func orgRow(_ reg: RegisterOut, _ o: Organisation, _ fields: (String) -> [String]) throws {
            var rng = rowRNG(reg, rowKey)
            rowKey += 1
            let (text, corruptions) = renderer.organisation(o, style: reg.organisationStyle, personStyle: reg.personStyle, rng: &rng)
            try reg.emit(fields(text), person: nil, organisation: o.index, corruptions: corruptions)
            orgMask[o.index] |= 1 << reg.bit
        }
        func repRow(_ reg: RegisterOut, _ o: Organisation, _ rep: Int, address: Bool, _ tail: (String) -> [String]) throws {
            var orng = rowRNG(reg, rowKey)
            rowKey += 1
            let (text, corruptions) = renderer.organisation(o, style: reg.organisationStyle, personStyle: reg.personStyle, rng: &orng)
            try personRow(reg, rep, people.core(rep), address: address, tail: tail(text), org: (o.index, text),
                          orgCorruptions: corruptions, key: rowKey)
            rowKey += 1
        }
        var soleTraders = 0, reentries = 0, revoked = 0, crimeTied = 0
        var byKind: [String: Int] = [:]
        let orgTicker = Ticker(total: orgCount, label: "organisations", report: progress)
        for o in orgs.all {
            var rng = SynthRandom(seed: config.seed, domain: .organisation, index: UInt64(o.index) | 1 << 42)
            byKind[o.kind.rawValue, default: 0] += 1
            if o.form == .soleTrader { soleTraders += 1 }
            if o.successorOf != nil { reentries += 1 }
            if o.permitRevoked { revoked += 1 }
            if o.crimeTied { crimeTied += 1 }
            try orgTruth.write([String(o.index), o.number.canonical, o.name, o.kind.rawValue, o.form.rawValue, String(o.employees),
                                o.crimeTied ? "1" : "", o.permitRevoked ? "1" : "", o.successorOf.map(String.init) ?? ""])
            for rep in o.representatives { try repTruth.write([String(o.index), String(rep.person), rep.role.rawValue]) }

            if o.kind == .assistance {
                try orgRow(fk, o) { ["", "", "", "", "", "", "", "anordnare", $0, String(o.employees * rng.range(280...420) * 1000)] }
                for rep in o.representatives {
                    try repRow(fk, o, rep.person, address: true) { ["anordnare_foretradare", $0, ""] }
                }
            }
            let subsidy = o.crimeTied ? 0.25 : [.staffing, .construction, .cleaning, .restaurant].contains(o.kind) ? 0.06 : 0.02
            if o.employees > 0 && rng.chance(subsidy) {
                try orgRow(af, o) { ["", "", "", "", $0, "arbetsgivare", String(rng.range(50...900) * 1000)] }
                for rep in o.representatives { try repRow(af, o, rep.person, address: false) { [$0, "foretradare", ""] } }
            }
            if o.kind.isCare {
                let permit = o.permitRevoked ? "aterkallat" : "beviljat"
                try orgRow(ivo, o) { ["", "", "", "", $0, o.kind.rawValue, "tillstandshavare", permit] }
                for rep in o.representatives {
                    try repRow(ivo, o, rep.person, address: false) { [$0, o.kind.rawValue, rep.role == .chair ? "agare" : "styrelse", permit] }
                }
            }
            for rep in o.representatives {
                try repRow(bolagsverket, o, rep.person, address: false) { [$0, o.name, rep.role.rawValue] }
            }
            if o.employees > 0 {
                try orgRow(skatteverket, o) { [$0, o.name, String(o.employees)] }
            }
            orgTicker.tick(o.index + 1)
        }
        try orgTruth.close()
        try repTruth.close()
        for reg in all + scale { try reg.close() }
        try truthRows.close()
        try writeMappings(registersDir, scaleAgencies: config.scaleAgencies)

        // Overlaps by true identity (§8).
        var personPairs = [Int](repeating: 0, count: 64), orgPairs = [Int](repeating: 0, count: 64)
        var listedIn = [Int](repeating: 0, count: 8)
        let count = all.count
        for i in 0..<n where personMask[i] != 0 {
            let m = personMask[i]
            for a in 0..<count where m & (1 << a) != 0 {
                if m & 1 != 0 { listedIn[a] += 1 }
                for b in (a + 1)..<count where m & (1 << b) != 0 { personPairs[a * 8 + b] += 1 }
            }
        }
        for j in 0..<orgCount where orgMask[j] != 0 {
            let m = orgMask[j]
            for a in 0..<count where m & (1 << a) != 0 {
                for b in (a + 1)..<count where m & (1 << b) != 0 { orgPairs[a * 8 + b] += 1 }
            }
        }
        func pairs(_ table: [Int]) -> [String: Int] {
            var out: [String: Int] = [:]
            for a in 0..<count { for b in (a + 1)..<count where table[a * 8 + b] > 0 { out["\(all[a].id)+\(all[b].id)"] = table[a * 8 + b] } }
            return out
        }
        let summary = SynthSummary(
            seed: config.seed, referenceDate: config.referenceDate.description, people: n,
            testNumbersOnly: identities.usesTestNumbers, samordningsnummer: samordning,
            changedIdentifiers: identities.previous.count, centenarians: centenarians, listed: listed.count,
            organisations: orgCount, organisationsByKind: byKind, soleTraders: soleTraders,
            crimeTiedOrganisations: crimeTied, revokedPermits: revoked, reentries: reentries,
            registers: Dictionary(uniqueKeysWithValues: (all + scale).map { ($0.id, $0.rows) }),
            personOverlaps: pairs(personPairs), organisationOverlaps: pairs(orgPairs),
            listedPeopleIn: Dictionary(uniqueKeysWithValues: (1..<count).map { (all[$0].id, listedIn[$0]) }),
            corruptions: Dictionary(uniqueKeysWithValues: renderer.counts.map { ($0.key.rawValue, $0.value) }),
            rates: Dictionary(uniqueKeysWithValues: config.rates.rates.map { ($0.key.rawValue, $0.value) }),
            seconds: Date().timeIntervalSince(start), nameFigures: figures.figures(config.names))
        guard keep else { return (summary, nil) }
        return (summary, World(config: config, people: people, identities: identities, organisations: orgs,
                               renderer: renderer, registers: all, organisationCount: orgCount))
    }

    /// Skatteverket's register of identity changes (`Protocols/synth.md` §7.5): one row per person
    /// with a previous number (a samordningsnummer replaced by a personnummer, or a corrected
    /// personnummer), in person order, with its mapping. Its own directory, so that the registers
    /// and the truth stay what they were.
    static func writeIdentityChanges(_ identities: Identities, dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let out = try CSVFileWriter(path: dir + "/\(identityChangesRegister).csv", header: ["skv_lopnr", "tidigare_identitet", "identitet"],
                                    delimiter: UInt8(ascii: ";"))
        for (k, i) in identities.previous.keys.sorted().enumerated() {
            try out.write(["SKVID-\(Render.pad(k + 1, 7))", PersonNumber(value: identities.previous[i]!).canonical,
                           PersonNumber(value: identities.current[i]).canonical])
        }
        try out.close()
        try Data((identityChangesMapping + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/\(identityChangesRegister).mapping.json"))
    }

    /// The name of Skatteverket's register of identity changes (`relations/<name>.csv`).
    public static let identityChangesRegister = "skatteverket-identities"
    static let identityChangesMapping = #"{"format": "korskoll-mapping-v1", "delimiter": ";", "recordId": "skv_lopnr", "person": "identitet", "previousPerson": "tidigare_identitet"}"#

    /// The column mapping of each register for `korskoll node encode` (`node.md` §1).
    static func writeMappings(_ dir: String, scaleAgencies: Int) throws {
        var mappings: [String: String] = [
            "polisen": #"{"format": "korskoll-mapping-v1", "delimiter": ";", "recordId": "lopnr", "person": "personnummer", "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodelsedatum"}, "attributes": {"category": "kategori"}}"#,
            "fk": #"{"format": "korskoll-mapping-v1", "delimiter": ",", "recordId": "arende_id", "person": "personnr", "organisation": "anordnare_orgnr", "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodd"}, "address": {"street": "adress", "postcode": "postnr", "town": "ort"}, "attributes": {"role": "roll"}}"#,
            "af": #"{"format": "korskoll-mapping-v1", "delimiter": ",", "recordId": "AFID", "person": "PNR", "organisation": "ORGNR", "fields": {"given_name": "FORNAMN", "surname": "EFTERNAMN", "dob": "FODELSEDATUM"}, "attributes": {"role": "ROLL"}}"#,
            "pm": #"{"format": "korskoll-mapping-v1", "delimiter": ",", "recordId": "pm_id", "person": "identitet", "fields": {"given_name": "namn_for", "surname": "namn_efter", "dob": "fodelsedag"}, "address": {"street": "adress", "postcode": "postnummer", "town": "postort"}, "attributes": {"benefit": "forman"}}"#,
            "ivo": #"{"format": "korskoll-mapping-v1", "delimiter": ",", "recordId": "ivo_nr", "person": "personnummer", "organisation": "organisationsnummer", "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodelsedatum"}, "attributes": {"role": "roll", "permit": "tillstand"}}"#,
            "bolagsverket": #"{"format": "korskoll-mapping-v1", "delimiter": ",", "recordId": "bv_id", "person": "identitet", "organisation": "orgnr", "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodelsedatum"}, "attributes": {"role": "roll"}}"#,
            "skatteverket": #"{"format": "korskoll-mapping-v1", "delimiter": ";", "recordId": "skv_lopnr", "organisation": "arbetsgivare", "attributes": {"employees": "antal_anstallda"}}"#,
        ]
        for k in 1...max(1, scaleAgencies) where scaleAgencies > 0 {
            mappings["agency\(k)"] = #"{"format": "korskoll-mapping-v1", "delimiter": ",", "recordId": "lopnr", "person": "personnummer", "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodelsedatum"}, "address": {"street": "adress", "postcode": "postnr", "town": "ort"}}"#
        }
        for (id, json) in mappings {
            try Data((json + "\n").utf8).write(to: URL(fileURLWithPath: "\(dir)/\(id).mapping.json"))
        }
    }
}

/// Progress at most every half second: count, percent, rate.
final class Ticker {
    private let total: Int
    private let label: String
    private let report: (String) -> Void
    private let start = Date()
    private var last = Date()

    init(total: Int, label: String, report: @escaping (String) -> Void) {
        self.total = total; self.label = label; self.report = report
    }

    func tick(_ done: Int) {
        guard done & 0xFFF == 0 || done == total else { return }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.5 || done == total else { return }
        last = now
        let rate = Double(done) / max(now.timeIntervalSince(start), 1e-9)
        report("\(label) \(done)/\(total) (\(done * 100 / max(total, 1))%), \(Int(rate))/s")
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}

extension Synthesizer {
    public static func summaryJSON(_ s: SynthSummary) throws -> Data { try JSONEncoder.sorted.encode(s) }
}
