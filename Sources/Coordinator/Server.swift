import Foundation
import Hummingbird
import NIOCore
import Sodium
import Wire

/// The coordinator's HTTP API on loopback (`Protocols/api.md`, `Protocols/openapi.yaml`).
public enum CoordinatorServer {
    public static func run(service: CoordinatorService, host: String, port: Int,
                           onReady: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()

        router.post("/v1/agreements") { request, _ -> Response in
            try await handle {
                let (party, body) = try await authenticated(request, service: service)
                guard let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                      let d = obj["document"] as? String, let document = Data(base64Encoded: d),
                      let s = obj["signatures"] as? String, let signatures = Data(base64Encoded: s) else {
                    throw CoordinatorError(.badRequest, "expected {\"document\": base64, \"signatures\": base64}")
                }
                return try json(await service.registerAgreement(party: party, document: document, signatures: signatures))
            }
        }
        router.put("/v1/agreements/:id/ceremony/:party") { request, context -> Response in
            try await handle {
                let (party, body) = try await authenticated(request, service: service)
                try await service.putCeremony(party: party, agreementID: try context.parameters.require("id"),
                                              to: try context.parameters.require("party"), blob: body)
                return try json(["relayed": true])
            }
        }
        router.get("/v1/agreements/:id/ceremony") { request, context -> Response in
            try await handle {
                let (party, _) = try await authenticated(request, service: service)
                let blob = try await service.getCeremony(party: party, agreementID: try context.parameters.require("id"))
                return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: blob)))
            }
        }
        router.put("/v1/agreements/:id/submission") { request, context -> Response in
            try await handle {
                let agreement = try context.parameters.require("id")
                let headers = request.headers
                let party = try await service.authenticate(method: "PUT", path: signedPath(request),
                                                           headers: { header(headers, $0) }, bodyDigest: nil)
                let claimed = header(headers, RequestSignature.Header.digest) ?? ""
                let path = await service.incomingPath()
                let limit = service.maxUpload
                // Streamed to a private file while hashed; only a complete upload whose digest is the
                // signed one is looked at (api.md §3.3).
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                      let out = FileHandle(forWritingAtPath: path) else { throw CoordinatorError(.internal, "cannot store the upload") }
                let hash = RequestSignature.bodyDigestState()
                var received = 0
                do {
                    for try await buffer in request.body {
                        received += buffer.readableBytes
                        guard received <= limit else {
                            try? out.close()
                            throw CoordinatorError(.tooLarge, "the upload exceeds \(limit) bytes")
                        }
                        try buffer.withUnsafeReadableBytes { raw in
                            hash.update(raw)
                            try out.write(contentsOf: raw)
                        }
                    }
                    try out.close()
                } catch let e as CoordinatorError {
                    try await service.rejectUpload(party: party, agreementID: agreement, upload: path, e)
                    throw e
                } catch {
                    let e = CoordinatorError(.submission, "the upload was cut off after \(received) bytes")
                    try await service.rejectUpload(party: party, agreementID: agreement, upload: path, e)
                    throw e
                }
                let digest = hash.finalize()
                guard Hex.encode(digest) == claimed else {
                    let e = CoordinatorError(.submission, "the upload's BLAKE2b-256 differs from the signed digest: truncated or altered in transit (\(received) bytes received)")
                    try await service.rejectUpload(party: party, agreementID: agreement, upload: path, e)
                    throw e
                }
                return try json(await service.acceptSubmission(party: party, agreementID: agreement, upload: path, digest: digest), status: .created)
            }
        }
        router.get("/v1/agreements/:id/status") { request, context -> Response in
            try await handle {
                let (party, _) = try await authenticated(request, service: service)
                return try json(await service.status(party: party, agreementID: try context.parameters.require("id")))
            }
        }
        router.get("/v1/agreements/:id/results/:output") { request, context -> Response in
            try await handle {
                let (party, _) = try await authenticated(request, service: service)
                let fetched = try await service.fetchResult(party: party, agreementID: try context.parameters.require("id"),
                                                            output: try context.parameters.require("output"))
                // api.md §3.6: the sealed file as the body, the receipt (JSON, base64) in a header.
                let receipt = try JSONSerialization.data(withJSONObject: fetched.receipt.value, options: [.sortedKeys]).base64EncodedString()
                return Response(status: .ok,
                                headers: [.contentType: "application/octet-stream", receiptHeader: receipt],
                                body: .init(byteBuffer: ByteBuffer(bytes: fetched.sealed)))
            }
        }
        router.get("/v1/log/checkpoint") { _, _ -> Response in
            try await handle {
                let note = try await service.checkpoint()
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: note)))
            }
        }
        router.get("/v1/log/consistency") { request, _ -> Response in
            try await handle {
                guard let first = request.uri.queryParameters.get("first", as: UInt64.self),
                      let second = request.uri.queryParameters.get("second", as: UInt64.self) else {
                    throw CoordinatorError(.badRequest, "query parameters first and second (tree sizes) are required")
                }
                return try json(["proof": try await service.consistency(from: first, to: second)])
            }
        }

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "korskoll-coordinator"),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? port) })
        try await app.runService()
    }

    /// The header that carries the receipt of a result fetch (api.md §3.6).
    public static let receiptHeaderName = "Korskoll-Receipt"
    static let receiptHeader = HTTPFields.Element.Name(receiptHeaderName)!

    static func header(_ fields: HTTPFields, _ name: String) -> String? {
        fields.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    static func signedPath(_ request: Request) -> String {
        let q = request.uri.query ?? ""
        return q.isEmpty ? request.uri.path : request.uri.path + "?" + q
    }

    /// Authenticates a request whose body is small: read it whole (up to 1 MiB), then check the signature over it.
    static func authenticated(_ request: Request, service: CoordinatorService) async throws -> (String, Data) {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        let body = Data(buffer.readableBytesView)
        let headers = request.headers
        let party = try await service.authenticate(method: request.method.rawValue, path: signedPath(request),
                                                   headers: { header(headers, $0) },
                                                   bodyDigest: RequestSignature.bodyDigest(Array(body)))
        return (party, body)
    }

    static func handle(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch let e as CoordinatorError {
            let status: HTTPResponse.Status = switch e.code {
            case .unauthenticated, .replay: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .tooLarge: .contentTooLarge
            case .badRequest, .submission, .agreement: .badRequest
            case .internal: .internalServerError
            }
            return try json(["error": e.code.rawValue, "reason": e.reason], status: status)
        } catch let e as HTTPError {
            throw e
        } catch {
            return try json(["error": "internal", "reason": "\(error)"], status: .internalServerError)
        }
    }

    static func json(_ object: JSONObject, status: HTTPResponse.Status = .ok) throws -> Response {
        try json(object.value, status: status)
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
