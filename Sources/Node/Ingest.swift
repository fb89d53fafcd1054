import Agreements
import Blinding
import CLKEncoding
import Dispatch
import Foundation
import Identifiers
import KeyHolding
import Parties
import Sodium
import Tabular
import Wire

/// `korskoll node encode` (Protocols/node.md): an agency's CSV export → a signed submission
/// sealed to the coordinator, the node's private row map, a reject report and a summary.
public struct IngestJob: Sendable {
    public var input: String
    public var mapping: ColumnMapping
    /// The CLK schema; nil when the mapping has no fuzzy fields.
    public var schema: LinkageSchema?
    public var keys: LinkageKeys
    public var party: PartyKeys
    /// The coordinator's id and keys: the submission is sealed to its X25519 key.
    public var coordinator: PartyPublicKeys
    /// Resolves 10-digit numbers (Protocols/identifiers.md §1.3, §2.3): the export's date.
    public var referenceDate: CalendarDate
    /// The directory to create; it must not exist.
    public var output: String
    public var threads: Int
    public var createdAt: UInt64
    /// Whether rows carry keyed blocking keys (Protocols/blocking.md), as the agreement says.
    public var blocking = false
    /// Whether an export with a header and no data rows makes an empty submission instead of
    /// stopping the run (`--allow-empty`, Protocols/node.md §2.7).
    public var allowEmpty = false
    /// The agreement (Protocols/node.md §5): what this party may send, and the declared values
    /// of its attributes. Nil only for a mapping without attributes (`--agreement-id` alone).
    public var agreement: Agreement?
    /// The X25519 keys of the parties that sealed attributes go to (Protocols/wire.md §3.2).
    public var sealingKeys: [String: X25519.PublicKey] = [:]
    /// Key-holder mode (Protocols/node.md §8): identifiers are blinded by t of the agreement's
    /// key holders through this client and the node's cache, not with the keyed hash. The CLKs
    /// and blocking keys stay under ``keys``.
    public var keyHolderBlinding: KeyHolderBlinding?

    public init(input: String, mapping: ColumnMapping, schema: LinkageSchema?, keys: LinkageKeys, party: PartyKeys,
                coordinator: PartyPublicKeys, referenceDate: CalendarDate, output: String, threads: Int, createdAt: UInt64) {
        self.input = input
        self.mapping = mapping
        self.schema = schema
        self.keys = keys
        self.party = party
        self.coordinator = coordinator
        self.referenceDate = referenceDate
        self.output = output
        self.threads = threads
        self.createdAt = createdAt
    }
}

/// What the summary file says (Protocols/node.md §4). Counts only; no identifier.
public struct IngestSummary: Codable, Sendable, Equatable {
    public var format = "korskoll-encode-summary-v1"
    public var agreement: String
    public var party: String
    public var recipient: String
    public var submissionID: String
    public var contentHash: String
    public var schemaDigest: String
    public var referenceDate: String
    public var rowsRead = 0
    public var rowsSubmitted = 0
    public var rowsRejected = 0
    /// Rejected rows by reason code.
    public var rejectedByReason: [String: Int] = [:]
    /// Fields left out of submitted rows, by reason code.
    public var fieldsDroppedByReason: [String: Int] = [:]
    public var personIDs = 0
    public var organisationIDs = 0
    public var clks = 0
    /// Person numbers from Skatteverket's test-number lists: real exports should have none.
    public var testNumbers = 0
    /// Person numbers whose century the row's own birth date settled (node.md §2.2.1).
    public var centuriesFromBirthDate = 0
    /// Whether the export began with a UTF-8 byte order mark, which was skipped (node.md §2.1).
    public var byteOrderMark = false
    /// Key-holder mode (node.md §8): `"oprf"`; absent for the keyed hash.
    public var blinding: String?
    /// Key-holder mode: identifiers the key holders evaluated (the rest came from the cache).
    public var pseudonymsEvaluated: Int?
    /// Key-holder mode: key holders that refused or whose answer failed its proof, named.
    public var keyHolderRefusals: [String]?
    /// The checked equation *rows read = accepted + rejected* (node.md §4.1).
    public var rowCheck = ""
}

