import Foundation

/// Errors of node ingestion. `code` is stable; `reason` names the file, line, column or flag.
public struct NodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The column mapping document is invalid.
        case invalidMapping = "node.invalid-mapping"
        /// A problem with the export as a whole: unreadable, wrong delimiter, a mapped column
        /// missing, bytes that are not UTF-8. Nothing is written.
        case invalidFile = "node.invalid-file"
        /// The output cannot be written.
        case output = "node.output"
        /// The key ceremony failed: a blob that does not open, has the wrong length or is not
        /// signed by the agreement's lead (api.md §3.2).
        case ceremony = "node.ceremony"
        /// A result that does not open, is not this party's, or does not fit the row map (results.md §4).
        case result = "node.result"
        /// A local file (a secret, the state directory) cannot be written.
        case io = "node.io"
        /// The export has no data rows and empty exports were not allowed (Protocols/node.md §2.7).
        case emptyExport = "node.empty-export"
        /// Rows read ≠ accepted + rejected: a row was lost or counted twice (Protocols/node.md §4.1).
        case rowCount = "node.row-count"
        /// The mapping sends an identifier kind, CLKs or an attribute that the agreement does not
        /// declare for this party, or the agreement is missing or does not fit (Protocols/node.md §5).
        case undeclared = "node.undeclared"
        /// A node configuration (korskoll-node-config-v1) that cannot be read or does not hold
        /// together: a key, the registry or an agreement it names (Protocols/node.md §7).
        case config = "node.config"
        /// Key-holder mode: fewer than t key holders gave a verified answer, or the dealt key or
        /// cache could not be used (Protocols/node.md §8).
        case keyHolders = "node.key-holders"
        /// The result history cannot be read or written, or a result contradicts it (Protocols/node.md §9).
        case history = "node.history"
        /// An outcome that cannot be recorded: an unknown kind, a bad amount or date, a record
        /// never tied in a result (Protocols/node.md §10).
        case outcome = "node.outcome"
        /// A period report that cannot be built or was already sent (Protocols/node.md §11).
        case report = "node.report"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// How an agency's export maps onto a submission (Protocols/node.md §1):
///
///     {"format": "korskoll-mapping-v1", "delimiter": ",", "recordId": COLUMN,
///      "person": COLUMN?, "previousPerson": COLUMN?, "organisation": COLUMN?,
///      "fields": {FEATURE: COLUMN, …}?, "attributes": {NAME: COLUMN, …}?,
///      "address": {"street": COLUMN?, "postcode": COLUMN?, "town": COLUMN?}?}
///
/// `fields` maps the CLK schema's feature identifiers to columns; a feature without a column is
/// encoded as an empty value. `attributes` are short values (category, role) that the agreement
/// must declare for the party, each with its closed set of values; they travel in plain text
/// when the coordinator may read them, sealed to their recipients otherwise (Protocols/node.md §2.5).
/// `address` names the columns of the row's street address (street and number), postcode and town:
/// they become field-level evidence values (Protocols/clk.md §6), never part of the CLK.
public struct ColumnMapping: Sendable, Equatable {
    /// The address columns (Protocols/clk.md §6); at least one is given.
    public struct AddressColumns: Sendable, Equatable {
        public var street: String?
        public var postcode: String?
        public var town: String?
        public init(street: String? = nil, postcode: String? = nil, town: String? = nil) {
            self.street = street; self.postcode = postcode; self.town = town
        }
    }

    public static let format = "korskoll-mapping-v1"
    public var delimiter: UInt8
    public var recordID: String
    public var person: String?
    /// A relations party's previous number of the row's person (a samordningsnummer replaced by
    /// the personnummer in `person`), blinded as `person` (Protocols/node.md §1). Needs `person`.
    public var previousPerson: String?
    public var organisation: String?
    public var fields: [String: String]
    /// In submission order (sorted by name, so the header does not depend on JSON key order).
    public var attributes: [(name: String, column: String)]
    /// The address columns, when the export has them (Protocols/clk.md §6).
    public var address: AddressColumns?

    public static func == (a: ColumnMapping, b: ColumnMapping) -> Bool {
        a.delimiter == b.delimiter && a.recordID == b.recordID && a.person == b.person && a.previousPerson == b.previousPerson && a.organisation == b.organisation
            && a.fields == b.fields && a.address == b.address && a.attributes.map(\.name) == b.attributes.map(\.name) && a.attributes.map(\.column) == b.attributes.map(\.column)
    }

    public init(json data: Data, source: String = "mapping") throws {
        func bad(_ why: String) -> NodeError { NodeError(.invalidMapping, "\(source): \(why)") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw bad("not a JSON object") }
        guard root["format"] as? String == Self.format else { throw bad("format must be \"\(Self.format)\"") }
        for key in root.keys where !["format", "delimiter", "recordId", "person", "previousPerson", "organisation", "fields", "attributes", "address"].contains(key) {
            throw bad("'\(key)' is not a mapping key (delimiter, recordId, person, previousPerson, organisation, fields, attributes, address)")
        }
        let d = root["delimiter"] as? String ?? ","
        guard d.utf8.count == 1, let byte = d.utf8.first, byte != UInt8(ascii: "\""), byte != 10, byte != 13 else {
            throw bad("delimiter must be one ASCII character other than a quote or line break")
        }
        delimiter = byte
        guard let id = root["recordId"] as? String, !id.isEmpty else { throw bad("recordId must name the column of local record ids") }
        recordID = id
        func optionalColumn(_ key: String) throws -> String? {
            guard let v = root[key] else { return nil }
            guard let s = v as? String, !s.isEmpty else { throw bad("\(key) must be a column name") }
            return s
        }
        person = try optionalColumn("person")
        organisation = try optionalColumn("organisation")
        previousPerson = try optionalColumn("previousPerson")
        guard previousPerson == nil || person != nil else { throw bad("previousPerson needs person: the number that replaced it") }
        func columnMap(_ key: String) throws -> [String: String] {
            guard let v = root[key] else { return [:] }
            guard let m = v as? [String: String], m.values.allSatisfy({ !$0.isEmpty }) else { throw bad("\(key) must map names to column names") }
            return m
        }
        fields = try columnMap("fields")
        let attributeMap = try columnMap("attributes")
        guard attributeMap.count <= 16 else { throw bad("at most 16 attributes") }
        for name in attributeMap.keys where name.isEmpty || name.utf8.count > 64 {
            throw bad("attribute name '\(name)' must be 1 to 64 bytes")
        }
        attributes = attributeMap.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let addressMap = try columnMap("address")
        for key in addressMap.keys where !["street", "postcode", "town"].contains(key) {
            throw bad("address.\(key) is not an address part (street, postcode, town)")
        }
        if root["address"] != nil {
            guard !addressMap.isEmpty else { throw bad("address must name at least one of street, postcode, town") }
            address = AddressColumns(street: addressMap["street"], postcode: addressMap["postcode"], town: addressMap["town"])
        }
        guard person != nil || organisation != nil || !fields.isEmpty else {
            throw bad("maps nothing to link on: give person, organisation or fields")
        }
    }
}
