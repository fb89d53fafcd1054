import Foundation

/// A result document (`Protocols/results.md` §2–§3): the writer the coordinator seals and the
/// reader the recipient node and the privacy officer open, side by side. Every member is a key of
/// the JSON object; an absent optional is an absent key. ``encoded`` writes keys in byte order
/// with no white space; ``read(_:)`` goes through ``JSONReader`` and refuses a member of the wrong
/// type by name. The `Decodable` conformance (JSONDecoder) is the reader's reference in the tests.
public struct ResultDocument: Codable, Equatable, Sendable {
    /// `korskoll-result-v1`, the only format there is.
    public static let format = "korskoll-result-v1"

    /// One cell of an aggregate output (results.md §3): a pair of parties and either its count
    /// or `suppressed: true`.
    public struct Cell: Codable, Equatable, Sendable {
        public let a: String
        public let b: String
        public let count: Int?
        public let suppressed: Bool?

        public init(a: String, b: String, count: Int?, suppressed: Bool?) {
            self.a = a; self.b = b; self.count = count; self.suppressed = suppressed
        }
    }

    /// The evidence of a row's link to one other party (results.md §2.2): each member absent when
    /// the coordinator cannot tell it; `party` only when `otherParties` is granted too.
    public struct Evidence: Codable, Equatable, Sendable {
        public let party: String?
        /// `exact-person` or `fuzzy`.
        public let matchKind: String
        /// `agree`, `partial` or `disagree`.
        public let name: String?
        /// `agree` or `disagree`.
        public let birthDate: String?
        /// The 0.05-wide band of the two rows' CLK Dice.
        public let scoreBand: String?
        /// Why the evidence conflicts (`relinked`, `number-disagrees`, `names-disagree`, `fields-disagree`).
        public let conflict: String?
        /// All given names: `agree`, `partial` (some shared) or `disagree` (results.md §2.2).
        public let givenNames: String?
        /// Address: `agree` (same street address), `partial` (same postcode or town only) or `disagree`.
        public let address: String?

        public init(party: String? = nil, matchKind: String, name: String? = nil, birthDate: String? = nil, scoreBand: String? = nil, conflict: String? = nil,
                    givenNames: String? = nil, address: String? = nil) {
            self.party = party; self.matchKind = matchKind; self.name = name; self.birthDate = birthDate
            self.scoreBand = scoreBand; self.conflict = conflict; self.givenNames = givenNames; self.address = address
        }

        var json: JSONValue {
            var o: [String: JSONValue] = ["matchKind": .string(matchKind)]
            if let party { o["party"] = .string(party) }
            if let name { o["name"] = .string(name) }
            if let birthDate { o["birthDate"] = .string(birthDate) }
            if let scoreBand { o["scoreBand"] = .string(scoreBand) }
            if let conflict { o["conflict"] = .string(conflict) }
            if let givenNames { o["givenNames"] = .string(givenNames) }
            if let address { o["address"] = .string(address) }
            return .object(o)
        }

        init(json: JSONValue, at what: String) throws {
            guard case .object = json else { throw ResultDocument.malformed("\(what) is not an object") }
            self.init(party: try ResultDocument.optional(json["party"], \.string, what + ".party"),
                      matchKind: try ResultDocument.required(json["matchKind"], \.string, what + ".matchKind"),
                      name: try ResultDocument.optional(json["name"], \.string, what + ".name"),
                      birthDate: try ResultDocument.optional(json["birthDate"], \.string, what + ".birthDate"),
                      scoreBand: try ResultDocument.optional(json["scoreBand"], \.string, what + ".scoreBand"),
                      conflict: try ResultDocument.optional(json["conflict"], \.string, what + ".conflict"),
                      givenNames: try ResultDocument.optional(json["givenNames"], \.string, what + ".givenNames"),
                      address: try ResultDocument.optional(json["address"], \.string, what + ".address"))
        }

