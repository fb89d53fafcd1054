import Foundation
import Parties
import Sodium

/// Errors of agreements. `code` is stable; `reason` names the key or party at fault.
public struct AgreementError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case malformed = "agreement.malformed"
        case unsigned = "agreement.unsigned"
        case badSignature = "agreement.bad-signature"
        case unknownParty = "agreement.unknown-party"
        /// A submission (or a value in it) that the agreement does not declare for its party
        /// (Protocols/agreements.md §3).
        case undeclared = "agreement.undeclared"
        /// The agreement's file cannot be read.
        case io = "agreement.io"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// A linkage agreement (Protocols/agreements.md §1). The document's bytes are what every party
/// signs; its identity is their SHA-256. Version 2 documents declare each party's attributes
/// (§3); version 1 documents are read with none (§1.1).
public struct Agreement: Sendable, Equatable {
    /// The format this build writes and prefers.
    public static let format = "korskoll-agreement-v2"
    /// The earlier format, still read (Protocols/agreements.md §1.1).
    public static let formatV1 = "korskoll-agreement-v1"
    /// Standing agreements: roles, a validity period and lists that stay (Protocols/agreements.md §5,
    /// Protocols/standing.md).
    public static let formatV3 = "korskoll-agreement-v3"

    /// A party's role in a standing agreement (Protocols/standing.md §1).
    public enum Role: String, Sendable, Codable, CaseIterable {
        /// A list that stands at the coordinator until replaced or expired: the police's situation
        /// report, barred people and companies.
        case reference
        /// Rows to check against the standing lists: payments, decisions, new applicants.
        case subjects
        /// Rows used only to find ties through a representative or an identity change; never a
        /// match of their own.
        case relations
    }
    /// The identifier kinds a party may declare.
    public static let identifierKinds = ["person", "organisation"]
    /// The reader that makes an attribute readable by the coordinator (Protocols/agreements.md §3).
    public static let coordinatorReader = "coordinator"
    /// The per-record fields that come from the linkage itself (Protocols/results.md §2).
    public static let linkageFields = ["category", "evidence", "matchKind", "otherParties", "scoreBand", "ties", "viaRepresentative"]
    /// At most this many bytes in a declared value: sealed values are padded to one length (wire.md §3.2).
    public static let maxValueLength = 47

    /// One attribute a party sends (Protocols/agreements.md §3): its closed set of values and
    /// who may read it.
    public struct Attribute: Codable, Sendable, Equatable {
        public var name: String
        /// The closed set of values; an empty value means absent and is always allowed.
        public var values: [String]
        /// `["coordinator"]`: sent in plain text for matching rules. Otherwise the party ids the
        /// value is sealed to, so the coordinator cannot read it.
        public var readers: [String]

        public init(name: String, values: [String], readers: [String]) {
            self.name = name; self.values = values; self.readers = readers
        }

        /// Whether the coordinator reads the value (plain text on the wire).
        public var coordinatorReadable: Bool { readers == [Agreement.coordinatorReader] }
        /// The parties the value is sealed to; empty when the coordinator reads it.
        public var sealedTo: [String] { coordinatorReadable ? [] : readers }
        /// Whether `value` may be sent: empty (absent) or one of the declared values.
        public func allows(_ value: String) -> Bool { value.isEmpty || values.contains(value) }
    }

    public struct Party: Codable, Sendable, Equatable {
        public var id: String
        /// Identifier kinds the party submits: "person", "organisation".
        public var identifiers: [String]
        /// Whether it submits CLKs under the agreement's schema.
        public var fuzzy: Bool
        /// The attributes it may send (v2; none in a v1 document).
        public var attributes: [Attribute]?
        /// v2 only: reserved, read and checked to be a role name, with no meaning.
        public var role: String?
        /// v3: the party's roles (`reference`, `subjects`, `relations`; one or more, standing.md §1).
        public var roles: [String]?
        /// v3, reference and relations parties: a standing list expires this many days after it
        /// was accepted, unless replaced before (standing.md §3). Absent: at the validity's end.
        public var listRetentionDays: Int?
        /// v3, subjects parties: the most rows its checks may carry in one coordinator UTC day
        /// (standing.md §4, security.md §8). Absent: no bound.
        public var maxCheckRowsPerDay: Int?

        public init(id: String, identifiers: [String], fuzzy: Bool, attributes: [Attribute]? = nil, role: String? = nil,
                    roles: [String]? = nil, listRetentionDays: Int? = nil, maxCheckRowsPerDay: Int? = nil) {
            self.id = id; self.identifiers = identifiers; self.fuzzy = fuzzy; self.attributes = attributes; self.role = role
            self.roles = roles; self.listRetentionDays = listRetentionDays; self.maxCheckRowsPerDay = maxCheckRowsPerDay
        }

