import CSodium

/// The ristretto255 prime-order group (RFC 9496) through `crypto_core_ristretto255_*` and
/// `crypto_scalarmult_ristretto255`, for the OPRF mode (`Protocols/oprf.md`). Scalar arithmetic is in
/// `Ristretto255+Scalar.swift`, group operations in `Ristretto255+Point.swift`.
public enum Ristretto255 {
    public static let pointLength = Int(crypto_core_ristretto255_bytes())
    public static let scalarLength = Int(crypto_core_ristretto255_scalarbytes())
    public static let uniformInputLength = Int(crypto_core_ristretto255_hashbytes())

    /// A group element in its canonical 32-byte encoding.
    public struct Point: Hashable, Sendable {
        public let bytes: [UInt8]

        /// Accepts only canonical encodings of group elements.
        public init(bytes: [UInt8]) throws {
            Sodium.ensureInitialized()
            guard bytes.count == Ristretto255.pointLength else {
                throw SodiumError.length("ristretto255 point", expected: "32", got: bytes.count)
            }
            // RFC 9496 §4.3.1 rejects s ≥ p, so bit 255 must be clear. libsodium 1.0.18's decoder
            // ignores that bit, which would let two encodings name one element; refuse it here.
            guard bytes[31] & 0x80 == 0, crypto_core_ristretto255_is_valid_point(bytes) == 1 else {
                throw SodiumError(.invalidPoint, "not a canonical ristretto255 encoding")
            }
            self.bytes = bytes
        }

        /// For results of libsodium's group operations, which are canonical encodings by construction.
        init(unchecked bytes: [UInt8]) { self.bytes = bytes }

        /// RFC 9496 §4.3.4 one-way map from 64 uniform bytes to the group
        /// (`crypto_core_ristretto255_from_hash`). RFC 9497's HashToGroup is this map applied to
        /// expand_message_xmd(SHA-512) output.
        public static func fromUniformBytes(_ uniform: [UInt8]) throws -> Point {
            Sodium.ensureInitialized()
            guard uniform.count == Ristretto255.uniformInputLength else {
                throw SodiumError.length("ristretto255 uniform input", expected: "64", got: uniform.count)
            }
            var out = [UInt8](repeating: 0, count: Ristretto255.pointLength)
            try check(crypto_core_ristretto255_from_hash(&out, uniform), "crypto_core_ristretto255_from_hash")
            return Point(unchecked: out)
        }

        /// `scalar · self`; throws ``SodiumError/Code/degenerate`` when the result is the identity.
        public func multiplied(by scalar: Scalar) throws -> Point {
            var out = [UInt8](repeating: 0, count: Ristretto255.pointLength)
            let result = scalar.secret.withUnsafeBytes { s in
                crypto_scalarmult_ristretto255(&out, s.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes)
            }
            guard result == 0 else { throw SodiumError(.degenerate, "scalar multiplication gave the identity") }
            return Point(unchecked: out)
        }
    }

    /// A scalar modulo the group order, kept secret (it is an OPRF key or blind).
    public struct Scalar: Sendable {
        public let secret: SecretBytes

        /// Wraps 32 little-endian bytes; values at or above the group order are reduced by libsodium
        /// when used.
        public init(secret: SecretBytes) throws {
            guard secret.count == Ristretto255.scalarLength else {
                throw SodiumError.length("ristretto255 scalar", expected: "32", got: secret.count)
            }
            self.secret = secret
        }

        /// A uniformly random non-zero scalar.
        public static func random() -> Scalar {
            Sodium.ensureInitialized()
            let s = SecretBytes(count: Ristretto255.scalarLength) { buffer in
                crypto_core_ristretto255_scalar_random(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            return try! Scalar(secret: s)
        }

        /// The multiplicative inverse; throws for the zero scalar.
        public func inverted() throws -> Scalar {
            let inverse = try SecretBytes(count: Ristretto255.scalarLength) { out in
                try secret.withUnsafeBytes { s in
                    let result = crypto_core_ristretto255_scalar_invert(
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self), s.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    guard result == 0 else { throw SodiumError(.degenerate, "the zero scalar has no inverse") }
                }
            }
            return try Scalar(secret: inverse)
        }
    }
}
