/// The coordinator's one error type (`Protocols/api.md` §4): a stable code, which carries its HTTP
/// status (`CoordinatorError+HTTP.swift`), and a reason that names the bad input but no internal
/// path. An unclassified error never reaches a client (`ErrorMiddleware`).
public struct CoordinatorError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case unauthenticated = "auth.failed"
        case forbidden = "auth.forbidden"
        case replay = "auth.replay"
        case badRequest = "request.invalid"
        case notFound = "not-found"
        case conflict = "conflict"
        case tooLarge = "request.too-large"
        case submission = "submission.invalid"
        case agreement = "agreement.invalid"
        /// A period already reported by the party, or a joint report already released (api.md §3.10).
        case reportDuplicate = "report.duplicate"
        /// Standing agreements (Protocols/standing.md §1.2, §2, §3): the coordinator's UTC day is
        /// after the validity, or before it.
        case agreementExpired = "agreement.expired"
        case agreementNotYetValid = "agreement.not-yet-valid"
        /// A list from a party without the reference or relations role; a check from a party
        /// without the subjects role.
        case listRole = "list.role"
        case checkRole = "check.role"
        /// A replacement list not created later than the standing one.
        case listStale = "list.stale"
        /// A check that would carry the party past its agreement's `maxCheckRowsPerDay`.
        case checkQuota = "check.quota"
        /// The one-shot submission endpoint on a standing agreement, and the list and check
        /// endpoints on a one-shot agreement.
        case submissionStanding = "submission.standing"
        case submissionNotStanding = "submission.not-standing"
        /// The protocol log could not be written (disk full, I/O error): nothing was done; retry
        /// later (Protocols/api.md §5.2).
        case unavailable = "storage.unavailable"
        case `internal` = "internal"
    }
    public let code: Code
    public let reason: String
    /// The party whose request was authenticated, when the refusal came after authentication.
    public var party: String? = nil
    /// True once the refusal is in the protocol log (or counted by the refusal aggregator), so
    /// that `ErrorMiddleware` logs every other refusal exactly once (Protocols/api.md §5.3).
    public var logged = false
    public init(_ code: Code, _ reason: String) { self.code = code; self.reason = reason }
    public var description: String { reason }

    /// Whether this error is a refusal of the request (logged), rather than a failure of the
    /// coordinator (`internal`, `unavailable`: the detail goes to the server's log).
    public var isRefusal: Bool { code != .internal && code != .unavailable }

    /// This error, marked as logged.
    func markedLogged() -> CoordinatorError { var e = self; e.logged = true; return e }
    /// This error, naming the authenticated party whose request it refuses.
    func by(_ party: String) -> CoordinatorError { var e = self; if e.party == nil { e.party = party }; return e }
}
