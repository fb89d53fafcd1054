import Foundation
import Tabular

/// Scoring a standing run's per-record result against the truth of ties (`Protocols/results.md`
/// §5.4): which subject records are tied to which reference party.
public enum TieScoring {
    /// Why a result CSV could not be read as ties: stable `code`, `reason` naming the file and line.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public static let code = "evaluation.tie-csv"
        public var code: String { Self.code }
        public let reason: String
        public var description: String { reason }
    }

    /// One tie as the truth and the node's result name it: a subject record and a reference party.
    public struct Pair: Hashable, Sendable {
        public let recordID: String
        public let party: String
        public init(recordID: String, party: String) { self.recordID = recordID; self.party = party }
    }

    /// Precision and recall of `predicted` against `truth`, in all and per reference party.
    public static func score(predicted: Set<Pair>, truth: Set<Pair>) -> (total: Counts, byParty: [String: Counts]) {
        var total = Counts(), byParty: [String: Counts] = [:]
        for p in predicted {
            total.predicted += 1; byParty[p.party, default: Counts()].predicted += 1
            if truth.contains(p) { total.truePositives += 1; byParty[p.party, default: Counts()].truePositives += 1 }
        }
        for t in truth { total.actual += 1; byParty[t.party, default: Counts()].actual += 1 }
        return (total, byParty)
    }

    /// The ties of the per-record CSV a node wrote for a standing result (results.md §4):
    /// `record_id` with each party of its `tiedTo` column.
    /// - Throws: ``CSVError`` when the file cannot be read; ``Failure`` when it lacks either
    ///   column or a line has another number of fields than the header.
    public static func pairs(resultCSV path: String) throws -> Set<Pair> {
        let reader = try CSVReader(path: path)
        guard let header = try reader.next()?.fields, let id = header.firstIndex(of: "record_id"), let tied = header.firstIndex(of: "tiedTo") else {
            throw Failure(reason: "\(path) has no record_id and tiedTo columns: it is not a standing per-record result")
        }
        var out = Set<Pair>()
        while let r = try reader.next() {
            guard r.fields.count == header.count else { throw Failure(reason: "\(path) line \(r.line) has \(r.fields.count) fields, not \(header.count)") }
            for party in r.fields[tied].split(separator: ";") { out.insert(Pair(recordID: r.fields[id], party: String(party))) }
        }
        return out
    }
}
