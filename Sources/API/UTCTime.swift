import Foundation

/// Unix seconds written and read as UTC text, in one place: days `YYYY-MM-DD` for validity and
/// reporting, times for the operator's and the report's readers.
public enum UTCTime {
    /// `t` in `pattern` (a `DateFormatter` pattern), UTC, POSIX locale.
    public static func format(_ t: UInt64, _ pattern: String) -> String {
        formatter(pattern).string(from: Date(timeIntervalSince1970: TimeInterval(t)))
    }

    /// The Unix second at which the UTC day `day` (`YYYY-MM-DD`) begins; nil when it is not one.
    public static func startOfDay(_ day: String) -> UInt64? {
        formatter("yyyy-MM-dd").date(from: day).map { UInt64($0.timeIntervalSince1970) }
    }

    static func formatter(_ pattern: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = pattern
        return f
    }
}
