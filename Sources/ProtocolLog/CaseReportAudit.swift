import Foundation

/// The rules of case development that the privacy officer checks from the log (Protocols/log.md
/// §6.7, api.md §3.10): a period's counts come from parties of the agreement, once per party and
/// period; a period's joint report is released once, after reports, and names only parties that
/// reported it. A repeat the coordinator declares (`parameters.repeats` = the hash of the earlier
/// event, whose file a crash lost before it was placed) is lawful. Fed one agreement's events in
/// log order.
struct CaseReportAudit {
    let agreement: String
    let parties: Set<String>
    /// period → party → hash of its last accepted report.
    private var received: [String: [String: String]] = [:]
    /// period → hash of its last released report.
    private var released: [String: String] = [:]
    private(set) var anomalies: [LogReport.Anomaly] = []

    init(agreement: String, parties: [String]) {
        self.agreement = agreement
        self.parties = Set(parties)
    }

    private mutating func anomaly(_ seq: UInt64, _ code: String, _ reason: String) {
        anomalies.append(.init(seq: seq, code: code, reason: reason))
    }

    mutating func consume(_ e: LogEvent) {
        let period = e.parameters?["period"] ?? "?"
        let repeats = e.parameters?["repeats"]
        switch e.type {
        case .reportReceived:
            let party = e.party ?? "?"
            guard parties.contains(party) else {
                anomaly(e.seq, "report-foreign", "counts for \(period) from '\(party)', who is not a party to \(agreement), were accepted")
                return
            }
            if let earlier = received[period]?[party], repeats != earlier {
                anomaly(e.seq, "report-duplicate", "\(party)'s counts for \(period) of \(agreement) were accepted a second time; the coordinator must refuse a period reported before")
            }
            received[period, default: [:]][party] = e.hash ?? ""
        case .reportReleased:
            if let earlier = released[period], repeats != earlier {
                anomaly(e.seq, "report-released-twice", "the joint report of \(agreement) for \(period) was released a second time")
            }
            released[period] = e.hash ?? ""
            let reported = received[period] ?? [:]
            if reported.isEmpty {
                anomaly(e.seq, "report-release-without-report", "the joint report of \(agreement) for \(period) was released before any party reported that period")
            } else {
                let unreported = (e.parties ?? []).filter { reported[$0] == nil }
                if !unreported.isEmpty {
                    anomaly(e.seq, "report-release-unreported", "the joint report of \(agreement) for \(period) includes \(unreported.sorted().joined(separator: ", ")), who never reported that period")
                }
            }
        default:
            break
        }
    }
}
