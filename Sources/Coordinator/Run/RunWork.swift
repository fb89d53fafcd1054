import Agreements
import Foundation
import Matching
import Parties
import Sodium
import Wire

/// The heavy work of a run, off the service's actor (Protocols/api.md §3.4): reopen and verify
/// every submission, link them, build and seal each output.
enum RunWork {
    /// Opens, verifies and reads each party's submission in the agreement's party order, then links them.
    static func link(_ a: Agreement, files: [String: String], sealing: X25519.PrivateKey, registry: Registry,
                     progress: @escaping @Sendable (String) -> Void) throws -> Linkage {
        try link(a, order: a.partyIDs, files: files, sealing: sealing, registry: registry, progress: progress)
    }

    /// Opens, verifies and reads the submission of each party in `order` (its file in `files`),
    /// several at a time, then links them. A standing run (Protocols/standing.md §1.1) names the
    /// submitter and the parties whose lists stand.
    static func link(_ a: Agreement, order: [String], files: [String: String], sealing: X25519.PrivateKey, registry: Registry,
                     progress: @escaping @Sendable (String) -> Void) throws -> Linkage {
        let slots = Slots<PartyRows>(count: order.count)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        DispatchQueue.concurrentPerform(iterations: min(order.count, workers)) { worker in
            var i = worker
            while i < order.count {
                let p = order[i]
                slots.set(i, Result {
                    guard let file = files[p] else { throw CoordinatorError(.internal, "no stored submission of \(p)") }
                    let opened = try Submission.Opened(path: file, key: sealing)
                    try opened.verify(signedBy: try registry.entry(p).keys.signing)
                    return try PartyRows(opened: opened)
                })
                i += workers
            }
        }
        let rows = try slots.values()
        progress("matching")
        return try Linkage(rows, exact: Set(a.match.exact), threshold: a.match.threshold,
                           fuzzyParties: Set(a.parties.filter(\.fuzzy).map(\.id)),
                           blocking: a.match.blocking != nil,
                           evidence: a.outputs.contains { $0.fields?.contains("evidence") == true }, progress: progress)
    }

    /// Builds and seals every output in parallel into `directory`; returns the files in the
    /// agreement's output order.
    static func seal(_ a: Agreement, runID: String, submissionIDs: [String: String], linkage: Linkage,
                     directory: String, signer: Ed25519.PrivateKey, registry: Registry) throws -> [String] {
        try seal(a, outputs: a.outputs, runID: runID, submissionIDs: submissionIDs, linkage: linkage, directory: directory,
                 signer: signer, registry: registry, standing: nil)
    }

    /// Builds and seals `outputs` in parallel into `directory`; returns the files in their order.
    /// `standing` names a standing run's submission and lists (Protocols/standing.md §1.1).
    static func seal(_ a: Agreement, outputs: [Agreement.Output], runID: String, submissionIDs: [String: String], linkage: Linkage,
                     directory: String, signer: Ed25519.PrivateKey, registry: Registry, standing: StandingRun?) throws -> [String] {
        let slots = Slots<String>(count: outputs.count)
        DispatchQueue.concurrentPerform(iterations: outputs.count) { i in
            let output = outputs[i]
            slots.set(i, Result {
                let doc = try ResultBuilder.document(output: output, agreement: a, runID: runID, submissionIDs: submissionIDs,
                                                      linkage: linkage, standing: standing)
                let file = "\(directory)/\(output.name).kkr"
                try? FileManager.default.removeItem(atPath: file)
                try SealedResult.seal(document: doc, signer: signer, recipient: try registry.entry(output.recipient).keys.sealing, to: file)
                return file
            })
        }
        return try slots.values()
    }
}

/// Results of work done in parallel, one slot per item.
final class Slots<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    /// The values in item order, or the first item's error.
    func values() throws -> [T] { try slots.map { try $0!.get() } }
}
