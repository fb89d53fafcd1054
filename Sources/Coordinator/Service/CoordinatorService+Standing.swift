import API
import Agreements
import Foundation
import ProtocolLog
import Sodium
import Wire

// Standing agreements (Protocols/standing.md §1–§4): lists that stand until replaced or expired,
// and the run of every accepted submission, queued per agreement.
extension CoordinatorService {
    /// The coordinator's UTC day of `time`, `YYYY-MM-DD` (standing.md §2).
    static func utcDay(_ time: UInt64) -> String { UTCTime.format(time, "yyyy-MM-dd") }

    /// When a list of `party` accepted at `accepted` expires (standing.md §3): after its
    /// `listRetentionDays`, never after the validity's last day.
    static func listExpiry(_ a: Agreement, party: String, accepted: UInt64) -> UInt64 {
        a.listExpiry(party: party, accepted: accepted)
    }

    /// How far a standing submission's header `createdAt` may lie ahead of the coordinator's
    /// clock (standing.md §3): ten minutes of clock skew between node and coordinator.
    static let maxClockAhead: UInt64 = 600

    /// Stores a verified list or check of a standing agreement and queues its run. Refusals are
    /// thrown before anything is stored; the caller logs them.
    func acceptStanding(_ a: Agreement, party: String, kind: StandingKind, opened: Submission.Opened, policy: SubmissionPolicy,
                        upload: String, digest: [UInt8]?) throws -> SubmissionAnswer {
        let fm = FileManager.default
        let h = opened.header
        let sid = Hex.encode(h.submissionID)
        if let answer = try standingAcceptedAgain(a, party: party, submissionID: sid, upload: upload, digest: digest) { return answer }
        guard try !store.standingSubmissionExists(submissionID: sid) else {
            throw CoordinatorError(.conflict, "submission \(sid) was seen before (replay)")
        }
        // standing.md §3: a creation time far ahead would make every later list of the party stale.
        guard h.createdAt <= now() + Self.maxClockAhead else {
            throw CoordinatorError(.submission, "the \(kind.rawValue) was created at \(h.createdAt), more than \(Self.maxClockAhead) s after the coordinator's clock (\(now())): set the node's clock")
        }
        try expireLists(a)
        let standing = try store.lists(agreement: a.id).last { $0.party == party && $0.standing }
        if kind == .list, let standing, h.createdAt <= standing.createdAt {
            throw CoordinatorError(.listStale, "the list was created at \(h.createdAt), not later than \(party)'s standing list (created \(standing.createdAt)); the standing list is kept")
        }
        let rows = try readRows(opened, policy: policy, upload: upload, kind: kind)
        // One time for the quota's day and the event, so `log verify` counts the check on the same day.
        let time = now()
        if kind == .check, let cap = a.maxCheckRowsPerDay(of: party) {
            // standing.md §4, security.md §8: rows per party per coordinator UTC day bound probing.
            let day = Self.utcDay(time)
            let used = try store.checks(agreement: a.id).filter { $0.party == party && $0.kind == .check && Self.utcDay($0.accepted) == day }
                .reduce(0) { $0 + $1.rows }
            guard used + rows <= cap else {
                throw CoordinatorError(.checkQuota, "\(party)'s checks under \(a.id) carried \(used) rows on \(day) (UTC); \(rows) more would pass its maxCheckRowsPerDay of \(cap)")
            }
        }
        let stored = try store.checks(agreement: a.id).map {
            SubmissionRecord(agreement: a.id, party: $0.party, submissionID: $0.submissionID, file: $0.file, rows: $0.rows,
                             schemaDigest: $0.schemaDigest, accepted: $0.accepted)
        }
        if let refusal = policy.checkSchema(h, against: stored) { throw refusal }
        let hash = try digest.map(Hex.encode) ?? submissionHash(upload)
        // api.md §5.1: the file is put in place, the events logged, then the rows inserted.
        let file = try layout.standingSubmission(agreement: a.id, submissionID: sid)
        if fm.fileExists(atPath: file) { try fm.removeItem(atPath: file) }
        try fm.moveItem(atPath: upload, toPath: file)
        var events = [acceptedEvent(a, party: party, header: h, rows: rows, hash: hash, time: time, kind: kind)]
        var list: ListRecord?
        if kind == .list {
            let expires = Self.listExpiry(a, party: party, accepted: time)
            list = ListRecord(agreement: a.id, party: party, submissionID: sid, file: file, rows: rows, hash: hash,
                              createdAt: h.createdAt, accepted: time, expires: expires)
            events.append(LogEvent(time: time, type: .listReplaced, agreement: a.id, party: party, hash: hash, submissionID: sid,
                                   counts: ["rows": rows], parameters: ["replaces": standing?.hash ?? "none", "expires": String(expires)]))
        }
        let index: UInt64
        do { index = try record(events)[0] } catch {
            try? fm.removeItem(atPath: file)
            throw error
        }
        let state: CheckState = kind == .list && !a.runsList(of: party) ? .stored : .waiting
        try storeWrite {
            try store.acceptStanding(check: CheckRecord(agreement: a.id, submissionID: sid, party: party, kind: kind, file: file, rows: rows,
                                                        accepted: time, state: state, schemaDigest: SubmissionPolicy.storedSchemaDigest(h)),
                                     list: list)
        }
        let answer = SubmissionAnswer(agreement: a.id, party: party, submissionID: sid, rows: rows, receipt: try receipt(for: index))
        sweepEndedLists(a)
        startNextStandingRun(a)
        return answer
    }

