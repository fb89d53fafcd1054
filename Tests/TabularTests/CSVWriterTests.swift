import Foundation
import Testing
import TestSupport
@testable import Tabular

/// The naive rule, written from the spec alone (Protocols/node.md §6): a cell beginning with
/// `=`, `+`, `-`, `@`, tab or CR gets a leading `'` and is quoted; a cell holding the delimiter,
/// a quote, CR or LF is quoted; quotes inside quoted cells are doubled.
private func referenceCell(_ s: String, delimiter: Character = ",") -> String {
    if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
        return "\"'" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    if s.unicodeScalars.contains(where: { $0 == "\"" || $0 == "\n" || $0 == "\r" || Character($0) == delimiter }) {
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}

private func tempPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-csvw-\(UUID().uuidString).csv").path
}

@Suite struct CSVWriterTests {
    /// Protocols/node.md §6: what a spreadsheet would run as a formula is written as text.
    @Test func cellsThatCouldStartAFormulaAreNeutralised() throws {
        let cells = ["=HYPERLINK(\"http://x/?pnr=1\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "ok", "a=b", "'=x", ""]
        let expected = "\"'=HYPERLINK(\"\"http://x/?pnr=1\"\")\",\"'+1\",\"'-1\",\"'@SUM(A1)\",\"'\tx\",\"'\rx\",ok,a=b,'=x,\n"
        #expect(CSVWriter.line(cells) == expected)
        let path = tempPath()
        let w = try CSVFileWriter(path: path, header: ["h"])
        try w.write(cells)
        try w.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "h\n" + expected)
        // Read back, each trigger cell is its value behind one quote mark.
        let reader = try CSVReader(path: path)
        _ = try reader.next()
        #expect(try reader.next()?.fields == cells.enumerated().map { $0.offset < 6 ? "'" + $0.element : $0.element })
    }

    /// Every writer agrees with the naive rule on random cells, and the reader gets each cell
    /// back (behind one quote mark when it was neutralised).
    @Test func writersAgreeWithTheNaiveRuleOnRandomCells() throws {
        let alphabet: [Character] = ["=", "+", "-", "@", "\t", "\r", "\n", ",", ";", "\"", "'", "a", "å", "1", " "]
        for seed: UInt64 in 1...40 {
            var rng = SplitMix64(seed: seed)
            let rows = (0..<50).map { _ in
                (0..<Int.random(in: 1...5, using: &rng)).map { _ in
                    String((0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
                }
            }
            for delimiter: Character in [",", ";"] {
                let path = tempPath()
                let w = try CSVFileWriter(path: path, header: ["h"], delimiter: delimiter.asciiValue!)
                for r in rows { try w.write(r) }
                try w.close()
                let expected = "h\n" + rows.map { $0.map { referenceCell($0, delimiter: delimiter) }.joined(separator: String(delimiter)) + "\n" }.joined()
                #expect(try String(contentsOfFile: path, encoding: .utf8) == expected, "seed \(seed)")
                if delimiter == "," {
                    #expect(rows.map(CSVWriter.line).joined() == expected.dropFirst(2).description, "seed \(seed)")
                }
                let reader = try CSVReader(path: path, delimiter: delimiter.asciiValue!)
                _ = try reader.next()
                for r in rows {
                    let back = try reader.next()?.fields
                    let neutral = r.map { s in s.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } == true ? "'" + s : s }
                    #expect(back == neutral, "seed \(seed)")
                }
            }
        }
    }
}
