import API
import Foundation
import Hummingbird
import NIOCore
import Wire

/// Classifies every error a route throws (Protocols/api.md §4, §5.3) and reads every body but a
/// submission's whole first, up to `CoordinatorServer.maxRequestBody`, so that an oversized body
/// answers 413 on any endpoint. A `CoordinatorError` answers with its own status and body; a
/// body over the limit answers 413; Hummingbird's own `HTTPError` (no such route) keeps its
/// status. Every refusal that no service path logged is logged here, once, through
/// `CoordinatorService.refuse` (its reason scrubbed of internal paths). Anything else is
/// unexpected: the client gets 500 with the generic reason, and the detail goes to the
/// server's log, never into the response.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let service: CoordinatorService
    /// Where an unexpected error's detail is written (the server's log).
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        do {
            if !Self.isSubmissionUpload(request) { _ = try await request.collectBody(upTo: CoordinatorServer.maxRequestBody) }
            return try await next(request, context)
        } catch let e as CoordinatorError {
            if e.code == .internal { log("\(request.method) \(request.uri.path): internal: \(e.reason)") }
            return try await refuse(e, request).response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            let e = CoordinatorError(.tooLarge, "the request body exceeds \(CoordinatorServer.maxRequestBody) bytes")
            return try await refuse(e, request).response(from: request, context: context)
        } catch let e as HTTPError {
            let code: CoordinatorError.Code = switch e.status.code {
            case 404: .notFound
            case 413: .tooLarge
            case 401: .unauthenticated
            default: .badRequest
            }
            _ = await refuse(CoordinatorError(code, "\(e.status.code) \(e.status.reasonPhrase)"), request)
            throw e
        } catch {
            log("\(request.method) \(request.uri.path): unexpected error: \(error)")
            return try CoordinatorError(.internal, "\(error)").response(from: request, context: context)
        }
    }

    /// Logs the refusal unless a service path did, and returns what the client sees.
    private func refuse(_ e: CoordinatorError, _ request: Request) async -> CoordinatorError {
        let claimed = request.headers.first { $0.name.canonicalName == RequestSignature.Header.party.lowercased() }?.value
        return await service.refuse(e, method: request.method.rawValue, path: request.uri.path,
                                    agreement: Self.agreementID(request.uri.path), claimedParty: claimed)
    }

    /// `PUT /v1/agreements/{id}/submission`: its body is streamed by the route (api.md §3.3).
    static func isSubmissionUpload(_ request: Request) -> Bool {
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: false)
        // api.md §3.3 and §3.9: the one-shot submission and a standing agreement's lists and checks.
        return request.method == .put && parts.count == 5 && parts[1] == "v1" && parts[2] == "agreements"
            && ["submission", "lists", "checks"].contains(parts[4])
    }

    /// The agreement id a path names, as sent (`/v1/agreements/{id}/…`).
    static func agreementID(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[1] == "v1", parts[2] == "agreements", !parts[3].isEmpty else { return nil }
        return String(parts[3])
    }
}