/// Protocols/node.md §4.1: the row counts of one run, kept apart, and their check.
public struct RowCounts: Sendable, Equatable {
    /// Data records the CSV reader took from the file, malformed ones included.
    public var read: Int
    /// Records in the shuffled submission body.
    public var accepted: Int
    /// `row-rejected` lines written to the reject report.
    public var rejected: Int
    /// The running counts kept while reading: rows read, submitted and rejected.
    public var running: (read: Int, submitted: Int, rejected: Int)

    public init(read: Int, accepted: Int, rejected: Int, running: (read: Int, submitted: Int, rejected: Int)) {
        self.read = read; self.accepted = accepted; self.rejected = rejected; self.running = running
    }

    public static func == (a: RowCounts, b: RowCounts) -> Bool {
        a.read == b.read && a.accepted == b.accepted && a.rejected == b.rejected && a.running == b.running
    }

    /// The equation as the summary records it, or ``NodeError/Code/rowCount`` naming every count
    /// when a row was lost or counted twice.
    public func check() throws -> String {
        let equation = "rows read \(read) = accepted \(accepted) + rejected \(rejected)"
        guard read == accepted + rejected, running == (read, accepted, rejected) else {
            throw NodeError(.rowCount, "the row counts disagree: \(read) rows read by the CSV reader, \(accepted) in the submission, \(rejected) rejected in the reject report; while reading: \(running.read) read, \(running.submitted) submitted, \(running.rejected) rejected; nothing was written")
        }
        return equation
    }
}

/// One problem in one row, as the reject report lists it.
public struct RowProblem: Sendable, Equatable {
    public enum Action: String, Sendable { case rowRejected = "row-rejected", fieldDropped = "field-dropped" }
    public var line: Int
    public var field: String
    public var code: String
    public var reason: String
    public var action: Action
}

public enum Ingest {
    /// The file names inside the output directory (Protocols/node.md §3).
    public static let submissionFile = "submission.kks"
    public static let rowMapFile = "rowmap.csv"
    public static let rejectFile = "rejects.csv"
    public static let summaryFile = "summary.json"
    /// The agreement the submission was encoded under, kept beside the row map so the node can
    /// check declared values when it opens a result (Protocols/node.md §3).
    public static let agreementFile = "agreement.json"

