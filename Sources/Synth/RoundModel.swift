import Identifiers

/// How fast the population changes between rounds (`Protocols/synth.md` §9.1).
public struct RoundRates: Sendable, Equatable {
    /// New rows at `fk` and at `af` per round, as a share of the register's rows in round 1.
    public var applicants = 0.03
    /// People added to and removed from the police list per round, as a share of round 1's list.
    public var listAdded = 0.05
    public var listRemoved = 0.05
    /// Share of the cases tied in a round's check that the agency decides after the matches.
    public var decided = 0.5
    /// Share of care providers whose payments `fk` stopped that IVO then revokes.
    public var revokedAfterStop = 0.6
    /// Chance per round that a barred person, not yet back, founds a successor company that
    /// applies at another agency.
    public var successor = 0.5
    /// Days between rounds.
    public var days = 30

    public init() {}
}

/// One round's registers and what changed in it (§9.5).
public struct RoundSummary: Codable, Sendable, Equatable {
    public var round: Int
    public var date: String
    /// Rows per register as the round stands.
    public var registers: [String: Int]
    /// Rows of the round's subjects checks (`fk-check.csv`, `af-check.csv`).
    public var checkRows: [String: Int]
    public var listAdded: Int
    public var listRemoved: Int
    /// Cases decided after the previous round's matches that enter each decision list this round.
    public var decisions: [String: Int]
    /// Rows that left a register this round (payment stopped, contract ended).
    public var ended: [String: Int]
    /// Successor companies founded this round by barred people.
    public var successors: Int
    /// Ties per `agreement/kind` (§9.4).
    public var ties: [String: Int]
    public var reentries: Int
}

/// What the first round leaves to the later ones: the population and every row written.
struct World {
    let config: SynthConfig
    let people: People
    let identities: Identities
    var organisations: Organisations
    var renderer: Renderer
    let registers: [RegisterOut]
    let organisationCount: Int
}

/// A register row: its fields (record id first), its true person and organisation, its problems.
struct KeptRow {
    var fields: [String]
    let person: Int?
    let organisation: Int?
    let corruptions: String
    var record: String { fields[0] }
}

/// A register as it stands in a round (§9.2).
final class Table {
    let id: String
    let header: [String]
    let delimiter: Character
    let prefix: String
    let personStyle: PersonStyle
    let organisationStyle: OrganisationStyle
    let policy: GivenNamePolicy
    /// Days between the round's date and the day the register is extracted (§7.4).
    let lag: Int
    /// The key of the register's rows' random streams.
    let key: Int
    var rows: [KeptRow]
    var next: Int
    /// Rows from this index on arrived in the current round: the subjects check (§9.2).
    var checkStart = 0

    init(id: String, header: [String], delimiter: Character = ",", prefix: String, first: Int, personStyle: PersonStyle,
         organisationStyle: OrganisationStyle, policy: GivenNamePolicy, lag: Int, key: Int, rows: [KeptRow] = []) {
        self.id = id; self.header = header; self.delimiter = delimiter; self.prefix = prefix; next = first
        self.personStyle = personStyle; self.organisationStyle = organisationStyle; self.policy = policy
        self.lag = lag; self.key = key; self.rows = rows
    }

    convenience init(_ r: RegisterOut, referenceDay: Int, key: Int) {
        self.init(id: r.id, header: r.header, delimiter: r.delimiter, prefix: r.recordPrefix, first: r.nextRecord,
                  personStyle: r.personStyle, organisationStyle: r.organisationStyle, policy: r.policy,
                  lag: referenceDay - r.extracted, key: key, rows: r.kept ?? [])
    }

    /// Appends a row under a fresh record id.
    func add(_ fields: [String], person: Int?, organisation: Int?, corruptions: [Corruption]) {
        rows.append(KeptRow(fields: [prefix + Render.pad(next, 7)] + fields, person: person, organisation: organisation,
                            corruptions: corruptions.map(\.rawValue).joined(separator: ";")))
        next += 1
    }

    var checkRows: ArraySlice<KeptRow> { rows[checkStart...] }
}

/// A decision an agency takes after a round's matches (§9.2): on a person, or on an organisation
/// with its representatives.
struct Decision {
    /// `fk`, `af` or `ivo`.
    let agency: String
    let person: Int?
    let organisation: Int?
    let decided: Int

    /// The closed set of `decision` values, one per agency.
    static let kinds = ["fk": "payment-stopped", "af": "contract-ended", "ivo": "permit-revoked"]
    var kind: String { Decision.kinds[agency]! }
}
