import Agreements
import Blinding
import CLKEncoding
import Dispatch
import Identifiers
import Sodium
import Tabular
import Wire

/// One row's outcome: the submission record (nil if the row is rejected) and its problems.
struct RowResult: Sendable {
    var record: [UInt8]?
    var recordID = ""
    var problems: [RowProblem] = []
    var hasPerson = false, hasOrganisation = false, hasCLK = false, testNumber = false, centuryFromBirthDate = false
    /// Key-holder mode (Protocols/node.md §8): the record waits for its pseudonyms, and the
    /// canonical identifiers (with their namespaces) that the key holders must evaluate.
    var pending: Submission.Record?
    var pendingPerson: (namespace: IdentifierNamespace, canonical: String)?
    var pendingPreviousPerson: (namespace: IdentifierNamespace, canonical: String)?
    var pendingOrganisation: (namespace: IdentifierNamespace, canonical: String)?
}

/// Protocols/node.md §2.6: the record ids seen so far, each with the line of the first row that
/// carried it. One entry per distinct id.
struct RecordIDRegister {
    private var first: [String: Int]

    /// `expected`: about how many rows the export holds, so the table is sized once instead of
    /// growing (and rehashing every id) as it fills.
    init(expected: Int = 0) { first = Dictionary(minimumCapacity: max(16, expected)) }

    /// Records `id` as seen on `line`; returns the earlier line if another row already had it.
    mutating func claim(_ id: String, line: Int) -> Int? {
        if let earlier = first[id] { return earlier }
        first[id] = line
        return nil
    }
}

/// The column positions and encoders for one export; processes rows on several threads
/// (Protocols/node.md §2).
struct RowPlan: @unchecked Sendable {
    let columns: Int
    let recordID: Int
    let person: (index: Int, name: String)?
    /// A relations party's previous number of the row's person (Protocols/node.md §1).
    let previousPerson: (index: Int, name: String)?
    let organisation: (index: Int, name: String)?
    /// For each schema feature: its column (nil: encoded as empty) and column name.
    let features: [(index: Int?, name: String)]
    /// Plain attributes (for the coordinator) and sealed ones (to their recipients), in
    /// submission order, each with its column, the column's name and its declared values.
    let attributes: [(index: Int, name: String, column: String, values: Set<String>)]
    let sealed: [(index: Int, name: String, column: String, values: Set<String>, recipients: [(party: String, key: X25519.PublicKey)])]
    let normalizer: Normalizer
    let personBlinder: IdentifierBlinder
    let organisationBlinder: IdentifierBlinder
    /// Key-holder mode: identifiers are blinded by the key holders after the batch, not here.
    let keyHolderMode: Bool
    let clk: CLKEncoder?
    /// The blocking keyer and the schema positions of given name, surname and birth date.
    let blocking: (keyer: BlockingKeyer, given: Int, surname: Int, dob: Int)?
    /// Field-level evidence (Protocols/clk.md §6): the keyer, the schema positions of given name
    /// and birth date, and the address columns; with blocking only.
    let evidence: (keyer: EvidenceKeyer, given: Int, dob: Int, street: Int?, postcode: Int?, town: Int?)?
    var clkBytes: Int { clk?.encodedByteCount ?? 0 }

