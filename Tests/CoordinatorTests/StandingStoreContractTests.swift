import API
import Foundation
import Testing
@testable import Coordinator
import Hummingbird

private func list(_ party: String, _ sid: String, accepted: UInt64) -> ListRecord {
    ListRecord(agreement: "s", party: party, submissionID: sid, file: "/x/\(sid).kks", rows: 3, hash: "h-\(sid)", createdAt: accepted - 5,
               accepted: accepted, expires: accepted + 100)
}

private func check(_ party: String, _ sid: String, kind: StandingKind = .check, state: CheckState = .waiting, accepted: UInt64) -> CheckRecord {
    CheckRecord(agreement: "s", submissionID: sid, party: party, kind: kind, file: "/x/\(sid).kks", rows: 4, accepted: accepted, state: state)
}

/// Standing agreements' part of the store (Protocols/standing.md §1.1, §3), against both stores.
@Suite struct StandingStoreContractTests {
    @Test(arguments: StoreKind.allCases) func aNewListEndsTheStandingOneOfItsPartyOnly(_ kind: StoreKind) throws {
        let (store, cleanup) = try kind.make()
        defer { cleanup() }
        try store.acceptStanding(check: check("polisen", "l1", kind: .list, state: .stored, accepted: 10), list: list("polisen", "l1", accepted: 10))
        try store.acceptStanding(check: check("bv", "l2", kind: .list, state: .stored, accepted: 11), list: list("bv", "l2", accepted: 11))
        try store.acceptStanding(check: check("polisen", "l3", kind: .list, state: .stored, accepted: 12), list: list("polisen", "l3", accepted: 12))
        let lists = try store.lists(agreement: "s")
        #expect(lists.map(\.submissionID) == ["l1", "l2", "l3"])
        #expect(lists.filter(\.standing).map(\.submissionID) == ["l2", "l3"])
        #expect(lists[0].ended == 12 && lists[0].endedBy == "replaced")
        try store.endList(agreement: "s", submissionID: "l2", by: "expired", at: 50)
        try store.markListDeleted(agreement: "s", submissionID: "l2", at: 51)
        let l2 = try #require(try store.lists(agreement: "s").first { $0.submissionID == "l2" })
        #expect(l2.endedBy == "expired" && l2.ended == 50 && l2.deleted == 51 && !l2.standing)
        #expect(try store.standingSubmissionExists(submissionID: "l3") && !store.standingSubmissionExists(submissionID: "zz"))
        #expect(throws: (any Error).self) { try store.acceptStanding(check: check("polisen", "l3", accepted: 13), list: nil) }
    }

    @Test(arguments: StoreKind.allCases) func aChecksRunReadsBackWithItsResults(_ kind: StoreKind) throws {
        let (store, cleanup) = try kind.make()
        defer { cleanup() }
        try store.acceptStanding(check: check("fk", "c1", accepted: 10), list: nil)
        try store.acceptStanding(check: check("fk", "c2", accepted: 11), list: nil)
        #expect(try store.checks(agreement: "s").map(\.submissionID) == ["c1", "c2"])
        var c = try #require(try store.check(agreement: "s", submissionID: "c1"))
        c.state = .running; c.runID = "r1"; c.lists = #"{"polisen":"l1"}"#; c.started = 20
        try store.saveCheck(c)
        try store.setCheckProgress(agreement: "s", submissionID: "c1", "matching")
        #expect(try store.check(agreement: "s", submissionID: "c1")?.progress == "matching")
        try store.finishCheck(agreement: "s", submissionID: "c1",
                              results: [ResultRecord(agreement: "s", output: "fk-rows", recipient: "fk", runID: "r1", file: "/r/c1/fk-rows.kkr", hash: "x")],
                              finished: 30, counts: #"{"links":2}"#)
        let done = try #require(try store.check(agreement: "s", submissionID: "c1"))
        #expect(done.state == .finished && done.finished == 30 && done.counts == #"{"links":2}"# && done.lists == #"{"polisen":"l1"}"#)
        #expect(try store.checkResult(agreement: "s", submissionID: "c1", output: "fk-rows")?.file == "/r/c1/fk-rows.kkr")
        #expect(try store.checkResult(agreement: "s", submissionID: "c2", output: "fk-rows") == nil)
        #expect(try store.checkResultOutputs(agreement: "s", submissionID: "c1", recipient: "fk") == ["fk-rows"])
        #expect(try store.checkResultOutputs(agreement: "s", submissionID: "c1", recipient: "polisen").isEmpty)
        #expect(try store.check(agreement: "s", submissionID: "c2")?.state == .waiting)
    }
}

/// Found by the standing benchmark: lists and checks are uploads, streamed like a one-shot
/// submission; the 1 MiB limit on every other request body refused the national police list.
@Suite struct StandingUploadRouteTests {
    @Test func listsAndChecksAreStreamedLikeSubmissions() {
        func request(_ method: HTTPRequest.Method, _ path: String) -> Request {
            Request(head: HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: path), body: .init(buffer: ByteBuffer()))
        }
        for path in ["/v1/agreements/a/submission", "/v1/agreements/a/lists", "/v1/agreements/a/checks"] {
            #expect(ErrorMiddleware<BasicRequestContext>.isSubmissionUpload(request(.put, path)), "\(path)")
        }
        #expect(!ErrorMiddleware<BasicRequestContext>.isSubmissionUpload(request(.get, "/v1/agreements/a/checks")))
        #expect(!ErrorMiddleware<BasicRequestContext>.isSubmissionUpload(request(.put, "/v1/agreements/a/reports/2026-H2")))
        #expect(!ErrorMiddleware<BasicRequestContext>.isSubmissionUpload(request(.put, "/v1/agreements/a/ceremony/fk")))
    }
}
