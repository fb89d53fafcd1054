import API
import Agreements
import Foundation
import ProtocolLog
import Sodium
import Wire

// Runs (Protocols/api.md §3.4): the `RunMachine` decides, this extension acts.
extension CoordinatorService {
    /// Starts the agreement's run when every party has submitted and the machine says so.
    func startRunIfComplete(_ a: Agreement) {
        do {
            let submitted = try store.submissions(agreement: a.id).map(\.party)
            guard Set(submitted) == Set(a.partyIDs) else { return }
            var machine = RunMachine(stored: try store.run(agreement: a.id)?.state)
            guard case .start(let restart) = machine.allSubmitted(active: running.contains(a.id)) else { return }
            running.insert(a.id)
            Task { await self.run(a, machine: machine, restarted: restart) }
        } catch {
            diagnostics("agreement \(a.id): cannot decide whether to start its run: \(error)")
        }
    }

    /// Brings the store up to the log (api.md §5.1), restarts runs that a previous process left
    /// unfinished, starts complete ones, and applies retention.
    public func resume() throws {
        try recover()
        for id in try store.agreementIDs() {
            let a = try agreement(id)
            if a.isStanding {
                sweepEndedLists(a)
                startNextStandingRun(a)
            } else {
                startRunIfComplete(a)
            }
        }
        try enforceRetention()
    }

    func setProgress(_ agreementID: String, _ text: String) {
        try? store.setProgress(agreement: agreementID, text)
        // api.md §6: the run's stages on the coordinator's own terminal (or serve.log), one line each.
        diagnostics("run of \(agreementID): \(text)")
    }

    /// One run from start to its recorded end; a failure is recorded with a reason a party may read.
    func run(_ a: Agreement, machine: RunMachine, restarted: Bool) async {
        var machine = machine
        let runID = Hex.encode(Random.bytes(8))
        var finishLogged = false
        do {
            try storeWrite { try store.saveRun(RunRecord(agreement: a.id, runID: runID, state: .running, progress: "loading submissions", started: now())) }
            FaultPoint.runBeforeStartLog.reach()
            var parameters = ["threshold": a.match.threshold.map { String($0) } ?? "none", "exact": a.match.exact.joined(separator: ",")]
            if restarted { parameters["restart"] = "true" }
            try record(LogEvent(time: now(), type: .runStarted, agreement: a.id, runID: runID, parties: a.partyIDs, parameters: parameters))
            FaultPoint.runAfterStartLog.reach()
            let submissions = try store.submissions(agreement: a.id)
            let files = Dictionary(submissions.map { ($0.party, $0.file) }, uniquingKeysWith: { x, _ in x })
            let sids = Dictionary(submissions.map { ($0.party, $0.submissionID) }, uniquingKeysWith: { x, _ in x })
            let sealing = keys.sealing, signer = keys.signing, registry = registry
            let progress: @Sendable (String) -> Void = { [weak self] text in Task { await self?.setProgress(a.id, text) } }
            let linkage = try await Task.detached {
                try RunWork.link(a, files: files, sealing: sealing, registry: registry, progress: progress)
            }.value
            let directory = try layout.resultDirectory(a.id)
            let files2 = try await Task.detached {
                try RunWork.seal(a, runID: runID, submissionIDs: sids, linkage: linkage, directory: directory, signer: signer, registry: registry)
            }.value
            let results = try zip(a.outputs, files2).map { output, file in
                ResultRecord(agreement: a.id, output: output.name, recipient: output.recipient, runID: runID, file: file, hash: try fileHash(file))
            }
            if machine.sealed() == .recordFinished {
                // api.md §5.1: the release is logged first, then saved; a restart between the two
                // saves the logged results (their files are in place) instead of running again.
                let time = now()
                FaultPoint.runBeforeFinishLog.reach()
                try record([LogEvent(time: time, type: .runFinished, agreement: a.id, runID: runID, parties: a.partyIDs, counts: linkage.counts)]
                           + results.map { r in
                               LogEvent(time: time, type: .resultSealed, agreement: a.id, recipient: r.recipient, hash: r.hash, runID: runID, output: r.output)
                           })
                finishLogged = true
                FaultPoint.runBeforeFinishStore.reach()
                try storeWrite { try store.finishRun(agreement: a.id, results: results, finished: time, counts: try Self.countsJSON(linkage.counts)) }
                FaultPoint.runAfterFinishStore.reach()
            }
        } catch {
            if finishLogged {
                // The release is in the log; the next start saves it (api.md §5.1).
                diagnostics("run \(runID) of \(a.id) is logged as finished but not saved: \(error)")
            } else if case .recordFailed(let reason) = machine.failed(failureReason(error, agreement: a.id)) {
                do {
                    try record(LogEvent(time: now(), type: .runFinished, agreement: a.id, runID: runID, code: "run.failed", reason: reason))
                    try storeWrite { try store.failRun(agreement: a.id, reason: reason, at: now()) }
                } catch {
                    diagnostics("the failure of run \(runID) of \(a.id) was not recorded: \(error)")
                }
            }
        }
        running.remove(a.id)
        do { try enforceRetention() } catch { diagnostics("retention after the run of \(a.id): \(error)") }
    }

    /// A run's counts as stored: sorted-key JSON.
    static func countsJSON(_ counts: [String: Int]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: counts, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The reason a failed run shows to parties: a classified error's reason without internal
    /// paths; for anything else the generic reason, with the detail in the server's log.
    func failureReason(_ error: Error, agreement: String) -> String {
        if let e = error as? CoordinatorError, e.code != .internal { return layout.scrub(e.reason) }
        if let e = error as? WireError { return layout.scrub(e.reason) }
        diagnostics("run of \(agreement) failed: \(error)")
        return CoordinatorError.genericReason
    }
}
