import API
import Foundation
import Hummingbird
import NIOCore

/// Classifies every error a route throws (Protocols/api.md §4). A `CoordinatorError` answers
/// with its own status and body; a body over the route's limit answers 413; Hummingbird's own
/// `HTTPError` keeps its answer. Anything else is unexpected: the client gets 500 with the
/// generic reason, and the detail goes to `log`, never into the response.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Where an unexpected error's detail is written (the server's log).
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as CoordinatorError {
            if e.code == .internal { log("\(request.method) \(request.uri.path): internal: \(e.reason)") }
            return try e.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try CoordinatorError(.tooLarge, "the request body exceeds \(CoordinatorServer.maxRequestBody) bytes")
                .response(from: request, context: context)
        } catch let e as HTTPError {
            throw e
        } catch {
            log("\(request.method) \(request.uri.path): unexpected error: \(error)")
            return try CoordinatorError(.internal, "\(error)").response(from: request, context: context)
        }
    }
}