    /// The answer to a list or check accepted before with the same bytes (api.md §5.1), or nil.
    func standingAcceptedAgain(_ a: Agreement, party: String, submissionID sid: String, upload: String, digest: [UInt8]?) throws -> SubmissionAnswer? {
        guard let stored = try store.check(agreement: a.id, submissionID: sid), stored.party == party else { return nil }
        return try answerAgain(a, party: party, submissionID: sid, rows: stored.rows, upload: upload, digest: digest)
    }

    // MARK: retention of lists (standing.md §3)

    /// Ends every standing list of `a` whose retention has passed: `list.expired` is logged, then
    /// the list ends and its file is deleted (when no run is reading it; else after that run).
    func expireLists(_ a: Agreement) throws {
        let due = try store.lists(agreement: a.id).filter { $0.standing && $0.expires <= now() }
        guard !due.isEmpty else { return }
        let time = now()
        try record(due.map { l in
            LogEvent(time: time, type: .listExpired, agreement: a.id, party: l.party, hash: l.hash, submissionID: l.submissionID,
                     parameters: ["expires": String(l.expires)], reason: "retention")
        })
        for l in due { try storeWrite { try store.endList(agreement: a.id, submissionID: l.submissionID, by: "expired", at: time) } }
        sweepEndedLists(a)
    }

    /// Expires due lists of every standing agreement (called with retention).
    func enforceListRetention() throws {
        for id in try store.agreementIDs() {
            let a = try agreement(id)
            if a.isStanding { try expireLists(a) }
        }
    }

    /// Deletes the files of lists that no longer stand, unless a run of the agreement is under
    /// way (it may be reading them) or the list's own run has not ended.
    func sweepEndedLists(_ a: Agreement) {
        guard !running.contains(a.id) else { return }
        do {
            let pending = Set(try store.checks(agreement: a.id).filter { $0.state == .waiting || $0.state == .running }.map(\.submissionID))
            for l in try store.lists(agreement: a.id) where !l.standing && l.deleted == nil && !pending.contains(l.submissionID) {
                try? FileManager.default.removeItem(atPath: l.file)
                try store.markListDeleted(agreement: a.id, submissionID: l.submissionID, at: now())
            }
        } catch {
            diagnostics("agreement \(a.id): ended lists not swept: \(error)")
        }
    }

    // MARK: runs (standing.md §1.1)

    /// Starts the agreement's next queued run unless one is under way: a run a previous process
    /// left `running` first (a restart), then the oldest `waiting` one.
    func startNextStandingRun(_ a: Agreement) {
        guard !running.contains(a.id) else { return }
        do {
            let queue = try store.checks(agreement: a.id)
            guard let next = queue.first(where: { $0.state == .running }) ?? queue.first(where: { $0.state == .waiting }) else { return }
            var machine = RunMachine(stored: RunState(rawValue: next.state.rawValue))
            guard case .start(let restart) = machine.allSubmitted(active: false) else { return }
            running.insert(a.id)
            Task { await self.runStanding(a, check: next, machine: machine, restarted: restart) }
        } catch {
            diagnostics("agreement \(a.id): cannot decide which run to start: \(error)")
        }
    }

    func setCheckProgress(_ agreementID: String, _ sid: String, _ text: String) {
        try? store.setCheckProgress(agreement: agreementID, submissionID: sid, text)
        // api.md §6: the run's stages on the coordinator's own terminal (or serve.log), one line each.
        diagnostics("run of \(agreementID), submission \(sid.prefix(8)): \(text)")
    }

