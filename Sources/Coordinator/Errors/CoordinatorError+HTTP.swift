import API
import Foundation
import Hummingbird
import NIOCore

// Protocols/api.md §4: every refusal is a `CoordinatorError` whose code fixes its HTTP status,
// carried through Hummingbird's one protocol for errors with a status, `HTTPResponseError`.
extension CoordinatorError: HTTPResponseError {
    /// The HTTP status of the code (Protocols/api.md §4).
    public var status: HTTPResponse.Status {
        switch code {
        case .unauthenticated, .replay: .unauthorized
        case .forbidden, .listRole, .checkRole, .agreementExpired, .agreementNotYetValid: .forbidden
        case .notFound: .notFound
        case .conflict, .reportDuplicate, .listStale: .conflict
        case .tooLarge: .contentTooLarge
        case .badRequest, .submission, .agreement, .submissionStanding, .submissionNotStanding: .badRequest
        case .checkQuota: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }

    /// The body a client sees: the code and the reason, except for `internal`, whose reason is
    /// replaced by the generic one (its detail goes to the server's log, never to a client).
    public var body: ErrorBody {
        ErrorBody(error: code.rawValue, reason: code == .internal ? CoordinatorError.genericReason : reason)
    }

    /// The reason of every 500 a client sees.
    public static let genericReason = "internal error"

    /// The JSON response for this error.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try CoordinatorServer.json(body, status: status)
        // api.md §5.2: a write the log could not take is retried after a pause.
        if code == .unavailable { response.headers[.retryAfter] = String(Self.retryAfterSeconds) }
        return response
    }

    /// The `Retry-After` of a 503 (Protocols/api.md §5.2), seconds.
    public static let retryAfterSeconds = 5
}