        /// As the node's CSV shows it (results.md §4): `party:kind name=… given=… dob=… address=…
        /// band=… conflict=…`, absent members left out.
        public var text: String {
            var parts = [(party.map { $0 + ":" } ?? "") + matchKind]
            if let name { parts.append("name=" + name) }
            if let givenNames { parts.append("given=" + givenNames) }
            if let birthDate { parts.append("dob=" + birthDate) }
            if let address { parts.append("address=" + address) }
            if let scoreBand { parts.append("band=" + scoreBand) }
            if let conflict { parts.append("conflict=" + conflict) }
            return parts.joined(separator: " ")
        }
    }

    /// One tie of a standing run's subject row to a reference party (results.md §5): how, and the
    /// granted attributes of the reference rows it reached (plain, and sealed to the recipient).
    public struct Tie: Codable, Equatable, Sendable {
        public let party: String
        /// `direct-exact`, `direct-fuzzy` or `via-representative`.
        public let kind: String
        /// Granted attributes the coordinator reads: name → the distinct non-empty values, sorted.
        public let attributes: [String: [String]]?
        /// Granted attributes sealed to the recipient: name → base64 boxes, sorted.
        public let sealed: [String: [String]]?

        public init(party: String, kind: String, attributes: [String: [String]]? = nil, sealed: [String: [String]]? = nil) {
            self.party = party; self.kind = kind; self.attributes = attributes; self.sealed = sealed
        }

        var json: JSONValue {
            var o: [String: JSONValue] = ["party": .string(party), "kind": .string(kind)]
            if let attributes { o["attributes"] = .object(attributes.mapValues { .strings($0) }) }
            if let sealed { o["sealed"] = .object(sealed.mapValues { .strings($0) }) }
            return .object(o)
        }

        init(json: JSONValue, at what: String) throws {
            guard case .object = json else { throw ResultDocument.malformed("\(what) is not an object") }
            self.init(party: try ResultDocument.required(json["party"], \.string, what + ".party"),
                      kind: try ResultDocument.required(json["kind"], \.string, what + ".kind"),
                      attributes: try ResultDocument.optional(json["attributes"], ResultDocument.stringLists, what + ".attributes"),
                      sealed: try ResultDocument.optional(json["sealed"], ResultDocument.stringLists, what + ".sealed"))
        }
    }

    /// One cell of a standing run's aggregate (results.md §5.2): the subject rows tied to one
    /// reference party by one kind, or `suppressed: true` below k.
    public struct TieCount: Codable, Equatable, Sendable {
        public let party: String
        public let kind: String
        public let count: Int?
        public let suppressed: Bool?

        public init(party: String, kind: String, count: Int? = nil, suppressed: Bool? = nil) {
            self.party = party; self.kind = kind; self.count = count; self.suppressed = suppressed
        }

        var json: JSONValue {
            var o: [String: JSONValue] = ["party": .string(party), "kind": .string(kind)]
            if let count { o["count"] = .int(count) }
            if let suppressed { o["suppressed"] = .bool(suppressed) }
            return .object(o)
        }

        init(json: JSONValue, at what: String) throws {
            guard case .object = json else { throw ResultDocument.malformed("\(what) is not an object") }
            self.init(party: try ResultDocument.required(json["party"], \.string, what + ".party"),
                      kind: try ResultDocument.required(json["kind"], \.string, what + ".kind"),
                      count: try ResultDocument.optional(json["count"], \.int, what + ".count"),
                      suppressed: try ResultDocument.optional(json["suppressed"], \.bool, what + ".suppressed"))
        }
    }

    /// An object whose members are all lists of strings, as `sealed` and a tie's `attributes` are.
    static func stringLists(_ v: JSONValue) -> [String: [String]]? {
        v.object.flatMap { o in o.values.allSatisfy { $0.strings != nil } ? o.mapValues { $0.strings! } : nil }
    }

