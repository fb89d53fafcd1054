import Foundation
import Parties
import ProtocolLog
import Sodium
import Wire

/// A party's signed HTTP requests to the coordinator (`Protocols/api.md` §2).
final class CoordinatorClient {
    let base: String
    let keys: PartyKeys

    init(url: String, keys: PartyKeys) {
        base = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.keys = keys
    }

    struct Failure: Error, CustomStringConvertible {
        let status: Int
        let code: String
        let reason: String
        var description: String { "coordinator answered \(status) \(code): \(reason)" }
    }

    /// Sends a request and returns the body of a 2xx answer; anything else is a `Failure` naming the coordinator's reason.
    func send(_ method: String, _ path: String, body: Data = Data(), file: String? = nil) throws -> Data {
        try exchange(method, path, body: body, file: file).body
    }

    /// Like ``send(_:_:body:file:)``, with the answer's header fields (names in lower case).
    func exchange(_ method: String, _ path: String, body: Data = Data(), file: String? = nil) throws -> HTTPTransport.Answer {
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
            answer = try HTTPTransport(url: base).exchange(method: method, path: path, headers: headers, body: payload)
        } catch let e as HTTPTransport.Failure {
            throw Failure(status: 0, code: "network", reason: "\(base)\(path): \(e.reason)")
        }
        guard (200..<300).contains(answer.status) else {
            let obj = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any]
            throw Failure(status: answer.status, code: obj?["error"] as? String ?? "http",
                          reason: obj?["reason"] as? String ?? String(decoding: answer.body.prefix(300), as: UTF8.self))
        }
        return answer
    }

    func json(_ method: String, _ path: String, body: [String: Any]? = nil, file: String? = nil) throws -> [String: Any] {
        let data = try send(method, path, body: body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data(), file: file)
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(status: 200, code: "malformed", reason: "\(path) did not answer a JSON object")
        }
        return obj
    }

    static func fileDigest(_ path: String) throws -> String {
        do { return Hex.encode(try blake2b256(file: path)) } catch let e as WireError { throw Failure(status: 0, code: "io", reason: e.reason) }
    }
}

/// A node's record of the log (`Protocols/log.md` §4): receipts and every checkpoint seen, kept
/// consistent. A checkpoint that does not extend what the node saw before is refused.
struct NodeLogState {
    let directory: String
    let coordinator: PartyPublicKeys
    var book: CheckpointBook

    init(directory: String, coordinator: PartyPublicKeys) throws {
        self.directory = directory
        self.coordinator = coordinator
        try FileManager.default.createDirectory(atPath: directory + "/receipts", withIntermediateDirectories: true)
        let path = directory + "/checkpoints.json"
        if let data = FileManager.default.contents(atPath: path) {
            book = try JSONDecoder().decode(CheckpointBook.self, from: data)
        } else {
            book = CheckpointBook(origin: LogStore.origin(coordinator: coordinator.party))
        }
    }

    /// Verifies a receipt's checkpoint and inclusion proof, proves it consistent with what was
    /// seen before (asking the coordinator for the proof) and stores both.
    mutating func keep(receiptJSON: Any, name: String, client: CoordinatorClient) throws -> Checkpoint {
        let data = try JSONSerialization.data(withJSONObject: receiptJSON)
        let receipt = try JSONDecoder().decode(Receipt.self, from: data)
        let checkpoint = try receipt.verify(origin: book.origin, key: coordinator.signing)
        var proof: [[UInt8]] = []
        if let old = try book.latest(key: coordinator.signing), old.size > 0, old.size != checkpoint.size {
            let (a, b) = old.size < checkpoint.size ? (old.size, checkpoint.size) : (checkpoint.size, old.size)
            let answer = try client.json("GET", "/v1/log/consistency?first=\(a)&second=\(b)")
            proof = ((answer["proof"] as? [String]) ?? []).compactMap { Data(base64Encoded: $0).map(Array.init) }
        }
        try book.accept(receipt.checkpoint, proof: proof, key: coordinator.signing)
        try data.write(to: URL(fileURLWithPath: "\(directory)/receipts/\(name).json"))
        try JSONEncoder().encode(book).write(to: URL(fileURLWithPath: directory + "/checkpoints.json"), options: .atomic)
        return checkpoint
    }
}