        /// The declared attribute named `name`, if any.
        public func attribute(_ name: String) -> Attribute? { attributes?.first { $0.name == name } }
    }

    /// The period a standing agreement is valid, both days included (ISO dates, UTC): required in
    /// v3 (standing.md §2); in v2 read and kept with no meaning.
    public struct Validity: Codable, Sendable, Equatable {
        public var from: String
        public var until: String

        /// Whether the UTC day `day` ("YYYY-MM-DD") lies in the period.
        public func contains(day: String) -> Bool { from <= day && day <= until }
    }

    public struct Output: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case perRecord = "per-record", aggregate }
        /// Name of the output, unique in the agreement.
        public var name: String
        public var recipient: String
        public var kind: Kind
        /// Per-record: which facts the recipient may see ("matchKind", "score", "otherParties", "category").
        public var fields: [String]?
        /// Aggregate: cells below k are suppressed.
        public var k: Int?
    }

    public struct Match: Codable, Sendable, Equatable {
        public var exact: [String]
        /// Hex SHA-256 of the CLK schema; nil without fuzzy matching.
        public var schemaDigest: String?
        public var threshold: Double?
        /// The keyed blocking scheme of fuzzy matching (Protocols/blocking.md); nil compares every pair.
        public var blocking: String?
    }

    struct Document: Codable {
        var format: String
        var id: String
        var version: Int
        var purpose: String
        var legalBasis: String
        var coordinator: String
        var parties: [Party]
        var match: Match
        var outputs: [Output]
        var retentionDays: Int
        var validity: Validity?
        var blinding: Blinding?
    }

    public let bytes: [UInt8]
    public let hash: [UInt8]
    public let id: String
    public let version: Int
    public let purpose: String
    public let legalBasis: String
    public let coordinator: String
    public let parties: [Party]
    public let match: Match
    public let outputs: [Output]
    /// Encodings are deleted at most this many days after the run finishes.
    public let retentionDays: Int
    /// The document's format (`korskoll-agreement-v1`, `-v2` or `-v3`).
    public let documentFormat: String
    /// The validity period: the lifetime of a standing agreement (v3); without meaning in v2.
    public let validity: Validity?
    /// How identifiers are blinded (v2, Protocols/agreements.md §4); keyed hash when absent.
    public let blinding: Blinding

    public var partyIDs: [String] { parties.map(\.id) }

    /// Whether the agreement is standing (v3): lists stay, checks come and go (standing.md).
    public var isStanding: Bool { documentFormat == Self.formatV3 }

    /// Party `id`'s roles in a standing agreement; empty in v1/v2 or when `id` is not a party.
    public func roles(of id: String) -> Set<Role> {
        guard isStanding, let r = party(id)?.roles else { return [] }
        return Set(r.compactMap(Role.init(rawValue:)))
    }

    /// The parties that hold `role` (standing agreements only), in document order.
    public func parties(in role: Role) -> [String] { partyIDs.filter { roles(of: $0).contains(role) } }

    /// How long party `id`'s standing list stays after it was accepted (standing.md §3): its
    /// `listRetentionDays`, or nil when it stands until the validity ends.
    public func listRetentionDays(of id: String) -> Int? { party(id)?.listRetentionDays }

    /// Whether a list of party `id` is run (standing.md §1.1): when an output names the party as a
    /// per-record recipient and the party checks nothing (its per-record outputs answer its
    /// checks when it does). Any other list is stored and not run.
    public func runsList(of id: String) -> Bool {
        !roles(of: id).contains(.subjects) && outputs.contains { $0.kind == .perRecord && $0.recipient == id }
    }

    /// The most rows party `id`'s checks may carry in one UTC day (standing.md §4), or nil.
    public func maxCheckRowsPerDay(of id: String) -> Int? { party(id)?.maxCheckRowsPerDay }

    /// The entry of party `id`, if it is a party.
    public func party(_ id: String) -> Party? { parties.first { $0.id == id } }

    public init(json data: Data, source: String = "agreement") throws {
        let doc: Document
        do { doc = try JSONDecoder().decode(Document.self, from: data) } catch {
            throw AgreementError(.malformed, "\(source) is not a \(Self.format) document: \(error)")
        }
        func bad(_ why: String) -> AgreementError { AgreementError(.malformed, "\(source): \(why)") }
        guard [Self.format, Self.formatV1, Self.formatV3].contains(doc.format) else {
            throw bad("format must be \(Self.format), \(Self.formatV3) (standing) or \(Self.formatV1)")
        }
        guard !doc.parties.isEmpty, Set(doc.partyIDs).count == doc.parties.count else { throw bad("parties must be listed once each") }
        try Self.checkParties(doc, bad)
        if doc.format == Self.formatV3 { try Self.checkStanding(doc, bad) }
        if doc.format != Self.formatV1 {
            // §3.1: a granted field is a fact of the linkage, or an attribute sealed to the recipient.
            for o in doc.outputs {
                for f in o.fields ?? [] where !Self.linkageFields.contains(f) {
                    guard doc.parties.contains(where: { $0.id != o.recipient && $0.attribute(f)?.sealedTo.contains(o.recipient) == true }) else {
                        throw bad("output '\(o.name)' grants '\(f)', which is neither a linkage field (\(Self.linkageFields.joined(separator: ", "))) nor an attribute another party seals to \(o.recipient)")
                    }
                }
            }
        }
        for o in doc.outputs {
            guard doc.partyIDs.contains(o.recipient) else { throw bad("output '\(o.name)' goes to '\(o.recipient)', who is not a party") }
            if o.kind == .aggregate { guard let k = o.k, k >= 1 else { throw bad("aggregate output '\(o.name)' needs k ≥ 1") } }
        }
        guard Set(doc.outputs.map(\.name)).count == doc.outputs.count else { throw bad("output names must be unique") }
        guard doc.retentionDays >= 0 else { throw bad("retentionDays must not be negative") }
        if let b = doc.blinding {
            guard doc.format != Self.formatV1 else { throw bad("blinding needs \(Self.format) or later") }
            try Self.checkBlinding(b, parties: doc.parties, bad)
        }
        if let b = doc.match.blocking { guard b == "korskoll-blocking-v1" else { throw bad("match.blocking '\(b)' is not a known scheme (korskoll-blocking-v1)") } }
        bytes = Array(data)
        hash = SHA256.hash(bytes)
        id = doc.id; version = doc.version; purpose = doc.purpose; legalBasis = doc.legalBasis
        coordinator = doc.coordinator; parties = doc.parties; match = doc.match; outputs = doc.outputs
        retentionDays = doc.retentionDays
        documentFormat = doc.format; validity = doc.validity
        blinding = doc.blinding ?? .keyedHash
    }

    /// Protocols/agreements.md §1, §3: identifier kinds from the known ones; in v2, attributes
    /// named once with a closed set of short values and readers that are the coordinator alone
    /// or parties of the agreement; in v1, no attributes and no reserved keys.
    static func checkParties(_ doc: Document, _ bad: (String) -> AgreementError) throws {
        for p in doc.parties {
            for kind in p.identifiers where !identifierKinds.contains(kind) {
                throw bad("party \(p.id) declares identifier kind '\(kind)'; the kinds are \(identifierKinds.joined(separator: ", "))")
            }
            guard Set(p.identifiers).count == p.identifiers.count else { throw bad("party \(p.id) lists an identifier kind twice") }
            if doc.format == formatV1 {
                guard p.attributes == nil, p.role == nil, p.roles == nil, p.listRetentionDays == nil, p.maxCheckRowsPerDay == nil,
                      doc.validity == nil else {
                    throw bad("attributes, role and validity need \(format)")
                }
                continue
            }
            if doc.format == format, p.roles != nil || p.listRetentionDays != nil || p.maxCheckRowsPerDay != nil {
                throw bad("party \(p.id): roles and listRetentionDays need \(formatV3), as does maxCheckRowsPerDay")
            }
            if let r = p.role, !["reference", "subjects", "relations"].contains(r) {
                throw bad("party \(p.id): role '\(r)' is not reference, subjects or relations")
            }
            let attributes = p.attributes ?? []
            guard attributes.count <= 16 else { throw bad("party \(p.id) declares \(attributes.count) attributes; at most 16") }
            guard Set(attributes.map(\.name)).count == attributes.count else { throw bad("party \(p.id) declares an attribute twice") }
            for a in attributes {
                let at = "party \(p.id), attribute '\(a.name)'"
                guard !a.name.isEmpty, a.name.utf8.count <= 64 else { throw bad("\(at): a name is 1 to 64 bytes") }
                guard !a.values.isEmpty, Set(a.values).count == a.values.count else { throw bad("\(at): values must be a non-empty set") }
                for v in a.values where v.isEmpty || v.utf8.count > maxValueLength || v != v.trimmingCharacters(in: .whitespaces) {
                    throw bad("\(at): value '\(v)' must be 1 to \(maxValueLength) bytes with no surrounding spaces")
                }
                guard !a.readers.isEmpty, Set(a.readers).count == a.readers.count, a.readers.count <= 8 else {
                    throw bad("\(at): readers must be 1 to 8 distinct names")
                }
                if !a.coordinatorReadable {
                    for r in a.readers where !doc.partyIDs.contains(r) {
                        throw bad("\(at): reader '\(r)' is neither \"coordinator\" alone nor a party of the agreement")
                    }
                }
            }
        }
    }

    /// Protocols/agreements.md §5: a standing agreement has a validity period of real days, every
    /// party one or more roles, at least one reference party, list retention only on lists, and per-record
    /// outputs only to parties whose rows are checked (reference or subjects).
    static func checkStanding(_ doc: Document, _ bad: (String) -> AgreementError) throws {
        guard let v = doc.validity else { throw bad("a standing agreement (\(formatV3)) needs validity {from, until}") }
        for d in [v.from, v.until] where !isISODay(d) { throw bad("validity: '\(d)' is not a day YYYY-MM-DD") }
        guard v.from <= v.until else { throw bad("validity: from \(v.from) is after until \(v.until)") }
        var roles: [String: Set<Role>] = [:]
        for p in doc.parties {
            guard p.role == nil else { throw bad("party \(p.id): a standing agreement names roles: [...], not role") }
            let names = p.roles ?? []
            let r = Set(names.compactMap(Role.init(rawValue:)))
            guard !names.isEmpty, r.count == names.count else {
                throw bad("party \(p.id) needs roles: one or more distinct of reference, subjects, relations")
            }
            roles[p.id] = r
            if let days = p.listRetentionDays {
                guard r.contains(.reference) || r.contains(.relations) else {
                    throw bad("party \(p.id): listRetentionDays applies to reference and relations lists, and it submits neither")
                }
                guard days >= 1 else { throw bad("party \(p.id): listRetentionDays must be at least 1") }
            }
            if let rows = p.maxCheckRowsPerDay {
                guard r.contains(.subjects) else { throw bad("party \(p.id): maxCheckRowsPerDay applies to checks, and it submits none") }
                guard rows >= 1 else { throw bad("party \(p.id): maxCheckRowsPerDay must be at least 1") }
            }
        }
        guard roles.values.contains(where: { $0.contains(.reference) }) else { throw bad("a standing agreement needs at least one reference party") }
        for o in doc.outputs where o.kind == .perRecord && roles[o.recipient] == [.relations] {
            throw bad("output '\(o.name)': \(o.recipient) submits relations only, which are never matched; a per-record output needs a reference or subjects party")
        }
    }

    /// Whether `s` is a real day written YYYY-MM-DD.
    static func isISODay(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard s.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    /// The message a party signs: "korskoll/v1/agreement" ‖ 0x00 ‖ SHA-256(document).
    public var signedMessage: [UInt8] { Array("korskoll/v1/agreement".utf8) + [0] + hash }

    public func signature(by keys: PartyKeys) -> [UInt8] { keys.signing.signature(for: signedMessage) }
}

