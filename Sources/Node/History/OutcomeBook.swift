import API
import Foundation
import Parties
import ProtocolLog
import Tabular

/// What came of the node's own tied records (`Protocols/node.md` §10, `standing.md` §8): an
/// append-only CSV in the state directory, `outcomes/<agreement>.csv` (mode 0600), header
/// `recorded_at,record_id,outcome,amount_sek,date`. An outcome is accepted only for a record tied
/// in a result of the agreement in the node's history (`ResultHistory`); a refusal stores
/// nothing and is noted in the node's journal (`NodeLogBook.note`, without the record id).
public struct OutcomeBook {
    /// One outcome as recorded.
    public struct Entry: Sendable, Equatable {
        /// When it was recorded (Unix seconds).
        public let recordedAt: UInt64
        /// The node's own record id.
        public let record: String
        /// What came of it.
        public let outcome: OutcomeKind
        /// The amount in whole SEK (only for kinds with an amount).
        public let amountSEK: Int?
        /// The day the outcome took effect, `YYYY-MM-DD`.
        public let date: String
    }

    /// An input row of ``record(_:)``: the record id and the outcome's fields as text.
    public struct Input: Sendable {
        public let record: String, outcome: String, amount: String?, date: String?
        /// An input from its fields; an empty amount or date counts as absent.
        public init(record: String, outcome: String, amount: String?, date: String?) {
            self.record = record
            self.outcome = outcome
            self.amount = amount?.isEmpty == true ? nil : amount
            self.date = date?.isEmpty == true ? nil : date
        }
    }

    static let header = ["recorded_at", "record_id", "outcome", "amount_sek", "date"]
    /// The largest amount accepted (SEK): a typo of many digits is refused, not summed.
    public static let maxAmountSEK = 10_000_000_000

    /// The state directory and agreement.
    public let state: String, agreement: String
    private let node: PartyKeys

    /// The book of `agreement` in `state`; `node` opens the result histories.
    public init(state: String, agreement: String, node: PartyKeys) {
        self.state = state
        self.agreement = agreement
        self.node = node
    }

    /// `<state>/outcomes/<agreement>.csv`.
    public var path: String { "\(state)/outcomes/\(agreement).csv" }

