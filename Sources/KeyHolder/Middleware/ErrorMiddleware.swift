import API
import Foundation
import Hummingbird
import NIOCore

/// Classifies every error a route throws (Protocols/keyholder.md §5.2): a `KeyHolderError`
/// answers with its own status and body, a body over the limit answers 413, Hummingbird's own
/// `HTTPError` keeps its answer, and anything else is a 500 whose detail goes to `log` only.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Where an unexpected error's detail is written (the server's log).
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as KeyHolderError {
            if e.code == .internal { log("\(request.method) \(request.uri.path): internal: \(e.reason)") }
            return try e.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try KeyHolderError(.tooLarge, "the request body exceeds \(KeyHolderServer.maxRequestBody) bytes")
                .response(from: request, context: context)
        } catch let e as HTTPError {
            throw e
        } catch {
            log("\(request.method) \(request.uri.path): unexpected error: \(error)")
            return try KeyHolderError(.internal, "\(error)").response(from: request, context: context)
        }
    }
}
