import Foundation
import Sodium
import Wire

/// `korskoll log export` writes one file in which every byte is covered by a hash or a signature
/// (Protocols/log.md §5):
///
///     bundle   = "KKLOGBN1" ‖ str16 origin ‖ logKey(32) ‖ u64 entryCount ‖ entryCount × bytes32 entry
///                ‖ u32 checkpointCount ‖ checkpointCount × bytes32 note ‖ signature(64)
///     signature = Ed25519(log key, "korskoll/v1/log-bundle" ‖ 0x00 ‖ SHA-256(everything before it))
///
/// Entries are covered by their leaf hashes, which the signed checkpoints' roots cover (the last
/// checkpoint must cover every entry); checkpoints by their own signatures; the framing and
/// everything else by the trailing signature.
public struct LogBundle: Equatable, Sendable {
    static let magic = Array("KKLOGBN1".utf8)
    public static let signatureLabel = "korskoll/v1/log-bundle"

    public var origin: String
    public var logKey: Ed25519.PublicKey
    public var entries: [[UInt8]]
    public var checkpoints: [String]

    public init(origin: String, logKey: Ed25519.PublicKey, entries: [[UInt8]], checkpoints: [String]) {
        self.origin = origin
        self.logKey = logKey
        self.entries = entries
        self.checkpoints = checkpoints
    }

    /// "korskoll/v1/log-bundle" ‖ 0x00 ‖ SHA-256(body).
    static func signedMessage(digest: [UInt8]) -> [UInt8] { Array(signatureLabel.utf8) + [0] + digest }

    public func encoded(signer: Ed25519.PrivateKey) -> [UInt8] {
        var w = ByteWriter()
        w.raw(Self.magic); w.str16(origin); w.raw(logKey.bytes)
        w.u64(UInt64(entries.count))
        for e in entries { w.bytes32(e) }
        w.u32(UInt32(checkpoints.count))
        for c in checkpoints { w.bytes32(Array(c.utf8)) }
        return w.bytes + signer.signature(for: Self.signedMessage(digest: SHA256.hash(w.bytes)))
    }

    /// Parses a bundle and checks its trailing signature under `key` (the coordinator's key from
    /// the registry, not the one the bundle names).
    public init(decoding bytes: [UInt8], key: Ed25519.PublicKey) throws {
        guard bytes.count >= 8 + 64, Array(bytes.prefix(8)) == Self.magic else { throw LogError(.malformed, "not a Korskoll log bundle") }
        let signature = Array(bytes.suffix(64))
        // Hashed in place: a bundle of a million events is hundreds of megabytes.
        let digest = bytes.withUnsafeBytes { SHA256.hash(UnsafeRawBufferPointer(rebasing: $0.dropLast(64))) }
        guard key.isValidSignature(signature, for: Self.signedMessage(digest: digest)) else {
            throw LogError(.badSignature, "the bundle's signature does not verify under the coordinator's registered key")
        }
        do {
            var r = ByteReader(bytes, context: "bundle")
            _ = try r.raw(8, "magic")
            origin = try r.str16("origin")
            logKey = try Ed25519.PublicKey(bytes: r.raw(32, "log key"))
            let n = try r.u64("entry count")
            guard n <= UInt64(r.remaining / 4) else { throw LogError(.malformed, "bundle claims \(n) entries in \(r.remaining) bytes") }
            entries = try (0..<n).map { try r.bytes32("entry \($0)", max: 1 << 24) }
            let c = try r.u32("checkpoint count")
            guard c <= UInt32(r.remaining / 4) else { throw LogError(.malformed, "bundle claims \(c) checkpoints in \(r.remaining) bytes") }
            checkpoints = try (0..<c).map { i in
                let b = try r.bytes32("checkpoint \(i)", max: 1 << 16)
                guard let s = String(validating: b, as: UTF8.self) else { throw LogError(.malformed, "checkpoint \(i) is not UTF-8") }
                return s
            }
            guard r.remaining == 64 else { throw LogError(.malformed, "bundle: \(r.remaining - 64) bytes between the last checkpoint and the signature") }
        } catch let e as WireError { throw LogError(.malformed, e.reason) }
        guard logKey == key else { throw LogError(.badSignature, "the bundle names a log key other than the coordinator's registered key") }
    }
}
