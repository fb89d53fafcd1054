import API
import Foundation
import Hummingbird
import NIOCore
import Wire

/// The key holder's routes (Protocols/keyholder.md §5): authenticate, admit the batch, evaluate
/// it off the actor, log it, answer. Refusals are thrown and answered by `ErrorMiddleware`.
struct KeyHolderRoutes: Sendable {
    let service: KeyHolderService

    func add(to router: Router<BasicRequestContext>) {
        let service = service
        router.post(RouterPath(KeyHolderPath.Pattern.evaluate)) { request, context -> Response in
            var request = request
            let body = Data(try await request.collectBody(upTo: KeyHolderServer.maxRequestBody).readableBytesView)
            let headers = request.headers
            let (party, nonce) = try await service.authenticate(method: "POST", path: signedPath(request),
                                                                headers: { header(headers, $0) },
                                                                bodyDigest: RequestSignature.bodyDigest(Array(body)))
            let batch = try await service.admit(party: party, nonce: nonce, agreement: try context.parameters.require("id"), body: body)
            let answer: EvaluateAnswer
            do { answer = try KeyHolderService.evaluate(batch) } catch {
                try await service.recordFailed(batch, "evaluation failed")
                throw KeyHolderError(.internal, "evaluation of a batch failed: \(error)")
            }
            try await service.recordEvaluated(batch)
            return try KeyHolderServer.json(answer)
        }
        router.get(RouterPath(KeyHolderPath.Pattern.checkpoint)) { _, _ -> Response in
            let note = try await service.checkpoint()
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: note)))
        }
    }
}

private func header(_ fields: HTTPFields, _ name: String) -> String? {
    fields.first { $0.name.canonicalName == name.lowercased() }?.value
}

/// The path and query the request signature covers (api.md §2).
private func signedPath(_ request: Request) -> String {
    let q = request.uri.query ?? ""
    return q.isEmpty ? request.uri.path : request.uri.path + "?" + q
}
