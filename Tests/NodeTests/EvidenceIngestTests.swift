import Foundation
import Testing
import Blinding
import Sodium
import Wire
@testable import Node

/// Protocols/clk.md §6 at the node: the mapping's address columns and the CLK's given names and
/// birth date become the record's evidence values (wire.md §3.4).
@Suite struct EvidenceIngestTests {
    static let addressMapping = """
        {"format": "korskoll-mapping-v1", "recordId": "arende", "person": "personnr",
         "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodd"},
         "address": {"street": "adress", "postcode": "postnr", "town": "ort"}}
        """
    static let rows = [("Karl Erik", "Lind", "1980-05-12", "Storgatan 12", "412 57", "Göteborg"),
                       ("Anna", "Berg", "1975-01-02", "", "113 43", ""),
                       ("Sara", "Ek", "", "Ringvägen 1", "118 50", "Stockholm"),
                       ("Maja Lena", "Ås", "1990-10-10", "", "", "")]

    func encode(_ f: Fixture, mapping: String, blocking: Bool) throws -> [Submission.Record] {
        var csv = "arende,personnr,fornamn,efternamn,fodd,adress,postnr,ort\n"
        for (k, r) in Self.rows.enumerated() { csv += "R\(k),\(pins[k]),\(r.0),\(r.1),\(r.2),\(r.3),\(r.4),\(r.5)\n" }
        var job = try f.job(csv: csv)
        job.mapping = try ColumnMapping(json: Data(mapping.utf8))
        job.agreement = nil
        job.blocking = blocking
        _ = try Ingest.run(job)
        return try f.records().1
    }

    @Test func addressColumnsAndGivenNamesBecomeEvidenceValues() throws {
        let f = Fixture()
        let records = try encode(f, mapping: Self.addressMapping, blocking: true)
        let keyer = EvidenceKeyer(keys: f.keys), s = keyer.makeScratch()
        struct Values: Hashable { let address: [UInt32]?; let given: [UInt32]? }
        let want = Set(Self.rows.map { r -> Values in
            let a = keyer.address(street: r.3, postcode: r.4, town: r.5, dob: r.2, scratch: s)
            let g = keyer.givenNames(r.0, dob: r.2, scratch: s)
            return Values(address: a.allSatisfy { $0 == 0 } ? nil : a, given: g.allSatisfy { $0 == 0 } ? nil : g)
        })
        #expect(Set(records.map { Values(address: $0.address, given: $0.givenNames) }) == want)
        #expect(records.filter { $0.address != nil }.count == 2, "no birth date, or no address part: no address values")
        #expect(records.filter { $0.givenNames != nil }.count == 3, "no birth date: no given-name values")
    }

    @Test func withoutBlockingOrAddressColumnsNoValuesAreSent() throws {
        let f = Fixture()
        #expect(try encode(f, mapping: Self.addressMapping, blocking: false).allSatisfy { $0.address == nil && $0.givenNames == nil })
        let plain = #"{"format": "korskoll-mapping-v1", "recordId": "arende", "person": "personnr", "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodd"}}"#
        let g = Fixture()
        let records = try encode(g, mapping: plain, blocking: true)
        #expect(records.allSatisfy { $0.address == nil } && records.contains { $0.givenNames != nil })
    }

    @Test func aBadAddressMappingIsRefused() throws {
        for (json, code) in [(#"{"format": "korskoll-mapping-v1", "recordId": "a", "person": "p", "address": {"gata": "x"}}"#, NodeError.Code.invalidMapping),
                             (#"{"format": "korskoll-mapping-v1", "recordId": "a", "person": "p", "address": {}}"#, .invalidMapping)] {
            #expect(throws: NodeError.self) { try ColumnMapping(json: Data(json.utf8)) }
            do { _ = try ColumnMapping(json: Data(json.utf8)) } catch let e as NodeError { #expect(e.code == code) }
        }
        let f = Fixture()
        let missing = Self.addressMapping.replacingOccurrences(of: #""town": "ort""#, with: #""town": "kommun""#)
        do { _ = try encode(f, mapping: missing, blocking: true); Issue.record("a missing address column was accepted") } catch let e as NodeError {
            #expect(e.code == .invalidFile && e.reason.contains("address.town"))
        }
    }
}
