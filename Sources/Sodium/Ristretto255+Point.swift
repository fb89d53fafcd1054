import CSodium

/// Group operations on ristretto255 points: addition, subtraction and multiples of the generator
/// (`crypto_core_ristretto255_add/sub`, `crypto_scalarmult_ristretto255_base`).
extension Ristretto255.Point {
    /// The identity element, whose canonical encoding is 32 zero bytes (RFC 9496 §4.3.2). It is a
    /// valid group element; protocols that must refuse it (RFC 9497 DeserializeElement) check
    /// ``isIdentity`` themselves.
    public static let identity = try! Ristretto255.Point(bytes: [UInt8](repeating: 0, count: Ristretto255.pointLength))

    /// The generator of RFC 9496 §4.4 (`crypto_scalarmult_ristretto255_base` of 1).
    public static let generator = try! Ristretto255.Point.baseMultiplied(by: .one)

    /// Whether `bytes` is the canonical encoding of a group element
    /// (`crypto_core_ristretto255_is_valid_point`, plus bit 255 clear, which libsodium 1.0.18 does
    /// not check); the identity counts as valid.
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        Sodium.ensureInitialized()
        return bytes.count == Ristretto255.pointLength && bytes[31] & 0x80 == 0
            && crypto_core_ristretto255_is_valid_point(bytes) == 1
    }

    /// Whether this is the identity element (`sodium_is_zero` on the encoding).
    public var isIdentity: Bool { sodium_is_zero(bytes, bytes.count) == 1 }

    /// `scalar · G` for the generator G (`crypto_scalarmult_ristretto255_base`); throws
    /// ``SodiumError/Code/degenerate`` for the zero scalar, whose multiple is the identity.
    public static func baseMultiplied(by scalar: Ristretto255.Scalar) throws -> Ristretto255.Point {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: Ristretto255.pointLength)
        let result = scalar.secret.withUnsafeBytes { s in
            crypto_scalarmult_ristretto255_base(&out, s.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard result == 0 else { throw SodiumError(.degenerate, "base-point multiplication gave the identity") }
        return Ristretto255.Point(unchecked: out)
    }

    /// `self + other` (`crypto_core_ristretto255_add`); the identity may be an operand or the result.
    public func adding(_ other: Ristretto255.Point) throws -> Ristretto255.Point {
        var out = [UInt8](repeating: 0, count: Ristretto255.pointLength)
        try check(crypto_core_ristretto255_add(&out, bytes, other.bytes), "crypto_core_ristretto255_add")
        return Ristretto255.Point(unchecked: out)
    }

    /// `self − other` (`crypto_core_ristretto255_sub`); the identity may be an operand or the result.
    public func subtracting(_ other: Ristretto255.Point) throws -> Ristretto255.Point {
        var out = [UInt8](repeating: 0, count: Ristretto255.pointLength)
        try check(crypto_core_ristretto255_sub(&out, bytes, other.bytes), "crypto_core_ristretto255_sub")
        return Ristretto255.Point(unchecked: out)
    }

    /// `scalar · self` where an identity result is returned as ``identity`` rather than thrown:
    /// for arithmetic that must follow a formula exactly (a DLEQ verifier facing a zero scalar).
    /// `crypto_scalarmult_ristretto255` fails only on an invalid point or an identity result, and
    /// `self` is valid by construction.
    public func multipliedAllowingIdentity(by scalar: Ristretto255.Scalar) -> Ristretto255.Point {
        (try? multiplied(by: scalar)) ?? .identity
    }
}
