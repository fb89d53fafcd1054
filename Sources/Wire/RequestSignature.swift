import Foundation
import Sodium

/// Request authentication between parties and the coordinator (`Protocols/api.md` §2), in the
/// spirit of RFC 9421: the party signs method, path, body digest, time, nonce and its own id.
public struct RequestSignature: Sendable, Equatable {
    public static let label = "korskoll/v1/request"
    public static let window: UInt64 = 300
    public enum Header {
        public static let party = "Korskoll-Party"
        public static let timestamp = "Korskoll-Timestamp"
        public static let nonce = "Korskoll-Nonce"
        public static let digest = "Korskoll-Content-BLAKE2b"
        public static let signature = "Korskoll-Signature"
    }

    public let party: String
    public let timestamp: UInt64
    public let nonce: String
    public let bodyDigest: String
    public let signature: [UInt8]

    public static func message(method: String, path: String, party: String, timestamp: UInt64, nonce: String, bodyDigest: String) -> [UInt8] {
        Array(label.utf8) + [0] + Array("\(method)\n\(path)\n\(bodyDigest)\n\(timestamp)\n\(nonce)\n\(party)".utf8)
    }

    public static func sign(method: String, path: String, body: [UInt8], party: String, key: Ed25519.PrivateKey,
                            now: UInt64 = UInt64(Date().timeIntervalSince1970)) -> [String: String] {
        sign(method: method, path: path, bodyDigest: bodyDigest(body), party: party, key: key, now: now)
    }

    /// api.md §2: the body digest a request signs, hex BLAKE2b-256 (of nothing for a GET).
    public static func bodyDigest(_ body: [UInt8]) -> String {
        Hex.encode(try! BLAKE2b.hash(body, outputLength: 32))
    }

    /// Incremental form of ``bodyDigest(_:)`` for a body that arrives in pieces.
    public static func bodyDigestState() -> BLAKE2b.State { try! BLAKE2b.State(outputLength: 32) }

    public static func sign(method: String, path: String, bodyDigest: String, party: String, key: Ed25519.PrivateKey,
                            now: UInt64 = UInt64(Date().timeIntervalSince1970)) -> [String: String] {
        let nonce = Hex.encode(Random.bytes(16))
        let sig = key.signature(for: message(method: method, path: path, party: party, timestamp: now, nonce: nonce, bodyDigest: bodyDigest))
        return [Header.party: party, Header.timestamp: String(now), Header.nonce: nonce, Header.digest: bodyDigest,
                Header.signature: Data(sig).base64EncodedString()]
    }

    /// Parses the headers; `nil` fields are reported by name.
    public init(headers: (String) -> String?) throws {
        func need(_ h: String) throws -> String {
            guard let v = headers(h), !v.isEmpty else { throw WireError(.malformed, "missing header \(h)") }
            return v
        }
        party = try need(Header.party)
        guard let t = UInt64(try need(Header.timestamp)) else { throw WireError(.malformed, "header \(Header.timestamp) is not a number of seconds") }
        timestamp = t
        nonce = try need(Header.nonce)
        guard nonce.utf8.count == 32, nonce.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw WireError(.malformed, "header \(Header.nonce) must be 32 lowercase hex digits")
        }
        bodyDigest = try need(Header.digest)
        guard bodyDigest.utf8.count == 64 else { throw WireError(.malformed, "header \(Header.digest) must be 64 hex digits") }
        guard let sigData = Data(base64Encoded: try need(Header.signature)), case let sig = [UInt8](sigData), sig.count == Ed25519.signatureLength else {
            throw WireError(.malformed, "header \(Header.signature) is not a base64 Ed25519 signature")
        }
        signature = sig
    }

    /// Checks the time window and the signature (the nonce's freshness is the server's store's job).
    public func verify(method: String, path: String, key: Ed25519.PublicKey, now: UInt64 = UInt64(Date().timeIntervalSince1970)) throws {
        let skew = timestamp > now ? timestamp - now : now - timestamp
        guard skew <= RequestSignature.window else {
            throw WireError(.malformed, "request time is \(skew) s away from the coordinator's clock; at most \(RequestSignature.window) s is accepted")
        }
        guard key.isValidSignature(signature, for: RequestSignature.message(method: method, path: path, party: party, timestamp: timestamp, nonce: nonce, bodyDigest: bodyDigest)) else {
            throw WireError(.badSignature, "request signature does not verify under party '\(party)''s key")
        }
    }
}
