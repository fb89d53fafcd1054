import Coordinator
import Foundation

/// The coordinator's real HTTP server on a free loopback port for the length of `body`.
func withServer(_ service: CoordinatorService, _ body: (Int) async throws -> Void) async throws {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let server = Task { try await CoordinatorServer.run(service: service, host: "127.0.0.1", port: 0) { continuation.yield($0) } }
    defer { server.cancel() }
    var it = ports.makeAsyncIterator()
    guard let port = await it.next() else { throw POSIXError(.EADDRNOTAVAIL) }
    try await body(port)
}
