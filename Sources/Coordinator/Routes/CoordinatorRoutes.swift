import API
import Foundation
import Hummingbird
import NIOCore
import Sodium
import Wire

/// The API's routes (Protocols/api.md §3): each authenticates, decodes its typed request, asks
/// the service and encodes its typed answer. Refusals are thrown and answered by `ErrorMiddleware`.
struct CoordinatorRoutes: Sendable {
    let service: CoordinatorService

    func add(to router: Router<BasicRequestContext>) {
        let service = service
        router.post(RouterPath(APIPath.Pattern.agreements)) { request, _ -> Response in
            let (party, body) = try await authenticated(request, service: service)
            return try await on(behalfOf: party) {
                guard let message = try? APIJSON.decode(RegisterAgreementRequest.self, from: body) else {
                    throw CoordinatorError(.badRequest, "expected {\"document\": base64, \"signatures\": base64}")
                }
                return try CoordinatorServer.json(await service.registerAgreement(party: party, document: message.document, signatures: message.signatures))
            }
        }
        router.put(RouterPath(APIPath.Pattern.ceremonyRelay)) { request, context -> Response in
            let (party, body) = try await authenticated(request, service: service)
            return try await on(behalfOf: party) {
                try await service.putCeremony(party: party, agreementID: try context.parameters.require("id"),
                                              to: try context.parameters.require("party"), blob: body)
                return try CoordinatorServer.json(CeremonyRelayAnswer())
            }
        }
        router.get(RouterPath(APIPath.Pattern.ceremony)) { request, context -> Response in
            let (party, _) = try await authenticated(request, service: service)
            let blob = try await on(behalfOf: party) { try await service.getCeremony(party: party, agreementID: try context.parameters.require("id")) }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: blob)))
        }
        router.put(RouterPath(APIPath.Pattern.submission)) { request, context -> Response in
            let agreement = try context.parameters.require("id")
            let headers = request.headers
            // The body is streamed, so the signature is checked now and the digest it signs later (api.md §3.3).
            let party = try await service.authenticate(method: "PUT", path: signedPath(request),
                                                       headers: { header(headers, $0) }, bodyDigest: nil)
            let answer = try await on(behalfOf: party) {
                try await service.receiveSubmission(party: party, agreementID: agreement,
                                                    claimedDigest: header(headers, RequestSignature.Header.digest) ?? "",
                                                    body: request.body)
            }
            return try CoordinatorServer.json(answer, status: .created)
        }
        // Protocols/standing.md §1.2: a standing agreement's lists and checks, streamed like a submission.
        for (pattern, endpoint) in [(APIPath.Pattern.lists, SubmissionEndpoint.list), (APIPath.Pattern.checks, SubmissionEndpoint.check)] {
            router.put(RouterPath(pattern)) { request, context -> Response in
                let agreement = try context.parameters.require("id")
                let headers = request.headers
                let party = try await service.authenticate(method: "PUT", path: signedPath(request),
                                                           headers: { header(headers, $0) }, bodyDigest: nil)
                let answer = try await on(behalfOf: party) {
                    try await service.receiveSubmission(party: party, agreementID: agreement,
                                                        claimedDigest: header(headers, RequestSignature.Header.digest) ?? "",
                                                        body: request.body, endpoint: endpoint)
                }
                return try CoordinatorServer.json(answer, status: .created)
            }
        }
        router.get(RouterPath(APIPath.Pattern.check)) { request, context -> Response in
            let (party, _) = try await authenticated(request, service: service)
            return try await on(behalfOf: party) {
                try CoordinatorServer.json(await service.checkStatus(party: party, agreementID: try context.parameters.require("id"),
                                                                     submissionID: try context.parameters.require("sid")))
            }
        }
        router.get(RouterPath(APIPath.Pattern.checkResult)) { request, context -> Response in
            let (party, _) = try await authenticated(request, service: service)
            let fetched = try await on(behalfOf: party) {
                try await service.fetchCheckResult(party: party, agreementID: try context.parameters.require("id"),
                                                   submissionID: try context.parameters.require("sid"),
                                                   output: try context.parameters.require("output"))
            }
            return try sealedResult(fetched)
        }
        router.get(RouterPath(APIPath.Pattern.runs)) { request, context -> Response in
            let (party, _) = try await authenticated(request, service: service)
            return try await on(behalfOf: party) {
                let text = request.uri.queryParameters.get("since") ?? "0"
                guard let since = Int(text) else { throw CoordinatorError(.badRequest, "since = '\(text)': expected a sequence number") }
                return try CoordinatorServer.json(await service.standingRuns(party: party, agreementID: try context.parameters.require("id"), since: since))
            }
        }
        router.get(RouterPath(APIPath.Pattern.status)) { request, context -> Response in
            let (party, _) = try await authenticated(request, service: service)
            return try await on(behalfOf: party) {
                try CoordinatorServer.json(await service.status(party: party, agreementID: try context.parameters.require("id")))
            }
        }
        router.get(RouterPath(APIPath.Pattern.result)) { request, context -> Response in
            let (party, _) = try await authenticated(request, service: service)
            let fetched = try await on(behalfOf: party) {
                try await service.fetchResult(party: party, agreementID: try context.parameters.require("id"),
                                              output: try context.parameters.require("output"))
            }
            return try sealedResult(fetched)
        }
        // api.md §3.10: case development (CoordinatorService+Reports.swift).
        router.put(RouterPath(APIPath.Pattern.report)) { request, context -> Response in
            let (party, body) = try await authenticated(request, service: service)
            return try await on(behalfOf: party) {
                try CoordinatorServer.json(await service.receiveReport(party: party, agreementID: try context.parameters.require("id"),
                                                                       period: try context.parameters.require("period"), body: body), status: .created)
            }
        }
        router.post(RouterPath(APIPath.Pattern.releaseReport)) { request, context -> Response in
            let (party, body) = try await authenticated(request, service: service)
            return try await on(behalfOf: party) {
                guard let message = try? APIJSON.decode(ReleaseReportRequest.self, from: body) else { throw CoordinatorError(.badRequest, "expected {\"k\": integer}") }
                return try CoordinatorServer.json(await service.releaseReport(party: party, agreementID: try context.parameters.require("id"),
                                                                              period: try context.parameters.require("period"), k: message.k))
            }
        }
        router.get(RouterPath(APIPath.Pattern.checkpoint)) { _, _ -> Response in
            let note = try await service.checkpoint()
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: note)))
        }
        router.get(RouterPath(APIPath.Pattern.consistency)) { request, _ -> Response in
            guard let first = request.uri.queryParameters.get("first", as: UInt64.self),
                  let second = request.uri.queryParameters.get("second", as: UInt64.self) else {
                throw CoordinatorError(.badRequest, "query parameters first and second (tree sizes) are required")
            }
            return try CoordinatorServer.json(try await service.consistency(from: first, to: second))
        }
    }
}

