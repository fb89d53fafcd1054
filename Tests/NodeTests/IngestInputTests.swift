import Foundation
import Testing
import TestSupport
import Sodium
import Tabular
@testable import Node

/// Protocols/node.md §2.1, §2.6 and §3: an export never fails quietly, and what the node writes
/// is safe to open in a spreadsheet.
@Suite struct IngestInputTests {
    private func row(_ i: Int, id: String? = nil, given: String = "Åsa") -> String {
        "\(id ?? "R\(i)"),\(pins[i]),,\(given),Ek,,m"
    }

    @Test func aCrOnlyExportReadsEveryRow() throws {
        for eol in ["\r", "\r\n", "\n"] {
            let f = Fixture()
            let csv = (["arende,personnr,orgnr,fornamn,efternamn,fodd,roll"] + (0..<12).map { row($0) }).joined(separator: eol) + eol
            let summary = try Ingest.run(try f.job(csv: csv))
            #expect(summary.rowsRead == 12 && summary.rowsSubmitted == 12 && summary.rowsRejected == 0, "eol \(eol.debugDescription)")
            let lines = try f.csvRows("out", Ingest.rowMapFile).map { Int($0[1])! }.sorted()
            #expect(lines == Array(2...13), "eol \(eol.debugDescription)")
        }
    }

    @Test func aByteOrderMarkBeforeTheHeaderIsStripped() throws {
        let f = Fixture()
        let summary = try Ingest.run(try f.job(csv: "\u{FEFF}" + header + row(0) + "\n"))
        #expect(summary.rowsSubmitted == 1)
    }

    /// A second BOM (a file saved twice with one) is not silently part of a column name.
    @Test func aByteOrderMarkLeftInTheHeaderIsNamed() throws {
        let f = Fixture()
        let error = #expect(throws: NodeError.self) { try Ingest.run(try f.job(csv: "\u{FEFF}\u{FEFF}" + header + row(0) + "\n")) }
        #expect(error?.reason.contains("no column 'arende'") == true && error?.reason.contains("header column 1 holds a byte order mark") == true, "\(String(describing: error))")
    }

    /// node.md §2.1, §4: the summary says whether the export had a BOM.
    @Test func theSummaryReportsAByteOrderMark() throws {
        let f = Fixture()
        let with = try Ingest.run(try f.job(csv: "\u{FEFF}" + header + row(0) + "\n", out: "bom"))
        let without = try Ingest.run(try f.job(csv: header + row(0) + "\n", out: "plain"))
        #expect(with.byteOrderMark && !without.byteOrderMark)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(f.dir)/bom/\(Ingest.summaryFile)"))) as? [String: Any]
        #expect(json?["byteOrderMark"] as? Bool == true)
    }

    /// `"Ann"a` and `An"na` are not read as `Anna`: the row is rejected, naming its line and
    /// column, and its neighbours are kept.
    @Test func aStrayQuoteRejectsItsRowNamingTheColumn() throws {
        let f = Fixture()
        let csv = header + [row(0), "R1,\(pins[1]),,\"Ann\"a,Ek,,", row(2), "R3,\(pins[3]),,An\"na,Ek,,", row(4)].joined(separator: "\n") + "\n"
        let summary = try Ingest.run(try f.job(csv: csv))
        #expect(summary.rowsRead == 5 && summary.rowsSubmitted == 3 && summary.rowsRejected == 2)
        #expect(summary.rejectedByReason == ["csv.stray-quote": 2])
        let rejects = try f.csvRows("out", Ingest.rejectFile)
        #expect(rejects.map { "\($0[0]) \($0[1]) \($0[2])" } == ["3 fornamn csv.stray-quote", "5 fornamn csv.stray-quote"])
        #expect(Set(try f.csvRows("out", Ingest.rowMapFile).map { $0[2] }) == ["R0", "R2", "R4"])
    }

    /// The second and later rows with a record id go to the reject report, naming the first line;
    /// the first keeps its place in the submission.
    @Test func duplicateRecordIdsGoToTheRejectReport() throws {
        let f = Fixture()
        let csv = header + [row(0, id: "A"), row(1, id: "B"), row(2, id: "A"), row(3, id: " A "), row(4, id: "C"), row(5, id: "B")].joined(separator: "\n") + "\n"
        let summary = try Ingest.run(try f.job(csv: csv))
        #expect(summary.rowsRead == 6 && summary.rowsSubmitted == 3 && summary.rowsRejected == 3)
        #expect(summary.rejectedByReason == ["row.record-id-duplicate": 3])
        let rejects = try f.csvRows("out", Ingest.rejectFile)
        #expect(rejects.map { "\($0[0]) \($0[1]) \($0[2])" } == ["4 recordId row.record-id-duplicate", "5 recordId row.record-id-duplicate", "7 recordId row.record-id-duplicate"])
        #expect(rejects.map { $0[3].contains("line \($0[0] == "7" ? 3 : 2)") } == [true, true, true], "\(rejects)")
        let map = try f.csvRows("out", Ingest.rowMapFile)
        #expect(map.map { "\($0[2]):\($0[1])" }.sorted() == ["A:2", "B:3", "C:6"])
    }

