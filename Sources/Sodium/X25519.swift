import CSodium

/// X25519 key pairs for sealed boxes (`crypto_box_curve25519xsalsa20poly1305`).
public enum X25519 {
    public static let publicKeyLength = Int(crypto_box_publickeybytes())
    public static let secretKeyLength = Int(crypto_box_secretkeybytes())

    /// A public key that others seal to.
    public struct PublicKey: Hashable, Sendable {
        public let bytes: [UInt8]

        public init(bytes: [UInt8]) throws {
            guard bytes.count == X25519.publicKeyLength else {
                throw SodiumError.length("X25519 public key", expected: "\(X25519.publicKeyLength)", got: bytes.count)
            }
            self.bytes = bytes
        }
    }

    /// A secret key; its public key is recomputed from it, so the two cannot disagree.
    public struct PrivateKey: Sendable {
        public let secret: SecretBytes
        public let publicKey: PublicKey

        public init(secret: SecretBytes) throws {
            Sodium.ensureInitialized()
            guard secret.count == X25519.secretKeyLength else {
                throw SodiumError.length("X25519 secret key", expected: "\(X25519.secretKeyLength)", got: secret.count)
            }
            var pk = [UInt8](repeating: 0, count: X25519.publicKeyLength)
            try secret.withUnsafeBytes { s in
                try check(crypto_scalarmult_base(&pk, s.baseAddress!.assumingMemoryBound(to: UInt8.self)), "crypto_scalarmult_base")
            }
            self.secret = secret
            self.publicKey = try PublicKey(bytes: pk)
        }

        public static func generate() -> PrivateKey {
            try! PrivateKey(secret: .random(count: X25519.secretKeyLength))
        }
    }
}

/// Anonymous sealed boxes (`crypto_box_seal`): an ephemeral X25519 key, XSalsa20-Poly1305, and
/// nothing that identifies the sender. Authenticity comes from an Ed25519 signature inside.
public enum SealedBox {
    /// Bytes a sealed box adds to its plaintext.
    public static let overhead = Int(crypto_box_sealbytes())

    /// Seals `message` so that only the holder of `recipient`'s secret key can open it.
    public static func seal(_ message: [UInt8], to recipient: X25519.PublicKey) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: message.count + overhead)
        message.withUnsafeBytes { m in
            _ = crypto_box_seal(&out, m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count), recipient.bytes)
        }
        return out
    }

    /// Opens a sealed box; throws ``SodiumError/Code/openFailed`` if it was not sealed to this key
    /// or was altered.
    public static func open(_ sealed: [UInt8], with key: X25519.PrivateKey) throws -> [UInt8] {
        Sodium.ensureInitialized()
        guard sealed.count >= overhead else {
            throw SodiumError(.openFailed, "sealed box of \(sealed.count) bytes is shorter than its \(overhead)-byte overhead")
        }
        var out = [UInt8](repeating: 0, count: sealed.count - overhead)
        let result = key.secret.withUnsafeBytes { s in
            crypto_box_seal_open(&out, sealed, UInt64(sealed.count), key.publicKey.bytes,
                                 s.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard result == 0 else {
            throw SodiumError(.openFailed, "sealed box does not open with this key (wrong recipient or altered)")
        }
        return out
    }
}
