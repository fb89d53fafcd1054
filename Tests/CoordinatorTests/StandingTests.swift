import API
import Agreements
import Foundation
import Parties
import ProtocolLog
import Sodium
import Testing
import Wire
@testable import Coordinator

/// A small standing agreement: the police's reference list (30 days' retention), fk's checks, and
/// Bolagsverket's relations; fk receives its tied rows.
func standingJSON(id: String = "standing-test", from: String = "2026-01-01", until: String = "2027-09-30", aggregate: Bool = false,
                  fkRoles: String = #"["subjects"]"#) -> String {
    """
    {"format": "korskoll-agreement-v3", "id": "\(id)", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator", "validity": {"from": "\(from)", "until": "\(until)"},
     "parties": [{"id": "polisen", "roles": ["reference"], "identifiers": ["person"], "fuzzy": false, "listRetentionDays": 30},
                 {"id": "fk", "roles": \(fkRoles), "identifiers": ["person"], "fuzzy": false},
                 {"id": "bolagsverket", "roles": ["relations"], "identifiers": ["person"], "fuzzy": false}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind"]}\(aggregate ? #", {"name": "polisen-count", "recipient": "polisen", "kind": "aggregate", "k": 1}"# : "")],
     "retentionDays": 0}
    """
}

/// A clock the test moves.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var t: UInt64
    init(_ t: UInt64) { self.t = t }
    var now: UInt64 { lock.lock(); defer { lock.unlock() }; return t }
    func advance(_ seconds: UInt64) { lock.lock(); t += seconds; lock.unlock() }
}

/// A coordinator with the standing agreement registered, on a clock the test moves.
final class StandingWorld: @unchecked Sendable {
    let dir = NSTemporaryDirectory() + "korskoll-standing-" + Hex.encode(Random.bytes(8))
    let coordinator = try! PartyKeys.generate(party: "coordinator")
    let polisen = try! PartyKeys.generate(party: "polisen")
    let fk = try! PartyKeys.generate(party: "fk")
    let bolagsverket = try! PartyKeys.generate(party: "bolagsverket")
    let registry: Registry
    let clock = TestClock(1_795_000_000)  // 2026-11-18 UTC

    init() throws {
        registry = try Registry(entries: [
            .init(id: "coordinator", name: "c", role: .coordinator, keys: coordinator.publicKeys),
            .init(id: "polisen", name: "p", role: .node, keys: polisen.publicKeys),
            .init(id: "fk", name: "f", role: .node, keys: fk.publicKeys),
            .init(id: "bolagsverket", name: "b", role: .node, keys: bolagsverket.publicKeys),
        ])
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func service() throws -> CoordinatorService {
        let clock = clock
        return try CoordinatorService(dataDir: dir + "/coordinator", keys: coordinator, registry: registry, now: { clock.now })
    }

    /// Registers `json`, signed by every party.
    func register(_ s: CoordinatorService, _ json: String = standingJSON()) async throws {
        let a = try Agreement(json: Data(json.utf8))
        var sig = AgreementSignatures(agreement: a)
        for k in [polisen, fk, bolagsverket] { sig.sign(a, with: k) }
        _ = try await s.registerAgreement(party: "fk", document: Data(json.utf8), signatures: try JSONEncoder().encode(sig))
    }

    /// A sealed submission of `people`, created at `createdAt` (default: now).
    func submission(from party: PartyKeys, agreementID: String = "standing-test", people: [Int], createdAt: UInt64? = nil) throws -> String {
        var body = ByteWriter()
        for p in people {
            Submission.Record(person: SHA256.hash(Array("person \(p)".utf8)), organisation: nil, clk: nil, attributes: []).encode(into: &body)
        }
        let bodyPath = dir + "/body-" + Hex.encode(Random.bytes(4))
        try Data(body.bytes).write(to: URL(fileURLWithPath: bodyPath))
        var header = Submission.Header(agreementID: agreementID, party: party.party, recipient: "coordinator",
                                       submissionID: Random.bytes(16), createdAt: createdAt ?? clock.now,
                                       schemaDigest: [UInt8](repeating: 0, count: 32), clkBytes: 0, attributes: [])
        header.rows = UInt64(people.count)
        header.personIDs = UInt64(people.count)
        header.contentHash = Submission.contentHash(body.bytes)
        let path = dir + "/sub-" + Hex.encode(Random.bytes(4)) + ".kks"
        try Submission.seal(header: header, bodyPath: bodyPath, signer: party.signing, recipient: coordinator.publicKeys.sealing, to: path)
        return path
    }

    func put(_ s: CoordinatorService, _ endpoint: SubmissionEndpoint, from party: PartyKeys, people: [Int], createdAt: UInt64? = nil,
             agreementID: String = "standing-test") async throws -> SubmissionAnswer {
        let path = try submission(from: party, agreementID: agreementID, people: people, createdAt: createdAt)
        return try await s.acceptSubmission(party: party.party, agreementID: agreementID, upload: path, endpoint: endpoint)
    }

    func events(_ type: LogEvent.Kind) throws -> [LogEvent] {
        let store = try LogStore(directory: dir + "/coordinator/log", coordinator: "coordinator", key: coordinator.signing)
        return try store.entries.map { try LogEvent(leaf: $0) }.filter { $0.type == type }
    }

    /// The files kept for the standing agreement's lists and checks.
    func standingFiles(_ id: String = "standing-test") -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: dir + "/coordinator/standing/\(id)")) ?? [])
    }
}