extension Agreement.Document {
    var partyIDs: [String] { parties.map(\.id) }
}

/// The signatures beside an agreement (`<id>.signatures.json`, Protocols/agreements.md §2).
public struct AgreementSignatures: Codable, Sendable, Equatable {
    public static let format = "korskoll-agreement-signatures-v1"
    public struct Entry: Codable, Sendable, Equatable {
        public var party: String
        public var signature: String
    }
    public var format = AgreementSignatures.format
    public var agreementHash: String
    public var signatures: [Entry]

    public init(agreement: Agreement) {
        agreementHash = Hex.encode(agreement.hash)
        signatures = []
    }

    public init(agreementHash: String, signatures: [Entry]) {
        self.agreementHash = agreementHash
        self.signatures = signatures
    }

    /// Adds (or replaces) `keys.party`'s signature.
    public mutating func sign(_ agreement: Agreement, with keys: PartyKeys) {
        signatures.removeAll { $0.party == keys.party }
        signatures.append(Entry(party: keys.party, signature: Data(agreement.signature(by: keys)).base64EncodedString()))
        signatures.sort { $0.party < $1.party }
    }

    /// Throws unless every party of the agreement has a valid signature under its registered key.
    public func verifyComplete(_ agreement: Agreement, registry: Registry, parties: [String]? = nil) throws {
        guard agreementHash == Hex.encode(agreement.hash) else {
            throw AgreementError(.badSignature, "the signatures are for another version of agreement \(agreement.id)")
        }
        for party in parties ?? agreement.partyIDs {
            let entry: Registry.Entry
            do { entry = try registry.entry(party) } catch { throw AgreementError(.unknownParty, "agreement \(agreement.id): party '\(party)' is not in the registry") }
            guard let s = signatures.first(where: { $0.party == party }) else {
                throw AgreementError(.unsigned, "agreement \(agreement.id) is not signed by \(party)")
            }
            guard let sig = Data(base64Encoded: s.signature), entry.keys.signing.isValidSignature(Array(sig), for: agreement.signedMessage) else {
                throw AgreementError(.badSignature, "agreement \(agreement.id): \(party)'s signature does not verify under its registered key")
            }
        }
    }
}