    /// Runs the job. File-level problems throw ``NodeError`` and leave nothing behind; row-level
    /// problems go to the reject report. `progress` receives the rows read so far.
    public static func run(_ job: IngestJob, progress: (Int) -> Void = { _ in }) throws -> IngestSummary {
        let reader: CSVReader
        do { reader = try CSVReader(path: job.input, delimiter: job.mapping.delimiter) } catch let e as CSVError {
            throw NodeError(.invalidFile, e.reason)
        }
        let header: [String]
        do {
            // Protocols/node.md §2.7: without a header nothing shows that this is the export the
            // mapping describes, so even --allow-empty does not accept it.
            guard let h = try reader.next() else {
                throw NodeError(.emptyExport, "\(job.input) is empty: it has no header row and no data rows (--allow-empty accepts a header with no rows, not an empty file)")
            }
            header = h.fields
        } catch let e as CSVError { throw NodeError(.invalidFile, e.reason) }
        let plan = try RowPlan(header: header, job: job)

        guard !FileManager.default.fileExists(atPath: job.output) else {
            throw NodeError(.output, "\(job.output) already exists; choose a new output directory")
        }
        let work = job.output + ".partial-" + Hex.encode(Random.bytes(6))
        do { try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700]) } catch {
            throw NodeError(.output, "cannot create \(work): \(error.localizedDescription)")
        }
        do {
            let summary = try encode(job: job, columnNames: header, plan: plan, reader: reader, work: work, progress: progress)
            guard rename(work, job.output) == 0 else { throw NodeError(.output, "cannot move the output into place at \(job.output)") }
            return summary
        } catch {
            try? FileManager.default.removeItem(atPath: work)
            throw error
        }
    }

    /// Key-holder mode (Protocols/node.md §8): the pseudonyms of the batch's pending identifiers,
    /// each distinct one asked once per namespace, through the cache and t key holders; then the
    /// records are encoded. A failure to reach t key holders stops the run (``NodeError/Code/keyHolders``).
    static func evaluatePending(_ results: inout [RowResult], with kh: KeyHolderBlinding) throws -> (evaluated: Int, refusals: [String]) {
        var evaluated = 0
        var refusals: [String] = []
        for namespace in IdentifierNamespace.allCases {
            var order: [String] = [], seen = Set<String>()
            for r in results {
                for p in [r.pendingPerson, r.pendingPreviousPerson, r.pendingOrganisation] {
                    if let p, p.namespace == namespace, seen.insert(p.canonical).inserted { order.append(p.canonical) }
                }
            }
            guard !order.isEmpty else { continue }
            let outcome: KeyHolderBlinding.Outcome
            do { outcome = try kh.pseudonyms(order, namespace: namespace) } catch let e as KeyHoldingError {
                throw NodeError(.keyHolders, "key-holder blinding failed: \(e.reason)")
            }
            evaluated += outcome.evaluated
            refusals += outcome.refusals.map(\.description)
            let byCanonical = Dictionary(zip(order, outcome.pseudonyms), uniquingKeysWith: { a, _ in a })
            for i in results.indices where results[i].pending != nil {
                if let p = results[i].pendingPerson, p.namespace == namespace { results[i].pending!.person = byCanonical[p.canonical] }
                if let p = results[i].pendingPreviousPerson, p.namespace == namespace { results[i].pending!.previousPerson = byCanonical[p.canonical] }
                if let p = results[i].pendingOrganisation, p.namespace == namespace { results[i].pending!.organisation = byCanonical[p.canonical] }
            }
        }
        for i in results.indices {
            guard let record = results[i].pending else { continue }
            var w = ByteWriter()
            record.encode(into: &w)
            results[i].record = w.bytes
            results[i].pending = nil
            results[i].pendingPerson = nil
            results[i].pendingPreviousPerson = nil
            results[i].pendingOrganisation = nil
        }
        return (evaluated, refusals)
    }

    private static func encode(job: IngestJob, columnNames: [String], plan: RowPlan, reader: CSVReader, work: String,
                               progress: (Int) -> Void) throws -> IngestSummary {
        var summary = IngestSummary(
            agreement: job.keys.agreementID, party: job.party.party, recipient: job.coordinator.party,
            submissionID: "", contentHash: "", schemaDigest: Hex.encode(job.schema?.digest ?? Array(repeating: 0, count: 32)),
            referenceDate: job.referenceDate.description)
        summary.byteOrderMark = reader.byteOrderMark
        var rejectedInReport = 0
        // About one row per 64 bytes of export: the register is sized once, not grown.
        let exportBytes = (try? FileManager.default.attributesOfItem(atPath: job.input)[.size] as? Int) ?? 0
        var recordIDs = RecordIDRegister(expected: min(exportBytes / 64, 50_000_000))
        let rejects = try BufferedFile(path: work + "/" + rejectFile)
        try rejects.write(CSVWriter.line(["line", "field", "code", "reason", "action"]))
        let shuffler = try BucketShuffler(directory: work + "/buckets")

        func report(_ p: RowProblem) throws {
            try rejects.write(CSVWriter.line([String(p.line), p.field, p.code, p.reason, p.action.rawValue]))
            switch p.action {
            case .rowRejected:
                summary.rejectedByReason[p.code, default: 0] += 1
                rejectedInReport += 1
            case .fieldDropped: summary.fieldsDroppedByReason[p.code, default: 0] += 1
            }
        }

        if job.keyHolderBlinding != nil {
            summary.blinding = "oprf"
            summary.pseudonymsEvaluated = 0
            summary.keyHolderRefusals = []
        }
        func flush(_ batch: [(line: Int, fields: [String])]) throws {
            var results = plan.process(batch, threads: job.threads)
            if let kh = job.keyHolderBlinding {
                let outcome = try Self.evaluatePending(&results, with: kh)
                summary.pseudonymsEvaluated! += outcome.evaluated
                summary.keyHolderRefusals! += outcome.refusals
            }
            for (i, var result) in results.enumerated() {
                // Protocols/node.md §2.6: a record id leads back to one row; later rows with it
                // are rejected, naming the first. Checked here, in file order.
                if !result.recordID.isEmpty, let first = recordIDs.claim(result.recordID, line: batch[i].line) {
                    result = RowResult(recordID: result.recordID, problems: [RowProblem(
                        line: batch[i].line, field: "recordId", code: "row.record-id-duplicate",
                        reason: "the record id is already on line \(first); each row needs its own", action: .rowRejected)])
                }
                for p in result.problems { try report(p) }
                if let record = result.record {
                    try shuffler.add(record: record, line: batch[i].line, recordID: result.recordID)
                    summary.rowsSubmitted += 1
                    summary.personIDs += result.hasPerson ? 1 : 0
                    summary.organisationIDs += result.hasOrganisation ? 1 : 0
                    summary.clks += result.hasCLK ? 1 : 0
                    summary.testNumbers += result.testNumber ? 1 : 0
                    summary.centuriesFromBirthDate += result.centuryFromBirthDate ? 1 : 0
                } else {
                    summary.rowsRejected += 1
                }
            }
            summary.rowsRead += batch.count
            progress(summary.rowsRead)
        }
        // The CSV is read one batch ahead on its own thread, so reading overlaps the encoding and
        // the writing of the batch before; batches and rows keep the file's order.
        let ahead = ReadAhead(reader: reader, batchSize: 16_384)
        defer { ahead.cancel() }
        while let item = ahead.next() {
            switch item {
            case .rows(let batch):
                try flush(batch)
            case .malformed(let e):
                // A malformed row costs only itself; the report names its column (Protocols/node.md §2.1).
                summary.rowsRead += 1
                summary.rowsRejected += 1
                let column = e.column.flatMap { $0 >= 1 && $0 <= columnNames.count ? columnNames[$0 - 1] : nil } ?? ""
                try report(RowProblem(line: e.line ?? 0, field: column, code: e.code.rawValue, reason: e.reason, action: .rowRejected))
            case .failed(let e):
                throw NodeError(.invalidFile, e.reason + "; nothing was written")
            }
        }
        try rejects.close()
        // Protocols/node.md §2.7: an export with no data rows does not become an empty
        // submission unless the operator says it may.
        guard summary.rowsRead > 0 || job.allowEmpty else {
            throw NodeError(.emptyExport, "\(job.input) has a header but no data rows; nothing was written (give --allow-empty if the export is meant to be empty)")
        }

        // Protocols/node.md §3: shuffled body + row map, then header, signature and seal.
        let bodyPath = work + "/body.tmp"
        let shuffled = try shuffler.finish(bodyPath: bodyPath, rowMapPath: work + "/" + rowMapFile)
        var header = Submission.Header(
            agreementID: job.keys.agreementID, party: job.party.party, recipient: job.coordinator.party,
            submissionID: Random.bytes(16), createdAt: job.createdAt,
            schemaDigest: job.schema?.digest ?? Array(repeating: 0, count: 32),
            clkBytes: plan.clkBytes, attributes: plan.attributes.map(\.name))
        header.sealedAttributes = plan.sealed.map { Submission.SealedAttributeName(name: $0.name, recipients: $0.recipients.map(\.party)) }
        if plan.blocking != nil {
            header.blocking = BlockingKeyer.scheme
            header.blockingKeys = BlockingKeyer.kinds.count
        }
        header.rows = UInt64(summary.rowsSubmitted)
        header.personIDs = UInt64(summary.personIDs)
        header.organisationIDs = UInt64(summary.organisationIDs)
        header.clks = UInt64(summary.clks)
        header.contentHash = shuffled.contentHash
        // Protocols/node.md §4.1: rows read = accepted + rejected, from counters kept apart.
        summary.rowCheck = try RowCounts(
            read: reader.recordsRead - 1, accepted: shuffled.rows, rejected: rejectedInReport,
            running: (summary.rowsRead, summary.rowsSubmitted, summary.rowsRejected)).check()
        try Submission.seal(header: header, bodyPath: bodyPath, signer: job.party.signing,
                            recipient: job.coordinator.sealing, to: work + "/" + submissionFile)
        try? FileManager.default.removeItem(atPath: bodyPath)
        summary.submissionID = Hex.encode(header.submissionID)
        summary.contentHash = Hex.encode(header.contentHash)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try (try encoder.encode(summary) + Data("\n".utf8)).write(to: URL(fileURLWithPath: work + "/" + summaryFile))
        if let a = job.agreement {
            guard FileManager.default.createFile(atPath: work + "/" + agreementFile, contents: Data(a.bytes), attributes: [.posixPermissions: 0o600]) else {
                throw NodeError(.output, "cannot write \(work)/\(agreementFile)")
            }
        }
        return summary
    }
}

