import Foundation
import Sodium

/// An agreement's linkage secret on disk (`Protocols/derivations.md` §1): the secret's bytes
/// exactly as the key ceremony wrote them, at least 32, in a file only its owner can read.
/// Nothing is stripped: a random secret ends in a newline byte once in 256, and dropping it made
/// one demo run in about twenty fail.
public enum LinkageSecretFile {
    /// Bytes a linkage secret has at least.
    public static let minimumLength = 32

    /// Reads the secret at `path`, refusing a file others can read or one that is too short.
    public static func load(_ path: String) throws -> SecretBytes {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = attributes[.posixPermissions] as? Int else { throw NodeError(.io, "\(path) cannot be read") }
        guard mode & 0o077 == 0 else {
            throw NodeError(.io, "\(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        guard var bytes = FileManager.default.contents(atPath: path).map(Array.init) else { throw NodeError(.io, "\(path) cannot be read") }
        defer { for i in bytes.indices { bytes[i] = 0 } }
        guard bytes.count >= minimumLength else { throw NodeError(.io, "\(path) holds \(bytes.count) bytes; a linkage secret has at least \(minimumLength)") }
        return SecretBytes(bytes)
    }
}
