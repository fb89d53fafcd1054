import API
import CoordinatorClient
import Foundation
import Parties

/// Fetching every result of a standing agreement that this party has not fetched before
/// (Protocols/standing.md §1.3, node.md §12): the runs that concern the party, from
/// `GET …/runs?since=N`, each ready output written under `<out>/<checkID>/`.
public enum StandingFetch {
    /// What the node remembers per agreement (`STATE/standing-fetched-<agreement>.json`): every
    /// run up to `sequence` has ended and all its ready outputs were fetched; `fetched` holds the
    /// `checkID/output` pairs fetched from later runs (behind a run still under way).
    public struct Cursor: Codable, Sendable, Equatable {
        public var sequence: Int
        public var fetched: [String]
        public init(sequence: Int = 0, fetched: [String] = []) { self.sequence = sequence; self.fetched = fetched }
    }

    /// One result fetched, or one left for later with the reason.
    public struct Item: Sendable {
        public let sequence: Int
        public let checkID: String
        public let output: String
        /// The opened result; nil when it was left for later.
        public let opened: ResultOpening.Opened?
        /// Why it was left (a per-record result needs the `node encode` directory of its check).
        public let skipped: String?
    }

    static func cursorPath(_ state: String, _ agreementID: String) -> String { "\(state)/standing-fetched-\(agreementID).json" }

    /// The node's cursor for `agreementID`, or a fresh one.
    public static func cursor(state: String, agreementID: String) -> Cursor {
        guard let data = FileManager.default.contents(atPath: cursorPath(state, agreementID)),
              let c = try? JSONDecoder().decode(Cursor.self, from: data) else { return Cursor() }
        return c
    }

    /// The cursor after a pass over `runs` (the runs after `old.sequence`, oldest first) in which
    /// `fetched` were fetched: it moves over every run that has ended (finished, failed, stored)
    /// with all its ready outputs fetched, and stops at the first that has not.
    static func advance(_ old: Cursor, runs: [(sequence: Int, ended: Bool, outputs: [String])], fetched: Set<String>) -> Cursor {
        var sequence = old.sequence
        for r in runs {
            guard r.ended, r.outputs.allSatisfy(fetched.contains) else { break }
            sequence = r.sequence
        }
        let kept = runs.filter { $0.sequence > sequence }.flatMap(\.outputs).filter(fetched.contains)
        return Cursor(sequence: sequence, fetched: kept.sorted())
    }

    /// Fetches, verifies and opens every ready output of the runs that concern this party and
    /// were not fetched before, each into `<out>/<checkID>/` as `ResultOpening.fetch` writes it,
    /// and remembers what was fetched in `state`. A per-record output is opened with the one of
    /// `encoded` whose summary names its check; without it the output is left for a later call.
    public static func allNew(client: CoordinatorClient, coordinator: PartyPublicKeys, agreementID: String, state: String, out: String,
                              encoded: [String] = []) throws -> [Item] {
        let old = cursor(state: state, agreementID: agreementID)
        let answer = try client.standingRuns(agreement: agreementID, since: old.sequence)
        var fetched = Set(old.fetched)
        var items: [Item] = []
        for run in answer.runs {
            // The names become paths under `out`: a check id is 32 hex digits and an output a plain
            // name, whatever the coordinator answers.
            guard run.checkID.utf8.count == 32, run.checkID.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw NodeError(.result, "the coordinator named a run '\(run.checkID.prefix(40))', which is not a check id")
            }
            for output in run.results where !fetched.contains("\(run.checkID)/\(output)") {
                guard !output.isEmpty, !output.contains("/"), !output.hasPrefix(".") else {
                    throw NodeError(.result, "the coordinator named an output '\(output.prefix(40))', which is not an output name")
                }
                let dir = encoded.first { Self.submissionID(ofEncoded: $0) == run.checkID }
                do {
                    let opened = try ResultOpening.fetch(client: client, coordinator: coordinator, agreementID: agreementID, output: output,
                                                         encoded: dir, state: state, out: "\(out)/\(run.checkID)", check: run.checkID)
                    fetched.insert("\(run.checkID)/\(output)")
                    items.append(Item(sequence: run.sequence, checkID: run.checkID, output: output, opened: opened, skipped: nil))
                } catch let e as NodeError where e.code == .result && dir == nil && e.reason.contains("--encoded") {
                    items.append(Item(sequence: run.sequence, checkID: run.checkID, output: output, opened: nil,
                                      skipped: "\(e.reason) of check \(run.checkID)"))
                }
            }
        }
        let ended: Set<CheckState> = [.finished, .failed, .stored]
        let next = advance(old, runs: answer.runs.map { run in (sequence: run.sequence, ended: ended.contains(run.state),
                                                                 outputs: run.results.map { "\(run.checkID)/\($0)" }) },
                           fetched: fetched)
        try save(next, state: state, agreementID: agreementID)
        return items
    }

    /// The submission id in the summary `node encode` wrote in `directory`, or nil.
    static func submissionID(ofEncoded directory: String) -> String? {
        struct Summary: Decodable { let submissionID: String }
        guard let data = FileManager.default.contents(atPath: directory + "/" + Ingest.summaryFile) else { return nil }
        return (try? JSONDecoder().decode(Summary.self, from: data))?.submissionID
    }

    static func save(_ cursor: Cursor, state: String, agreementID: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            try JSONEncoder().encode(cursor).write(to: URL(fileURLWithPath: cursorPath(state, agreementID)), options: .atomic)
        } catch { throw NodeError(.output, "cannot record the fetched results in \(state)") }
    }
}
