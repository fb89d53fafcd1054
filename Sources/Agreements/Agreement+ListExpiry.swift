import Foundation

// Protocols/standing.md §3: when a standing list ends by retention. One home for the rule: the
// coordinator expires lists by it and `log verify` checks the logged expiry against it.
extension Agreement {
    /// The Unix second at which the UTC day `day` (`YYYY-MM-DD`) ends; nil when it is no day.
    public static func endOfDay(_ day: String) -> UInt64? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        guard let d = f.date(from: day), d.timeIntervalSince1970 >= 0 else { return nil }
        return UInt64(d.timeIntervalSince1970) + 86_400
    }

    /// When a list of `party` accepted at `accepted` (Unix seconds) expires: after its
    /// `listRetentionDays`, never after the end of the validity's last day. Saturating, so a
    /// retention of any size names the validity's end rather than trapping.
    public func listExpiry(party: String, accepted: UInt64) -> UInt64 {
        let end = validity.flatMap { Self.endOfDay($0.until) } ?? UInt64.max
        guard let days = listRetentionDays(of: party), days > 0 else { return end }
        let span = UInt64(days).multipliedReportingOverflow(by: 86_400)
        let expiry = accepted.addingReportingOverflow(span.partialValue)
        return span.overflow || expiry.overflow ? end : min(end, expiry.partialValue)
    }
}