    /// Checks the header against the mapping and the schema; every problem here is about the
    /// file or the mapping, so it stops the run before anything is written.
    init(header: [String], job: IngestJob) throws {
        let m = job.mapping
        var position: [String: Int] = [:]
        var duplicates = Set<String>()
        for (i, name) in header.enumerated() where position.updateValue(i, forKey: name) != nil { duplicates.insert(name) }
        func column(_ name: String, role: String) throws -> Int {
            guard !duplicates.contains(name) else {
                throw NodeError(.invalidFile, "\(job.input): column '\(name)' (\(role)) appears more than once in the header")
            }
            guard let i = position[name] else {
                var why = "\(job.input): the header has no column '\(name)' (\(role))"
                let delimiter = Character(Unicode.Scalar(m.delimiter))
                if header.count == 1, let other = [";", "\t", ",", "|"].first(where: { $0 != delimiter && header[0].contains($0) }) {
                    why += "; the header looks \(other == "\t" ? "tab" : "'\(other)'")-separated, but the mapping's delimiter is '\(delimiter)'"
                }
                // Protocols/node.md §2.1: the reader skips one BOM at the start; a second one, or
                // one elsewhere, stays in a name and is named here rather than left invisible.
                if let marked = header.firstIndex(where: { $0.unicodeScalars.contains("\u{FEFF}") }) {
                    why += "; header column \(marked + 1) holds a byte order mark (U+FEFF), which is not part of any column name"
                }
                throw NodeError(.invalidFile, why)
            }
            return i
        }
        columns = header.count
        recordID = try column(m.recordID, role: "recordId")
        person = try m.person.map { (try column($0, role: "person"), $0) }
        organisation = try m.organisation.map { (try column($0, role: "organisation"), $0) }
        previousPerson = try m.previousPerson.map { (try column($0, role: "previousPerson"), $0) }
        (attributes, sealed) = try Self.declaredAttributes(job: job, column: column)
        if let schema = job.schema {
            let known = Set(schema.features.map(\.identifier))
            for name in m.fields.keys.sorted() where !known.contains(name) {
                throw NodeError(.invalidMapping, "mapping: fields.\(name) is not a feature of the CLK schema (\(schema.features.map(\.identifier).joined(separator: ", ")))")
            }
            features = try schema.features.map { f in
                guard let c = m.fields[f.identifier] else { return (nil, f.identifier) }
                return (try column(c, role: "field \(f.identifier)"), c)
            }
            clk = try CLKEncoder(schema: schema, secret: job.keys.clkSecret(), emptyValuesSetNoBits: true)
            if job.blocking {
                let ids = schema.features.map(\.identifier), f = BlockingKeyer.features
                guard let g = ids.firstIndex(of: f.givenName), let s = ids.firstIndex(of: f.surname), let d = ids.firstIndex(of: f.dob) else {
                    throw NodeError(.invalidMapping, "blocking \(BlockingKeyer.scheme) reads the schema features \(f.givenName), \(f.surname) and \(f.dob); the schema has \(ids.joined(separator: ", "))")
                }
                blocking = (BlockingKeyer(keys: job.keys), g, s, d)
                let a = m.address
                evidence = (EvidenceKeyer(keys: job.keys), g, d, try a?.street.map { try column($0, role: "address.street") },
                            try a?.postcode.map { try column($0, role: "address.postcode") }, try a?.town.map { try column($0, role: "address.town") })
            } else {
                blocking = nil
                evidence = nil
            }
        } else {
            guard !job.blocking else { throw NodeError(.invalidMapping, "blocking needs a CLK schema with names and a birth date") }
            blocking = nil
            evidence = nil
            guard m.fields.isEmpty else { throw NodeError(.invalidMapping, "mapping: fields are given but there is no CLK schema") }
            features = []
            clk = nil
        }
        normalizer = Normalizer(referenceDate: job.referenceDate)
        personBlinder = IdentifierBlinder(keys: job.keys, namespace: .person)
        organisationBlinder = IdentifierBlinder(keys: job.keys, namespace: .organisation)
        keyHolderMode = job.keyHolderBlinding != nil
    }

