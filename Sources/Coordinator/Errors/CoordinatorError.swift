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
        case `internal` = "internal"
    }
    public let code: Code
    public let reason: String
    public init(_ code: Code, _ reason: String) { self.code = code; self.reason = reason }
    public var description: String { reason }
}
