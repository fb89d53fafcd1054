import API
import Foundation
import Parties
import ProtocolLog
import Sodium
import Wire

/// A party's signed HTTP requests to the coordinator (`Protocols/api.md` §2), one typed call per
/// endpoint of api.md §3 (`CoordinatorClient+Calls.swift`).
public final class CoordinatorClient: Sendable {
    /// The base URL, without a trailing slash.
    public let base: String
    /// The calling party's keys: requests are signed with its Ed25519 key.
    public let keys: PartyKeys
    /// Called with the bytes of an uploaded file sent so far, after each 1 MiB write.
    public let uploadProgress: (@Sendable (Int) -> Void)?

    public init(url: String, keys: PartyKeys, uploadProgress: (@Sendable (Int) -> Void)? = nil) {
        base = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.keys = keys
        self.uploadProgress = uploadProgress
    }

    /// A refused or failed request: the HTTP status (0 when no answer came), the coordinator's
    /// error code (or `network`, `io`, `malformed`) and its reason.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let status: Int
        public let code: String
        public let reason: String
        public var description: String { "coordinator answered \(status) \(code): \(reason)" }
        /// A failure with the answer's status, the coordinator's error code and its reason.
        public init(status: Int, code: String, reason: String) { self.status = status; self.code = code; self.reason = reason }
    }

    /// Sends a request and returns the body of a 2xx answer; anything else is a `Failure` naming the coordinator's reason.
    public func send(_ method: String, _ path: String, body: Data = Data(), file: String? = nil) throws -> Data {
        try exchange(method, path, body: body, file: file).body
    }

    /// Like ``send(_:_:body:file:)``, with the answer's header fields (names in lower case).
    public func exchange(_ method: String, _ path: String, body: Data = Data(), file: String? = nil) throws -> HTTPTransport.Answer {
        let digest = try file.map { try Self.fileDigest($0) } ?? RequestSignature.bodyDigest(Array(body))
        var headers = RequestSignature.sign(method: method, path: path, bodyDigest: digest, party: keys.party, key: keys.signing)
        let payload: HTTPTransport.Body
        if let file {
            headers["Content-Type"] = "application/octet-stream"
            payload = .file(file)
        } else if method == "GET" {
            payload = .none
        } else {
            headers["Content-Type"] = "application/json"
            payload = .bytes(body)
        }
        let answer: HTTPTransport.Answer
        do {
            var transport = try HTTPTransport(url: base)
            if file != nil { transport.progress = uploadProgress }
            answer = try transport.exchange(method: method, path: path, headers: headers, body: payload)
        } catch let e as HTTPTransport.Failure {
            throw Failure(status: 0, code: "network", reason: "\(base)\(path): \(e.reason): is the coordinator running? Start it with `korskoll coordinator serve --data DIR --key KEY --registry REGISTRY`, and check --coordinator-url (\(base))")
        }
        guard (200..<300).contains(answer.status) else {
            let error = try? APIJSON.decode(ErrorBody.self, from: answer.body)
            throw Failure(status: answer.status, code: error?.error ?? "http",
                          reason: error?.reason ?? String(decoding: answer.body.prefix(300), as: UTF8.self))
        }
        return answer
    }

    /// Sends a request and decodes a 2xx answer's JSON body as `T`.
    public func call<T: Decodable>(_ method: String, _ path: String, body: Data = Data(), file: String? = nil, as: T.Type = T.self) throws -> T {
        let data = try send(method, path, body: body, file: file)
        do { return try APIJSON.decode(T.self, from: data) } catch {
            throw Failure(status: 200, code: "malformed", reason: "\(path) did not answer a \(T.self)")
        }
    }

    /// The BLAKE2b-256 of a file's bytes, hex (api.md §2).
    public static func fileDigest(_ path: String) throws -> String {
        do { return Hex.encode(try blake2b256(file: path)) } catch let e as WireError { throw Failure(status: 0, code: "io", reason: e.reason) }
    }
}