    /// The run of one list or check: against the lists of the other parties standing when it
    /// starts; only the outputs standing.md §1.1 names are built. A check's encodings are deleted
    /// after its run, finished or failed; lists stay.
    func runStanding(_ a: Agreement, check: CheckRecord, machine: RunMachine, restarted: Bool) async {
        var machine = machine
        var check = check
        let runID = Hex.encode(Random.bytes(8))
        let sid = check.submissionID, submitter = check.party
        var finishLogged = false, halted = false
        do {
            try expireLists(a)
            let lists = try store.lists(agreement: a.id).filter { $0.standing && $0.party != submitter && $0.expires > now() }
            let byParty = Dictionary(lists.map { ($0.party, $0) }, uniquingKeysWith: { _, b in b })
            let order = a.partyIDs.filter { $0 == submitter || byParty[$0] != nil }
            let listIDs = byParty.mapValues(\.submissionID)
            let listHashes = order.compactMap { byParty[$0]?.hash }.joined(separator: ",")
            check.state = .running; check.runID = runID; check.progress = "loading submissions"; check.started = now()
            check.lists = try Self.countsJSONStrings(listIDs)
            try storeWrite { try store.saveCheck(check) }
            var parameters = ["threshold": a.match.threshold.map { String($0) } ?? "none", "exact": a.match.exact.joined(separator: ","),
                              "lists": listHashes, "kind": check.kind.rawValue]
            if restarted { parameters["restart"] = "true" }
            try record(LogEvent(time: now(), type: .runStarted, agreement: a.id, party: submitter, submissionID: sid, runID: runID,
                                parties: order, parameters: parameters))
            let files = byParty.mapValues(\.file).merging([submitter: check.file]) { _, mine in mine }
            let sealing = keys.sealing, signer = keys.signing, registry = registry
            let progress: @Sendable (String) -> Void = { [weak self] text in Task { await self?.setCheckProgress(a.id, sid, text) } }
            let linkage = try await Task.detached {
                try RunWork.link(a, order: order, files: files, sealing: sealing, registry: registry, progress: progress)
            }.value
            let outputs = a.outputs.filter { $0.kind == .aggregate || $0.recipient == submitter }
            let sids = listIDs.merging([submitter: sid]) { _, mine in mine }
            let standing = StandingRun(submitter: submitter, checkID: sid, lists: listIDs)
            let directory = try layout.checkResultDirectory(agreement: a.id, submissionID: sid)
            let sealed = try await Task.detached {
                try RunWork.seal(a, outputs: outputs, runID: runID, submissionIDs: sids, linkage: linkage, directory: directory,
                                 signer: signer, registry: registry, standing: standing)
            }.value
            let results = try zip(outputs, sealed).map { output, file in
                ResultRecord(agreement: a.id, output: output.name, recipient: output.recipient, runID: runID, file: file, hash: try fileHash(file))
            }
            if machine.sealed() == .recordFinished {
                let time = now()
                try record([LogEvent(time: time, type: .runFinished, agreement: a.id, party: submitter, submissionID: sid, runID: runID,
                                     parties: order, counts: linkage.counts, parameters: ["lists": listHashes])]
                           + results.map { r in
                               LogEvent(time: time, type: .resultSealed, agreement: a.id, recipient: r.recipient, hash: r.hash,
                                        submissionID: sid, runID: runID, output: r.output)
                           })
                finishLogged = true
                try storeWrite { try store.finishCheck(agreement: a.id, submissionID: sid, results: results, finished: time,
                                                       counts: try Self.countsJSON(linkage.counts)) }
            }
        } catch {
            if finishLogged {
                diagnostics("run \(runID) of \(a.id) (submission \(sid)) is logged as finished but not saved: \(error)")
                halted = true
            } else if case .recordFailed(let reason) = machine.failed(failureReason(error, agreement: a.id)) {
                do {
                    let time = now()
                    try record(LogEvent(time: time, type: .runFinished, agreement: a.id, party: submitter, submissionID: sid, runID: runID,
                                        code: "run.failed", reason: reason))
                    if var c = try store.check(agreement: a.id, submissionID: sid) {
                        c.state = .failed; c.progress = "failed"; c.error = reason; c.finished = time
                        try store.saveCheck(c)
                    }
                } catch {
                    diagnostics("the failure of run \(runID) of \(a.id) (submission \(sid)) was not recorded: \(error)")
                    halted = true
                }
            }
        }
        // api.md §5.1: a run whose end is logged but not saved (or not recorded at all) stays
        // `running` in the store; taking the queue up again would run it a second time under a new
        // run id. The agreement's queue stops in this process, and the next start brings the store
        // up to the log and goes on.
        guard !halted else {
            diagnostics("the standing queue of \(a.id) stops until the coordinator is restarted, which saves the logged end of \(sid)")
            return
        }
        do { try deleteCheckEncodings(a, submissionID: sid) } catch { diagnostics("encodings of check \(sid) of \(a.id) not deleted: \(error)") }
        running.remove(a.id)
        sweepEndedLists(a)
        startNextStandingRun(a)
    }

