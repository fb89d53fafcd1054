import Foundation
import Testing
import Agreements
import Blinding
import CLKEncoding
import Identifiers
import Parties
import Sodium
import Tabular
import Wire
@testable import Node

let schemaJSON = """
    {"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256", "keySize": 64}},
     "features": [
      {"identifier": "given_name", "format": {"type": "string", "encoding": "utf-8"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}},
      {"identifier": "surname", "format": {"type": "string", "encoding": "utf-8"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}},
      {"identifier": "dob", "format": {"type": "date", "format": "%Y-%m-%d"}, "hashing": {"comparison": {"type": "ngram", "n": 2, "positional": true}, "strategy": {"bitsPerToken": 20}}}
     ]}
    """
let mappingJSON = """
    {"format": "korskoll-mapping-v1", "recordId": "arende", "person": "personnr", "organisation": "orgnr",
     "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodd"}, "attributes": {"role": "roll"}}
    """
let header = "arende,personnr,orgnr,fornamn,efternamn,fodd,roll\n"
/// The agreement the fixture encodes under: fk sends both identifier kinds, CLKs and a `role`
/// the coordinator reads (Protocols/agreements.md §3).
let fixtureAgreementJSON = """
    {"format": "korskoll-agreement-v2", "id": "watch-2026", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator",
     "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": true,
                  "attributes": [{"name": "category", "values": ["aktiv", "koppling"], "readers": ["fk"]}]},
                 {"id": "fk", "identifiers": ["person", "organisation"], "fuzzy": true,
                  "attributes": [{"name": "role", "values": ["a", "m", "styrelseledamot"], "readers": ["coordinator"]}]}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": 0.9},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["category", "matchKind"]}],
     "retentionDays": 0}
    """

/// Everything a test run needs: keys, a scratch directory and the job.
final class Fixture {
    let dir = NSTemporaryDirectory() + "korskoll-node-" + Hex.encode(Random.bytes(8))
    let party = try! PartyKeys.generate(party: "fk")
    let coordinator = try! PartyKeys.generate(party: "coordinator")
    let keys = LinkageKeys(agreementID: "watch-2026", linkageSecret: SecretBytes.random(count: 32))
    let schema = try! LinkageSchema(json: Data(schemaJSON.utf8))
    init() { try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func job(csv: String, name: String = "export.csv", out: String = "out") throws -> IngestJob {
        try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
        var job = IngestJob(input: "\(dir)/\(name)", mapping: try ColumnMapping(json: Data(mappingJSON.utf8)), schema: schema,
                            keys: keys, party: party, coordinator: coordinator.publicKeys,
                            referenceDate: CalendarDate(year: 2026, month: 11, day: 23)!, output: "\(dir)/\(out)", threads: 2,
                            createdAt: 1_795_000_000)
        job.agreement = try Agreement(json: Data(fixtureAgreementJSON.utf8))
        return job
    }

    /// Opens the submission as the coordinator would and returns its records by row.
    func records(_ out: String = "out") throws -> (Submission.Header, [Submission.Record]) {
        let opened = try Submission.Opened(path: "\(dir)/\(out)/\(Ingest.submissionFile)", key: coordinator.sealing)
        try opened.verify(signedBy: party.signing.publicKey)
        var records: [Submission.Record] = []
        while let r = try opened.next() { records.append(r) }
        return (opened.header, records)
    }

    func csvRows(_ out: String, _ file: String) throws -> [[String]] {
        let text = try String(contentsOfFile: "\(dir)/\(out)/\(file)", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            // The test data has no quoted commas except in reasons, which are last but one.
            line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }
}

/// Test numbers (so nothing real) spread over the population.
let pins = Array(SkatteverketTestNumbers.personnummer.prefix(400))

@Suite struct IngestTests {
    @Test func everyGoodRowArrivesShuffledAndTheRowMapLeadsBackToIt() throws {
        let f = Fixture()
        var csv = header
        var expected: [Int: (pin: String, given: String, surname: String, dob: String, role: String)] = [:]
        for (i, pin) in pins.enumerated() {
            let dob = "\(pin.prefix(4))-\(pin.dropFirst(4).prefix(2))-\(pin.dropFirst(6).prefix(2))"
            let row = (pin, "Åsa\(i)", "Öberg-\(i % 7)", dob, i % 3 == 0 ? "styrelseledamot" : "")
            csv += "R\(i),\(pin.prefix(8))-\(pin.suffix(4)),,\(row.1),\(row.2),\(row.3),\(row.4)\n"
            expected[i + 2] = row
        }
        let summary = try Ingest.run(try f.job(csv: csv))
        #expect(summary.rowsRead == pins.count && summary.rowsSubmitted == pins.count && summary.rowsRejected == 0)
        #expect(summary.testNumbers == pins.count)
        let (header, records) = try f.records()
        #expect(header.rows == UInt64(pins.count) && header.attributes == ["role"] && header.schemaDigest == f.schema.digest)
        #expect(Hex.encode(header.submissionID) == summary.submissionID)

        let rowMap = try f.csvRows("out", Ingest.rowMapFile)
        #expect(rowMap.count == pins.count)
        #expect(rowMap.map { Int($0[1])! } != (2..<(pins.count + 2)).map { $0 }, "rows kept the export's order")
        // Reference: blind and encode each row independently and compare with what the row map says.
        let blinder = IdentifierBlinder(keys: f.keys, namespace: .person)
        let encoder = try CLKEncoder(schema: f.schema, secret: f.keys.clkSecret())
        for entry in rowMap {
            let row = Int(entry[0])!, line = Int(entry[1])!
            let e = try #require(expected[line])
            #expect(entry[2] == "R\(line - 2)")
            #expect(records[row].person == blinder.blind(e.pin))
            #expect(records[row].organisation == nil)
            #expect(records[row].clk == (try encoder.encode([e.given, e.surname, e.dob]).get()))
            #expect(records[row].attributes == [e.role])
        }
    }

    @Test func badRowsAreReportedAndCostOnlyThemselves() throws {
        let f = Fixture()
        let csv = header + """
            A1,\(pins[0]),,Anna,Ek,1990-01-01,m
            A2,19800230-1234,,Bo,Åkesson,1980-02-30,a
            A3,12"3,,Bo,Ek,,
            A4,,,,,,
            ,\(pins[1]),,Anna,Ek,,
            A6,1,2
            A7,,556036-0793,,,,
            A8,\(pins[2]),,Cia,Berg,,

            """
        let summary = try Ingest.run(try f.job(csv: csv))
        #expect(summary.rowsRead == 8)
        #expect(summary.rowsSubmitted == 4)
        #expect(summary.rejectedByReason == ["csv.stray-quote": 1, "row.nothing-to-link": 1, "row.record-id-missing": 1, "row.field-count": 1])
        #expect(summary.fieldsDroppedByReason == ["id.invalid-date": 1, "clk.invalid-value": 1])
        let rejects = try f.csvRows("out", Ingest.rejectFile)
        #expect(rejects.map { "\($0[0]) \($0[1]) \($0[2]) \($0.last!)" } == [
            "3 personnr id.invalid-date field-dropped",
            "3 fodd clk.invalid-value field-dropped",
            "4 personnr csv.stray-quote row-rejected",
            "5  row.nothing-to-link row-rejected",
            "6 recordId row.record-id-missing row-rejected",
            "7  row.field-count row-rejected",
        ])
        let (_, records) = try f.records()
        #expect(records.count == 4)
        let ids = Set(try f.csvRows("out", Ingest.rowMapFile).map { $0[2] })
        #expect(ids == ["A1", "A2", "A7", "A8"])
        // A2 keeps its names although its identifier and birth date were bad.
        #expect(records.filter { $0.person == nil && $0.clk != nil }.count == 1)
    }

