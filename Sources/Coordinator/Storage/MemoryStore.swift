import API
import Foundation

/// The coordinator's store in memory, for tests: the same contract as `SQLiteStore`, checked by
/// the same tests (Tests/CoordinatorTests/StoreContractTests.swift).
final class MemoryStore: CoordinatorStore, @unchecked Sendable {
    private struct Agreement { var hash: String, document: Data, signatures: Data, registered: UInt64 }
    private struct Content {
        var nonces: [String: [String: UInt64]] = [:]
        var agreements: [String: Agreement] = [:]
        var agreementOrder: [String] = []
        var ceremony: [String: Data] = [:]
        var submissions: [SubmissionRecord] = []
        var runs: [String: RunRecord] = [:]
        var results: [String: ResultRecord] = [:]
        var lists: [ListRecord] = []
        var checks: [CheckRecord] = []
        /// Results of standing runs: agreement \0 check id \0 output.
        var checkResults: [String: ResultRecord] = [:]
    }
    private var content = Content()
    private let lock = NSLock()

    init() {}

    private func locked<T>(_ body: (inout Content) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&content)
    }

    func useNonce(party: String, nonce: String, now: UInt64) throws -> Bool {
        locked { c in
            let cutoff = Int64(now) - 3600
            for p in c.nonces.keys { c.nonces[p] = c.nonces[p]!.filter { Int64($0.value) >= cutoff } }
            guard c.nonces[party]?[nonce] == nil else { return false }
            c.nonces[party, default: [:]][nonce] = now
            return true
        }
    }

    func agreementDocument(_ id: String) throws -> Data? { locked { $0.agreements[id]?.document } }
    func agreementIDs() throws -> [String] { locked { $0.agreementOrder } }

    func insertAgreement(id: String, hash: String, document: Data, signatures: Data, registered: UInt64) throws {
        try locked { c in
            guard c.agreements[id] == nil else { throw StoreError("agreement \(id) is stored already") }
            c.agreements[id] = Agreement(hash: hash, document: document, signatures: signatures, registered: registered)
            c.agreementOrder.append(id)
        }
    }

    func putCeremony(agreement: String, party: String, blob: Data) throws { locked { $0.ceremony[agreement + "\u{0}" + party] = blob } }
    func ceremony(agreement: String, party: String) throws -> Data? { locked { $0.ceremony[agreement + "\u{0}" + party] } }

    func submissionExists(agreement: String, party: String, submissionID: String) throws -> Bool {
        locked { $0.submissions.contains { $0.submissionID == submissionID || ($0.agreement == agreement && $0.party == party) } }
    }

    func submissions(agreement: String) throws -> [SubmissionRecord] { locked { $0.submissions.filter { $0.agreement == agreement } } }

    func insertSubmission(_ s: SubmissionRecord) throws {
        try locked { c in
            guard !c.submissions.contains(where: { $0.submissionID == s.submissionID || ($0.agreement == s.agreement && $0.party == s.party) }) else {
                throw StoreError("submission \(s.submissionID) of \(s.party) to \(s.agreement) is stored already")
            }
            c.submissions.append(s)
        }
    }

    func retainedSubmissionsOfFinishedRuns() throws -> [(SubmissionRecord, finished: UInt64)] {
        locked { c in
            c.submissions.compactMap { s in
                guard s.deleted == nil, let r = c.runs[s.agreement], r.state == .finished, let f = r.finished else { return nil }
                return (s, f)
            }
        }
    }

    func markSubmissionsDeleted(agreement: String, at time: UInt64) throws {
        locked { c in for i in c.submissions.indices where c.submissions[i].agreement == agreement { c.submissions[i].deleted = time } }
    }

    func run(agreement: String) throws -> RunRecord? { locked { $0.runs[agreement] } }
    func saveRun(_ run: RunRecord) throws { locked { $0.runs[run.agreement] = run } }
    func setProgress(agreement: String, _ text: String) throws { locked { $0.runs[agreement]?.progress = text } }

    func finishRun(agreement: String, results: [ResultRecord], finished: UInt64, counts: String) throws {
        locked { c in
            for r in results { c.results[r.agreement + "\u{0}" + r.output] = r }
            guard var run = c.runs[agreement] else { return }
            run.state = .finished
            run.progress = "done"
            run.finished = finished
            run.counts = counts
            c.runs[agreement] = run
        }
    }

    func failRun(agreement: String, reason: String, at time: UInt64) throws {
        locked { c in
            guard var run = c.runs[agreement] else { return }
            run.state = .failed
            run.progress = "failed"
            run.error = reason
            run.finished = time
            c.runs[agreement] = run
        }
    }

    func result(agreement: String, output: String) throws -> ResultRecord? { locked { $0.results[agreement + "\u{0}" + output] } }

    func resultOutputs(agreement: String, recipient: String) throws -> [String] {
        locked { c in c.results.values.filter { $0.agreement == agreement && $0.recipient == recipient }.map(\.output).sorted() }
    }

    // MARK: standing agreements

    func standingSubmissionExists(submissionID: String) throws -> Bool { locked { $0.checks.contains { $0.submissionID == submissionID } } }

    func acceptStanding(check: CheckRecord, list: ListRecord?) throws {
        try locked { c in
            guard !c.checks.contains(where: { $0.submissionID == check.submissionID }) else {
                throw StoreError("submission \(check.submissionID) is stored already")
            }
            if let list {
                for i in c.lists.indices where c.lists[i].agreement == list.agreement && c.lists[i].party == list.party && c.lists[i].standing {
                    c.lists[i].ended = check.accepted
                    c.lists[i].endedBy = "replaced"
                }
                c.lists.append(list)
            }
            c.checks.append(check)
        }
    }

    func lists(agreement: String) throws -> [ListRecord] { locked { $0.lists.filter { $0.agreement == agreement } } }

    func endList(agreement: String, submissionID: String, by: String, at time: UInt64) throws {
        locked { c in
            for i in c.lists.indices where c.lists[i].agreement == agreement && c.lists[i].submissionID == submissionID && c.lists[i].standing {
                c.lists[i].ended = time
                c.lists[i].endedBy = by
            }
        }
    }

    func markListDeleted(agreement: String, submissionID: String, at time: UInt64) throws {
        locked { c in
            for i in c.lists.indices where c.lists[i].agreement == agreement && c.lists[i].submissionID == submissionID { c.lists[i].deleted = time }
        }
    }

    func checks(agreement: String) throws -> [CheckRecord] { locked { $0.checks.filter { $0.agreement == agreement } } }

    func check(agreement: String, submissionID: String) throws -> CheckRecord? {
        locked { $0.checks.first { $0.agreement == agreement && $0.submissionID == submissionID } }
    }

    func saveCheck(_ check: CheckRecord) throws {
        locked { c in
            if let i = c.checks.firstIndex(where: { $0.agreement == check.agreement && $0.submissionID == check.submissionID }) { c.checks[i] = check }
        }
    }

    func setCheckProgress(agreement: String, submissionID: String, _ text: String) throws {
        locked { c in
            if let i = c.checks.firstIndex(where: { $0.agreement == agreement && $0.submissionID == submissionID }) { c.checks[i].progress = text }
        }
    }

    func finishCheck(agreement: String, submissionID: String, results: [ResultRecord], finished: UInt64, counts: String) throws {
        locked { c in
            for r in results { c.checkResults[agreement + "\u{0}" + submissionID + "\u{0}" + r.output] = r }
            guard let i = c.checks.firstIndex(where: { $0.agreement == agreement && $0.submissionID == submissionID }) else { return }
            c.checks[i].state = .finished
            c.checks[i].progress = "done"
            c.checks[i].finished = finished
            c.checks[i].counts = counts
        }
    }

    func checkResult(agreement: String, submissionID: String, output: String) throws -> ResultRecord? {
        locked { $0.checkResults[agreement + "\u{0}" + submissionID + "\u{0}" + output] }
    }

    func checkResultOutputs(agreement: String, submissionID: String, recipient: String) throws -> [String] {
        let prefix = agreement + "\u{0}" + submissionID + "\u{0}"
        return locked { c in c.checkResults.filter { $0.key.hasPrefix(prefix) && $0.value.recipient == recipient }.map(\.value.output).sorted() }
    }
}
