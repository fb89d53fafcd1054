import API
import Agreements
import Foundation
import Parties
import ProtocolLog
import Sodium
import Testing
import Wire
@testable import Coordinator

/// Standing agreements as an outsider, a rogue node and a curious party would try them
/// (Protocols/security.md §8).
@Suite struct StandingAttackTests {
    /// standing.md §3: a list created more than 10 minutes ahead of the coordinator's clock is
    /// refused, so a node with a wrong clock cannot block every later replacement of its list.
    @Test func aListCreatedFarInTheFutureIsRefusedAndCannotBlockLaterReplacements() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s)
        let now = w.clock.now
        let code = await refusalCode { _ = try await w.put(s, .list, from: w.polisen, people: [1, 2], createdAt: now + 10 * 365 * 86_400) }
        #expect(code == "submission.invalid")
        #expect(await refusalCode { _ = try await w.put(s, .check, from: w.fk, people: [1], createdAt: now + 601) } == "submission.invalid")
        #expect(try w.events(.submissionRejected).map(\.code) == ["submission.invalid", "submission.invalid"])
        #expect(w.standingFiles().isEmpty)
        // Within the bound a slightly fast clock is accepted, and a later list still replaces it.
        let fast = try await w.put(s, .list, from: w.polisen, people: [1, 2], createdAt: now + 600)
        w.clock.advance(3600)
        let next = try await w.put(s, .list, from: w.polisen, people: [3])
        #expect(fast.submissionID != next.submissionID)
        #expect(w.standingFiles() == ["\(next.submissionID).kks"])
    }

    /// standing.md §1.2: the state of a run is the submitter's; another party sees it only when
    /// the run builds an output for it (an aggregate), and then without the progress text or the
    /// error; any other party gets the answer of an unknown id.
    @Test func aChecksStateIsShownOnlyToItsSubmitterAndItsOutputsRecipients() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s, standingJSON(aggregate: true))
        _ = try await w.put(s, .list, from: w.polisen, people: Array(0..<10))
        let check = try await w.put(s, .check, from: w.fk, people: Array(5..<15))
        let mine = try await waitForCheck(s, party: "fk", sid: check.submissionID)
        #expect(mine.state == .finished && mine.results == ["fk-rows"] && mine.progress != nil)
        let police = try await s.checkStatus(party: "polisen", agreementID: "standing-test", submissionID: check.submissionID)
        #expect(police.state == .finished && police.results == ["polisen-count"] && police.progress == nil && police.error == nil)
        let unknown = await refusalCode { _ = try await s.checkStatus(party: "bolagsverket", agreementID: "standing-test", submissionID: "00") }
        let other = await refusalCode {
            _ = try await s.checkStatus(party: "bolagsverket", agreementID: "standing-test", submissionID: check.submissionID)
        }
        #expect(unknown == "not-found" && other == unknown)
        // Without an aggregate output the police learn nothing of fk's checks.
        let w2 = try StandingWorld()
        let s2 = try w2.service()
        try await w2.register(s2)
        let check2 = try await w2.put(s2, .check, from: w2.fk, people: [1])
        _ = try await waitForCheck(s2, party: "fk", sid: check2.submissionID)
        #expect(await refusalCode { _ = try await s2.checkStatus(party: "polisen", agreementID: "standing-test", submissionID: check2.submissionID) } == "not-found")
        // The submitter's own list stays visible to it.
        let list = try await w2.put(s2, .list, from: w2.polisen, people: [1])
        #expect(try await s2.checkStatus(party: "polisen", agreementID: "standing-test", submissionID: list.submissionID).state == .stored)
    }

    /// api.md §3.3, §5.1: a replayed check gets the receipt of its first acceptance and runs once;
    /// another party's list, sent by fk, is refused (the header names its party and the
    /// signature is checked under the sender's key).
    @Test func aReplayedCheckRunsOnceAndAnotherPartysListIsRefused() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s, standingJSON(fkRoles: #"["subjects", "reference"]"#))
        let path = try w.submission(from: w.fk, people: [1, 2])
        let copy = path + ".copy"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let first = try await s.acceptSubmission(party: "fk", agreementID: "standing-test", upload: path, endpoint: .check)
        _ = try await waitForCheck(s, party: "fk", sid: first.submissionID)
        let again = try await s.acceptSubmission(party: "fk", agreementID: "standing-test", upload: copy, endpoint: .check)
        #expect(again.submissionID == first.submissionID && again.receipt.index == first.receipt.index)
        #expect(try w.events(.runStarted).count == 1)
        let police = try w.submission(from: w.polisen, people: [1])
        #expect(await refusalCode { _ = try await s.acceptSubmission(party: "fk", agreementID: "standing-test", upload: police, endpoint: .list) }
                == "submission.invalid")
        #expect(try w.events(.listReplaced).isEmpty)
    }
    /// standing.md §3: a list's expiry is its retention, never after the validity's end; a
    /// retention of any size (the agreement is signed by all, but a typo of many digits) names
    /// the validity's end instead of overflowing the multiplication and trapping the coordinator.
    @Test func aHugeListRetentionEndsWithTheValidityRatherThanTrapping() throws {
        let json = standingJSON().replacingOccurrences(of: #""listRetentionDays": 30"#, with: #""listRetentionDays": 100000000000000000"#)
        let a = try Agreement(json: Data(json.utf8))
        let end = try #require(Agreement.endOfDay("2027-09-30"))
        #expect(CoordinatorService.listExpiry(a, party: "polisen", accepted: 1_795_000_000) == end)
        #expect(CoordinatorService.listExpiry(try Agreement(json: Data(standingJSON().utf8)), party: "polisen", accepted: 1_795_000_000)
                == 1_795_000_000 + 30 * 86_400)
    }
    /// security.md §8: an agreement may bound a subjects party's check rows per coordinator UTC
    /// day; a check that would pass it is refused (`check.quota`, 429, logged) and stores
    /// nothing, the next day counts afresh, and `log verify` finds the history lawful.
    @Test func checksPastTheDailyRowBoundAreRefusedAndTheNextDayCountsAfresh() async throws {
        let json = standingJSON().replacingOccurrences(of: #""roles": ["subjects"], "identifiers": ["person"], "fuzzy": false"#,
                                                       with: #""roles": ["subjects"], "identifiers": ["person"], "fuzzy": false, "maxCheckRowsPerDay": 10"#)
        #expect(json != standingJSON())
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s, json)
        w.clock.advance(86_400 - w.clock.now % 86_400)  // the start of a UTC day
        let first = try await w.put(s, .check, from: w.fk, people: Array(0..<6))
        let refused = await refusalCode { _ = try await w.put(s, .check, from: w.fk, people: Array(6..<11)) }
        #expect(refused == "check.quota")
        #expect(CoordinatorError(.checkQuota, "").status.code == 429)
        let fits = try await w.put(s, .check, from: w.fk, people: Array(6..<10))
        w.clock.advance(86_400)
        let tomorrow = try await w.put(s, .check, from: w.fk, people: Array(0..<10))
        for c in [first, fits, tomorrow] { _ = try await waitForCheck(s, party: "fk", sid: c.submissionID) }
        #expect(try w.events(.submissionRejected).map(\.code) == ["check.quota"])
        #expect(try w.events(.submissionAccepted).count == 3)
        let anomalies = try w.anomalies(json)
        #expect(anomalies.isEmpty, "\(anomalies)")
    }

    /// agreements.md §5: the bound is for subjects parties, at least 1, and only in v3.
    @Test func aDailyRowBoundOnAPartyThatChecksNothingIsRefused() throws {
        let onPolice = standingJSON().replacingOccurrences(of: #""listRetentionDays": 30"#, with: #""listRetentionDays": 30, "maxCheckRowsPerDay": 5"#)
        let zero = standingJSON().replacingOccurrences(of: #""roles": ["subjects"], "identifiers": ["person"], "fuzzy": false"#,
                                                       with: #""roles": ["subjects"], "identifiers": ["person"], "fuzzy": false, "maxCheckRowsPerDay": 0"#)
        for json in [onPolice, zero] {
            #expect(json != standingJSON())
            #expect(throws: AgreementError.self) { try Agreement(json: Data(json.utf8)) }
        }
    }
}
