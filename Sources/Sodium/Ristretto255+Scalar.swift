import CSodium

/// Arithmetic in the scalar field of ristretto255 (integers modulo the group order
/// ℓ = 2^252 + 27742317777372353535851937790883648493) through `crypto_core_ristretto255_scalar_*`.
///
/// Every scalar made here is reduced (below ℓ) and little-endian, so its 32 bytes are the RFC 9497
/// `SerializeScalar` encoding.
extension Ristretto255.Scalar {
    /// 64 bytes: the input length of `crypto_core_ristretto255_scalar_reduce`.
    public static let wideLength = Int(crypto_core_ristretto255_nonreducedscalarbytes())

    /// Fills a fresh scalar through `body`, which writes 32 bytes.
    private static func make(_ body: (UnsafeMutablePointer<UInt8>) -> Void) -> Ristretto255.Scalar {
        let bytes = SecretBytes(count: Ristretto255.scalarLength) { out in
            body(out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return try! Ristretto255.Scalar(secret: bytes)  // the length is right by construction
    }

    /// Runs `body` with this scalar's bytes; the pointer must not escape.
    @inline(__always)
    private func withPointer<R>(_ body: (UnsafePointer<UInt8>) -> R) -> R {
        secret.withUnsafeBytes { body($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
    }

    /// `wide` (64 bytes, read as a little-endian 512-bit integer) modulo ℓ
    /// (`crypto_core_ristretto255_scalar_reduce`). RFC 9497's HashToScalar is this reduction of
    /// expand_message_xmd output.
    public static func reduce(_ wide: [UInt8]) throws -> Ristretto255.Scalar {
        Sodium.ensureInitialized()
        guard wide.count == wideLength else {
            throw SodiumError.length("ristretto255 wide scalar", expected: "64", got: wide.count)
        }
        return make { out in crypto_core_ristretto255_scalar_reduce(out, wide) }
    }

    /// The scalar whose little-endian encoding is `bytes`, or nil when `bytes` is not 32 bytes or
    /// encodes an integer at or above ℓ (a non-reduced encoding, which RFC 9497's
    /// DeserializeScalar refuses). The check reduces `bytes` and compares in constant time.
    public static func canonical(_ bytes: [UInt8]) -> Ristretto255.Scalar? {
        Sodium.ensureInitialized()
        guard bytes.count == Ristretto255.scalarLength else { return nil }
        let candidate = SecretBytes(bytes)
        let wide = bytes + [UInt8](repeating: 0, count: wideLength - bytes.count)
        let reduced = make { out in crypto_core_ristretto255_scalar_reduce(out, wide) }
        guard reduced.secret == candidate else { return nil }
        return reduced
    }

    /// The scalar `value` (a small public number, e.g. a share index).
    public init(_ value: UInt64) {
        var bytes = [UInt8](repeating: 0, count: Ristretto255.scalarLength)
        withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[i] = b } }
        self = Ristretto255.Scalar.canonical(bytes)!  // below 2^64 < ℓ
    }

    /// The scalar 0.
    public static var zero: Ristretto255.Scalar { Ristretto255.Scalar(0) }
    /// The scalar 1.
    public static var one: Ristretto255.Scalar { Ristretto255.Scalar(1) }

    /// `self + other` mod ℓ (`crypto_core_ristretto255_scalar_add`).
    public func adding(_ other: Ristretto255.Scalar) -> Ristretto255.Scalar {
        withPointer { x in other.withPointer { y in Self.make { crypto_core_ristretto255_scalar_add($0, x, y) } } }
    }

    /// `self − other` mod ℓ (`crypto_core_ristretto255_scalar_sub`).
    public func subtracting(_ other: Ristretto255.Scalar) -> Ristretto255.Scalar {
        withPointer { x in other.withPointer { y in Self.make { crypto_core_ristretto255_scalar_sub($0, x, y) } } }
    }

    /// `self · other` mod ℓ (`crypto_core_ristretto255_scalar_mul`).
    public func multiplied(by other: Ristretto255.Scalar) -> Ristretto255.Scalar {
        withPointer { x in other.withPointer { y in Self.make { crypto_core_ristretto255_scalar_mul($0, x, y) } } }
    }

    /// `−self` mod ℓ (`crypto_core_ristretto255_scalar_negate`).
    public func negated() -> Ristretto255.Scalar {
        withPointer { x in Self.make { crypto_core_ristretto255_scalar_negate($0, x) } }
    }

    /// Whether this is the zero scalar (`sodium_is_zero`, constant time).
    public var isZero: Bool {
        secret.withUnsafeBytes { sodium_is_zero($0.baseAddress!.assumingMemoryBound(to: UInt8.self), $0.count) == 1 }
    }
}

extension Ristretto255.Scalar: Equatable {
    /// Constant-time equality of the 32-byte encodings (`sodium_memcmp`); both sides are reduced
    /// when they come from this module's constructors.
    public static func == (lhs: Ristretto255.Scalar, rhs: Ristretto255.Scalar) -> Bool {
        lhs.secret == rhs.secret
    }
}
