import Foundation
import Parties
import Sodium
import Wire

/// A node's own history of the results of one output of a standing agreement
/// (`Protocols/standing.md` §6, `Protocols/node.md` §9): for each record id ever tied, the checks
/// it was submitted in from its first tie on, whether it was tied there, and to which reference
/// parties. From it each new result's rows are marked `new`, `continuing` or `ended`, at the
/// node: the coordinator learns nothing across checks.
///
/// A record's state is its last observation: tied or not in the last check that submitted it. A
/// check that does not submit a record leaves its state as it was.
///
/// ```
/// file  = "KKNH" ‖ 0x01 ‖ str16(agreement) ‖ str16(output) ‖ header (24) ‖ chunk*   (node.md §9.1)
/// plain = JSON {"format": "korskoll-node-history-v1", "checks": [Check], "records": {record id: [Observation]}}
/// ```
public final class ResultHistory {
    /// How a row of a new result stands against the node's previous checks.
    public enum Mark: String, Sendable, CaseIterable {
        /// Tied now, and not tied when last submitted (or never submitted before).
        case new
        /// Tied now and when last submitted.
        case continuing
        /// Tied when last submitted, submitted again now and not tied.
        case ended
    }

    /// One opened result: the check it answers.
    public struct Check: Codable, Sendable, Equatable {
        /// The check's submission id (hex).
        public let id: String
        /// When the node opened its result (Unix seconds, node clock).
        public let time: UInt64
        /// How many distinct record ids the check submitted.
        public let submitted: Int
        /// How many of them were tied.
        public let tied: Int
    }

    /// A record's part in one check: `c` the check's index, `t` tied, `p` the reference parties
    /// it was tied to (absent when not tied or not said).
    struct Observation: Codable, Equatable {
        let c: Int
        let t: Bool
        let p: [String]?
    }

    struct Body: Codable {
        var format = ResultHistory.format
        var checks: [Check] = []
        var records: [String: [Observation]] = [:]
    }

    /// The plaintext's format name.
    public static let format = "korskoll-node-history-v1"
    /// The HKDF label of the file key (node.md §9.1).
    public static let label = "korskoll/v1/node-history"
    static let magic: [UInt8] = Array("KKNH".utf8) + [1]
    static let chunkLength = 1 << 16

    /// The history file.
    public let path: String
    /// The agreement and output.
    public let agreement: String, output: String
    private let key: SecretBytes
    private var body = Body()

    /// `<state>/history/<agreement>.<output>.history`.
    public static func path(state: String, agreement: String, output: String) -> String {
        "\(state)/history/\(agreement).\(output).history"
    }