    /// One of the recipient's own rows that links to another party (results.md §2); each
    /// optional member is present only when the agreement grants it.
    public struct Row: Codable, Equatable, Sendable {
        public let row: Int
        public let matchKind: [String]?
        public let otherParties: [String]?
        public let scoreBand: String?
        public let category: [String]?
        public let viaRepresentative: Bool?
        /// Granted attributes sealed to the recipient (results.md §2.1): name → base64 boxes
        /// that only the recipient opens.
        public let sealed: [String: [String]]?
        /// The evidence of each exact-person or fuzzy link (results.md §2.2), when `evidence` is granted.
        public let evidence: [Evidence]?
        /// A standing run's ties of the row (results.md §5), sorted by party and kind, when `ties` is granted.
        public let ties: [Tie]?

        public init(row: Int, matchKind: [String]? = nil, otherParties: [String]? = nil, scoreBand: String? = nil,
                    category: [String]? = nil, viaRepresentative: Bool? = nil, sealed: [String: [String]]? = nil,
                    evidence: [Evidence]? = nil, ties: [Tie]? = nil) {
            self.row = row; self.matchKind = matchKind; self.otherParties = otherParties
            self.scoreBand = scoreBand; self.category = category; self.viaRepresentative = viaRepresentative
            self.sealed = sealed; self.evidence = evidence; self.ties = ties
        }

        /// A granted field as the node's CSV shows it (results.md §4): lists joined by ';', flags as yes/no.
        public func value(_ field: String) -> String {
            switch field {
            case "matchKind": matchKind?.joined(separator: ";") ?? ""
            case "otherParties": otherParties?.joined(separator: ";") ?? ""
            case "scoreBand": scoreBand ?? ""
            case "category": category?.joined(separator: ";") ?? ""
            case "viaRepresentative": viaRepresentative.map { $0 ? "yes" : "no" } ?? ""
            case "evidence": evidence?.map(\.text).joined(separator: ";") ?? ""
            case "conflict": evidence.map { e in e.contains { $0.conflict != nil } ? "yes" : "no" } ?? ""
            // results.md §4: each evidence object's value as `party:value` (or the value), absent ones left out.
            case "givenNames": evidence?.compactMap { e in e.givenNames.map { (e.party.map { $0 + ":" } ?? "") + $0 } }.joined(separator: ";") ?? ""
            case "address": evidence?.compactMap { e in e.address.map { (e.party.map { $0 + ":" } ?? "") + $0 } }.joined(separator: ";") ?? ""
            case "tiedTo": ties.map { Set($0.map(\.party)).sorted().joined(separator: ";") } ?? ""
            case "tieKinds": ties?.map { $0.party + ":" + $0.kind }.joined(separator: ";") ?? ""
            default: ""
            }
        }

        var json: JSONValue {
            var o: [String: JSONValue] = ["row": .int(row)]
            if let matchKind { o["matchKind"] = .strings(matchKind) }
            if let otherParties { o["otherParties"] = .strings(otherParties) }
            if let scoreBand { o["scoreBand"] = .string(scoreBand) }
            if let category { o["category"] = .strings(category) }
            if let viaRepresentative { o["viaRepresentative"] = .bool(viaRepresentative) }
            if let sealed { o["sealed"] = .object(sealed.mapValues { .strings($0) }) }
            if let evidence { o["evidence"] = .array(evidence.map(\.json)) }
            if let ties { o["ties"] = .array(ties.map(\.json)) }
            return .object(o)
        }