    /// Random exports against a naive reference: a row is a duplicate when an earlier row that
    /// had a record id had the same one.
    @Test func duplicatesMatchTheNaiveReferenceOnRandomExports() throws {
        for seed: UInt64 in 1...6 {
            var rng = SplitMix64(seed: seed)
            let f = Fixture()
            var lines: [String] = [], expected: [Int] = [], first: [String: Int] = [:]
            for i in 0..<300 {
                let id = Int.random(in: 0..<3, using: &rng) == 0 ? "" : "R\(Int.random(in: 0..<120, using: &rng))"
                lines.append(row(i, id: id))
                guard !id.isEmpty else { continue }
                if first[id] != nil { expected.append(i + 2) } else { first[id] = i + 2 }
            }
            let summary = try Ingest.run(try f.job(csv: header + lines.joined(separator: "\n") + "\n"))
            let rejects = try f.csvRows("out", Ingest.rejectFile).filter { $0[2] == "row.record-id-duplicate" }
            #expect(rejects.map { Int($0[0])! } == expected, "seed \(seed)")
            #expect(summary.rowsRead == 300 && summary.rowsSubmitted == first.count, "seed \(seed)")
        }
    }

    /// Header only, or nothing after a BOM and header: the run stops and leaves nothing behind.
    @Test func anExportWithNoDataRowsStops() throws {
        let f = Fixture()
        for (i, csv) in [header, "\u{FEFF}" + header, String(header.dropLast()), ""].enumerated() {
            var job = try f.job(csv: csv, name: "empty\(i).csv", out: "out\(i)")
            job.threads = 1
            let error = #expect(throws: NodeError.self) { try Ingest.run(job) }
            #expect(error?.code == .emptyExport)
            #expect(error?.reason.contains("no data rows") == true, "\(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: job.output))
        }
    }

    @Test func allowEmptyAcceptsAHeaderOnlyExport() throws {
        let f = Fixture()
        var job = try f.job(csv: header)
        #expect(throws: NodeError(.emptyExport, "\(job.input) has a header but no data rows; nothing was written (give --allow-empty if the export is meant to be empty)")) { try Ingest.run(job) }
        job.allowEmpty = true
        let summary = try Ingest.run(job)
        #expect(summary.rowsRead == 0 && summary.rowsSubmitted == 0 && summary.rowCheck == "rows read 0 = accepted 0 + rejected 0")
        let (h, records) = try f.records()
        #expect(h.rows == 0 && records.isEmpty)
        // An empty file has no header: it stops the run even so.
        var empty = try f.job(csv: "", name: "zero.csv", out: "zero")
        empty.allowEmpty = true
        #expect { try Ingest.run(empty) } throws: { ($0 as? NodeError)?.code == .emptyExport }
    }

    /// node.md §4.1: every run records rows read = accepted + rejected, with rejected rows of
    /// every kind, malformed ones included.
    @Test func everyRunRecordsItsRowCheck() throws {
        let f = Fixture()
        let csv = header + [row(0), "R1,\(pins[1]),,\"Ann\"a,Ek,,", row(2, id: "R0"), "R3,1,2", ",\(pins[4]),,,,,", "R5,,,,,,", row(6)].joined(separator: "\r") + "\r"
        let summary = try Ingest.run(try f.job(csv: csv))
        #expect(summary.rowCheck == "rows read 7 = accepted 2 + rejected 5")
        #expect(summary.rowsRead == summary.rowsSubmitted + summary.rowsRejected)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(f.dir)/out/\(Ingest.summaryFile)"))) as? [String: Any]
        #expect(json?["rowCheck"] as? String == summary.rowCheck)
    }

    /// node.md §4.1: a count that disagrees with the others stops the run, naming every count.
    @Test func rowCountsThatDisagreeStopTheRun() throws {
        let good = RowCounts(read: 12, accepted: 10, rejected: 2, running: (12, 10, 2))
        #expect(try good.check() == "rows read 12 = accepted 10 + rejected 2")
        let bad = [
            RowCounts(read: 12, accepted: 9, rejected: 2, running: (12, 10, 2)),
            RowCounts(read: 12, accepted: 10, rejected: 1, running: (12, 10, 2)),
            RowCounts(read: 13, accepted: 10, rejected: 2, running: (12, 10, 2)),
            RowCounts(read: 12, accepted: 10, rejected: 2, running: (11, 10, 2)),
            RowCounts(read: 12, accepted: 10, rejected: 2, running: (12, 9, 3)),
        ]
        for counts in bad {
            let error = #expect(throws: NodeError.self) { try counts.check() }
            #expect(error?.code == .rowCount && error?.reason.contains("\(counts.read) rows read") == true)
        }
    }

    /// A record id, written by an agency, is never a formula in the node's own files.
    @Test func theRowMapNeutralisesFormulaeInRecordIDs() throws {
        let f = Fixture()
        let ids = ["=HYPERLINK(\"\"http://x/?pnr=1\"\")", "+1", "-2", "@A1", "ok"]
        let csv = header + ids.enumerated().map { row($0.offset, id: $0.element.contains("\"") ? "\"\($0.element)\"" : $0.element) }.joined(separator: "\n") + "\n"
        _ = try Ingest.run(try f.job(csv: csv))
        let text = try String(contentsOfFile: "\(f.dir)/out/\(Ingest.rowMapFile)", encoding: .utf8)
        let cells = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",", maxSplits: 2).map(String.init)[2] }
        #expect(Set(cells) == ["\"'=HYPERLINK(\"\"http://x/?pnr=1\"\")\"", "\"'+1\"", "\"'-2\"", "\"'@A1\"", "ok"])
    }
}
