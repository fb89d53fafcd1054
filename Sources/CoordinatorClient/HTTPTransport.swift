import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 to the coordinator (`Protocols/api.md` §2.1): one TCP connection per request, the
/// body sent from memory or streamed from a file in 1 MiB writes, the answer read to its
/// `Content-Length`, its chunked end, or the connection's close. The coordinator speaks plain
/// HTTP; what crosses the wire is signed (requests), sealed (submissions, results, key blobs) or
/// public (the log).
public struct HTTPTransport: Sendable {
    /// What a request carries: nothing, bytes from memory, or a file streamed from disk.
    public enum Body: Sendable { case none, bytes(Data), file(String) }

    /// A connection that failed, stalled or answered something that is not HTTP/1.1.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let reason: String
        public var description: String { reason }
    }

    public let host: String
    public let port: Int
    /// Seconds a connection may stall in one send or receive before the request fails.
    public var timeout = 3600
    /// Called with the body bytes sent so far after each 1 MiB write of a streamed file, on the
    /// calling thread (progress on a terminal, api.md §2.1).
    public var progress: (@Sendable (Int) -> Void)?

    /// Parses `http://HOST[:PORT]` (an IPv6 host in brackets); anything else is refused by name.
    public init(url: String) throws {
        guard url.hasPrefix("http://") else {
            throw Failure(reason: "\(url): the coordinator URL must start with http:// (api.md §2.1)")
        }
        var rest = Substring(url.dropFirst("http://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var hostPart = rest, portPart: Substring = "80"
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (1...65535).contains(port) else {
            throw Failure(reason: "\(url): expected http://HOST:PORT")
        }
        host = String(hostPart)
        self.port = port
    }

    /// An answer: its status, its header fields (names in lower case) and its body.
    public struct Answer: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: Data
    }

    /// Sends one request on a new connection and reads the whole answer.
    public func exchange(method: String, path: String, headers: [String: String], body: Body) throws -> Answer {
        let fd = try connect()
        defer { close(fd) }
        var length = 0
        var file: FileHandle?
        switch body {
        case .none: break
        case .bytes(let d): length = d.count
        case .file(let path):
            guard let h = FileHandle(forReadingAtPath: path) else { throw Failure(reason: "cannot open \(path) for reading") }
            file = h
            length = Int((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue ?? 0)
        }
        defer { try? file?.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host.contains(":") ? "[\(host)]" : host):\(port)\r\nConnection: close\r\n"
        if method != "GET" || length > 0 { head += "Content-Length: \(length)\r\n" }
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        // A coordinator that refuses early (413, 401) may close while the body is still going
        // out: stop sending and read what it answered.
        var open = try sendAll(fd, Data(head.utf8))
        var sent = 0
        switch body {
        case .none: break
        case .bytes(let d): if open { open = try sendAll(fd, d); if open { sent = d.count } }
        case .file:
            while open, let block = try file?.read(upToCount: 1 << 20), !block.isEmpty {
                open = try sendAll(fd, block)
                if open { sent += block.count; progress?(sent) }
            }
        }
        do {
            return try receive(fd)
        } catch let e as Failure where !open {
            throw Failure(reason: "the coordinator closed the connection after \(sent) of \(length) body bytes (\(e.reason))")
        }
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw Failure(reason: "\(host): cannot resolve (\(String(cString: gai_strerror(rc))))")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let a = entry {
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd >= 0 {
                var t = timeval(tv_sec: timeout, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
                if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
                lastError = errno
                close(fd)
            }
            entry = a.pointee.ai_next
        }
        throw Failure(reason: "\(host):\(port): cannot connect (\(String(cString: strerror(lastError))))")
    }

    /// Writes everything; false when the peer answered, closed or reset the connection before
    /// all of it went out. A coordinator that refuses an upload early (413, 401) answers and may
    /// stop reading without closing: each write waits until the socket takes more bytes *or* an
    /// answer arrives, so the client reads the answer instead of blocking on a full buffer.
    private func sendAll(_ fd: Int32, _ data: Data) throws -> Bool {
        try data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                var p = pollfd(fd: fd, events: Int16(POLLOUT | POLLIN), revents: 0)
                let ready = poll(&p, 1, Int32(timeout) * 1000)
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw Failure(reason: "waiting to send to \(host):\(port) failed (\(String(cString: strerror(errno))))")
                }
                if ready == 0 { throw Failure(reason: "sending to \(host):\(port) stalled for \(timeout) s") }
                if p.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { return false }
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
                    if errno == EPIPE || errno == ECONNRESET { return false }
                    throw Failure(reason: "sending to \(host):\(port) failed (\(String(cString: strerror(errno))))")
                }
                offset += n
            }
            return true
        }
    }

    /// Reads the status line, the headers and the body.
    private func receive(_ fd: Int32) throws -> Answer {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var eof = false
        func more() throws {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { return }
                throw Failure(reason: "receiving from \(host):\(port) failed (\(String(cString: strerror(errno))))")
            }
            if n == 0 { eof = true } else { buffer.append(contentsOf: chunk[0..<n]) }
        }
        var headEnd: Int?
        while headEnd == nil {
            if let r = Self.find([13, 10, 13, 10], in: buffer) { headEnd = r; break }
            guard !eof else { throw Failure(reason: "\(host):\(port) closed the connection without an HTTP answer") }
            guard buffer.count < 1 << 16 else { throw Failure(reason: "\(host):\(port) sent an HTTP head over 64 KiB") }
            try more()
        }
        let lines = String(decoding: buffer[0..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw Failure(reason: "\(host):\(port) answered something other than HTTP/1.x: \(lines[0].prefix(80))")
        }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        buffer = Array(buffer[(headEnd! + 4)...])
        if fields["transfer-encoding"]?.lowercased().contains("chunked") == true {
            var out = Data()
            while true {
                while Self.find([13, 10], in: buffer) == nil {
                    guard !eof else { throw Failure(reason: "\(host):\(port): the chunked answer ended early") }
                    try more()
                }
                let lineEnd = Self.find([13, 10], in: buffer)!
                let sizeText = String(decoding: buffer[0..<lineEnd], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                    throw Failure(reason: "\(host):\(port): a malformed chunk size")
                }
                while buffer.count < lineEnd + 2 + size + 2 {
                    guard !eof else { throw Failure(reason: "\(host):\(port): the chunked answer ended early") }
                    try more()
                }
                if size == 0 { return Answer(status: status, headers: fields, body: out) }
                out.append(contentsOf: buffer[(lineEnd + 2)..<(lineEnd + 2 + size)])
                buffer.removeFirst(lineEnd + 2 + size + 2)
            }
        }
        if let text = fields["content-length"] {
            guard let expected = Int(text), expected >= 0 else { throw Failure(reason: "\(host):\(port): a malformed Content-Length") }
            buffer.reserveCapacity(expected)
            while buffer.count < expected {
                guard !eof else { throw Failure(reason: "\(host):\(port): the answer ended after \(buffer.count) of \(expected) bytes") }
                try more()
            }
            return Answer(status: status, headers: fields, body: Data(buffer.prefix(expected)))
        }
        while !eof { try more() }
        return Answer(status: status, headers: fields, body: Data(buffer))
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }
}
