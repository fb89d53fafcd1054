import API
import Foundation
import Hummingbird
import NIOCore

/// The coordinator's HTTP API on loopback (Protocols/api.md, Protocols/openapi.yaml): the routes
/// (`Routes/`) behind the error middleware (`Middleware/`), over a `CoordinatorService`.
public enum CoordinatorServer {
    /// Serves until cancelled; `onReady` gets the port actually bound.
    public static func run(service: CoordinatorService, host: String, port: Int,
                           onReady: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        let diagnostics = service.diagnostics
        router.add(middleware: ErrorMiddleware(service: service) { diagnostics($0) })
        CoordinatorRoutes(service: service).add(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "korskoll-coordinator"),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? port) })
        try await app.runService()
    }

    /// The header that carries the receipt of a result fetch (api.md §3.6).
    public static let receiptHeaderName = APIHeader.receipt

    /// The largest body read whole (every request but a submission upload), on any endpoint
    /// (Protocols/api.md §5.3).
    static let maxRequestBody = 1 << 20

    /// A JSON answer with sorted keys.
    static func json<T: Encodable>(_ message: T, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try APIJSON.encode(message))))
    }
}
