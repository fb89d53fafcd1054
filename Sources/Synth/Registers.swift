import Identifiers
import Tabular

/// One agency's export and its share of the truth (`Protocols/synth.md` §7).
final class RegisterOut {
    let id: String
    let bit: Int
    let personStyle: PersonStyle
    let organisationStyle: OrganisationStyle
    let header: [String]
    let delimiter: Character
    let recordPrefix: String
    private let csv: CSVFileWriter
    private let truth: CSVFileWriter
    private(set) var nextRecord: Int
    private(set) var rows = 0
    /// Every row written, kept when later rounds will carry the register on (synth.md §9); nil
    /// for one round, which keeps nothing.
    var kept: [KeptRow]?
    /// Which given names the register writes and the day it was extracted (§7.4); in the small
    /// setting every register writes the whole string on the reference date.
    var policy: GivenNamePolicy = .all
    var extracted = 0

    init(id: String, bit: Int, directory: String, header: [String], delimiter: Character = ",",
         recordPrefix: String, firstRecord: Int, personStyle: PersonStyle, organisationStyle: OrganisationStyle,
         truth: CSVFileWriter) throws {
        self.id = id
        self.bit = bit
        self.personStyle = personStyle
        self.organisationStyle = organisationStyle
        self.truth = truth
        self.header = header
        self.delimiter = delimiter
        self.recordPrefix = recordPrefix
        nextRecord = firstRecord
        csv = try CSVFileWriter(path: "\(directory)/\(id).csv", header: header, delimiter: delimiter.asciiValue!)
    }

    /// Writes a row whose first field is a fresh local record id.
    func emit(_ fields: [String], person: Int?, organisation: Int?, corruptions: [Corruption]) throws {
        let record = recordPrefix + Render.pad(nextRecord, 7)
        nextRecord += 1
        let problems = corruptions.map(\.rawValue).joined(separator: ";")
        try csv.write([record] + fields)
        try truth.write([id, record, person.map(String.init) ?? "", organisation.map(String.init) ?? "", problems])
        kept?.append(KeptRow(fields: [record] + fields, person: person, organisation: organisation, corruptions: problems))
        rows += 1
    }

    func close() throws { try csv.close() }
}

/// What a register row says about a person, after the export's problems (§6).
struct PersonCells {
    var identity: String
    var given: String
    var surname: String
    var birth: String
    var address: Address
    var corruptions: [Corruption]
}

struct Renderer {
    let people: People
    let identities: Identities
    let rates: CorruptionRates
    let referenceYear: Int
    var counts: [Corruption: Int] = [:]

    func birthDay(_ i: Int, _ core: PersonCore) -> Int {
        PersonNumber(value: identities.current[i]).statedBirth.map { Days.from($0) } ?? core.birth
    }

    func sex(_ i: Int) -> Sex { PersonNumber(value: identities.current[i]).sex }

    /// A row of person `i` as a register extracted on `extracted` (a day) writes it, with its
    /// given names under `policy` (§7.4); `writesAddress` says whether a move can show.
    mutating func person(_ i: Int, _ core: PersonCore, style: PersonStyle, policy: GivenNamePolicy = .all,
                         extracted: Int, writesAddress: Bool, rng: inout SynthRandom) -> PersonCells {
        var corruptions: [Corruption] = []
        var number = PersonNumber(value: identities.current[i])
        if let old = identities.previous[i], rng.chance(0.5) {
            number = PersonNumber(value: old)
            corruptions.append(.idChanged)
        }
        var identity = ""
        if rng.chance(rates[.idMissing]) {
            corruptions.append(.idMissing)
        } else {
            var style = style
            if rng.chance(rates[.formatMixed]) {
                let other = PersonStyle.allCases.filter { $0 != style }
                style = rng.pick(other)
                corruptions.append(.formatMixed)
            }
            if rng.chance(rates[.idTypoValid]) {
                number = PersonNumber(value: identities.validTypo(of: number.value, rng: &rng))
                corruptions.append(.idTypoValid)
            }
            let centenarian = referenceYear - number.year >= 100
            var losePlus = false
            if rng.chance(rates[.century]) {
                if centenarian && (style == .tenDash || style == .tenPlain) {
                    losePlus = true
                    corruptions.append(.century)
                } else if !identities.usesTestNumbers && (style == .twelve || style == .twelveDash) {
                    let year = number.year + 100 <= referenceYear ? number.year + 100 : number.year - 100
                    number = PersonNumber(value: UInt64(year) * 100_000_000 + number.value % 100_000_000)
                    corruptions.append(.century)
                }
            }
            identity = Render.person(number, style: style, centenarian: centenarian, losePlus: losePlus)
            if rng.chance(rates[.idTypoCaught]) {
                identity = Render.caughtTypo(identity, rng: &rng)
                corruptions.append(.idTypoCaught)
            }
        }
        var given = core.given(policy)
        var (surname, oldSurname) = core.surname(on: extracted)
        if oldSurname { corruptions.append(.surnameChanged) }
        let birth = birthDay(i, core)
        if sex(i) == .female && (people.referenceDay - birth) / 365 >= 20 && rng.chance(rates[.marriedName]) {
            // One value of the stream either way, so the row's later draws are the same in both settings.
            let other = people.names == .small ? Tables.surnameNative.draw(&rng) : RealisticNames.surnameNative.draw(&rng)
            if other != surname {
                surname = rng.chance(0.3) ? "\(surname)-\(other)" : other
                corruptions.append(.marriedName)
            }
        }
        if rng.chance(rates[.nameVariant]) {
            if rng.chance(0.5) { given = Render.variant(given, rng: &rng) } else { surname = Render.variant(surname, rng: &rng) }
            corruptions.append(.nameVariant)
        }
        if rng.chance(rates[.nameSwap]) {
            swap(&given, &surname)
            corruptions.append(.nameSwap)
        }
        var birthText = Days.iso(birth)
        if rng.chance(rates[.dobMissing]) {
            birthText = ""
            corruptions.append(.dobMissing)
        }
        var (address, oldAddress) = core.address(on: extracted)
        if oldAddress && writesAddress { corruptions.append(.moved) }
        if rng.chance(rates[.addressMoved]) {
            address = Address.draw(&rng)
            corruptions.append(.addressMoved)
        }
        for c in corruptions { counts[c, default: 0] += 1 }
        return PersonCells(identity: identity, given: given, surname: surname, birth: birthText, address: address, corruptions: corruptions)
    }

    mutating func organisation(_ o: Organisation, style: OrganisationStyle, personStyle: PersonStyle,
                               rng: inout SynthRandom) -> (String, [Corruption]) {
        if rng.chance(rates[.idMissing]) {
            counts[.orgIDMissing, default: 0] += 1
            return ("", [.orgIDMissing])
        }
        var corruptions: [Corruption] = []
        var style = style
        if rng.chance(rates[.formatMixed]) {
            style = rng.pick(OrganisationStyle.allCases.filter { $0 != style })
            corruptions.append(.orgFormatMixed)
        }
        let centenarian = o.number.soleTrader && referenceYear - PersonNumber(value: o.number.value).year >= 100
        var text = Render.organisation(o.number, style: style, personStyle: personStyle, centenarian: centenarian)
        if rng.chance(rates[.idTypoCaught]) {
            text = Render.caughtTypo(text, rng: &rng)
            corruptions.append(.orgIDTypoCaught)
        }
        for c in corruptions { counts[c, default: 0] += 1 }
        return (text, corruptions)
    }
}