        init(json: JSONValue, at index: Int) throws {
            guard case .object = json, let row = json["row"]?.int else { throw ResultDocument.malformed("rows[\(index)] has no integer row") }
            self.init(row: row, matchKind: try ResultDocument.optional(json["matchKind"], \.strings, "rows[\(index)].matchKind"),
                      otherParties: try ResultDocument.optional(json["otherParties"], \.strings, "rows[\(index)].otherParties"),
                      scoreBand: try ResultDocument.optional(json["scoreBand"], \.string, "rows[\(index)].scoreBand"),
                      category: try ResultDocument.optional(json["category"], \.strings, "rows[\(index)].category"),
                      viaRepresentative: try ResultDocument.optional(json["viaRepresentative"], \.bool, "rows[\(index)].viaRepresentative"),
                      sealed: try ResultDocument.optional(json["sealed"], ResultDocument.stringLists, "rows[\(index)].sealed"),
                      evidence: try ResultDocument.optional(json["evidence"], \.array, "rows[\(index)].evidence").map {
                          try $0.enumerated().map { try Evidence(json: $1, at: "rows[\(index)].evidence[\($0)]") }
                      },
                      ties: try ResultDocument.optional(json["ties"], \.array, "rows[\(index)].ties").map {
                          try $0.enumerated().map { try Tie(json: $1, at: "rows[\(index)].ties[\($0)]") }
                      })
        }
    }

    public let format: String
    public let agreement: String
    public let agreementHash: String?
    public let output: String
    public let recipient: String
    /// `per-record` or `aggregate`.
    public let kind: String
    public let runID: String?
    public let submissionID: String?
    public let fields: [String]?
    public let matchedRows: Int?
    public let rows: [Row]?
    public let k: Int?
    public let cells: [Cell]?
    /// A standing run (results.md §5): the check id, the submission the run answers.
    public let check: String?
    /// A standing run: the lists it ran against, party → list submission id.
    public let lists: [String: String]?
    /// A standing run's aggregate: tied subject rows per reference party and kind (results.md §5.2).
    public let tieCounts: [TieCount]?

    public init(format: String = ResultDocument.format, agreement: String, agreementHash: String? = nil, output: String, recipient: String,
                kind: String, runID: String? = nil, submissionID: String? = nil, fields: [String]? = nil, matchedRows: Int? = nil,
                rows: [Row]? = nil, k: Int? = nil, cells: [Cell]? = nil, check: String? = nil, lists: [String: String]? = nil,
                tieCounts: [TieCount]? = nil) {
        self.format = format; self.agreement = agreement; self.agreementHash = agreementHash; self.output = output
        self.recipient = recipient; self.kind = kind; self.runID = runID; self.submissionID = submissionID; self.fields = fields
        self.matchedRows = matchedRows; self.rows = rows; self.k = k; self.cells = cells
        self.check = check; self.lists = lists; self.tieCounts = tieCounts
    }

    /// The per-record CSV's columns after `record_id,line` (results.md §4): each granted field in
    /// order; `evidence` as `evidence` and `conflict`; in a standing result (one with `check`),
    /// `ties` as `tiedTo` and `tieKinds` (§5.3).
    public var csvFields: [String] {
        (fields ?? []).flatMap { f -> [String] in
            switch f {
            case "evidence": ["evidence", "conflict", "givenNames", "address"]
            case "ties" where check != nil: ["tiedTo", "tieKinds"]
            default: [f]
            }
        }
    }

    // MARK: Writing

