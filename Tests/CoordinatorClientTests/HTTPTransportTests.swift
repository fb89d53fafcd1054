import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import CoordinatorClient

/// A listening TCP socket on a free loopback port, and the port.
private func loopbackListener() -> (Int32, Int) {
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    listen(s, 1)
    var bound = sockaddr_in(), length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &length) } }
    return (s, Int(UInt16(bigEndian: bound.sin_port)))
}

/// A one-shot TCP server on a free loopback port: accepts one connection, reads the request head
/// and `Content-Length` bytes of body, answers `reply`, closes.
private final class OneShotServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let done = DispatchSemaphore(value: 0)
    private(set) var request = [UInt8]()

    init(reply: [UInt8]) throws {
        (fd, port) = loopbackListener()
        let listener = fd
        Thread { [self] in
            let c = accept(listener, nil, nil)
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var got = [UInt8]()
            while true {
                let n = recv(c, &buffer, buffer.count, 0)
                if n <= 0 { break }
                got += buffer[0..<n]
                if let end = HTTPTransport.find([13, 10, 13, 10], in: got) {
                    let head = String(decoding: got[0..<end], as: UTF8.self).lowercased()
                    let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    if got.count >= end + 4 + length { break }
                }
            }
            request = got
            _ = reply.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(c)
            done.signal()
        }.start()
    }

    func wait() { done.wait(); close(fd) }
}

@Suite struct HTTPTransportTests {
    @Test func urlsAreParsedOrRefusedByName() throws {
        let a = try HTTPTransport(url: "http://127.0.0.1:8080")
        #expect(a.host == "127.0.0.1" && a.port == 8080)
        let b = try HTTPTransport(url: "http://[::1]:9/")
        #expect(b.host == "::1" && b.port == 9)
        #expect(try HTTPTransport(url: "http://localhost").port == 80)
        for bad in ["https://127.0.0.1:1", "127.0.0.1:80", "http://:80", "http://h:0", "http://h:x"] {
            #expect(throws: HTTPTransport.Failure.self, "\(bad)") { try HTTPTransport(url: bad) }
        }
    }

    /// Content-Length, chunked and close-delimited answers read back to the same body; the
    /// request carries its head, headers and the whole body streamed from a file.
    @Test func answersOfEveryFramingAreReadWhole() throws {
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let file = NSTemporaryDirectory() + "korskoll-http-\(UUID().uuidString)"
        try Data(payload).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let body = Array("{\"ok\": true, \"text\": \"åäö\"}".utf8)
        var chunked = Array("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\n".utf8)
        chunked += body[0..<5]
        chunked += Array("\r\n\(String(body.count - 5, radix: 16))\r\n".utf8)
        chunked += body[5...]
        chunked += Array("\r\n0\r\n\r\n".utf8)
        let replies: [[UInt8]] = [
            Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\ncontent-type: application/json\r\n\r\n".utf8) + body,
            chunked,
            Array("HTTP/1.0 403 Forbidden\r\n\r\n".utf8) + body,
        ]
        for (i, reply) in replies.enumerated() {
            let server = try OneShotServer(reply: reply)
            let t = try HTTPTransport(url: "http://127.0.0.1:\(server.port)")
            let answer = try t.exchange(method: "PUT", path: "/p?q=1", headers: ["Korskoll-Party": "fk"], body: .file(file))
            server.wait()
            #expect(answer.status == [200, 201, 403][i])
            #expect(Array(answer.body) == body)
            let end = HTTPTransport.find([13, 10, 13, 10], in: server.request)!
            let head = String(decoding: server.request[0..<(end + 2)], as: UTF8.self)
            #expect(head.hasPrefix("PUT /p?q=1 HTTP/1.1\r\n"))
            #expect(head.contains("Content-Length: 300000\r\n") && head.contains("Korskoll-Party: fk\r\n"))
            #expect(Array(server.request[(end + 4)...]) == payload)
        }
    }

    /// Issue 19 item 4: an upload reports the bytes sent after each 1 MiB write, rising to the
    /// file's size, so `node submit` can show percent, rate and time left.
    @Test func aStreamedUploadReportsItsProgress() throws {
        let size = 2 * (1 << 20) + 12_345
        let file = NSTemporaryDirectory() + "korskoll-http-\(UUID().uuidString)"
        try Data(count: size).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        final class Seen: @unchecked Sendable { var sent: [Int] = [] }
        let seen = Seen()
        let server = try OneShotServer(reply: Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8))
        var t = try HTTPTransport(url: "http://127.0.0.1:\(server.port)")
        t.progress = { seen.sent.append($0) }
        let answer = try t.exchange(method: "PUT", path: "/u", headers: [:], body: .file(file))
        server.wait()
        #expect(answer.status == 200)
        #expect(seen.sent == [1 << 20, 2 << 20, size])
    }

    @Test func aCutOffAnswerAndAClosedPortAreErrors() throws {
        let server = try OneShotServer(reply: Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".utf8))
        let t = try HTTPTransport(url: "http://127.0.0.1:\(server.port)")
        #expect(throws: HTTPTransport.Failure.self) { try t.exchange(method: "GET", path: "/", headers: [:], body: .none) }
        server.wait()
        // The port is closed now.
        #expect(throws: HTTPTransport.Failure.self) { try t.exchange(method: "GET", path: "/", headers: [:], body: .none) }
    }
}

/// A server that reads only the request head, answers at once and then neither reads nor closes
/// for `hold` seconds: a coordinator refusing an upload early (413) while its socket stays open.
private final class EarlyAnswerServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let done = DispatchSemaphore(value: 0)

    init(reply: [UInt8], hold: Double) throws {
        (fd, port) = loopbackListener()
        let listener = fd
        Thread { [self] in
            let c = accept(listener, nil, nil)
            var small: Int32 = 4096
            setsockopt(c, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            var got = [UInt8]()
            while HTTPTransport.find([13, 10, 13, 10], in: got) == nil {
                let n = recv(c, &buffer, buffer.count, 0)
                if n <= 0 { break }
                got += buffer[0..<n]
            }
            _ = reply.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            shutdown(c, Int32(SHUT_WR))
            Thread.sleep(forTimeInterval: hold)
            close(c)
            done.signal()
        }.start()
    }

    func wait() { done.wait(); close(fd) }
}

@Suite struct HTTPTransportEarlyAnswerTests {
    /// Found by the standing benchmark: a coordinator that refused a large list before reading its
    /// body left the node blocked in `send` for as long as the socket stayed open. The client now
    /// reads the early answer instead.
    @Test func anEarlyAnswerStopsTheUploadWithoutWaitingForTheSocketToClose() throws {
        let file = NSTemporaryDirectory() + "korskoll-http-\(UUID().uuidString)"
        try Data(count: 16 << 20).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let body = Array("{\"error\": \"request.too-large\", \"reason\": \"too large\"}".utf8)
        let server = try EarlyAnswerServer(reply: Array("HTTP/1.1 413 Content Too Large\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body, hold: 10)
        let started = Date()
        let answer = try HTTPTransport(url: "http://127.0.0.1:\(server.port)").exchange(method: "PUT", path: "/v1/agreements/a/lists", headers: [:], body: .file(file))
        let seconds = Date().timeIntervalSince(started)
        #expect(answer.status == 413)
        #expect(Array(answer.body) == body)
        #expect(seconds < 5, "the client waited \(seconds) s for a socket the server kept open")
        server.wait()
    }
}
