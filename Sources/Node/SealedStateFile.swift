import Foundation
import Parties
import Sodium
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// How the node seals a file of its state at rest (`Protocols/node.md` §9.1): the pseudonym
/// cache (`keyholder.md` §9) and the result history (`node.md` §9) share it. The key is derived
/// from the node's own X25519 secret, so the file opens only on this node; the plaintext is
/// carried in secretstream chunks whose first chunk authenticates every byte before the stream
/// header, and whose last chunk is FINAL, so a file cut short or with a changed prefix is refused.
///
/// ```
/// K     = HKDF-SHA-256(node X25519 secret, "korskoll/v1", label ‖ 0x00 ‖ agreement ‖ 0x00 ‖ purpose, 32)
/// file  = prefix ‖ header (24) ‖ chunk*
/// chunk = u32 length ‖ secretstream ciphertext; the first chunk's additional data is `prefix`;
///         the last chunk is FINAL (an empty plaintext is one empty FINAL chunk)
/// ```
enum SealedStateFile {
    /// The file key for `label`, `agreement` and `purpose`.
    static func key(node: PartyKeys, label: String, agreement: String, purpose: String) -> SecretBytes {
        try! HKDF.deriveKey(.sha256, inputKeyMaterial: node.sealing.secret, salt: Array("korskoll/v1".utf8),
                            info: Array(label.utf8) + [0] + Array(agreement.utf8) + [0] + Array(purpose.utf8), length: 32)
    }

    /// `prefix ‖ header ‖ chunk*` sealing `chunks` in order (at least one chunk is written).
    /// Each plaintext chunk is wiped once sealed.
    static func seal(prefix: [UInt8], chunks: [[UInt8]], key: SecretBytes) throws -> [UInt8] {
        let stream = try SecretStream.Push(key: key)
        var w = ByteWriter()
        w.raw(prefix)
        w.raw(stream.header)
        let all = chunks.isEmpty ? [[]] : chunks
        for (i, var plain) in all.enumerated() {
            w.bytes32(try stream.push(plain, additional: i == 0 ? prefix : [], final: i == all.count - 1))
            plain.withUnsafeMutableBytes { if let base = $0.baseAddress { Sodium.wipe(base, count: $0.count) } }
        }
        return w.bytes
    }

    /// Opens the stream that follows `prefixLength` bytes of `bytes`, calling `chunk` with each
    /// plaintext chunk (wiped after the call). Throws `SodiumError` when a chunk does not
    /// authenticate and `WireError` when the framing is bad; `cutShort` when no chunk is FINAL.
    static func open(_ bytes: [UInt8], prefixLength: Int, key: SecretBytes, maxChunk: Int, context: String,
                     cutShort: () -> Error, chunk: ([UInt8]) throws -> Void) throws {
        var r = ByteReader(bytes, context: context)
        _ = try r.raw(prefixLength, "prefix")
        let prefix = Array(bytes[0..<prefixLength])
        let pull = try SecretStream.Pull(key: key, header: try r.raw(SecretStream.headerLength, "header"))
        var first = true
        while r.remaining > 0 {
            var plain = try pull.pull(try r.bytes32("chunk", max: maxChunk + SecretStream.overhead), additional: first ? prefix : [])
            first = false
            defer { plain.withUnsafeMutableBytes { if let base = $0.baseAddress { Sodium.wipe(base, count: $0.count) } } }
            try chunk(plain)
        }
        guard pull.finished else { throw cutShort() }
    }

    /// Writes `bytes` to `<path>.partial` (mode 0600) and renames it over `path`; false when
    /// either step fails (the partial file is removed).
    static func writeWhole(_ bytes: [UInt8], to path: String) -> Bool {
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        guard FileManager.default.createFile(atPath: partial, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else { return false }
        guard rename(partial, path) == 0 else {
            try? FileManager.default.removeItem(atPath: partial)
            return false
        }
        return true
    }
}