    /// Protocols/node.md §5: the mapping may send only what the agreement declares for this
    /// party: its identifier kinds, CLKs if fuzzy, and declared attributes, each sealed to the
    /// recipients the agreement names. Without an agreement the mapping may send no attribute.
    static func declaredAttributes(job: IngestJob, column: (String, String) throws -> Int) throws
        -> ([(index: Int, name: String, column: String, values: Set<String>)],
            [(index: Int, name: String, column: String, values: Set<String>, recipients: [(party: String, key: X25519.PublicKey)])]) {
        let m = job.mapping
        guard let agreement = job.agreement else {
            guard m.attributes.isEmpty else {
                throw NodeError(.undeclared, "the mapping sends attributes (\(m.attributes.map(\.name).joined(separator: ", "))); give --agreement so that they are checked against the values it declares")
            }
            return ([], [])
        }
        let party = job.party.party
        let kinds = Set((m.person != nil ? ["person"] : []) + (m.organisation != nil ? ["organisation"] : []))
        do {
            try agreement.checkDeclared(party: party, sends: SentShape(
                identifierKinds: kinds, clks: !m.fields.isEmpty && job.schema != nil,
                attributes: m.attributes.map { (name: $0.name, sealedTo: agreement.party(party)?.attribute($0.name)?.sealedTo ?? []) },
                previousPerson: m.previousPerson != nil))
        } catch let e as AgreementError { throw NodeError(.undeclared, "mapping: \(e.reason)") }
        let columns = Dictionary(uniqueKeysWithValues: m.attributes.map { ($0.name, $0.column) })
        var plain: [(index: Int, name: String, column: String, values: Set<String>)] = []
        var sealed: [(index: Int, name: String, column: String, values: Set<String>, recipients: [(party: String, key: X25519.PublicKey)])] = []
        for a in agreement.declaredAttributes(of: party) {
            guard let c = columns[a.name] else { continue }
            let index = try column(c, "attribute \(a.name)")
            if a.coordinatorReadable {
                plain.append((index, a.name, c, Set(a.values)))
            } else {
                let recipients = try a.sealedTo.map { r -> (party: String, key: X25519.PublicKey) in
                    guard let key = job.sealingKeys[r] else {
                        throw NodeError(.undeclared, "attribute \(a.name) is sealed to \(r), whose public key is not known (give --registry)")
                    }
                    return (r, key)
                }
                sealed.append((index, a.name, c, Set(a.values), recipients))
            }
        }
        return (plain, sealed)
    }

