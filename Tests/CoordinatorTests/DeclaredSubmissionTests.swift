import Foundation
import Testing
import Agreements
import Parties
import ProtocolLog
import Sodium
import Wire
@testable import Coordinator

/// A person-only agreement for both parties, in the v1 format: no attribute is declared
/// (Protocols/agreements.md §1.1).
let personOnlyV1 = """
    {"format": "korskoll-agreement-v1", "id": "watch-test", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator",
     "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": true}, {"id": "fk", "identifiers": ["person"], "fuzzy": true}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": 0.9},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind"]}],
     "retentionDays": 0}
    """

/// The police's category sealed to fk; fk sends nothing else (Protocols/agreements.md §3).
let sealedCategoryV2 = """
    {"format": "korskoll-agreement-v2", "id": "watch-test", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator",
     "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": true,
                  "attributes": [{"name": "category", "values": ["aktiv", "koppling"], "readers": ["fk"]}]},
                 {"id": "fk", "identifiers": ["person"], "fuzzy": true, "attributes": []}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": 0.9},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["category", "matchKind"]}],
     "retentionDays": 0}
    """

/// A sealed submission with the given header attributes and records.
func upload(_ w: World, from party: PartyKeys, records: [Submission.Record], plain: [String] = [],
            sealed: [Submission.SealedAttributeName] = []) throws -> String {
    var body = ByteWriter()
    for r in records { r.encode(into: &body) }
    let bodyPath = w.dir + "/body-" + Hex.encode(Random.bytes(4))
    try Data(body.bytes).write(to: URL(fileURLWithPath: bodyPath))
    var header = Submission.Header(agreementID: "watch-test", party: party.party, recipient: "coordinator",
                                   submissionID: Random.bytes(16), createdAt: w.clock, schemaDigest: [UInt8](repeating: 0, count: 32),
                                   clkBytes: 0, attributes: plain)
    header.sealedAttributes = sealed
    header.rows = UInt64(records.count)
    header.personIDs = UInt64(records.filter { $0.person != nil }.count)
    header.organisationIDs = UInt64(records.filter { $0.organisation != nil }.count)
    header.contentHash = Submission.contentHash(body.bytes)
    let path = w.dir + "/sub-" + Hex.encode(Random.bytes(4)) + ".kks"
    try Submission.seal(header: header, bodyPath: bodyPath, signer: party.signing, recipient: w.coordinator.publicKeys.sealing, to: path)
    return path
}

func person(_ p: Int) -> [UInt8] { SHA256.hash(Array("person \(p)".utf8)) }

