import Foundation
import Testing
import API
import Agreements
import Parties
import ProtocolLog
import Sodium
import Wire
@testable import Coordinator

/// Protocols/wire.md §3.3: the coordinator accepts identity changes only from a party with the
/// relations role.
@Suite struct IdentityChangeSubmissionTests {
    /// fk holds the relations role (v2 `role`), the police the reference role.
    static let relationsV2 = """
        {"format": "korskoll-agreement-v2", "id": "watch-test", "version": 1, "purpose": "test", "legalBasis": "test",
         "coordinator": "coordinator",
         "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": true, "role": "reference"},
                     {"id": "fk", "identifiers": ["person"], "fuzzy": true, "role": "relations"}],
         "match": {"exact": ["person"], "schemaDigest": null, "threshold": 0.9},
         "outputs": [{"name": "polisen-rows", "recipient": "polisen", "kind": "per-record", "fields": ["matchKind"]}],
         "retentionDays": 0}
        """

    func changes() -> [Submission.Record] {
        (0..<5).map { Submission.Record(person: person($0), organisation: nil, clk: nil, attributes: [], previousPerson: person(100 + $0)) }
    }

    @Test func identityChangesFromAPartyWithoutTheRelationsRoleAreRefused() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(personOnlyV1.utf8), signatures: try w.signatures(personOnlyV1, [w.fk, w.polisen]))
        let path = try upload(w, from: w.fk, records: changes())
        let error = await #expect(throws: CoordinatorError.self) { try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: path) }
        #expect(error?.code == .submission && error?.body.reason.contains("relations role") == true)
        #expect(w.storedSubmissions().isEmpty)
        #expect(try w.events(.submissionRejected).contains { $0.code == "submission.invalid" })
    }

    @Test func identityChangesFromARelationsPartyAreAccepted() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(Self.relationsV2.utf8), signatures: try w.signatures(Self.relationsV2, [w.fk, w.polisen]))
        #expect(try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: try upload(w, from: w.fk, records: changes())).rows == 5)
        // The police, in the reference role, may not send them.
        let police = try upload(w, from: w.polisen, records: changes())
        await #expect(throws: CoordinatorError.self) { try await s.acceptSubmission(party: "polisen", agreementID: "watch-test", upload: police) }
    }
}

extension StandingWorld {
    /// Puts `records` from `party` to `endpoint`.
    func put(_ s: CoordinatorService, _ endpoint: SubmissionEndpoint, from party: PartyKeys, records: [Submission.Record]) async throws -> SubmissionAnswer {
        var body = ByteWriter()
        for r in records { r.encode(into: &body) }
        let bodyPath = dir + "/body-" + Hex.encode(Random.bytes(4))
        try Data(body.bytes).write(to: URL(fileURLWithPath: bodyPath))
        var header = Submission.Header(agreementID: "standing-test", party: party.party, recipient: "coordinator", submissionID: Random.bytes(16),
                                       createdAt: clock.now, schemaDigest: [UInt8](repeating: 0, count: 32), clkBytes: 0, attributes: [])
        header.rows = UInt64(records.count)
        header.personIDs = UInt64(records.count)
        header.contentHash = Submission.contentHash(body.bytes)
        let path = dir + "/sub-" + Hex.encode(Random.bytes(4)) + ".kks"
        try Submission.seal(header: header, bodyPath: bodyPath, signer: party.signing, recipient: coordinator.publicKeys.sealing, to: path)
        return try await s.acceptSubmission(party: party.party, agreementID: "standing-test", upload: path, endpoint: endpoint)
    }
}

/// Protocols/matching.md §5.9 in a standing run: a check row under the samordningsnummer is tied
/// to the police's row under the personnummer once the relations party's change stands.
@Suite struct StandingIdentityChangeTests {
    static func pseudonym(_ s: String) -> [UInt8] { SHA256.hash(Array(s.utf8)) }
    static func row(_ s: String, previous: String? = nil) -> Submission.Record {
        Submission.Record(person: pseudonym(s), organisation: nil, clk: nil, attributes: [], previousPerson: previous.map(pseudonym))
    }

    func exactLinks(_ w: StandingWorld, _ s: CoordinatorService, change: Bool) async throws -> (links: Int?, changes: Int?) {
        _ = try await w.put(s, .list, from: w.polisen, records: [Self.row("PNR"), Self.row("OTHER")])
        if change { _ = try await w.put(s, .list, from: w.bolagsverket, records: [Self.row("PNR", previous: "SAM")]) }
        let check = try await w.put(s, .check, from: w.fk, records: [Self.row("SAM")])
        #expect(try await waitForCheck(s, party: "fk", sid: check.submissionID).state == .finished)
        let run = try #require(try w.events(.runFinished).last)
        return (run.counts?["exactLinks"], run.counts?["identityChanges"])
    }

    @Test func aCheckRowUnderTheOldNumberReachesTheListedNewNumberOnlyThroughTheChange() async throws {
        let without = try StandingWorld(), with = try StandingWorld()
        let s1 = try without.service(), s2 = try with.service()
        try await without.register(s1)
        try await with.register(s2)
        let before = try await exactLinks(without, s1, change: false)
        #expect(before.links == 0 && before.changes == nil)
        let after = try await exactLinks(with, s2, change: true)
        #expect(after.links == 1 && after.changes == 1)
    }

    @Test func aCheckCarryingAnIdentityChangeIsRefused() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s, standingJSON(fkRoles: #"["subjects", "relations"]"#))
        let code = await refusalCode { _ = try await w.put(s, .check, from: w.fk, records: [Self.row("PNR", previous: "SAM")]) }
        #expect(code == "submission.invalid")
        _ = try await w.put(s, .list, from: w.fk, records: [Self.row("PNR", previous: "SAM")])
    }
}