    /// The outputs of `agreement` with a history in `state`.
    public static func outputs(state: String, agreement: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: state + "/history")) ?? []
        return files.filter { $0.hasPrefix(agreement + ".") && $0.hasSuffix(".history") }
            .map { String($0.dropFirst(agreement.count + 1).dropLast(".history".count)) }.sorted()
    }

    /// Opens the history of `agreement`'s `output` in `state`, or starts an empty one. A file
    /// that does not authenticate under this node's key, is cut short or names another agreement
    /// or output is ``NodeError/Code/history``.
    public init(state: String, agreement: String, output: String, node: PartyKeys) throws {
        path = Self.path(state: state, agreement: agreement, output: output)
        self.agreement = agreement
        self.output = output
        key = SealedStateFile.key(node: node, label: Self.label, agreement: agreement, purpose: "stream")
        if let data = FileManager.default.contents(atPath: path) { try read(Array(data)) }
    }

    /// The checks opened so far, in the order they were opened.
    public var checks: [Check] { body.checks }

    /// Whether `record` was tied in any check of this history.
    public func wasTied(_ record: String) -> Bool { body.records[record]?.contains(where: \.t) ?? false }

    /// Records a check's result and returns the marks of its rows: every tied record (`new` or
    /// `continuing`) and every submitted record that ended. `submitted` are the record ids the
    /// check submitted; `tied` maps each tied record id to the reference parties it is tied to
    /// (a record not in `submitted` is refused). Saved before it returns (written whole, renamed).
    ///
    /// Opening the same check again returns the marks it had and changes nothing; the same check
    /// id with other rows is refused.
    public func record(check id: String, time: UInt64, submitted: Set<String>, tied: [String: [String]]) throws -> [String: Mark] {
        if let stray = tied.keys.first(where: { !submitted.contains($0) }) {
            throw NodeError(.history, "record '\(stray)' is tied in check \(id) but was not submitted in it")
        }
        if let i = body.checks.firstIndex(where: { $0.id == id }) {
            let before = Set(body.records.filter { $0.value.contains { $0.c == i && $0.t } }.keys)
            guard before == Set(tied.keys), body.checks[i].submitted == submitted.count else {
                throw NodeError(.history, "check \(id) was opened before with other rows; the history is kept as it was")
            }
            return marks(atCheck: i, submitted: submitted, tied: Set(tied.keys))
        }
        let index = body.checks.count
        let marks = marks(atCheck: index, submitted: submitted, tied: Set(tied.keys))
        var next = body
        next.checks.append(Check(id: id, time: time, submitted: submitted.count, tied: tied.count))
        // Only records tied now or before are followed: a record is observed from its first tie on.
        for r in submitted where tied[r] != nil || next.records[r] != nil {
            next.records[r, default: []].append(Observation(c: index, t: tied[r] != nil, p: tied[r].map { $0.sorted() }))
        }
        try save(next)
        body = next
        return marks
    }

    /// The marks of check `index` from the observations before it.
    private func marks(atCheck index: Int, submitted: Set<String>, tied: Set<String>) -> [String: Mark] {
        var out: [String: Mark] = [:]
        for r in submitted {
            let wasTied = body.records[r]?.last(where: { $0.c < index })?.t ?? false
            if tied.contains(r) { out[r] = wasTied ? .continuing : .new } else if wasTied { out[r] = .ended }
        }
        return out
    }

    /// Per reference party, the distinct records tied to it in a check opened in `range` (Unix
    /// seconds): the re-entries and ties a period report counts (node.md §11).
    public func tiedRecords(in range: Range<UInt64>) -> [String: Int] {
        let inRange = Set(body.checks.indices.filter { range.contains(body.checks[$0].time) })
        var byParty: [String: Set<String>] = [:]
        for (record, observations) in body.records {
            for o in observations where o.t && inRange.contains(o.c) {
                for p in o.p ?? [] { byParty[p, default: []].insert(record) }
            }
        }
        return byParty.mapValues(\.count)
    }

    var prefix: [UInt8] {
        var w = ByteWriter()
        w.raw(Self.magic)
        w.str16(agreement)
        w.str16(output)
        return w.bytes
    }

    private func save(_ body: Body) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var plain: [UInt8]
        do { plain = Array(try encoder.encode(body)) } catch { throw NodeError(.history, "cannot encode the history of \(agreement)/\(output)") }
        defer { plain.withUnsafeMutableBytes { if let b = $0.baseAddress { Sodium.wipe(b, count: $0.count) } } }
        let chunks = stride(from: 0, to: max(plain.count, 1), by: Self.chunkLength).map { Array(plain[$0..<min($0 + Self.chunkLength, plain.count)]) }
        let sealed: [UInt8]
        do { sealed = try SealedStateFile.seal(prefix: prefix, chunks: chunks, key: key) } catch { throw NodeError(.history, "cannot seal the history: \(error)") }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch { throw NodeError(.io, "cannot create the history directory of \(path)") }
        guard SealedStateFile.writeWhole(sealed, to: path) else { throw NodeError(.io, "cannot write \(path)") }
    }

    private func read(_ bytes: [UInt8]) throws {
        var r = ByteReader(bytes, context: path)
        var plain: [UInt8] = []
        defer { plain.withUnsafeMutableBytes { if let b = $0.baseAddress { Sodium.wipe(b, count: $0.count) } } }
        do {
            guard try r.raw(Self.magic.count, "magic") == Self.magic else { throw NodeError(.history, "\(path) is not a result history") }
            let a = try r.str16("agreement"), o = try r.str16("output")
            guard a == agreement, o == output else { throw NodeError(.history, "\(path) is the history of \(a)/\(o), not of \(agreement)/\(output)") }
            let path = self.path
            try SealedStateFile.open(bytes, prefixLength: r.offset, key: key, maxChunk: Self.chunkLength, context: path,
                                     cutShort: { NodeError(.history, "\(path) is cut short (no final chunk)") }) { plain += $0 }
        } catch let e as NodeError { throw e } catch let e as SodiumError {
            throw NodeError(.history, "\(path) does not authenticate under this node's key: \(e.reason)")
        } catch let e as WireError {
            throw NodeError(.history, "\(path): \(e.reason)")
        }
        guard let decoded = try? JSONDecoder().decode(Body.self, from: Data(plain)), decoded.format == Self.format,
              decoded.records.values.allSatisfy({ $0.allSatisfy { decoded.checks.indices.contains($0.c) } }) else {
            throw NodeError(.history, "\(path) does not hold a \(Self.format) document")
        }
        body = decoded
    }
}

extension ResultHistory {
    /// The hook of `node results` (`Protocols/node.md` §9.2): records an opened per-record result
    /// in the history of its agreement and output in `state` and returns each tied record's mark
    /// and the submitted records that ended (with the export line of their first row), which the
    /// result CSV appends with status `ended`. The check is the result's submission id (its run
    /// id for a one-off agreement); the submitted records are those of the row map.
    public static func follow(_ doc: ResultDocument, map: RowMap, state: String, node: PartyKeys,
                              now: UInt64) throws -> (marks: [String: Mark], ended: [(line: String, record: String)]) {
        var tied: [String: [String]] = [:]
        for r in doc.rows ?? [] where map.entries.indices.contains(r.row) {
            tied[map.entries[r.row].record, default: []] += r.otherParties ?? []
        }
        let history = try ResultHistory(state: state, agreement: doc.agreement, output: doc.output, node: node)
        let marks = try history.record(check: doc.submissionID ?? doc.runID ?? "", time: now, submitted: Set(map.entries.map(\.record)),
                                       tied: tied.mapValues { Array(Set($0)) })
        var seen = Set<String>(), ended: [(line: String, record: String)] = []
        for e in map.entries where marks[e.record] == .ended && seen.insert(e.record).inserted { ended.append(e) }
        return (marks, ended)
    }
}
