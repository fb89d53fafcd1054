import Foundation
import Sodium

/// A result sealed to its recipient and signed by the coordinator (`Protocols/results.md` §1):
/// a sealed stream (`wire.md` §2) with magic `KKRES\0\0\1` holding
/// `u32 length ‖ document (JSON) ‖ Ed25519(coordinator, "korskoll/v1/result" ‖ 0x00 ‖ SHA-256(document))`.
public enum SealedResult {
    public static let magic = Array("KKRES\u{0}\u{0}\u{1}".utf8)
    public static let signatureLabel = "korskoll/v1/result"
    public static let maxDocument = 1 << 30

    static func message(_ document: [UInt8]) -> [UInt8] {
        Array(signatureLabel.utf8) + [0] + SHA256.hash(document)
    }

    public static func seal(document: [UInt8], signer: Ed25519.PrivateKey, recipient: X25519.PublicKey, to path: String) throws {
        let writer = try SealedStream.Writer(path: path, recipient: recipient, magic: magic)
        var w = ByteWriter()
        w.u32(UInt32(document.count))
        try writer.append(w.bytes)
        var offset = 0
        while offset < document.count {
            let end = min(document.count, offset + (1 << 20))
            try writer.append(Array(document[offset..<end]))
            offset = end
        }
        try writer.append(signer.signature(for: message(document)))
        try writer.finish()
    }

    /// Opens with the recipient's key and verifies the coordinator's signature; returns the document.
    public static func open(path: String, key: X25519.PrivateKey, coordinator: Ed25519.PublicKey) throws -> [UInt8] {
        let reader = try SealedStream.Reader(path: path, key: key, magic: magic)
        let lengthBytes = try reader.read(4, "result length")
        let length = Int(lengthBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard length <= maxDocument else { throw WireError(.malformed, "\(path): result claims \(length) bytes") }
        let document = try reader.read(length, "result document")
        let signature = try reader.read(Ed25519.signatureLength, "result signature")
        guard try reader.atEnd() else { throw WireError(.malformed, "\(path): bytes after the result's signature") }
        guard coordinator.isValidSignature(signature, for: message(document)) else {
            throw WireError(.badSignature, "\(path): the result's signature does not verify under the coordinator's key")
        }
        return document
    }
}
