import Foundation
import Testing
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