    @Test func aSoleTradersOrganisationPseudonymIsItsOwnersPersonPseudonym() throws {
        let f = Fixture()
        let pin = pins[5]
        let summary = try Ingest.run(try f.job(csv: header + "A1,,\(pin),,,,\nA2,\(pin),,,,,\nA3,,556036-0793,,,,\n"))
        #expect(summary.organisationIDs == 2 && summary.personIDs == 1)
        let (_, records) = try f.records()
        let person = try #require(records.compactMap(\.person).first)
        #expect(records.compactMap(\.organisation).filter { $0 == person }.count == 1)
        #expect(records.compactMap(\.organisation).contains(IdentifierBlinder(keys: f.keys, namespace: .organisation).blind("165560360793")))
    }

    @Test func fileProblemsStopBeforeAnythingIsWritten() throws {
        let f = Fixture()
        let cases: [(String, String)] = [
            ("arende;personnr;orgnr;fornamn;efternamn;fodd;roll\nA1;;;;;;\n", "looks ';'-separated"),
            ("arende,personnr,fornamn,efternamn,fodd,roll\n", "no column 'orgnr' (organisation)"),
            ("arende,personnr,orgnr,orgnr,fornamn,efternamn,fodd,roll\n", "column 'orgnr' (organisation) appears more than once"),
            (header + "A1,\(pins[0]),,Anna,Ek,1990-01-01,m\nA2,,,J\u{FFFD}n,,,\n", "not UTF-8"),
            ("", "is empty"),
        ]
        for (i, (csv, message)) in cases.enumerated() {
            var text = Data(csv.utf8)
            if message == "not UTF-8" { text = Data(csv.utf8.map { $0 == 0xEF ? 0xE4 : $0 }.filter { $0 != 0xBF && $0 != 0xBD }) }
            try text.write(to: URL(fileURLWithPath: "\(f.dir)/bad\(i).csv"))
            var job = try f.job(csv: "", name: "unused.csv", out: "out\(i)")
            job.input = "\(f.dir)/bad\(i).csv"
            do { _ = try Ingest.run(job); Issue.record("case \(i) was accepted") } catch let e as NodeError {
                #expect(e.code == (csv.isEmpty ? .emptyExport : .invalidFile))
                #expect(e.reason.contains(message), "\(e.reason)")
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: f.dir).filter { $0.hasPrefix("out\(i)") }
            #expect(left.isEmpty, "case \(i) left \(left)")
        }
    }

