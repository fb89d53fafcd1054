import API
import Foundation
import Hummingbird
import NIOCore

/// The key holder's HTTP API (Protocols/keyholder.md §5): the routes (`Routes/`) behind the
/// error middleware (`Middleware/`), over a `KeyHolderService`.
public enum KeyHolderServer {
    /// Serves until cancelled; `onReady` gets the port actually bound.
    public static func run(service: KeyHolderService, host: String, port: Int,
                           onReady: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        let diagnostics = service.diagnostics
        router.add(middleware: ErrorMiddleware { diagnostics($0) })
        KeyHolderRoutes(service: service).add(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "korskoll-keyholder"),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? port) })
        try await app.runService()
    }

    /// The largest body read: a full batch of 65535 elements in base64 JSON, with room to spare.
    static let maxRequestBody = 4 << 20

    /// A JSON answer with sorted keys.
    static func json<T: Encodable>(_ message: T, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try APIJSON.encode(message))))
    }
}
