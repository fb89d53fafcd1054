import Foundation
import Testing
import Agreements
import Sodium
import Wire
@testable import Node

/// Protocols/results.md §5.3: a standing result's CSV names each row's tied reference parties, its
/// tie kinds, and the granted attributes of the tied reference rows, sealed ones opened.
@Suite struct StandingResultCSVTests {
    static let agreementJSON = """
        {"format": "korskoll-agreement-v3", "id": "reentry", "version": 1, "purpose": "p", "legalBasis": "l", "coordinator": "coordinator",
         "validity": {"from": "2026-01-01", "until": "2027-09-30"},
         "parties": [
          {"id": "polisen", "identifiers": ["person"], "fuzzy": false, "roles": ["reference"],
           "attributes": [{"name": "category", "values": ["aktiv", "koppling"], "readers": ["coordinator"]},
                          {"name": "decision", "values": ["stopp", "återkrav"], "readers": ["fk"]}]},
          {"id": "fk", "identifiers": ["person"], "fuzzy": false, "roles": ["subjects"]},
          {"id": "ivo", "identifiers": ["person"], "fuzzy": false, "roles": ["reference"]}],
         "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
         "outputs": [{"name": "fk-ties", "recipient": "fk", "kind": "per-record", "fields": ["category", "decision", "ties"]}],
         "retentionDays": 0}
        """

    @Test func theCSVHasTiedToTieKindsAndTheOpenedAttributesOfTheTiedRows() throws {
        let f = Fixture()
        let agreement = try Agreement(json: Data(Self.agreementJSON.utf8))
        try Data(agreement.bytes).write(to: URL(fileURLWithPath: "\(f.dir)/\(Ingest.agreementFile)"))
        try Data("row,line,record_id\n0,2,A-1\n1,3,B-2\n2,4,C-3\n".utf8).write(to: URL(fileURLWithPath: "\(f.dir)/\(Ingest.rowMapFile)"))
        func box(_ v: String) -> String { Data(SealedAttribute.seal(v, to: f.party.sealing.publicKey)).base64EncodedString() }
        let (stopp, reclaim) = (box("stopp"), box("återkrav"))
        let doc = ResultDocument(agreement: agreement.id, agreementHash: Hex.encode(agreement.hash), output: "fk-ties", recipient: "fk",
                                 kind: "per-record", submissionID: "c0", fields: ["category", "decision", "ties"], matchedRows: 2, rows: [
            .init(row: 0, category: ["aktiv"], sealed: ["decision": [stopp]], ties: [
                .init(party: "ivo", kind: "direct-exact"),
                .init(party: "polisen", kind: "via-representative", attributes: ["category": ["aktiv"]], sealed: ["decision": [stopp]])]),
            .init(row: 2, sealed: ["decision": [reclaim, stopp]], ties: [
                .init(party: "polisen", kind: "direct-fuzzy", sealed: ["decision": [reclaim, stopp]])]),
        ], check: "c0", lists: ["polisen": "aa", "ivo": "bb"])
        let opened = try ResultOpening.openSealed(doc, encoded: f.dir, key: f.party.sealing, me: "fk")
        let csv = "\(f.dir)/fk-ties.csv"
        _ = try ResultOpening.writeRecords(doc, fields: doc.csvFields, map: RowMap(path: "\(f.dir)/\(Ingest.rowMapFile)"), opened: opened,
                                           followed: (marks: ["A-1": .new, "C-3": .continuing, "B-2": .ended], ended: [(line: "3", record: "B-2")]), to: csv)
        #expect(try String(contentsOfFile: csv, encoding: .utf8) == """
            record_id,line,category,decision,tiedTo,tieKinds,status
            A-1,2,aktiv,stopp,ivo;polisen,ivo:direct-exact;polisen:via-representative,new
            C-3,4,,stopp;återkrav,polisen,polisen:direct-fuzzy,continuing
            B-2,3,,,,,ended

            """)
    }
}
