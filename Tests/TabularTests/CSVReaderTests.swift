import Foundation
import Testing
@testable import Tabular

private func file(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-csv-\(UUID().uuidString).csv").path
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

private func records(_ text: String) throws -> [(Int, [String])] {
    let reader = try CSVReader(path: try file(Array(text.utf8)))
    var out: [(Int, [String])] = []
    while let r = try reader.next() { out.append((r.line, r.fields)) }
    return out
}

@Suite struct CSVReaderTests {
    @Test func quotedFieldsDelimitersAndLineNumbers() throws {
        let r = try records("a,b,c\r\n1,\"x, y\",\"say \"\"hej\"\"\"\n2,\"two\nlines\",\n3,,\n")
        #expect(r.count == 4)
        #expect(r[1].1 == ["1", "x, y", "say \"hej\""])
        #expect(r[2].0 == 3 && r[2].1 == ["2", "two\nlines", ""])
        #expect(r[3].0 == 5 && r[3].1 == ["3", "", ""])
    }

    @Test func lastLineWithoutNewlineIsRead() throws {
        #expect(try records("a\nZoë").map(\.1) == [["a"], ["Zoë"]])
    }

    @Test func notUTF8NamesTheLine() throws {
        let reader = try CSVReader(path: try file(Array("a\nok\n".utf8) + [0x66, 0xE5, 0x0A]))
        _ = try reader.next(); _ = try reader.next()
        let error = #expect(throws: CSVError.self) { try reader.next() }
        #expect(error?.code == .notUTF8)
        #expect(error?.reason.contains("line 3") == true)
    }

    @Test func unterminatedAndStrayQuotesAreErrors() throws {
        #expect(throws: CSVError.self) { try records("a\n\"open\n") }
        #expect(throws: CSVError.self) { try records("a\nx\"y\n") }
    }

    @Test func largeFilesStreamAcrossBlocks() throws {
        var text = "id,name\n"
        for i in 0..<60_000 { text += "\(i),\"namn \(i), åäö\"\n" }
        let r = try records(text)
        #expect(r.count == 60_001)
        #expect(r[59_999].1 == ["59998", "namn 59998, åäö"])
        #expect(r[60_000].0 == 60_001)
    }
}