    /// Deletes a check's encodings after its run (standing.md §4: retention 0 for subjects) and
    /// logs `encodings.deleted` with the check id; a list is kept.
    func deleteCheckEncodings(_ a: Agreement, submissionID sid: String) throws {
        guard var c = try store.check(agreement: a.id, submissionID: sid), c.kind == .check, c.deleted == nil,
              c.state == .finished || c.state == .failed else { return }
        let time = now()
        try record(LogEvent(time: time, type: .encodingsDeleted, agreement: a.id, submissionID: sid, parties: [c.party], reason: "check run"))
        try? FileManager.default.removeItem(atPath: c.file)
        c.deleted = time
        try storeWrite { try store.saveCheck(c) }
    }

    /// A party → id map as sorted-key JSON.
    static func countsJSONStrings(_ map: [String: String]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: map, options: [.sortedKeys]), as: UTF8.self)
    }

    // MARK: status and results (standing.md §1.2)

    /// The state of the run of one list or check, and the caller's outputs of it that are ready.
    public func checkStatus(party: String, agreementID: String, submissionID: String) throws -> CheckStatusAnswer {
        let a = try agreement(agreementID)
        guard a.partyIDs.contains(party) else {
            try forbid(party, agreement: a.id, "'\(party)' is not a party to \(a.id)", path: "checks/\(submissionID)")
        }
        guard a.isStanding else { throw CoordinatorError(.submissionNotStanding, "agreement \(a.id) is not standing: ask GET /v1/agreements/\(a.id)/status") }
        // standing.md §1.2: the submitter sees its run; a party its run builds an output for (an
        // aggregate) sees the state and its outputs, not the progress or the error; to anyone else
        // the id is unknown, so a party learns nothing of another's lists and checks.
        let unknown = CoordinatorError(.notFound, "agreement \(a.id) has no list or check \(submissionID)")
        guard let c = try store.check(agreement: a.id, submissionID: submissionID) else { throw unknown }
        let own = c.party == party
        let recipient = c.state != .stored && a.outputs.contains { $0.recipient == party && ($0.kind == .aggregate || $0.recipient == c.party) }
        guard own || recipient else { throw unknown }
        return CheckStatusAnswer(agreement: a.id, submissionID: c.submissionID, kind: c.kind, state: c.state,
                                 progress: !own || c.state == .waiting || c.state == .stored ? nil : c.progress, runID: c.runID,
                                 error: own ? c.error : nil,
                                 results: try store.checkResultOutputs(agreement: a.id, submissionID: c.submissionID, recipient: party))
    }

    /// The sealed result of `output` of the run of `submissionID`, for its recipient, with the
    /// receipt of the logged fetch.
    public func fetchCheckResult(party: String, agreementID: String, submissionID: String, output: String) throws -> FetchedResult {
        let a = try agreement(agreementID)
        guard let o = a.outputs.first(where: { $0.name == output }) else { throw CoordinatorError(.notFound, "agreement \(a.id) has no output \(output)") }
        guard o.recipient == party else {
            try forbid(party, agreement: a.id, "output \(output) of \(a.id) is for \(o.recipient); \(party) may not fetch it",
                       path: "checks/\(submissionID)/results/\(output)")
        }
        guard let r = try store.checkResult(agreement: a.id, submissionID: submissionID, output: output) else {
            throw CoordinatorError(.notFound, "output \(output) of the run of \(submissionID) under \(a.id) is not ready")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: r.file))
        let index = try record(LogEvent(time: now(), type: .resultFetched, agreement: a.id, party: party, submissionID: submissionID,
                                        runID: r.runID, output: output))[0]
        return FetchedResult(sealed: data, receipt: try receipt(for: index))
    }
}

