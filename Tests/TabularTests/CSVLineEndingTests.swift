import Foundation
import Testing
import TestSupport
@testable import Tabular

private func write(_ bytes: [UInt8]) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-csv-\(UUID().uuidString).csv").path
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

/// Reads every record, resynchronising after each malformed row as the node does; returns the
/// good records and the malformed rows' errors in file order.
private func readAll(_ bytes: [UInt8]) throws -> (rows: [(line: Int, fields: [String])], errors: [CSVError]) {
    let reader = try CSVReader(path: write(bytes))
    var rows: [(line: Int, fields: [String])] = [], errors: [CSVError] = []
    while true {
        do {
            guard let r = try reader.next() else { break }
            rows.append(r)
        } catch let e as CSVError where e.code == .strayQuote {
            errors.append(e)
            reader.skipRestOfLine()
        }
    }
    return (rows, errors)
}


@Suite struct CSVLineEndingTests {
    /// Protocols/node.md §2.1: LF, CRLF and a lone CR each end a record, and each counts as a line.
    @Test func crLfAndCrlfFilesReadTheSameRecords() throws {
        for seed: UInt64 in [1, 2, 3, 4, 5] {
            var rng = SplitMix64(seed: seed)
            let alphabet = Array("abcåäö 0123,\"").map(String.init)
            var rows: [[String]] = [["id", "name", "note"]]
            for i in 0..<12 {
                let note = (0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
                rows.append(["R\(i)", "Åsa \(i)", note])
            }
            let quoted = rows.map { $0.map { f in f.contains(where: { $0 == "," || $0 == "\"" }) ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f } }
            for eol in ["\n", "\r\n", "\r"] {
                for trailing in [true, false] {
                    var text = quoted.map { $0.joined(separator: ",") }.joined(separator: eol)
                    if trailing { text += eol }
                    let read = try readAll(Array(text.utf8))
                    #expect(read.errors.isEmpty, "seed \(seed) eol \(eol.debugDescription)")
                    #expect(read.rows.map(\.fields) == rows, "seed \(seed) eol \(eol.debugDescription)")
                    #expect(read.rows.map(\.line) == Array(1...13), "seed \(seed) eol \(eol.debugDescription)")
                }
            }
        }
    }

    @Test func aQuotedLineBreakKeepsItsBytesAndCountsAsALine() throws {
        for eol in ["\n", "\r\n", "\r"] {
            let read = try readAll(Array("a,b\(eol)1,\"two\(eol)lines\"\(eol)2,x\(eol)".utf8))
            #expect(read.rows.map(\.fields) == [["a", "b"], ["1", "two\(eol)lines"], ["2", "x"]], "eol \(eol.debugDescription)")
            #expect(read.rows.map(\.line) == [1, 2, 4], "eol \(eol.debugDescription)")
        }
    }

    @Test func mixedLineEndingsAreEachOneBreak() throws {
        let read = try readAll(Array("h\rA\nB\r\nC\r\rD".utf8))
        #expect(read.rows.map(\.fields) == [["h"], ["A"], ["B"], ["C"], [""], ["D"]])
        #expect(read.rows.map(\.line) == [1, 2, 3, 4, 5, 6])
    }

    /// A lone CR at the very end of a block must still be seen together with an LF that opens the
    /// next block: the file straddles the reader's 1 MiB block boundary with a CRLF.
    @Test func aCrlfAcrossTheBlockBoundaryIsOneBreak() throws {
        let first = "h\n" + String(repeating: "x", count: (1 << 20) - 3)
        let read = try readAll(Array((first + "\r\nlast\r\n").utf8))
        #expect(read.rows.count == 3)
        #expect(read.rows.last?.fields == ["last"] && read.rows.last?.line == 3)
    }

    /// Protocols/node.md §2.1: a UTF-8 byte order mark is not part of the first header name.
    @Test func aByteOrderMarkIsStrippedFromTheFirstHeaderName() throws {
        let read = try readAll([0xEF, 0xBB, 0xBF] + Array("arende_id,namn\n1,Åsa\n".utf8))
        #expect(read.rows.map(\.fields) == [["arende_id", "namn"], ["1", "Åsa"]])
    }

    /// The reader says whether it skipped a BOM, so the node can report it.
    @Test func theReaderReportsWhetherItSawAByteOrderMark() throws {
        for (bytes, seen) in [([0xEF, 0xBB, 0xBF] + Array("a\n".utf8), true), (Array("a\n".utf8), false),
                              (Array("a\u{FEFF}\n".utf8), false), ([0xEF, 0xBB, 0xBF], true)] as [([UInt8], Bool)] {
            let reader = try CSVReader(path: write(bytes))
            let first = try reader.next()
            #expect(reader.byteOrderMark == seen)
            #expect(first?.fields.first?.hasPrefix("\u{FEFF}") != true)
        }
    }

    @Test func aUTF16ByteOrderMarkIsRefused() throws {
        for bom: [UInt8] in [[0xFF, 0xFE], [0xFE, 0xFF]] {
            let reader = try CSVReader(path: write(bom + [0x61, 0x00, 0x0A, 0x00]))
            let error = #expect(throws: CSVError.self) { try reader.next() }
            #expect(error?.code == .notUTF8 && error?.reason.contains("UTF-16") == true)
        }
    }

    /// The stray-quote error carries the row's line and the column as numbers, and the reader
    /// counts each abandoned record with those it returned.
    @Test func aStrayQuoteErrorCarriesItsLineAndColumn() throws {
        let read = try readAll(Array("id,name,city\n1,\"Ann\"a,x\n2,\"two\nlines\",Bo\"r\n3,a,b\n".utf8))
        #expect(read.errors.map(\.line) == [2, 3] && read.errors.map(\.column) == [2, 3])
        #expect(read.rows.map(\.line) == [1, 5])
        let reader = try CSVReader(path: write(Array("h\n\"a\"b\nok\nc\"d\n".utf8)))
        while true {
            do { guard try reader.next() != nil else { break } } catch { reader.skipRestOfLine() }
        }
        #expect(reader.recordsRead == 4)
    }

    /// Protocols/node.md §2.1: a quote inside an unquoted field, or anything between a closing
    /// quote and the end of its field, rejects that row; the reader resumes at the next line, so
    /// the neighbouring rows are kept.
    @Test func aStrayQuoteRejectsItsRowAndNamesTheLineAndColumn() throws {
        for eol in ["\n", "\r\n", "\r"] {
            let text = ["id,name,city", "1,\"Ann\"a,Umeå", "2,Bo,Luleå", "3,An\"na,Kiruna", "4,\"Cia\",Piteå", "5,x,\"Bo\"r"].joined(separator: eol) + eol
            let read = try readAll(Array(text.utf8))
            #expect(read.rows.map { $0.fields[0] } == ["id", "2", "4"], "eol \(eol.debugDescription)")
            #expect(read.rows.map(\.line) == [1, 3, 5], "eol \(eol.debugDescription)")
            #expect(read.errors.map(\.line) == [2, 4, 6], "eol \(eol.debugDescription)")
            #expect(read.errors.map(\.code) == [.strayQuote, .strayQuote, .strayQuote])
            #expect(read.errors.map { $0.reason.contains("column 2") } == [true, true, false], "\(read.errors.map(\.reason))")
            #expect(read.errors.last?.reason.contains("column 3") == true)
        }
    }
}
