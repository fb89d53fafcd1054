import Agreements
import Foundation
import ProtocolLog

// Retention (Protocols/api.md §3.7).
extension CoordinatorService {
    /// Deletes the submissions of agreements whose run finished `retentionDays` ago or more, and
    /// logs `encodings.deleted` once per agreement; expires standing lists whose retention passed.
    public func enforceRetention() throws {
        var due: [String: [SubmissionRecord]] = [:]
        var order: [String] = []
        for (s, finished) in try store.retainedSubmissionsOfFinishedRuns() {
            let a = try agreement(s.agreement)
            guard finished + UInt64(a.retentionDays) * 86_400 <= now() else { continue }
            if due[a.id] == nil { order.append(a.id) }
            due[a.id, default: []].append(s)
        }
        for id in order {
            let subs = due[id]!
            // api.md §5.1: logged first; a restart before the files are gone deletes them then.
            let time = now()
            try record(LogEvent(time: time, type: .encodingsDeleted, agreement: id, parties: subs.map(\.party).sorted(), reason: "retention"))
            for s in subs { try? FileManager.default.removeItem(atPath: s.file) }
            try storeWrite { try store.markSubmissionsDeleted(agreement: id, at: time) }
        }
        // Protocols/standing.md §3: standing lists end at their retention.
        try enforceListRetention()
    }
}
