import Foundation
import Testing
import Agreements
import Matching
import Wire
@testable import Coordinator

/// Protocols/results.md §5: what the result of a standing run says about each subject row.
@Suite struct StandingResultTests {
    static let agreementJSON = """
        {"format": "korskoll-agreement-v3", "id": "reentry", "version": 1, "purpose": "p", "legalBasis": "l", "coordinator": "coordinator",
         "validity": {"from": "2026-01-01", "until": "2027-09-30"},
         "parties": [
          {"id": "polisen", "identifiers": ["person"], "fuzzy": false, "roles": ["reference"],
           "attributes": [{"name": "category", "values": ["aktiv", "koppling"], "readers": ["coordinator"]},
                          {"name": "decision", "values": ["stopp", "återkrav"], "readers": ["fk"]}]},
          {"id": "fk", "identifiers": ["person", "organisation"], "fuzzy": false, "roles": ["subjects"]},
          {"id": "ivo", "identifiers": ["person", "organisation"], "fuzzy": false, "roles": ["reference", "subjects"]},
          {"id": "bolagsverket", "identifiers": ["person", "organisation"], "fuzzy": false, "roles": ["relations"]}],
         "match": {"exact": ["person", "organisation"], "schemaDigest": null, "threshold": null},
         "outputs": [{"name": "fk-ties", "recipient": "fk", "kind": "per-record", "fields": ["category", "decision", "matchKind", "otherParties", "ties"]},
                     {"name": "counts", "recipient": "polisen", "kind": "aggregate", "k": 2}],
         "retentionDays": 0}
        """
    static func pseudonym(_ x: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: (x + 1) >> (8 * $0)) } + [UInt8](repeating: 0x5A, count: 24) }
    static func box(_ row: Int) -> [UInt8] { [UInt8(row)] + [UInt8](repeating: 0xA5, count: SealedAttribute.boxLength - 1) }

    /// polisen lists persons 2 (aktiv) and 5 (koppling); fk checks persons 1 (only at
    /// bolagsverket), 2, organisation 50 (represented by 5 at bolagsverket), and 7 (unknown);
    /// ivo lists person 2 and organisation 50; bolagsverket relates 1→52, 5→50.
    static func linkage() throws -> Linkage {
        var police = PartyRows(party: "polisen", attributeNames: ["category"], capacity: 2, clkBytes: 0,
                               sealedAttributes: [.init(name: "decision", recipients: ["fk"])])
        for (i, (p, c)) in [(2, "aktiv"), (5, "koppling")].enumerated() {
            police.append(Submission.Record(person: pseudonym(p), organisation: nil, clk: nil, attributes: [c], sealed: [box(i)]))
        }
        func rows(_ party: String, _ r: [(Int?, Int?)]) -> PartyRows {
            var out = PartyRows(party: party, attributeNames: [], capacity: r.count, clkBytes: 0)
            for (p, o) in r { out.append(Submission.Record(person: p.map(pseudonym), organisation: o.map(pseudonym), clk: nil, attributes: [], sealed: [])) }
            return out
        }
        return try Linkage([police, rows("fk", [(1, nil), (2, nil), (nil, 50), (7, nil)]), rows("ivo", [(2, nil), (nil, 50)]),
                            rows("bolagsverket", [(1, 52), (5, 50)])],
                           exact: ["person", "organisation"], threshold: nil, fuzzyParties: [])
    }

    static let run = StandingRun(submitter: "fk", checkID: "c0ffee", lists: ["polisen": "aa", "ivo": "bb", "bolagsverket": "cc"])

    static func document(_ output: String) throws -> ResultDocument {
        let a = try Agreement(json: Data(agreementJSON.utf8))
        let o = a.outputs.first { $0.name == output }!
        return try ResultDocument.read(Data(ResultBuilder.document(output: o, agreement: a, runID: "r1", submissionIDs: ["fk": "c0ffee"],
                                                                   linkage: linkage(), standing: run)))
    }

    @Test func aSubjectRowSeenOnlyAtARelationsPartyIsNotInTheResult() throws {
        let doc = try Self.document("fk-ties")
        #expect(doc.rows?.map(\.row) == [1, 2])
        #expect(doc.matchedRows == 2)
    }

    @Test func eachTiedRowSaysToWhomAndHowWithTheReachedRowsAttributes() throws {
        let doc = try Self.document("fk-ties")
        let boxes = [Self.box(0), Self.box(1)].map { Data($0).base64EncodedString() }
        #expect(doc.rows?[0].ties == [
            ResultDocument.Tie(party: "ivo", kind: "direct-exact"),
            ResultDocument.Tie(party: "polisen", kind: "direct-exact", attributes: ["category": ["aktiv"]], sealed: ["decision": [boxes[0]]]),
        ])
        #expect(doc.rows?[1].ties == [
            ResultDocument.Tie(party: "ivo", kind: "direct-exact"),
            ResultDocument.Tie(party: "polisen", kind: "via-representative", attributes: ["category": ["koppling"]], sealed: ["decision": [boxes[1]]]),
        ])
        #expect(doc.rows?[1].matchKind == ["direct-exact", "via-representative"])
        #expect(doc.rows?[1].otherParties == ["ivo", "polisen"])
        #expect(doc.rows?[1].category == ["koppling"], "the category of the reached row, not of the whole group")
        #expect(doc.check == "c0ffee" && doc.submissionID == "c0ffee")
        #expect(doc.lists == ["polisen": "aa", "ivo": "bb", "bolagsverket": "cc"])
    }

    @Test func standingAggregatesCountTiedSubjectRowsPerReferencePartyAndKindWithSmallCellsSuppressed() throws {
        let doc = try Self.document("counts")
        #expect(doc.cells == nil)
        #expect(doc.tieCounts == [
            ResultDocument.TieCount(party: "ivo", kind: "direct-exact", count: 2),
            ResultDocument.TieCount(party: "ivo", kind: "direct-fuzzy", suppressed: true),
            ResultDocument.TieCount(party: "ivo", kind: "via-representative", suppressed: true),
            ResultDocument.TieCount(party: "polisen", kind: "direct-exact", suppressed: true),
            ResultDocument.TieCount(party: "polisen", kind: "direct-fuzzy", suppressed: true),
            ResultDocument.TieCount(party: "polisen", kind: "via-representative", suppressed: true),
        ])
        #expect(doc.check == "c0ffee")
    }

    @Test func aPerRecordOutputOfAnotherPartyIsNotAnsweredByThisRun() throws {
        let a = try Agreement(json: Data(Self.agreementJSON.utf8))
        let other = StandingRun(submitter: "ivo", checkID: "dd", lists: [:])
        #expect(throws: CoordinatorError.self) {
            try ResultBuilder.document(output: a.outputs[0], agreement: a, runID: "r", submissionIDs: [:], linkage: Self.linkage(), standing: other)
        }
    }
}