    func process(_ rows: [(line: Int, fields: [String])], threads: Int) -> [RowResult] {
        let n = rows.count
        guard n > 0 else { return [] }
        var results = [RowResult](repeating: RowResult(), count: n)
        let chunks = max(1, min(threads * 4, n))
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let target = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let scratch = Scratch(self)
                for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                    target[i] = process(line: rows[i].line, fields: rows[i].fields, scratch: scratch)
                }
            }
        }
        return results
    }

    /// Per-thread state: blinding scratch and a CLK workspace.
    final class Scratch {
        let blake: BLAKE2b.State
        let workspace: CLKEncoder.Workspace?
        let blocking: BLAKE2b.State?
        let phonetic = BlockingKeyer.PhoneticMemo()
        let evidence: BLAKE2b.State?
        init(_ plan: RowPlan) {
            evidence = plan.evidence?.keyer.makeScratch()
            blake = plan.personBlinder.makeScratch()
            workspace = plan.clk?.makeWorkspace()
            blocking = plan.blocking?.keyer.makeScratch()
        }
    }

    /// Protocols/node.md §2.2.1: a personnummer or samordningsnummer whose year within the
    /// century, month and day agree with the row's own birth date, but whose century does not,
    /// takes the birth date's century (a centenarian's `+` written as `-`, or a wrong century
    /// in a 12-digit form). The check digit covers only the last ten digits, so it still holds.
    static func reconcileCentury(_ canonical: String, kind: CanonicalKind, birthDate: String?) -> String? {
        guard let birthDate, kind != .organisationsnummer, canonical.count == 12 else { return nil }
        let b = Array(birthDate.utf8), c = Array(canonical.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              b.allSatisfy({ $0 == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        let digits = b.filter { $0 != UInt8(ascii: "-") }
        var day = Int(c[6] - 48) * 10 + Int(c[7] - 48)
        if kind == .samordningsnummer { day -= 60 }
        let dayDigits: [UInt8] = [UInt8(48 + max(0, day) / 10), UInt8(48 + max(0, day) % 10)]
        guard Array(digits[2..<6]) == Array(c[2..<6]), Array(digits[6..<8]) == dayDigits, digits[0..<2] != c[0..<2] else { return nil }
        return String(decoding: digits[0..<2] + c[2...], as: UTF8.self)
    }

    private func blind(_ value: String, column: String, as kind: IdentifierKind, line: Int,
                       result: inout RowResult, scratch: Scratch, birthDate: String? = nil,
                       pending: WritableKeyPath<RowResult, (namespace: IdentifierNamespace, canonical: String)?>) -> [UInt8]? {
        guard !value.allSatisfy({ $0.isWhitespace }) else { return nil }
        switch normalizer.normalize(value, as: kind) {
        case .failure(let e):
            result.problems.append(RowProblem(line: line, field: column, code: e.code.rawValue, reason: e.reason, action: .fieldDropped))
            return nil
        case .success(let id):
            if id.flags.contains(.testNumber) { result.testNumber = true }
            // Protocols/node.md §2.2: the namespace follows the canonical kind, so a sole trader's
            // organisation pseudonym equals its owner's person pseudonym.
            let blinder = id.kind == .organisationsnummer ? organisationBlinder : personBlinder
            var canonical = id.canonical
            if let fixed = Self.reconcileCentury(canonical, kind: id.kind, birthDate: birthDate) {
                canonical = fixed
                result.centuryFromBirthDate = true
            }
            if keyHolderMode {
                // Protocols/node.md §8: a placeholder of the pseudonym's length until the key
                // holders have evaluated the batch.
                result[keyPath: pending] = (id.kind == .organisationsnummer ? .organisation : .person, canonical)
                return [UInt8](repeating: 0, count: IdentifierBlinder.outputLength)
            }
            var out = [UInt8](repeating: 0, count: IdentifierBlinder.outputLength)
            out.withUnsafeMutableBytes { blinder.blind(canonical, scratch: scratch.blake, into: $0) }
            return out
        }
    }

    func process(line: Int, fields: [String], scratch: Scratch) -> RowResult {
        var result = RowResult()
        func reject(_ field: String, _ code: String, _ reason: String) -> RowResult {
            result.problems.append(RowProblem(line: line, field: field, code: code, reason: reason, action: .rowRejected))
            result.record = nil
            return result
        }
        guard fields.count == columns else {
            return reject("", "row.field-count", "has \(fields.count) fields; the header has \(columns)")
        }
        let id = fields[recordID].trimmingWhitespace()
        guard !id.isEmpty else { return reject(fields.isEmpty ? "" : "recordId", "row.record-id-missing", "the local record id is empty") }
        result.recordID = id

        let birthDate = blocking.flatMap { features[$0.dob].index }.map { fields[$0].trimmingWhitespace() }
        let personPseudonym = person.flatMap { blind(fields[$0.index], column: $0.name, as: .person, line: line, result: &result, scratch: scratch, birthDate: birthDate, pending: \.pendingPerson) }
        // Protocols/node.md §1: the previous number is normalised and blinded exactly as the
        // person's; without a current number it says nothing and is left out.
        var previousPseudonym = previousPerson.flatMap { blind(fields[$0.index], column: $0.name, as: .person, line: line, result: &result, scratch: scratch, birthDate: birthDate, pending: \.pendingPreviousPerson) }
        if previousPseudonym != nil && personPseudonym == nil, let p = previousPerson {
            previousPseudonym = nil
            result.pendingPreviousPerson = nil
            result.problems.append(RowProblem(line: line, field: p.name, code: "row.previous-without-person", reason: "a previous number without a valid current number; left out", action: .fieldDropped))
        }
        let organisationPseudonym = organisation.flatMap { blind(fields[$0.index], column: $0.name, as: .org, line: line, result: &result, scratch: scratch, pending: \.pendingOrganisation) }

        var clkBytes: [UInt8]?
        var blocks: [UInt64]?
        var encoded: [String] = []   // the values that went into the CLK
        if let clk, let workspace = scratch.workspace {
            var values = [String](repeating: "", count: features.count)
            var informative = false
            for (j, f) in features.enumerated() {
                guard let index = f.index, !clk.schema.features[j].ignored else { continue }
                let value = fields[index].trimmingWhitespace()
                guard !value.isEmpty else { continue }
                if let problem = clk.schema.features[j].problem(with: value) {
                    // Protocols/node.md §2.3: an unencodable value is left out, the rest is kept.
                    result.problems.append(RowProblem(line: line, field: f.name, code: problem.code.rawValue, reason: "value \(problem.reason); left out of the encoding", action: .fieldDropped))
                    continue
                }
                values[j] = value
                informative = true
            }
            if informative {
                switch clk.encode(values, workspace: workspace) {
                case .success(let bits):
                    clkBytes = bits
                    encoded = values
                    // Protocols/blocking.md §4: from the values that went into the CLK.
                    if let b = blocking, let bs = scratch.blocking {
                        blocks = b.keyer.keys(givenName: values[b.given], surname: values[b.surname], dob: values[b.dob], scratch: bs, memo: scratch.phonetic)
                    }
                case .failure(let e):
                    result.problems.append(RowProblem(line: line, field: "", code: e.code.rawValue, reason: "the row cannot be encoded: \(e.reason)", action: .fieldDropped))
                }
            }
        }

        // Protocols/clk.md §6: evidence values from the CLK's given names and birth date and the
        // address columns; a kind is sent when the row has one of its values.
        var addressValues: [UInt32]?, givenValues: [UInt32]?
        if let e = evidence, let es = scratch.evidence, !encoded.isEmpty {
            givenValues = e.keyer.givenNames(encoded[e.given], dob: encoded[e.dob], scratch: es, memo: scratch.phonetic)
            if e.street != nil || e.postcode != nil || e.town != nil {
                func cell(_ i: Int?) -> String { i.map { fields[$0] } ?? "" }
                addressValues = e.keyer.address(street: cell(e.street), postcode: cell(e.postcode), town: cell(e.town), dob: encoded[e.dob], scratch: es)
            }
            if givenValues!.allSatisfy({ $0 == 0 }) { givenValues = nil }
            if addressValues?.allSatisfy({ $0 == 0 }) == true { addressValues = nil }
        }

        // Protocols/node.md §2.5: a value outside the agreement's declared set rejects the row.
        func undeclared(_ column: String, _ name: String, _ v: String, _ values: Set<String>) -> RowResult {
            let shown = v.count > 40 ? String(v.prefix(40)) + "…" : v
            return reject(column, "row.attribute-value", "attribute \(name) has the value '\(shown)', which is not one the agreement declares (\(values.sorted().joined(separator: ", ")))")
        }
        var attributeValues: [String] = []
        for a in attributes {
            let v = fields[a.index].trimmingWhitespace()
            guard v.isEmpty || a.values.contains(v) else { return undeclared(a.column, a.name, v, a.values) }
            attributeValues.append(v)
        }
        var sealedValues: [[UInt8]] = []
        for a in sealed {
            let v = fields[a.index].trimmingWhitespace()
            guard v.isEmpty || a.values.contains(v) else { return undeclared(a.column, a.name, v, a.values) }
            // wire.md §3.2: every row carries a box per recipient, an absent value too.
            sealedValues.append(a.recipients.flatMap { SealedAttribute.seal(v, to: $0.key) })
        }

        guard personPseudonym != nil || organisationPseudonym != nil || clkBytes != nil else {
            return reject("", "row.nothing-to-link", "has no valid identifier and no value to encode")
        }
        result.hasPerson = personPseudonym != nil
        result.hasOrganisation = organisationPseudonym != nil
        result.hasCLK = clkBytes != nil
        let record = Submission.Record(person: personPseudonym, organisation: organisationPseudonym, clk: clkBytes, blocks: blocks,
                                       attributes: attributeValues, sealed: sealedValues, previousPerson: previousPseudonym,
                                       address: addressValues, givenNames: givenValues)
        if keyHolderMode {
            result.pending = record
            result.record = []
            return result
        }
        var w = ByteWriter()
        record.encode(into: &w)
        result.record = w.bytes
        return result
    }
}