extension StandingWorld {
    /// The anomalies `log verify` finds in the coordinator's log, with the agreement in `json`.
    func anomalies(_ json: String = standingJSON()) throws -> [String] {
        let a = try Agreement(json: Data(json.utf8))
        var facts = AgreementFacts(id: a.id, hash: a.hash, parties: a.partyIDs, signedBy: Set(a.partyIDs),
                                   outputs: Dictionary(a.outputs.map { ($0.name, $0.recipient) }, uniquingKeysWith: { x, _ in x }), retentionDays: a.retentionDays)
        facts.agreement = a
        let log = try LogStore(directory: dir + "/coordinator/log", coordinator: "coordinator", key: coordinator.signing)
        let report = try LogVerifier.verify(LogBundle(origin: log.origin, logKey: coordinator.signing.publicKey, entries: log.entries,
                                                      checkpoints: log.checkpoints), agreements: [facts])
        return report.anomalies.map { "\($0.code): \($0.reason)" }
    }
}

func waitForCheck(_ s: CoordinatorService, party: String, sid: String, agreementID: String = "standing-test") async throws -> CheckStatusAnswer {
    for _ in 0..<1000 {
        let a = try await s.checkStatus(party: party, agreementID: agreementID, submissionID: sid)
        if [.finished, .failed, .stored].contains(a.state) { return a }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("the run of \(sid) did not end")
    return try await s.checkStatus(party: party, agreementID: agreementID, submissionID: sid)
}

func refusalCode(_ body: () async throws -> Void) async -> String? {
    do { try await body() } catch let e as CoordinatorError { return e.code.rawValue } catch { return "\(error)" }
    return nil
}

extension CoordinatorService {
    /// Marks the agreement's run as under way, so that accepted submissions stay queued (a test
    /// stands in for a process that is busy, then dies).
    func holdRuns(_ agreementID: String) { running.insert(agreementID) }
}

@Suite struct StandingAgreementTests {
    @Test func aListStandsAcrossTwoChecksAndOnlyTheChecksAreDeleted() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s)
        let list = try await w.put(s, .list, from: w.polisen, people: Array(0..<10))
        #expect(try await waitForCheck(s, party: "polisen", sid: list.submissionID).state == .stored)
        let first = try await w.put(s, .check, from: w.fk, people: Array(5..<15))
        let second = try await w.put(s, .check, from: w.fk, people: Array(8..<20))
        for c in [first, second] {
            let st = try await waitForCheck(s, party: "fk", sid: c.submissionID)
            #expect(st.state == .finished && st.results == ["fk-rows"])
            let fetched = try await s.fetchCheckResult(party: "fk", agreementID: "standing-test", submissionID: c.submissionID, output: "fk-rows")
            #expect(!fetched.sealed.isEmpty)
        }
        let listHash = try #require(try w.events(.listReplaced).first?.hash)
        let started = try w.events(.runStarted)
        #expect(started.map(\.submissionID) == [first.submissionID, second.submissionID])
        #expect(started.allSatisfy { $0.parameters?["lists"] == listHash && $0.party == "fk" })
        #expect(Set(try w.events(.encodingsDeleted).compactMap(\.submissionID)) == [first.submissionID, second.submissionID])
        // The list's file stays; the checks' files are gone.
        #expect(w.standingFiles() == ["\(list.submissionID).kks"])
        let anomalies = try w.anomalies()
        #expect(anomalies.isEmpty, "\(anomalies)")
    }

    @Test func aNewerListReplacesAndAnOlderOrEqualOneIsStale() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s)
        let t = w.clock.now
        let old = try await w.put(s, .list, from: w.polisen, people: [1, 2], createdAt: t - 100)
        let new = try await w.put(s, .list, from: w.polisen, people: [3, 4, 5], createdAt: t - 50)
        let replaced = try w.events(.listReplaced)
        #expect(replaced.count == 2 && replaced[1].parameters?["replaces"] == replaced[0].hash && replaced[0].parameters?["replaces"] == "none")
        #expect(replaced[1].counts?["rows"] == 3)
        for createdAt in [t - 50, t - 80] {
            let code = await refusalCode { _ = try await w.put(s, .list, from: w.polisen, people: [9], createdAt: createdAt) }
            #expect(code == "list.stale")
        }
        #expect(try w.events(.submissionRejected).map(\.code) == ["list.stale", "list.stale"])
        // The standing list is the newer one; the replaced list's file is gone, the stale ones never stayed.
        #expect(w.standingFiles() == ["\(new.submissionID).kks"])
        #expect(old.submissionID != new.submissionID)
    }

    @Test func aSubmissionOutsideTheValidityIsRefusedAndNothingIsStored() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s, standingJSON(id: "ended", from: "2025-01-01", until: "2026-06-30"))
        try await w.register(s, standingJSON(id: "future", from: "2027-01-01", until: "2027-09-30"))
        let expired = await refusalCode { _ = try await w.put(s, .check, from: w.fk, people: [1], agreementID: "ended") }
        let early = await refusalCode { _ = try await w.put(s, .list, from: w.polisen, people: [1], agreementID: "future") }
        #expect(expired == "agreement.expired" && early == "agreement.not-yet-valid")
        #expect(try w.events(.submissionRejected).map(\.code) == ["agreement.expired", "agreement.not-yet-valid"])
        #expect(try w.events(.submissionAccepted).isEmpty)
        #expect(w.standingFiles("ended").isEmpty && w.standingFiles("future").isEmpty)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: w.dir + "/coordinator/incoming")) ?? []).isEmpty)
    }

    @Test func listsAndChecksComeOnlyFromTheirRolesAndTheirEndpoints() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s)
        #expect(await refusalCode { _ = try await w.put(s, .list, from: w.fk, people: [1]) } == "list.role")
        #expect(await refusalCode { _ = try await w.put(s, .check, from: w.polisen, people: [1]) } == "check.role")
        #expect(await refusalCode { _ = try await w.put(s, .check, from: w.bolagsverket, people: [1]) } == "check.role")
        #expect(await refusalCode { _ = try await w.put(s, .submission, from: w.polisen, people: [1]) } == "submission.standing")
        #expect(try w.events(.submissionRejected).map(\.code) == ["list.role", "check.role", "check.role", "submission.standing"])
        #expect(w.standingFiles().isEmpty)
        #expect(try await s.checkStatusCount("standing-test") == 0)
    }

    @Test func anExpiredListIsDeletedLoggedAndNotRunAgainst() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s)
        let police = try await w.put(s, .list, from: w.polisen, people: Array(0..<10))
        let relations = try await w.put(s, .list, from: w.bolagsverket, people: [3])
        let policeHash = try #require(try w.events(.listReplaced).first?.hash)
        w.clock.advance(30 * 86_400 - 1)
        try await s.enforceRetention()
        #expect(try w.events(.listExpired).isEmpty)
        w.clock.advance(1)
        try await s.enforceRetention()
        let expired = try w.events(.listExpired)
        #expect(expired.count == 1 && expired[0].party == "polisen" && expired[0].hash == policeHash && expired[0].submissionID == police.submissionID)
        #expect(w.standingFiles() == ["\(relations.submissionID).kks"])
        let check = try await w.put(s, .check, from: w.fk, people: Array(0..<5))
        #expect(try await waitForCheck(s, party: "fk", sid: check.submissionID).state == .finished)
        let run = try #require(try w.events(.runStarted).last)
        #expect(run.parameters?["lists"]?.contains(policeHash) == false)
        #expect(run.parties == ["fk", "bolagsverket"])
        let anomalies = try w.anomalies()
        #expect(anomalies.isEmpty, "\(anomalies)")
    }

    /// standing.md §1: a party's check never runs against its own list; §1.1: a list is run only
    /// when its party receives a per-record output and checks nothing, and a run builds every
    /// aggregate and only the submitter's per-record outputs.
    @Test func aChecksRunUsesTheOtherPartiesListsAndBuildsTheOutputsItAnswers() async throws {
        let w = try StandingWorld()
        let s = try w.service()
        try await w.register(s, standingJSON(aggregate: true, fkRoles: #"["subjects", "reference"]"#))
        let police = try await w.put(s, .list, from: w.polisen, people: Array(0..<10))
        #expect(try await waitForCheck(s, party: "polisen", sid: police.submissionID).state == .stored, "polisen gets no per-record output")
        let own = try await w.put(s, .list, from: w.fk, people: Array(0..<20))
        #expect(try await waitForCheck(s, party: "fk", sid: own.submissionID).state == .stored, "fk's outputs answer its checks")
        let check = try await w.put(s, .check, from: w.fk, people: Array(5..<15))
        #expect(try await waitForCheck(s, party: "fk", sid: check.submissionID).results == ["fk-rows"])
        #expect(try await s.checkStatus(party: "polisen", agreementID: "standing-test", submissionID: check.submissionID).results == ["polisen-count"])
        let hashes = try w.events(.listReplaced).reduce(into: [String: String]()) { $0[$1.party ?? ""] = $1.hash }
        let run = try #require(try w.events(.runStarted).last)
        #expect(run.submissionID == check.submissionID && run.parameters?["lists"] == hashes["polisen"] && run.parties == ["polisen", "fk"])
        // Only the check ran, against the police's list and not fk's own.
        #expect(try w.events(.runStarted).map { $0.parameters?["lists"] ?? "?" } == [hashes["polisen"]!])
        // Lists stay after their runs; only the check is deleted.
        #expect(try w.events(.encodingsDeleted).compactMap(\.submissionID) == [check.submissionID])
        #expect(w.standingFiles() == ["\(police.submissionID).kks", "\(own.submissionID).kks"])
        let json = standingJSON(aggregate: true, fkRoles: #"["subjects", "reference"]"#)
        let anomalies = try w.anomalies(json)
        #expect(anomalies.isEmpty, "\(anomalies)")
    }

    @Test func aRunQueuedWhenTheCoordinatorStoppedRunsAfterRestart() async throws {
        let w = try StandingWorld()
        do {
            let s = try w.service()
            try await w.register(s)
            _ = try await w.put(s, .list, from: w.polisen, people: Array(0..<10))
            await s.holdRuns("standing-test")
            let first = try await w.put(s, .check, from: w.fk, people: Array(5..<15))
            let second = try await w.put(s, .check, from: w.fk, people: Array(0..<3))
            #expect(try await s.checkStatus(party: "fk", agreementID: "standing-test", submissionID: first.submissionID).state == .waiting)
            // The first check was running when the process died.
            let store = try SQLiteStore(path: w.dir + "/coordinator/coordinator.sqlite")
            var c = try #require(try store.check(agreement: "standing-test", submissionID: first.submissionID))
            c.state = .running; c.runID = "0011223344556677"; c.progress = "matching"
            try store.saveCheck(c)
            _ = second
        }
        let s = try w.service()
        try await s.resume()
        let checks = try w.events(.submissionAccepted).filter { $0.parameters?["kind"] == "check" }.compactMap(\.submissionID)
        for sid in checks { #expect(try await waitForCheck(s, party: "fk", sid: sid).state == .finished) }
        let started = try w.events(.runStarted)
        #expect(started.map(\.submissionID) == checks)
        #expect(started.first?.parameters?["restart"] == "true" && started.last?.parameters?["restart"] == nil)
        #expect(Set(try w.events(.encodingsDeleted).compactMap(\.submissionID)) == Set(checks))
        #expect(w.standingFiles().count == 1)
    }
}

extension CoordinatorService {
    /// How many lists and checks the agreement has stored.
    func checkStatusCount(_ agreementID: String) throws -> Int { try store.checks(agreement: agreementID).count }
}