    /// The document as a JSON value (results.md §2): absent optionals are absent keys.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "format": .string(format), "agreement": .string(agreement), "output": .string(output),
            "recipient": .string(recipient), "kind": .string(kind),
        ]
        if let agreementHash { o["agreementHash"] = .string(agreementHash) }
        if let runID { o["runID"] = .string(runID) }
        if let submissionID { o["submissionID"] = .string(submissionID) }
        if let fields { o["fields"] = .strings(fields) }
        if let matchedRows { o["matchedRows"] = .int(matchedRows) }
        if let rows { o["rows"] = .array(rows.map(\.json)) }
        if let k { o["k"] = .int(k) }
        if let cells {
            o["cells"] = .array(cells.map { c in
                var m: [String: JSONValue] = ["a": .string(c.a), "b": .string(c.b)]
                if let n = c.count { m["count"] = .int(n) }
                if let s = c.suppressed { m["suppressed"] = .bool(s) }
                return .object(m)
            })
        }
        if let check { o["check"] = .string(check) }
        if let lists { o["lists"] = .object(lists.mapValues { .string($0) }) }
        if let tieCounts { o["tieCounts"] = .array(tieCounts.map(\.json)) }
        return .object(o)
    }

    /// The document's bytes: keys in byte order, no white space (results.md §2).
    public var encoded: [UInt8] { json.encoded }

    // MARK: Reading

    /// Why a document could not be read: the member and what is wrong with it.
    public struct Malformed: Error, CustomStringConvertible, Sendable {
        /// Stable code: `result.malformed`.
        public static let code = "result.malformed"
        public let reason: String
        public var description: String { "result document: \(reason)" }
    }

    static func malformed(_ what: String) -> Malformed { Malformed(reason: what) }

    /// An absent or null member is nil; a present one must have the type.
    static func optional<T>(_ value: JSONValue?, _ get: (JSONValue) -> T?, _ what: String) throws -> T? {
        guard let value, value != .null else { return nil }
        guard let v = get(value) else { throw malformed("\(what) has the wrong type") }
        return v
    }

    static func required<T>(_ value: JSONValue?, _ get: (JSONValue) -> T?, _ what: String) throws -> T {
        guard let v = try optional(value, get, what) else { throw malformed("\(what) is missing") }
        return v
    }

    /// Reads a result document's bytes through ``JSONReader``.
    public static func read(_ data: Data) throws -> ResultDocument {
        let json: JSONValue
        do { json = try JSONReader.parse(data) } catch let e as JSONReader.Failure { throw malformed(e.description) }
        return try ResultDocument(json: json)
    }

    /// Reads a document from a parsed JSON value.
    public init(json: JSONValue) throws {
        guard case .object = json else { throw Self.malformed("not a JSON object") }
        let rows = try Self.optional(json["rows"], \.array, "rows").map { try $0.enumerated().map { try Row(json: $1, at: $0) } }
        let cells = try Self.optional(json["cells"], \.array, "cells").map {
            try $0.enumerated().map { i, c -> Cell in
                guard case .object = c else { throw Self.malformed("cells[\(i)] is not an object") }
                return Cell(a: try Self.required(c["a"], \.string, "cells[\(i)].a"), b: try Self.required(c["b"], \.string, "cells[\(i)].b"),
                            count: try Self.optional(c["count"], \.int, "cells[\(i)].count"),
                            suppressed: try Self.optional(c["suppressed"], \.bool, "cells[\(i)].suppressed"))
            }
        }
        self.init(format: try Self.required(json["format"], \.string, "format"), agreement: try Self.required(json["agreement"], \.string, "agreement"),
                  agreementHash: try Self.optional(json["agreementHash"], \.string, "agreementHash"),
                  output: try Self.required(json["output"], \.string, "output"), recipient: try Self.required(json["recipient"], \.string, "recipient"),
                  kind: try Self.required(json["kind"], \.string, "kind"), runID: try Self.optional(json["runID"], \.string, "runID"),
                  submissionID: try Self.optional(json["submissionID"], \.string, "submissionID"),
                  fields: try Self.optional(json["fields"], \.strings, "fields"),
                  matchedRows: try Self.optional(json["matchedRows"], \.int, "matchedRows"), rows: rows,
                  k: try Self.optional(json["k"], \.int, "k"), cells: cells,
                  check: try Self.optional(json["check"], \.string, "check"),
                  lists: try Self.optional(json["lists"], { v in
                      v.object.flatMap { o in o.values.allSatisfy { $0.string != nil } ? o.mapValues { $0.string! } : nil }
                  }, "lists"),
                  tieCounts: try Self.optional(json["tieCounts"], \.array, "tieCounts").map {
                      try $0.enumerated().map { try TieCount(json: $1, at: "tieCounts[\($0)]") }
                  })
    }
}
