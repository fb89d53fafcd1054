import Foundation
import Sodium

/// Errors of the protocol log. `code` is stable; `reason` names the entry, checkpoint or event.
public struct LogError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case malformed = "log.malformed"
        case badSignature = "log.bad-signature"
        case rootMismatch = "log.root-mismatch"
        case inconsistent = "log.inconsistent"
        case policy = "log.policy-violation"
        case io = "log.io"
        /// An append could not be written (disk full, I/O error); the log is as it was before
        /// the batch, which was not logged. Retry later (Protocols/log.md §2.1).
        case storageUnavailable = "log.storage-unavailable"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// A C2SP signed note signed with Ed25519 (Protocols/log.md §3):
///
///     note      = text "\n" 1*sigline          text ends in "\n" and has no blank line
///     sigline   = "— " keyName " " base64(keyID(4) ‖ signature(64)) "\n"
///     keyID     = SHA-256(keyName ‖ 0x0A ‖ 0x01 ‖ publicKey)[0..<4]
///
/// The signature covers the text including its final newline.
public enum SignedNote {
    static let dash = "\u{2014} "
    static let maxSignatures = 100

    public static func keyID(name: String, key: Ed25519.PublicKey) -> [UInt8] {
        Array(SHA256.hash(Array(name.utf8) + [0x0A, 0x01] + key.bytes).prefix(4))
    }

    /// The verifier key string `name+hex(keyID)+base64(0x01 ‖ key)`.
    public static func verifierKey(name: String, key: Ed25519.PublicKey) -> String {
        "\(name)+\(Hex.encode(keyID(name: name, key: key)))+\(Data([0x01] + key.bytes).base64EncodedString())"
    }

    static func validName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// Signs `text` (which must end in a newline and contain no blank line or control character).
    public static func sign(text: String, name: String, key: Ed25519.PrivateKey) -> String {
        precondition(text.hasSuffix("\n") && !text.contains("\n\n") && validName(name))
        let signature = key.signature(for: Array(text.utf8))
        let blob = Data(keyID(name: name, key: key.publicKey) + signature).base64EncodedString()
        return text + "\n" + dash + name + " " + blob + "\n"
    }

    /// Splits a note into text and signature lines (the framing phase).
    static func parse(_ note: String) throws -> (text: String, signatures: [(name: String, blob: [UInt8])]) {
        guard !note.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else {
            throw LogError(.malformed, "signed note contains a control character")
        }
        guard note.hasSuffix("\n"), let split = note.range(of: "\n\n", options: .backwards) else {
            throw LogError(.malformed, "signed note has no blank line before its signatures")
        }
        let text = String(note[..<split.lowerBound]) + "\n"
        let lines = note[split.upperBound...].dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty, lines.count <= maxSignatures else { throw LogError(.malformed, "signed note has \(lines.count) signature lines") }
        var signatures: [(String, [UInt8])] = []
        for line in lines {
            guard line.hasPrefix(dash) else { throw LogError(.malformed, "signature line does not start with an em dash and a space") }
            let parts = line.dropFirst(dash.count).split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, validName(String(parts[0])), let blob = Data(base64Encoded: String(parts[1])), blob.count >= 5 else {
                throw LogError(.malformed, "signature line is not '— name base64'")
            }
            signatures.append((String(parts[0]), Array(blob)))
        }
        return (text, signatures)
    }

    /// The text of `note` if it carries a valid signature by `key` under `name`; a signature
    /// line for that key that does not verify rejects the note.
    public static func open(_ note: String, name: String, key: Ed25519.PublicKey) throws -> String {
        let (text, signatures) = try parse(note)
        let id = keyID(name: name, key: key)
        guard let line = signatures.first(where: { $0.name == name && Array($0.blob.prefix(4)) == id }) else {
            throw LogError(.badSignature, "note carries no signature by \(name)")
        }
        guard line.blob.count == 4 + Ed25519.signatureLength, key.isValidSignature(Array(line.blob.dropFirst(4)), for: Array(text.utf8)) else {
            throw LogError(.badSignature, "the signature by \(name) does not verify")
        }
        return text
    }
}

/// A C2SP tlog-checkpoint: origin, tree size and root hash, one per line (Protocols/log.md §3).
public struct Checkpoint: Equatable, Sendable {
    public var origin: String
    public var size: UInt64
    public var root: [UInt8]

    public init(origin: String, size: UInt64, root: [UInt8]) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    public var text: String { "\(origin)\n\(size)\n\(Data(root).base64EncodedString())\n" }

    public func signed(by key: Ed25519.PrivateKey) -> String { SignedNote.sign(text: text, name: origin, key: key) }

    /// Verifies the note's signature by the log key and parses its body.
    public init(verifying note: String, origin: String, key: Ed25519.PublicKey) throws {
        let text = try SignedNote.open(note, name: origin, key: key)
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, lines[0] == origin else { throw LogError(.malformed, "checkpoint does not start with origin '\(origin)'") }
        guard let size = UInt64(lines[1]), String(size) == lines[1] else { throw LogError(.malformed, "checkpoint size '\(lines[1])' is not a decimal number") }
        guard let root = Data(base64Encoded: String(lines[2])), root.count == 32 else { throw LogError(.malformed, "checkpoint root is not a base64 SHA-256 hash") }
        self.init(origin: origin, size: size, root: Array(root))
    }
}