/// Appends text to a file through a buffer.
final class BufferedFile {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path) else { throw NodeError(.output, "cannot create \(path)") }
        self.handle = handle
    }

    func write(_ text: String) throws { try write(Array(text.utf8)) }

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try drain() }
    }

    private func drain() throws {
        do { try handle.write(contentsOf: buffer) } catch { throw NodeError(.output, "cannot write: \(error.localizedDescription)") }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try drain()
        do { try handle.close() } catch { throw NodeError(.output, "cannot close: \(error.localizedDescription)") }
    }
}

/// Reads a CSV in batches on a thread of its own, at most two batches ahead of the consumer.
final class ReadAhead: @unchecked Sendable {
    enum Item { case rows([(line: Int, fields: [String])]), malformed(CSVError), failed(CSVError) }
    private var items: [Item] = []
    private var done = false
    private var cancelled = false
    private let condition = NSCondition()

    init(reader: CSVReader, batchSize: Int) {
        nonisolated(unsafe) let reader = reader
        let thread = Thread { [self] in
            var batch: [(line: Int, fields: [String])] = []
            batch.reserveCapacity(batchSize)
            func put(_ item: Item) {
                condition.lock()
                while items.count >= 2 && !cancelled { condition.wait() }
                items.append(item)
                condition.broadcast()
                condition.unlock()
            }
            reading: while true {
                condition.lock()
                let stop = cancelled
                condition.unlock()
                if stop { break }
                do {
                    guard let row = try reader.next() else { break }
                    batch.append(row)
                    if batch.count == batchSize { put(.rows(batch)); batch.removeAll(keepingCapacity: true) }
                } catch let e as CSVError {
                    if !batch.isEmpty { put(.rows(batch)); batch.removeAll(keepingCapacity: true) }
                    if e.code == .strayQuote {
                        reader.skipRestOfLine()
                        put(.malformed(e))
                    } else {
                        put(.failed(e))
                        break reading
                    }
                } catch {
                    put(.failed(CSVError(.unreadable, "\(error)")))
                    break reading
                }
            }
            if !batch.isEmpty { put(.rows(batch)) }
            condition.lock()
            done = true
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops the reading thread early (the consumer failed); it drops what it still holds.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch or problem in file order; nil at the end.
    func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !done { condition.wait() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }
}
