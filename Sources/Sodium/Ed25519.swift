import CSodium

/// Ed25519 signatures (RFC 8032) through `crypto_sign_ed25519_*`.
public enum Ed25519 {
    public static let publicKeyLength = Int(crypto_sign_ed25519_publickeybytes())
    public static let seedLength = Int(crypto_sign_ed25519_seedbytes())
    public static let secretKeyLength = Int(crypto_sign_ed25519_secretkeybytes())
    public static let signatureLength = Int(crypto_sign_ed25519_bytes())

    /// A verification key.
    public struct PublicKey: Hashable, Sendable {
        /// The 32-byte encoding.
        public let bytes: [UInt8]

        /// Wraps a 32-byte encoding; throws on any other length.
        public init(bytes: [UInt8]) throws {
            guard bytes.count == Ed25519.publicKeyLength else {
                throw SodiumError.length("Ed25519 public key", expected: "\(Ed25519.publicKeyLength)", got: bytes.count)
            }
            self.bytes = bytes
        }

        /// True when `signature` is a valid signature of `message` under this key. The answer must
        /// be acted on; see ``verify(_:for:)`` for a throwing form.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            Sodium.ensureInitialized()
            guard signature.count == Ed25519.signatureLength else { return false }
            return message.withUnsafeBytes { m in
                crypto_sign_ed25519_verify_detached(
                    signature, m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count), bytes) == 0
            }
        }

        /// Throws ``SodiumError/Code/verificationFailed`` unless the signature verifies.
        public func verify(_ signature: [UInt8], for message: [UInt8]) throws {
            guard isValidSignature(signature, for: message) else {
                throw SodiumError(.verificationFailed, "Ed25519 signature does not verify")
            }
        }
    }

    /// A signing key, kept as its 32-byte seed (RFC 8032's private key) and libsodium's expanded
    /// 64-byte form, both in ``SecretBytes``.
    public struct PrivateKey: Sendable {
        public let seed: SecretBytes
        private let expanded: SecretBytes
        public let publicKey: PublicKey

        /// Derives the key pair from a 32-byte seed.
        public init(seed: SecretBytes) throws {
            Sodium.ensureInitialized()
            guard seed.count == Ed25519.seedLength else {
                throw SodiumError.length("Ed25519 seed", expected: "\(Ed25519.seedLength)", got: seed.count)
            }
            var pk = [UInt8](repeating: 0, count: Ed25519.publicKeyLength)
            let sk = try SecretBytes(count: Ed25519.secretKeyLength) { sk in
                try seed.withUnsafeBytes { s in
                    try check(crypto_sign_ed25519_seed_keypair(
                        &pk, sk.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        s.baseAddress!.assumingMemoryBound(to: UInt8.self)), "crypto_sign_ed25519_seed_keypair")
                }
            }
            self.seed = seed
            self.expanded = sk
            self.publicKey = try PublicKey(bytes: pk)
        }

        /// A fresh key pair from the CSPRNG.
        public static func generate() -> PrivateKey {
            // A random 32-byte seed is always a valid seed.
            try! PrivateKey(seed: .random(count: Ed25519.seedLength))
        }

        /// The detached signature of `message`.
        public func signature(for message: [UInt8]) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureLength)
            message.withUnsafeBytes { m in
                expanded.withUnsafeBytes { sk in
                    _ = crypto_sign_ed25519_detached(
                        &signature, nil, m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count),
                        sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            return signature
        }
    }
}