// Store and log together for standing agreements (Protocols/api.md §5.1): what a process that
// died between an event and its store write left undone is completed from the log at start.
extension CoordinatorService {
    func recoverStanding(_ events: [LogEvent], done: inout [String: Int]) throws {
        let fm = FileManager.default
        for id in try store.agreementIDs() {
            let a = try agreement(id)
            guard a.isStanding else { continue }
            // Acceptances whose rows are missing: restored when the file is in place with the logged hash.
            for e in events where e.type == .submissionAccepted && e.agreement == id {
                guard let party = e.party, let sid = e.submissionID, let kind = e.parameters?["kind"].flatMap(StandingKind.init(rawValue:)),
                      try store.check(agreement: id, submissionID: sid) == nil else { continue }
                let file = try layout.standingSubmission(agreement: id, submissionID: sid)
                guard fm.fileExists(atPath: file), (try? submissionHash(file)) == e.hash,
                      let opened = try? Submission.Opened(path: file, key: keys.sealing) else {
                    done["submissionsLost", default: 0] += 1
                    continue
                }
                var list: ListRecord?
                if kind == .list, let replaced = events.last(where: { $0.type == .listReplaced && $0.agreement == id && $0.submissionID == sid }) {
                    list = ListRecord(agreement: id, party: party, submissionID: sid, file: file, rows: e.counts?["rows"] ?? 0, hash: e.hash ?? "",
                                      createdAt: opened.header.createdAt, accepted: e.time,
                                      expires: replaced.parameters?["expires"].flatMap(UInt64.init) ?? Self.listExpiry(a, party: party, accepted: e.time))
                }
                let state: CheckState = kind == .list && !a.runsList(of: party) ? .stored : .waiting
                try store.acceptStanding(check: CheckRecord(agreement: id, submissionID: sid, party: party, kind: kind, file: file,
                                                            rows: e.counts?["rows"] ?? 0, accepted: e.time, state: state,
                                                            schemaDigest: SubmissionPolicy.storedSchemaDigest(opened.header)), list: list)
                done["submissionsRestored", default: 0] += 1
            }
            let checks = try store.checks(agreement: id)
            // A file with no row was put in place by a process that died before logging it.
            let kept = Set(checks.map(\.file))
            let dir = try layout.standingDirectory(id)
            for f in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where !kept.contains("\(dir)/\(f)") { try? fm.removeItem(atPath: "\(dir)/\(f)") }
            // Runs whose end is logged: finished (results saved when every sealed file is in place) or failed.
            for c in checks where c.state == .running {
                guard let runID = c.runID, let end = events.last(where: { $0.type == .runFinished && $0.agreement == id && $0.runID == runID }) else { continue }
                if end.code != nil {
                    var failed = c
                    failed.state = .failed; failed.progress = "failed"; failed.error = end.reason ?? CoordinatorError.genericReason; failed.finished = end.time
                    try store.saveCheck(failed)
                    done["runsFailed", default: 0] += 1
                    continue
                }
                let sealed = events.filter { $0.type == .resultSealed && $0.agreement == id && $0.runID == runID }
                let results = sealed.compactMap { e -> ResultRecord? in
                    guard let output = e.output, let recipient = e.recipient else { return nil }
                    let file = layout.checkResult(agreement: id, submissionID: c.submissionID, output: output)
                    guard (try? fileHash(file)) == e.hash else { return nil }
                    return ResultRecord(agreement: id, output: output, recipient: recipient, runID: runID, file: file, hash: e.hash ?? "")
                }
                if results.count == sealed.count {
                    try store.finishCheck(agreement: id, submissionID: c.submissionID, results: results, finished: end.time,
                                          counts: try Self.countsJSON(end.counts ?? [:]))
                    done["runsFinished", default: 0] += 1
                } else { done["runsRerun", default: 0] += 1 }
            }
            // Logged deletions and expiries that were not carried out.
            for e in events where e.agreement == id && (e.type == .encodingsDeleted || e.type == .listExpired) {
                guard let sid = e.submissionID else { continue }
                if e.type == .encodingsDeleted, var c = try store.check(agreement: id, submissionID: sid), c.deleted == nil {
                    try? fm.removeItem(atPath: c.file)
                    c.deleted = e.time
                    try store.saveCheck(c)
                    done["deletionsCompleted", default: 0] += 1
                } else if e.type == .listExpired, try store.lists(agreement: id).contains(where: { $0.submissionID == sid && $0.standing }) {
                    try store.endList(agreement: id, submissionID: sid, by: "expired", at: e.time)
                    done["expiriesCompleted", default: 0] += 1
                }
            }
        }
    }
}
