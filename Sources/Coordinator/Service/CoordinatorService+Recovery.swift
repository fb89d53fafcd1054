import Agreements
import Foundation
import ProtocolLog
import Sodium
import Wire

// Store and log together (Protocols/api.md §5.1): the log is the write-ahead record. Every write
// is logged first and stored after, so a process that dies between the two leaves an event whose
// fact is missing; at start the store is brought up to the log from the files staged or put in
// place before the event was logged.
extension CoordinatorService {
    /// The log's events with their indices.
    func loggedEvents() -> [(UInt64, LogEvent)] {
        log.entries.enumerated().compactMap { i, leaf in (try? LogEvent(leaf: leaf)).map { (UInt64(i), $0) } }
    }

    /// A store write after its event was logged: a failure is the coordinator's (500, detail in
    /// the server's log); the next start completes the write from the log.
    func storeWrite<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as CoordinatorError { throw e } catch {
            throw CoordinatorError(.internal, "the store could not be written: \(error)")
        }
    }

    /// Logs what opening the log repaired (log.md §2.1) and brings the store up to the log
    /// (api.md §5.1); what was restored is logged as one `log.recovered` event with
    /// `parameters.source` = `store`. Returns the counts of what was done.
    @discardableResult
    func recover() throws -> [String: Int] {
        if let repair = log.recovery { try record(repair.event(time: now())) }
        var done: [String: Int] = [:]
        let events = loggedEvents().map(\.1)
        let fm = FileManager.default

        // Agreements: a logged registration whose row is missing is inserted from the staged document.
        let stored = Set(try store.agreementIDs())
        for e in events where e.type == .agreementRegistered {
            guard let id = e.agreement, !stored.contains(id), (try store.agreementDocument(id)) == nil else { continue }
            let paths = layout.stagedAgreement(id)
            if let document = fm.contents(atPath: paths.document), let signatures = fm.contents(atPath: paths.signatures),
               Hex.encode(SHA256.hash(Array(document))) == e.hash {
                try store.insertAgreement(id: id, hash: e.hash ?? "", document: document, signatures: signatures, registered: e.time)
                done["agreementsRestored", default: 0] += 1
            } else { done["agreementsLost", default: 0] += 1 }
        }

        // Ceremony blobs: the last logged blob of each recipient is the stored one.
        var lastBlob: [String: LogEvent] = [:]
        for e in events where e.type == .ceremonyRelayed { lastBlob["\(e.agreement ?? "")\u{0}\(e.recipient ?? "")"] = e }
        for e in lastBlob.values.sorted(by: { $0.seq < $1.seq }) {
            guard let id = e.agreement, let to = e.recipient else { continue }
            let current = try store.ceremony(agreement: id, party: to).map { Hex.encode(SHA256.hash(Array($0))) }
            guard current != e.hash else { continue }
            if let blob = fm.contents(atPath: layout.stagedCeremony(agreement: id, party: to)), Hex.encode(SHA256.hash(Array(blob))) == e.hash {
                try store.putCeremony(agreement: id, party: to, blob: blob)
                done["ceremoniesRestored", default: 0] += 1
            } else { done["ceremoniesLost", default: 0] += 1 }
        }

        // Submissions: a logged acceptance whose row is missing is inserted when its file is in
        // place with the logged hash; else it is counted as lost (the party may submit again).
        for e in events where e.type == .submissionAccepted {
            guard let id = e.agreement, let party = e.party, let sid = e.submissionID,
                  !(try store.submissions(agreement: id)).contains(where: { $0.submissionID == sid }) else { continue }
            let file = try layout.submission(agreement: id, party: party)
            if fm.fileExists(atPath: file), (try? submissionHash(file)) == e.hash,
               let opened = try? Submission.Opened(path: file, key: keys.sealing) {
                try store.insertSubmission(SubmissionRecord(agreement: id, party: party, submissionID: sid, file: file, rows: e.counts?["rows"] ?? 0,
                                                            schemaDigest: SubmissionPolicy.storedSchemaDigest(opened.header), accepted: e.time))
                done["submissionsRestored", default: 0] += 1
            } else { done["submissionsLost", default: 0] += 1 }
        }
        // A submission file with no row was put in place by a process that died before logging it.
        for id in try store.agreementIDs() {
            let kept = Set(try store.submissions(agreement: id).map(\.file))
            let dir = try layout.submissionDirectory(id)
            for f in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where !kept.contains("\(dir)/\(f)") {
                try? fm.removeItem(atPath: "\(dir)/\(f)")
            }
        }

        // Runs: a run left `running` whose end is logged is finished (its results saved, when
        // every sealed file is in place with the logged hash) or failed as logged.
        for id in try store.agreementIDs() {
            guard let run = try store.run(agreement: id), run.state == .running,
                  let end = events.last(where: { $0.type == .runFinished && $0.agreement == id && $0.runID == run.runID }) else { continue }
            if end.code != nil {
                try store.failRun(agreement: id, reason: end.reason ?? CoordinatorError.genericReason, at: end.time)
                done["runsFailed", default: 0] += 1
                continue
            }
            let sealed = events.filter { $0.type == .resultSealed && $0.agreement == id && $0.runID == run.runID }
            let results = sealed.compactMap { e -> ResultRecord? in
                guard let output = e.output, let recipient = e.recipient else { return nil }
                let file = layout.result(agreement: id, output: output)
                guard (try? fileHash(file)) == e.hash else { return nil }
                return ResultRecord(agreement: id, output: output, recipient: recipient, runID: run.runID, file: file, hash: e.hash ?? "")
            }
            if results.count == sealed.count {
                try store.finishRun(agreement: id, results: results, finished: end.time, counts: try Self.countsJSON(end.counts ?? [:]))
                done["runsFinished", default: 0] += 1
            } else { done["runsRerun", default: 0] += 1 }
        }

        // Retention: a logged deletion whose files are still kept is carried out.
        for e in events where e.type == .encodingsDeleted {
            guard let id = e.agreement else { continue }
            let due = try store.submissions(agreement: id).filter { $0.deleted == nil && $0.accepted <= e.time }
            guard !due.isEmpty else { continue }
            for s in due { try? fm.removeItem(atPath: s.file) }
            try store.markSubmissionsDeleted(agreement: id, at: e.time)
            done["deletionsCompleted", default: 0] += 1
        }

        try recoverStanding(events, done: &done)

        if !done.isEmpty {
            try record(LogEvent(time: now(), type: .logRecovered, counts: done, parameters: ["source": "store"],
                                reason: "the store was brought up to the protocol log at start"))
            diagnostics("recovered at start: \(done.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        }
        return done
    }
}
