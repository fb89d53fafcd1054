import Agreements
import Foundation

/// The rules of a standing agreement's lists and runs that the privacy officer checks from the
/// log (Protocols/standing.md §3, §4; log.md §6.6): every list is replaced or expires on time,
/// no run lists a list that had ended or was past its retention when the run started, and every
/// check has its run's end and its encodings' deletion. Fed the agreement's events in log order.
struct StandingAudit {
    /// How late a `list.expired` may come after the retention time and still be on time: the
    /// coordinator expires lists on its retention timer and whenever a submission or run needs them.
    static let grace: UInt64 = 3600

    private struct List { var party: String; var hash: String; var expires: UInt64; var seq: UInt64 }
    /// Standing lists by party.
    private var standing: [String: List] = [:]
    /// Lists that ended (replaced or expired), by hash: when.
    private var ended: [String: UInt64] = [:]
    /// Checks accepted (check id → seq), runs finished and deletions, by check id.
    private var checks: [String: UInt64] = [:]
    private var finished: Set<String> = []
    private var deleted: Set<String> = []
    /// Rows of accepted checks per party and UTC day (Unix time / 86 400).
    private var checkRows: [String: [UInt64: Int]] = [:]
    private(set) var anomalies: [LogReport.Anomaly] = []

    let agreement: String
    /// The agreement document, when given: the logged expiry of each list is checked against it.
    let document: Agreement?

    init(agreement: String, document: Agreement? = nil) { self.agreement = agreement; self.document = document }

    private mutating func anomaly(_ seq: UInt64?, _ code: String, _ reason: String) {
        anomalies.append(.init(seq: seq, code: code, reason: reason))
    }

    /// Lists whose retention passed more than `grace` before `time` without an end are anomalies.
    private mutating func overdue(at time: UInt64, seq: UInt64?) {
        for (party, l) in standing.sorted(by: { $0.key < $1.key }) where l.expires.addingReportingOverflow(Self.grace).partialValue < time {
            anomaly(seq, "list-kept-past-retention", "\(party)'s list \(l.hash.prefix(16))… of \(agreement) stood past its retention (\(l.expires)); it was neither replaced nor expired by then")
            standing[party] = nil
            ended[l.hash] = l.expires
        }
    }

    mutating func consume(_ e: LogEvent) {
        overdue(at: e.time, seq: e.seq)
        switch e.type {
        case .submissionAccepted where e.parameters?["kind"] == "check":
            if let sid = e.submissionID { checks[sid] = e.seq }
            // standing.md §4: a party's check rows per coordinator UTC day stay within its cap.
            if let party = e.party, let cap = document?.maxCheckRowsPerDay(of: party) {
                let day = e.time / 86_400
                let used = (checkRows[party]?[day] ?? 0).addingReportingOverflow(max(0, e.counts?["rows"] ?? 0))
                let total = used.overflow ? Int.max : used.partialValue
                checkRows[party, default: [:]][day] = total
                if total > cap {
                    anomaly(e.seq, "check-quota-exceeded", "\(party)'s checks of \(agreement) carried \(total) rows on UTC day \(day) (\(day * 86_400)), over its maxCheckRowsPerDay of \(cap)")
                }
            }
        case .listReplaced:
            guard let party = e.party, let hash = e.hash else { return }
            let old = standing[party]
            if (e.parameters?["replaces"] ?? "none") != (old?.hash ?? "none") {
                anomaly(e.seq, "list-replaced-mismatch", "\(party)'s list in \(agreement) says it replaces \(e.parameters?["replaces"] ?? "none"), but the standing list was \(old?.hash ?? "none")")
            }
            if let old { ended[old.hash] = e.time }
            var expires = e.parameters?["expires"].flatMap(UInt64.init) ?? .max
            // standing.md §3: the coordinator's word on the expiry is checked against the document,
            // and the list is held to the document's bound from here on.
            if let bound = document?.listExpiry(party: party, accepted: e.time), expires > bound {
                anomaly(e.seq, "list-expiry-beyond-retention", "\(party)'s list in \(agreement) was logged to expire at \(e.parameters?["expires"] ?? "no time"), after \(bound), which its listRetentionDays and the validity allow")
                expires = bound
            }
            standing[party] = List(party: party, hash: hash, expires: expires, seq: e.seq)
        case .listExpired:
            guard let party = e.party, let l = standing[party], l.hash == e.hash else {
                anomaly(e.seq, "list-expired-unknown", "list \(e.hash ?? "?") of \(e.party ?? "?") in \(agreement) expired without standing")
                return
            }
            if e.time < l.expires { anomaly(e.seq, "list-expired-early", "\(party)'s list of \(agreement) was expired at \(e.time), before its retention (\(l.expires))") }
            standing[party] = nil
            ended[l.hash] = e.time
        case .runStarted:
            let hashes = (e.parameters?["lists"] ?? "").split(separator: ",").map(String.init)
            for h in hashes {
                if let end = ended[h], end <= e.time {
                    anomaly(e.seq, "run-on-ended-list", "run \(e.runID ?? "?") of \(agreement) started at \(e.time) against list \(h.prefix(16))…, which had ended at \(end)")
                } else if !standing.values.contains(where: { $0.hash == h }) {
                    anomaly(e.seq, "run-on-unknown-list", "run \(e.runID ?? "?") of \(agreement) lists \(h.prefix(16))…, which is no standing list")
                } else if let l = standing.values.first(where: { $0.hash == h }), l.expires < e.time {
                    anomaly(e.seq, "run-on-ended-list", "run \(e.runID ?? "?") of \(agreement) started at \(e.time) against list \(h.prefix(16))…, past its retention (\(l.expires))")
                }
            }
        case .runFinished:
            if let sid = e.submissionID { finished.insert(sid) }
        case .encodingsDeleted:
            if let sid = e.submissionID { deleted.insert(sid) }
        default:
            break
        }
    }

    /// The anomalies left at the end of the log, whose last event was at `time`.
    mutating func finish(at time: UInt64) -> [LogReport.Anomaly] {
        overdue(at: time, seq: nil)
        for (sid, seq) in checks.sorted(by: { $0.value < $1.value }) {
            if !finished.contains(sid) { anomaly(seq, "check-not-run", "check \(sid) of \(agreement) was accepted, but its run never finished or failed") }
            else if !deleted.contains(sid) { anomaly(seq, "check-not-deleted", "the encodings of check \(sid) of \(agreement) were never deleted after its run") }
        }
        return anomalies
    }
}
