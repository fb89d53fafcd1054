import API
import Agreements
import Foundation
import ProtocolLog

/// The coordinator operator's view of a data directory (Protocols/api.md §6): agreements and
/// their state, submissions waiting, runs running and finished, results not yet fetched,
/// retention due, refusals of the last day, and the log's size and last checkpoint.
///
/// It shows sizes, counts, party ids and times only, never an identity, a pseudonym, a row or
/// a record id: the store holds none of those, and the sealed files are not opened. It reads the
/// store read-only (beside a running coordinator) and streams the log (``LogSummary``).
public struct OperatorStatus: Codable, Sendable, Equatable {
    /// The JSON form's format tag.
    public static let format = "korskoll-coordinator-status-v1"
    public var format = Self.format
    /// When the status was taken (Unix seconds).
    public var now: UInt64
    public var agreements: [AgreementState]
    public var log: LogSummary

    /// One agreement as the operator sees it.
    public struct AgreementState: Codable, Sendable, Equatable {
        public var id: String
        public var version: Int
        /// `waiting` (submissions missing), `running`, `finished`, `failed`, or `deleted` once
        /// retention removed the encodings.
        public var state: String
        public var parties: [String]
        /// Parties that submitted, with their row counts and when.
        public var submitted: [Submitted]
        /// Parties still to submit.
        public var missing: [String]
        /// The run's progress text while running, its error when failed.
        public var progress: String?
        public var error: String?
        public var runStarted: UInt64?
        public var runFinished: UInt64?
        /// Outputs sealed and not yet fetched by their recipient.
        public var unfetched: [Output]
        /// Outputs fetched.
        public var fetched: [Output]
        /// Retention: days after the run, when the encodings are (or were) due for deletion,
        /// and whether that time has passed with encodings still kept.
        public var retentionDays: Int
        public var retentionDueAt: UInt64?
        public var retentionOverdue: Bool
        /// Standing agreements (Protocols/standing.md §3): the lists that stand, with rows and expiry.
        public var lists: [StandingList]? = nil
        /// Standing agreements (standing.md §1.1): the runs of lists and checks by state
        /// (`waiting`, `running`, `finished`, `failed`, `stored`).
        public var checks: [String: Int]? = nil
    }

    /// A standing list as the operator sees it: its party, size and when it ends.
    public struct StandingList: Codable, Sendable, Equatable {
        public var party: String
        public var rows: Int
        public var accepted: UInt64
        public var expires: UInt64
    }

    public struct Submitted: Codable, Sendable, Equatable {
        public var party: String
        public var rows: Int
        public var accepted: UInt64
    }

    public struct Output: Codable, Sendable, Equatable {
        public var output: String
        public var recipient: String
    }

    /// Reads the coordinator's data directory `data` as of `now`.
    public static func read(data: String, now: UInt64 = UInt64(Date().timeIntervalSince1970)) throws -> OperatorStatus {
        let layout = FileLayout(root: data)
        guard FileManager.default.fileExists(atPath: layout.database) else {
            throw CoordinatorError(.notFound, "\(data) holds no coordinator database (coordinator.sqlite): is it the --data of `korskoll coordinator serve`?")
        }
        let store: any CoordinatorStore
        do { store = try SQLiteStore(path: layout.database, readOnly: true) } catch {
            throw CoordinatorError(.unavailable, "cannot open \(layout.database) for reading: \(error)")
        }
        let log = try LogSummary.read(directory: layout.logDirectory, now: now)
        return try read(store: store, log: log, now: now)
    }

    /// The status from a store and a log summary (tests pass a ``MemoryStore``).
    static func read(store: any CoordinatorStore, log: LogSummary, now: UInt64) throws -> OperatorStatus {
        var out: [AgreementState] = []
        for id in try store.agreementIDs().sorted() {
            guard let document = try store.agreementDocument(id), let a = try? Agreement(json: document) else { continue }
            let subs = try store.submissions(agreement: id)
            let submittedParties = Set(subs.map(\.party))
            let run = try store.run(agreement: id)
            var state = AgreementState(
                id: id, version: a.version, state: run?.state.rawValue ?? RunState.waiting.rawValue, parties: a.partyIDs,
                submitted: subs.map { Submitted(party: $0.party, rows: $0.rows, accepted: $0.accepted) },
                missing: a.partyIDs.filter { !submittedParties.contains($0) },
                progress: run?.state == .running ? run?.progress : nil, error: run?.error,
                runStarted: run?.started, runFinished: run?.finished, unfetched: [], fetched: [],
                retentionDays: a.retentionDays, retentionDueAt: nil, retentionOverdue: false)
            if let run, run.state == .finished, let finished = run.finished {
                for o in a.outputs where try store.result(agreement: id, output: o.name) != nil {
                    let item = Output(output: o.name, recipient: o.recipient)
                    if log.fetched.contains("\(id)/\(o.name)") { state.fetched.append(item) } else { state.unfetched.append(item) }
                }
                // Protocols/api.md §3.7: encodings are deleted retentionDays after the run.
                let due = finished + UInt64(a.retentionDays) * 86_400
                state.retentionDueAt = due
                let kept = subs.contains { $0.deleted == nil }
                state.retentionOverdue = kept && due <= now
                if !subs.isEmpty && !kept { state.state = "deleted" }
            }
            if a.isStanding, let lists = try? store.lists(agreement: id), let checks = try? store.checks(agreement: id) {
                state.lists = lists.filter(\.standing).map { StandingList(party: $0.party, rows: $0.rows, accepted: $0.accepted, expires: $0.expires) }
                state.checks = Dictionary(checks.map { ($0.state.rawValue, 1) }, uniquingKeysWith: +)
                state.missing = []
                state.state = checks.contains { $0.state == .running } ? "running" : "standing"
            }
            out.append(state)
        }
        return OperatorStatus(now: now, agreements: out, log: log)
    }