    /// Checks one input against the histories: the kind, the amount, the date, and that the record
    /// was tied. Returns the entry to store, or throws ``NodeError/Code/outcome``.
    func check(_ input: Input, tied: (String) -> Bool, now: UInt64) throws -> Entry {
        guard let kind = OutcomeKind(rawValue: input.outcome) else {
            throw NodeError(.outcome, "outcome '\(input.outcome)' is not one of \(OutcomeKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var amount: Int?
        if kind.hasAmount {
            guard let text = input.amount else { throw NodeError(.outcome, "outcome \(kind.rawValue) needs an amount in whole SEK (--amount)") }
            guard let v = Int(text), v > 0, v <= Self.maxAmountSEK else {
                throw NodeError(.outcome, "amount '\(text)' is not a whole number of SEK between 1 and \(Self.maxAmountSEK)")
            }
            amount = v
        } else if let text = input.amount {
            throw NodeError(.outcome, "outcome \(kind.rawValue) carries no amount, but '\(text)' was given")
        }
        let date = input.date ?? Self.day(now)
        guard ReportingPeriod.unix(date) != nil else { throw NodeError(.outcome, "date '\(date)' is not a day YYYY-MM-DD") }
        guard !input.record.isEmpty, tied(input.record) else {
            throw NodeError(.outcome, "record '\(input.record)' was never tied in a result of \(agreement) that this node opened; no outcome was recorded")
        }
        return Entry(recordedAt: now, record: input.record, outcome: kind, amountSEK: amount, date: date)
    }

    /// Records the inputs that pass ``check``, all in one append, and returns them with the
    /// refused ones by their index in `inputs`. Each refusal is noted in the node's journal.
    public func record(_ inputs: [Input], now: UInt64) throws -> (recorded: [Entry], refused: [(index: Int, error: NodeError)]) {
        var histories: [ResultHistory] = []
        for output in ResultHistory.outputs(state: state, agreement: agreement) {
            histories.append(try ResultHistory(state: state, agreement: agreement, output: output, node: node))
        }
        var good: [Entry] = [], bad: [(index: Int, error: NodeError)] = []
        for (i, input) in inputs.enumerated() {
            do { good.append(try check(input, tied: { r in histories.contains { $0.wasTied(r) } }, now: now)) } catch let e as NodeError { bad.append((i, e)) }
        }
        for (_, e) in bad {
            // The journal names the agreement and the rule by its code, never a field of the input:
            // a shifted CSV row can carry a record id or a personnummer in any of them.
            let reason = "an outcome refused under \(agreement) (\(e.code.rawValue)); the refused input stays with the command's own message"
            try journal(LogEvent(time: now, type: .outcomeRefused, agreement: agreement, code: e.code.rawValue, reason: reason))
        }
        if !good.isEmpty {
            try append(good)
            try journal(LogEvent(time: now, type: .outcomeRecorded, agreement: agreement, counts: ["recorded": good.count]))
        }
        return (good, bad)
    }

    /// The rows of an outcomes CSV (`--file`, header `record,outcome,amount,date`; amount and date
    /// may be empty): each with its line. A row of another width is returned as a refusal.
    public static func inputs(csv path: String) throws -> (inputs: [(line: Int, input: Input)], malformed: [(line: Int, error: NodeError)]) {
        let reader: CSVReader
        do { reader = try CSVReader(path: path) } catch { throw NodeError(.invalidFile, "cannot read \(path)") }
        let expected = ["record", "outcome", "amount", "date"]
        guard let head = try reader.next(), head.fields == expected else {
            throw NodeError(.invalidFile, "\(path) must start with the header \(expected.joined(separator: ","))")
        }
        var inputs: [(line: Int, input: Input)] = [], malformed: [(line: Int, error: NodeError)] = []
        while let r = try reader.next() {
            guard r.fields.count == 4 else {
                malformed.append((r.line, NodeError(.outcome, "line \(r.line) has \(r.fields.count) fields, not 4")))
                continue
            }
            inputs.append((r.line, Input(record: r.fields[0], outcome: r.fields[1], amount: r.fields[2], date: r.fields[3])))
        }
        return (inputs, malformed)
    }

    /// The recorded outcomes, oldest first.
    public func entries() throws -> [Entry] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let reader: CSVReader
        do { reader = try CSVReader(path: path) } catch { throw NodeError(.outcome, "cannot read \(path)") }
        guard try reader.next()?.fields == Self.header else { throw NodeError(.outcome, "\(path) does not start with the header \(Self.header.joined(separator: ","))") }
        var out: [Entry] = []
        while let r = try reader.next() {
            // node.md §10: read back under the rules of ``check``, so a line edited at rest is
            // refused, never summed into a report.
            guard r.fields.count == 5, let t = UInt64(r.fields[0]), !r.fields[1].isEmpty, let kind = OutcomeKind(rawValue: r.fields[2]),
                  ReportingPeriod.unix(r.fields[4]) != nil else {
                throw NodeError(.outcome, "\(path) line \(r.line) is not an outcome")
            }
            let amount = Int(r.fields[3])
            guard kind.hasAmount ? (amount.map { $0 > 0 && $0 <= Self.maxAmountSEK } ?? false) : r.fields[3].isEmpty else {
                throw NodeError(.outcome, "\(path) line \(r.line): the amount of \(kind.rawValue) is not between 1 and \(Self.maxAmountSEK) SEK, or is given for a kind without one")
            }
            out.append(Entry(recordedAt: t, record: r.fields[1], outcome: kind, amountSEK: kind.hasAmount ? amount : nil, date: r.fields[4]))
        }
        return out
    }

    private func append(_ entries: [Entry]) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: state + "/outcomes", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
            throw NodeError(.io, "cannot create \(state)/outcomes")
        }
        var text = ""
        if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else { throw NodeError(.io, "cannot create \(path)") }
            text += CSVWriter.line(Self.header)
        }
        for e in entries {
            text += CSVWriter.line([String(e.recordedAt), e.record, e.outcome.rawValue, e.amountSEK.map(String.init) ?? "", e.date])
        }
        // One write of whole lines at the end: the book only grows.
        guard let handle = FileHandle(forWritingAtPath: path) else { throw NodeError(.io, "cannot open \(path)") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
        } catch { throw NodeError(.io, "cannot append to \(path)") }
    }

    private func journal(_ event: LogEvent) throws {
        do { try NodeLogBook.note(event, state: state) } catch let e as LogError { throw NodeError(.io, e.reason) }
    }

    /// The UTC day of Unix time `t`, `YYYY-MM-DD`.
    static func day(_ t: UInt64) -> String {
        UTCTime.format(t, "yyyy-MM-dd")
    }
}
