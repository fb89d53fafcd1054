import Wire

/// One party's submitted rows, as the coordinator holds them for a run: pseudonyms in
/// contiguous columns, CLKs as contiguous words, blocking keys as words (0 absent).
public struct PartyRows: @unchecked Sendable {
    /// The party's id in the agreement.
    public let party: String
    /// The names of the attributes each row carries, in order (e.g. `category`).
    public let attributeNames: [String]
    /// The sealed attributes each row carries (Protocols/wire.md §3.2), with their recipients.
    public let sealedAttributes: [Submission.SealedAttributeName]
    /// The length of every CLK in bytes (0: the party sends none).
    public let clkBytes: Int
    /// Blocking key kinds per row (0: none).
    public let blockingKeys: Int
    var person: BlindedColumn
    var organisation: BlindedColumn
    /// The rows that record an identity change (Protocols/matching.md §5.9): the row, the
    /// previous person value and the current one (the row's `person`). Few, so kept apart.
    var identityChanges: [(row: Int, previous: BlindKey, current: BlindKey)] = []
    var clkWords: [UInt64] = []
    var hasCLK: [Bool] = []
    var blocks: [UInt64] = []
    /// Field-level evidence values (Protocols/clk.md §6, wire.md §3.4): address, postcode, town
    /// (3 per row) and given names (4 per row), 0 absent. Empty until a row carries them, so a
    /// party without them costs nothing.
    var addressValues: [UInt32] = []
    var givenNameValues: [UInt32] = []
    var attributes: [[String]] = []
    /// Per row, per sealed attribute, the recipients' boxes concatenated (empty without sealed attributes).
    var sealed: [[[UInt8]]] = []
    /// Rows appended so far.
    public private(set) var count = 0
    var words: Int { (clkBytes + 7) / 8 }

    /// Empty rows for `capacity` records (a submission's header gives the count).
    public init(party: String, attributeNames: [String], capacity: Int, clkBytes: Int, blockingKeys: Int = 0,
                sealedAttributes: [Submission.SealedAttributeName] = []) {
        self.party = party
        self.attributeNames = attributeNames
        self.sealedAttributes = sealedAttributes
        self.clkBytes = clkBytes
        self.blockingKeys = blockingKeys
        person = BlindedColumn(capacity: capacity)
        organisation = BlindedColumn(capacity: capacity)
        clkWords.reserveCapacity(capacity * ((clkBytes + 7) / 8))
        hasCLK.reserveCapacity(capacity)
        blocks.reserveCapacity(capacity * blockingKeys)
        attributes.reserveCapacity(capacity)
    }

    /// Appends one record. Precondition: fewer than `capacity` rows so far, and a CLK, when
    /// present, of `clkBytes` bytes.
    public mutating func append(_ r: Submission.Record) {
        person.append(r.person)
        organisation.append(r.organisation)
        if let p = r.previousPerson, let c = r.person {
            identityChanges.append((count, BlindKey(blindWords(p)), BlindKey(blindWords(c))))
        }
        let start = clkWords.count
        for _ in 0..<words { clkWords.append(0) }
        if let c = r.clk {
            precondition(c.count == clkBytes)
            clkWords.withUnsafeMutableBytes { raw in
                raw.baseAddress!.advanced(by: start * 8).copyMemory(from: c, byteCount: c.count)
            }
        }
        hasCLK.append(r.clk != nil)
        for k in 0..<blockingKeys { blocks.append(r.blocks.map { $0[k] } ?? 0) }
        Self.appendValues(r.address, width: Submission.addressValues, rows: count, to: &addressValues)
        Self.appendValues(r.givenNames, width: Submission.givenNameValues, rows: count, to: &givenNameValues)
        attributes.append(r.attributes)
        if !sealedAttributes.isEmpty { sealed.append(r.sealed) }
        count += 1
    }

    /// Appends a row's `width` values to `column`, or zeros when it has none; fills the earlier
    /// `rows` rows with zeros when this is the first row that has some.
    private static func appendValues(_ v: [UInt32]?, width: Int, rows: Int, to column: inout [UInt32]) {
        if let v {
            precondition(v.count == width)
            if column.isEmpty { column = [UInt32](repeating: 0, count: rows * width) }
            column += v
        } else if !column.isEmpty {
            column += [UInt32](repeating: 0, count: width)
        }
    }

    /// Row `i`'s address, postcode and town values (0 absent); nil when the party sends none.
    func address(_ i: Int) -> ArraySlice<UInt32>? {
        addressValues.isEmpty ? nil : addressValues[(i * Submission.addressValues)..<((i + 1) * Submission.addressValues)]
    }

    /// Row `i`'s given-name values, sorted, zeros last; nil when the party sends none.
    func givenNames(_ i: Int) -> ArraySlice<UInt32>? {
        givenNameValues.isEmpty ? nil : givenNameValues[(i * Submission.givenNameValues)..<((i + 1) * Submission.givenNameValues)]
    }

    /// Reads a verified submission to its end (content hash and counts checked there).
    public init(opened: Submission.Opened) throws {
        let h = opened.header
        self.init(party: h.party, attributeNames: h.attributes, capacity: Int(h.rows), clkBytes: h.clkBytes, blockingKeys: h.blockingKeys,
                  sealedAttributes: h.sealedAttributes)
        while let r = try opened.next() { append(r) }
    }
}

/// A 32-byte value as the four little-endian words a ``BlindedColumn`` holds.
func blindWords(_ v: [UInt8]) -> (UInt64, UInt64, UInt64, UInt64) {
    precondition(v.count == 32)
    return v.withUnsafeBytes { b in
        (UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 0, as: UInt64.self)), UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
         UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt64.self)), UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }
}

/// Where each party's rows start in the run-wide row numbering (one more entry: the total).
func rowOffsets(_ rows: [PartyRows]) -> [Int] {
    rows.reduce(into: [0]) { $0.append($0.last! + $1.count) }
}