    @Test func anExistingOutputIsNeverOverwritten() throws {
        let f = Fixture()
        _ = try Ingest.run(try f.job(csv: header + "A1,\(pins[0]),,,,,\n"))
        #expect(throws: NodeError.self) { try Ingest.run(try f.job(csv: header + "A1,\(pins[0]),,,,,\n")) }
    }

    /// The row map written from the bucket files in place: every record once, its row the
    /// position of its bytes in the body, and record ids with commas, quotes and line breaks read
    /// back unchanged by the CSV reader.
    @Test func theRowMapLeadsEveryRowBackToItsRecordAndID() throws {
        let base = NSTemporaryDirectory() + "korskoll-rowmap-" + Hex.encode(Random.bytes(8))
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let ids = ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf", "åäö", ""]
        let s = try BucketShuffler(directory: "\(base)/b", buckets: 8)
        let n = 5_000
        for i in 0..<n {
            // Records of varying length: u32 counter then i % 7 filler bytes.
            let record = withUnsafeBytes(of: UInt32(i).bigEndian, Array.init) + [UInt8](repeating: UInt8(i % 251), count: i % 7)
            try s.add(record: record, line: i + 2, recordID: "\(ids[i % ids.count])#\(i)")
        }
        let (hash, rows) = try s.finish(bodyPath: "\(base)/body", rowMapPath: "\(base)/map.csv")
        #expect(rows == n)
        let body = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(base)/body")))
        #expect(hash == Submission.contentHash(body))
        let reader = try CSVReader(path: "\(base)/map.csv")
        #expect(try reader.next()?.fields == ["row", "line", "record_id"])
        var offset = 0, seen = Set<Int>()
        while let r = try reader.next() {
            let row = Int(r.fields[0])!, line = Int(r.fields[1])!
            let i = line - 2
            #expect(row == seen.count)
            #expect(r.fields[2] == "\(ids[i % ids.count])#\(i)")
            let length = 4 + i % 7
            #expect(Array(body[offset..<(offset + 4)]) == withUnsafeBytes(of: UInt32(i).bigEndian, Array.init))
            offset += length
            seen.insert(i)
        }
        #expect(seen.count == n && offset == body.count)
    }

    @Test func theShuffleIsUniformOverSmallInputs() throws {
        // 3 records, 1,200 shuffles: each of the 6 orders is expected 200 times (sd ≈ 13); the
        // bounds are over 7 sd away, so a fair shuffle essentially never fails.
        var counts: [String: Int] = [:]
        let base = NSTemporaryDirectory() + "korskoll-shuffle-" + Hex.encode(Random.bytes(8))
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        for t in 0..<1_200 {
            let s = try BucketShuffler(directory: "\(base)/b\(t)", buckets: 4)
            for i in 0..<3 { try s.add(record: [UInt8(i)], line: i, recordID: "r\(i)") }
            _ = try s.finish(bodyPath: "\(base)/body", rowMapPath: "\(base)/map")
            let body = try Data(contentsOf: URL(fileURLWithPath: "\(base)/body"))
            counts[body.map(String.init).joined(), default: 0] += 1
            try FileManager.default.removeItem(atPath: "\(base)/body")
            try FileManager.default.removeItem(atPath: "\(base)/map")
        }
        #expect(counts.count == 6)
        for (order, n) in counts { #expect((110...290).contains(n), "order \(order) came \(n) times") }
    }
}

@Suite struct CenturyReconciliationTests {
    /// node.md §2.2.1: the row's birth date settles the century only when the rest of the date agrees.
    @Test func theBirthDateSettlesOnlyTheCentury() {
        // A centenarian written with '-': the number resolves to 2025, the row says 1925.
        #expect(RowPlan.reconcileCentury("202503040123", kind: .personnummer, birthDate: "1925-03-04") == "192503040123")
        // A samordningsnummer: day + 60.
        #expect(RowPlan.reconcileCentury("202503640123", kind: .samordningsnummer, birthDate: "1925-03-04") == "192503640123")
        // Same century, another date, no date, a malformed date, an organisation: unchanged.
        #expect(RowPlan.reconcileCentury("192503040123", kind: .personnummer, birthDate: "1925-03-04") == nil)
        #expect(RowPlan.reconcileCentury("202503040123", kind: .personnummer, birthDate: "1925-03-05") == nil)
        #expect(RowPlan.reconcileCentury("202503040123", kind: .personnummer, birthDate: nil) == nil)
        #expect(RowPlan.reconcileCentury("202503040123", kind: .personnummer, birthDate: "1925/03/04") == nil)
        #expect(RowPlan.reconcileCentury("165560160680", kind: .organisationsnummer, birthDate: "1955-60-16") == nil)
    }
}