/// Runs the part of a route after `party` authenticated: a refusal thrown there names the party,
/// so that `ErrorMiddleware` logs it under that name (api.md §5.3).
private func on<T>(behalfOf party: String, _ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let e as CoordinatorError { throw e.by(party) }
}

private let receiptHeader = HTTPFields.Element.Name(APIHeader.receipt)!

/// api.md §3.6, §3.9: a fetched result answers with the sealed file as the body and the receipt
/// of its fetch (JSON, base64) in a header.
private func sealedResult(_ fetched: FetchedResult) throws -> Response {
    let receipt = try APIJSON.encode(fetched.receipt).base64EncodedString()
    return Response(status: .ok, headers: [.contentType: "application/octet-stream", receiptHeader: receipt],
                    body: .init(byteBuffer: ByteBuffer(bytes: fetched.sealed)))
}

private func header(_ fields: HTTPFields, _ name: String) -> String? {
    fields.first { $0.name.canonicalName == name.lowercased() }?.value
}

/// The path and query the request signature covers (api.md §2).
private func signedPath(_ request: Request) -> String {
    let q = request.uri.query ?? ""
    return q.isEmpty ? request.uri.path : request.uri.path + "?" + q
}

/// Authenticates a request whose body is small: read it whole (up to 1 MiB), then check the signature over it.
private func authenticated(_ request: Request, service: CoordinatorService) async throws -> (String, Data) {
    var request = request
    let buffer = try await request.collectBody(upTo: CoordinatorServer.maxRequestBody)
    let body = Data(buffer.readableBytesView)
    let headers = request.headers
    let party = try await service.authenticate(method: request.method.rawValue, path: signedPath(request),
                                               headers: { header(headers, $0) },
                                               bodyDigest: RequestSignature.bodyDigest(Array(body)))
    return (party, body)
}
