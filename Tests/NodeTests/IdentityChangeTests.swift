import Foundation
import Testing
import Agreements
import Identifiers
import Parties
import Sodium
import Wire
@testable import Node

/// Protocols/node.md §1, wire.md §3.3: a relations party's previous numbers are normalised and
/// blinded exactly as its person numbers, and only a party with the relations role may send them.
@Suite struct IdentityChangeTests {
    static let relationsAgreement = """
        {"format": "korskoll-agreement-v2", "id": "watch-2026", "version": 1, "purpose": "test", "legalBasis": "test",
         "coordinator": "coordinator",
         "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": false, "role": "reference"},
                     {"id": "fk", "identifiers": ["person"], "fuzzy": false, "role": "relations"}],
         "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
         "outputs": [{"name": "polisen-rows", "recipient": "polisen", "kind": "per-record", "fields": ["matchKind"]}],
         "retentionDays": 0}
        """
    static let mapping = #"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "identitet", "previousPerson": "tidigare"}"#

    func job(_ f: Fixture, csv: String, agreement: String) throws -> IngestJob {
        var j = try f.job(csv: csv)
        j.mapping = try ColumnMapping(json: Data(Self.mapping.utf8))
        j.schema = nil
        j.agreement = try Agreement(json: Data(agreement.utf8))
        return j
    }

    @Test func aPreviousNumberIsBlindedAsThePersonNumberItWas() throws {
        let f = Fixture()
        let sam = SkatteverketTestNumbers.samordningsnummer.first { Int($0.prefix(4))! > 1940 }!, pnr = pins[0]
        // The samordningsnummer written as 10 digits with a dash in one row, as 12 digits in another.
        let samShort = String(sam.dropFirst(2).prefix(6)) + "-" + String(sam.suffix(4))
        let csv = "id,identitet,tidigare\nC1,\(pnr),\(samShort)\nC2,\(sam),\nC3,,\(sam)\n"
        let summary = try Ingest.run(try job(f, csv: csv, agreement: Self.relationsAgreement))
        #expect(summary.rowsSubmitted == 2)
        #expect(summary.fieldsDroppedByReason["row.previous-without-person"] == 1)
        #expect(summary.rejectedByReason["row.nothing-to-link"] == 1)
        let (header, records) = try f.records()
        #expect(header.personIDs == 2)
        let change = try #require(records.first { $0.previousPerson != nil })
        let plain = try #require(records.first { $0.previousPerson == nil })
        #expect(change.previousPerson == plain.person, "the previous number's pseudonym is the person pseudonym of that number")
        #expect(change.person != plain.person)
    }

    @Test func aPartyWithoutTheRelationsRoleMayNotSendPreviousNumbers() throws {
        let f = Fixture()
        let csv = "id,identitet,tidigare\nC1,\(pins[0]),\(SkatteverketTestNumbers.samordningsnummer[0])\n"
        let notRelations = Self.relationsAgreement.replacingOccurrences(of: #""role": "relations""#, with: #""role": "subjects""#)
        let error = #expect(throws: NodeError.self) { try Ingest.run(try job(f, csv: csv, agreement: notRelations)) }
        #expect(error?.code == .undeclared && error?.reason.contains("relations role") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(f.dir)/out"), "nothing is written")
    }

    @Test func aPreviousNumberWithoutAPersonColumnIsNotAMapping() throws {
        let json = #"{"format": "korskoll-mapping-v1", "recordId": "id", "organisation": "org", "previousPerson": "tidigare"}"#
        #expect(throws: NodeError(.invalidMapping, "mapping: previousPerson needs person: the number that replaced it")) {
            try ColumnMapping(json: Data(json.utf8))
        }
    }
}
