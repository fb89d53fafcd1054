import API
import Foundation
import Hummingbird
import NIOCore

// Protocols/keyholder.md §5.2: every refusal is a `KeyHolderError` whose code fixes its status.
extension KeyHolderError: HTTPResponseError {
    /// The HTTP status of the code.
    public var status: HTTPResponse.Status {
        switch code {
        case .unauthenticated, .replay: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .badRequest, .invalidElement: .badRequest
        case .tooLarge: .contentTooLarge
        case .overCap: .tooManyRequests
        case .internal: .internalServerError
        }
    }

    /// The body a client sees; an internal error's reason is replaced by the generic one.
    public var body: ErrorBody {
        ErrorBody(error: code.rawValue, reason: code == .internal ? "internal error" : reason)
    }

    /// The JSON response for this error.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try KeyHolderServer.json(body, status: status)
    }
}
