import Foundation
import Tabular

/// register → record id → (true person, the data-quality problems written into the row), as
/// `korskoll synth` writes `truth/rows.csv` (`Protocols/synth.md`).
public typealias TruthRows = [String: [String: (person: Int?, problems: String)]]

/// Reading the synthetic population's truth and writing what it says of a run's links.
public enum Truth {
    /// One accepted fuzzy link: both sides' party indices and rows, and the Dice score.
    public typealias FuzzyLink = (partyA: Int, rowA: Int, partyB: Int, rowB: Int, score: Double)

    /// Writes one line per accepted fuzzy link: both rows, their true persons, the score, whether
    /// the link is true, and the data-quality problems of both rows.
    public static func writeFuzzyLinks(_ links: [FuzzyLink], registers: [String], recordOfRow: [[String]],
                                       truth: TruthRows, to path: String) throws {
        let out = try CSVFileWriter(path: path, header: ["register_a", "record_a", "person_a", "register_b", "record_b", "person_b", "score", "true", "problems_a", "problems_b"])
        for l in links {
            let ra = registers[l.partyA], rb = registers[l.partyB]
            let xa = recordOfRow[l.partyA][l.rowA], xb = recordOfRow[l.partyB][l.rowB]
            let ta = truth[ra]?[xa], tb = truth[rb]?[xb]
            let correct = ta?.person != nil && ta?.person == tb?.person
            try out.write([ra, xa, ta?.person.map(String.init) ?? "", rb, xb, tb?.person.map(String.init) ?? "",
                           String(format: "%.4f", l.score), correct ? "1" : "0", ta?.problems ?? "", tb?.problems ?? ""])
        }
        try out.close()
    }

    /// Record ids by submission row, from a node's row map (`node.md` §3).
    public static func recordIDs(_ path: String, rows: Int) throws -> [String] {
        var out = [String](repeating: "", count: rows)
        let reader = try CSVReader(path: path)
        _ = try reader.next()
        while let r = try reader.next() { if let i = Int(r.fields[0]), i < rows { out[i] = r.fields[2] } }
        return out
    }

    /// Reads `truth/rows.csv`.
    public static func truthPersons(_ path: String) throws -> TruthRows {
        var out: TruthRows = [:]
        let reader = try CSVReader(path: path)
        _ = try reader.next()
        while let r = try reader.next() { out[r.fields[0], default: [:]][r.fields[1]] = (Int(r.fields[2]), r.fields[4]) }
        return out
    }
}
