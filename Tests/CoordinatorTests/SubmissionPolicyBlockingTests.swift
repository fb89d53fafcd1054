import Agreements
import Foundation
import Sodium
import Testing
import Wire
@testable import Coordinator

/// The coordinator's checks that tie blocking keys and evidence values to the agreement's
/// blocking scheme (Protocols/blocking.md §4, wire.md §3.4).
@Suite struct SubmissionPolicyBlockingTests {
    private func policy() throws -> SubmissionPolicy {
        let json = agreementJSON.replacingOccurrences(of: "\"threshold\": 0.9}", with: "\"threshold\": 0.9, \"blocking\": \"korskoll-blocking-v1\"}")
        return SubmissionPolicy(agreement: try Agreement(json: Data(json.utf8)), coordinator: "coordinator")
    }

    private func header(keys: Int) -> Submission.Header {
        var h = Submission.Header(agreementID: "watch-test", party: "fk", recipient: "coordinator", submissionID: Random.bytes(16),
                                  createdAt: 1_795_000_000, schemaDigest: [UInt8](repeating: 0, count: 32), clkBytes: 0, attributes: [])
        h.blocking = "korskoll-blocking-v1"
        h.blockingKeys = keys
        return h
    }

    @Test func aHeaderWithAnotherKeyCountThanItsSchemeIsRefused() throws {
        let p = try policy()
        #expect(p.checkHeader(header(keys: 6), sender: "fk") == nil)
        let refused = try #require(p.checkHeader(header(keys: 3), sender: "fk"))
        #expect(refused.reason.contains("3 blocking keys per row") && refused.reason.contains("has 6"))
        #expect(Submission.blockingKeyCount["korskoll-blocking-v1"] == 6)
    }

    @Test func evidenceValuesWithoutBlockingKeysAreRefused() throws {
        let p = try policy(), h = header(keys: 6)
        var r = Submission.Record(person: [UInt8](repeating: 7, count: 32), organisation: nil, clk: nil, attributes: [])
        r.address = [1, 2, 3]
        let refused = try #require(p.checkRecord(r, header: h, row: 4))
        #expect(refused.reason.hasPrefix("row 4:") && refused.reason.contains("without blocking keys"))
        r.address = nil
        r.givenNames = [5, 0, 0, 0]
        #expect(p.checkRecord(r, header: h, row: 4) != nil)
        r.blocks = [1, 2, 3, 4, 5, 6]
        #expect(p.checkRecord(r, header: h, row: 4) == nil)
    }
}