@Suite struct DeclaredSubmissionTests {
    /// Issue 16 finding 4: a plaintext attribute nobody declared would let the operator read surnames.
    @Test func anUndeclaredPlainAttributeIsRefusedAndLogged() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(personOnlyV1.utf8), signatures: try w.signatures(personOnlyV1, [w.fk, w.polisen]))
        let path = try upload(w, from: w.polisen, records: (0..<5).map { Submission.Record(person: person($0), organisation: nil, clk: nil, attributes: ["Andersson"]) },
                              plain: ["surname_plain"])
        let error = await #expect(throws: CoordinatorError.self) { try await s.acceptSubmission(party: "polisen", agreementID: "watch-test", upload: path) }
        #expect(error?.code == .submission && error?.body.reason.contains("surname_plain") == true)
        #expect(w.storedSubmissions().isEmpty)
        let logged = try w.events(.submissionRejected)
        #expect(logged.contains { $0.code == "submission.invalid" && $0.reason?.contains("surname_plain") == true })
        #expect(!logged.contains { $0.reason?.contains("Andersson") == true }, "the refusal never repeats a value")
    }

    /// Issue 16 finding 4: `parties[].identifiers` is checked; a person-only party sends no organisation pseudonyms.
    @Test func organisationPseudonymsFromAPersonOnlyPartyAreRefused() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(personOnlyV1.utf8), signatures: try w.signatures(personOnlyV1, [w.fk, w.polisen]))
        let path = try upload(w, from: w.fk, records: (0..<5).map { Submission.Record(person: person($0), organisation: person(100 + $0), clk: nil, attributes: []) })
        let error = await #expect(throws: CoordinatorError.self) { try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: path) }
        #expect(error?.code == .submission && error?.body.reason.contains("organisation") == true)
        #expect(w.storedSubmissions().isEmpty)
        // Person pseudonyms alone are what the agreement declares: accepted.
        let good = try upload(w, from: w.fk, records: (0..<5).map { Submission.Record(person: person($0), organisation: nil, clk: nil, attributes: []) })
        #expect(try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: good).rows == 5)
    }

    /// A coordinator-readable value outside its declared set is refused on receipt.
    @Test func aPlainValueOutsideTheDeclaredSetIsRefused() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
        let path = try w.submission(from: w.polisen, people: Array(0..<5), attributes: ["category"],
                                    values: { [$0 == 3 ? "=HYPERLINK(\"http://x/?pnr=1\")" : "aktiv"] })
        let error = await #expect(throws: CoordinatorError.self) { try await s.acceptSubmission(party: "polisen", agreementID: "watch-test", upload: path) }
        #expect(error?.code == .submission && error?.body.reason.contains("category") == true)
        #expect(error?.body.reason.contains("HYPERLINK") == false)
    }

    /// A category sealed to fk is refused in plain text, and sealed to another party.
    @Test func anAttributeSentToOtherReadersThanDeclaredIsRefused() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(sealedCategoryV2.utf8), signatures: try w.signatures(sealedCategoryV2, [w.fk, w.polisen]))
        let plain = try upload(w, from: w.polisen, records: [Submission.Record(person: person(0), organisation: nil, clk: nil, attributes: ["aktiv"])], plain: ["category"])
        await #expect(throws: CoordinatorError.self) { try await s.acceptSubmission(party: "polisen", agreementID: "watch-test", upload: plain) }
        let box = SealedAttribute.seal("aktiv", to: w.polisen.sealing.publicKey)
        let toPolisen = try upload(w, from: w.polisen, records: [Submission.Record(person: person(0), organisation: nil, clk: nil, attributes: [], sealed: [box])],
                                   sealed: [.init(name: "category", recipients: ["polisen"])])
        await #expect(throws: CoordinatorError.self) { try await s.acceptSubmission(party: "polisen", agreementID: "watch-test", upload: toPolisen) }
    }

    /// Issue 16 findings 4 and 5: the police's category travels sealed to fk; the coordinator moves
    /// the boxes into fk's result without reading them, and only fk's key opens them.
    @Test func aSealedCategoryReachesOnlyItsRecipientAndOpensThere() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(sealedCategoryV2.utf8), signatures: try w.signatures(sealedCategoryV2, [w.fk, w.polisen]))
        let fkKey = w.fk.sealing.publicKey
        let police = (0..<20).map { p in
            Submission.Record(person: person(p), organisation: nil, clk: nil, attributes: [],
                              sealed: [SealedAttribute.seal(p % 2 == 0 ? "aktiv" : (p == 5 ? "" : "koppling"), to: fkKey)])
        }
        _ = try await s.acceptSubmission(party: "polisen", agreementID: "watch-test",
                                         upload: try upload(w, from: w.polisen, records: police, sealed: [.init(name: "category", recipients: ["fk"])]))
        let accepted = try w.events(.submissionAccepted)
        #expect(accepted.first?.parameters?["attributes"] == "category>fk", "the log says what was sent, and to whom")
        _ = try await s.acceptSubmission(party: "fk", agreementID: "watch-test",
                                         upload: try upload(w, from: w.fk, records: (10..<30).map { Submission.Record(person: person($0), organisation: nil, clk: nil, attributes: []) }))
        #expect(try await waitForRun(s) == "finished")
        let answer = try await s.fetchResult(party: "fk", agreementID: "watch-test", output: "fk-rows")
        let sealedPath = w.dir + "/fk-rows.kkr"
        try answer.sealed.write(to: URL(fileURLWithPath: sealedPath))
        let doc = try ResultDocument.read(Data(try SealedResult.open(path: sealedPath, key: w.fk.sealing, coordinator: w.coordinator.signing.publicKey)))
        let rows = doc.rows ?? []
        #expect(Set(rows.map(\.row)) == Set(0..<10), "fk's rows 0..<10 are people 10..<20")
        #expect(rows.allSatisfy { $0.category == nil }, "no readable category")
        for r in rows {
            let boxes = r.sealed?["category"] ?? []
            #expect(boxes.count == 1)
            let value = try SealedAttribute.open(Array(Data(base64Encoded: boxes[0])!), with: w.fk.sealing)
            let p = 10 + r.row
            #expect(value == (p % 2 == 0 ? "aktiv" : "koppling"), "row \(r.row)")
            #expect(throws: WireError.self) { try SealedAttribute.open(Array(Data(base64Encoded: boxes[0])!), with: w.polisen.sealing) }
        }
    }
}

extension World {
    /// Signatures of `document` (another agreement than the world's own) by `by`.
    func signatures(_ document: String, _ by: [PartyKeys]) throws -> Data {
        let a = try Agreement(json: Data(document.utf8))
        var s = AgreementSignatures(agreement: a)
        for k in by { s.sign(a, with: k) }
        return try JSONEncoder().encode(s)
    }
}