    /// The JSON form: sorted keys, indented.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The text form: one block per agreement, then the log.
    public func text() -> String {
        var lines: [String] = []
        let waiting = agreements.filter { $0.state == RunState.waiting.rawValue }
        let running = agreements.filter { $0.state == RunState.running.rawValue }
        lines.append("\(agreements.count) agreements: \(waiting.count) waiting for submissions, \(running.count) running, "
                     + "\(agreements.filter { $0.state == RunState.finished.rawValue }.count) finished, "
                     + "\(agreements.filter { $0.state == RunState.failed.rawValue }.count) failed, \(agreements.filter { $0.state == "deleted" }.count) deleted")
        for a in agreements {
            lines.append("")
            lines.append("\(a.id) v\(a.version)  \(a.state)")
            let sub = a.submitted.map { "\($0.party) (\($0.rows) rows, \(Self.time($0.accepted)))" }
            lines.append(Self.row("submitted", sub.isEmpty ? "-" : sub.joined(separator: ", ")))
            if !a.missing.isEmpty { lines.append(Self.row("waiting for", a.missing.joined(separator: ", "))) }
            if let p = a.progress { lines.append(Self.row("progress", "\(p) (started \(Self.time(a.runStarted ?? now)), \(Self.age(now - min(now, a.runStarted ?? now))) ago)")) }
            if let e = a.error { lines.append(Self.row("error", e)) }
            if let f = a.runFinished, a.state != RunState.failed.rawValue { lines.append(Self.row("finished", Self.time(f))) }
            if !a.unfetched.isEmpty { lines.append(Self.row("not fetched", a.unfetched.map { "\($0.output) → \($0.recipient)" }.joined(separator: ", "))) }
            if !a.fetched.isEmpty { lines.append(Self.row("fetched", a.fetched.map { "\($0.output) → \($0.recipient)" }.joined(separator: ", "))) }
            if let lists = a.lists {
                let text = lists.map { "\($0.party) (\($0.rows) rows, expires \(Self.time($0.expires)))" }
                lines.append(Self.row("lists", text.isEmpty ? "none standing" : text.joined(separator: ", ")))
            }
            if let checks = a.checks {
                let text = ["waiting", "running", "finished", "failed", "stored"].compactMap { k in checks[k].map { "\($0) \(k)" } }
                lines.append(Self.row("runs", text.isEmpty ? "none" : text.joined(separator: ", ")))
            }
            if let due = a.retentionDueAt {
                let what = a.state == "deleted" ? "encodings deleted" : a.retentionOverdue ? "OVERDUE: encodings still kept" : "encodings kept"
                lines.append(Self.row("retention", "\(a.retentionDays) days, due \(Self.time(due)) (\(what))"))
            }
        }
        lines.append("")
        let refusals = log.refusalsLastDay.values.reduce(0, +)
        lines.append("refusals in the last day: \(refusals)" + (refusals == 0 ? "" : " (" + log.refusalsLastDay.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"))
        lines.append("log: \(log.entries) entries (\(Self.bytes(log.entryBytes))), \(log.checkpoints) checkpoints (\(Self.bytes(log.checkpointBytes)))")
        if let size = log.lastCheckpointSize {
            let unsigned = log.entries > Int(size) ? "; \(log.entries - Int(size)) entries after it" : ""
            lines.append("last checkpoint: size \(size), root \(log.lastCheckpointRoot ?? "?"), written \(log.lastCheckpointWritten.map(Self.time) ?? "?")\(unsigned)")
        } else {
            lines.append("last checkpoint: none yet")
        }
        return lines.joined(separator: "\n")
    }

    /// One labelled line of an agreement's block, the values in one column.
    static func row(_ label: String, _ value: String) -> String {
        "  " + label.padding(toLength: 13, withPad: " ", startingAt: 0) + value
    }

    static func time(_ t: UInt64) -> String {
        UTCTime.format(t, "yyyy-MM-dd HH:mm 'UTC'")
    }

    static func age(_ s: UInt64) -> String { s < 120 ? "\(s) s" : s < 7200 ? "\(s / 60) min" : "\(s / 3600) h" }

    static func bytes(_ n: UInt64) -> String {
        n < 1 << 20 ? "\(n) bytes" : String(format: "%.1f MiB", Double(n) / Double(1 << 20))
    }
}
