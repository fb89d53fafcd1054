import Sodium

/// The ristretto255 group operations of RFC 9497 §4.1: hashing to the group and to scalars, and
/// the serialisations. Protocols/oprf.md §4, §5
extension OPRFSuite {
    /// HashToGroup: hash_to_ristretto255 (RFC 9380 Appendix B) —
    /// `from_hash(expand_message_xmd(input, "HashToGroup-" ‖ contextString, 64))`.
    /// Protocols/oprf.md §4.2
    public func hashToGroup(_ input: [UInt8]) throws -> Element {
        let uniform = try ExpandMessageXMD.sha512(input, dst: hashToGroupDST, lengthInBytes: Ristretto255.uniformInputLength)
        return try Element.fromUniformBytes(uniform)
    }

    /// HashToScalar: `expand_message_xmd(input, dst, 64)` read little-endian and reduced mod ℓ;
    /// `dst` defaults to `"HashToScalar-" ‖ contextString`. Protocols/oprf.md §4.3
    public func hashToScalar(_ input: [UInt8], dst: [UInt8]? = nil) throws -> Scalar {
        let uniform = try ExpandMessageXMD.sha512(input, dst: dst ?? hashToScalarDST, lengthInBytes: Scalar.wideLength)
        return try Scalar.reduce(uniform)
    }

    /// SerializeElement: the canonical 32-byte encoding. Protocols/oprf.md §5
    public static func serializeElement(_ element: Element) -> [UInt8] { element.bytes }

    /// DeserializeElement: refuses anything but the canonical encoding of a non-identity element,
    /// with ``OPRFError/Code/invalidElement`` naming `what`. Protocols/oprf.md §5
    public static func deserializeElement(_ bytes: [UInt8], _ what: @autoclosure () -> String = "element") throws -> Element {
        guard bytes.count == elementLength else {
            throw OPRFError(.invalidElement, "\(what()) is \(bytes.count) bytes, not \(elementLength)")
        }
        guard Element.isValid(bytes), let element = try? Element(bytes: bytes) else {
            throw OPRFError(.invalidElement, "\(what()) is not a canonical ristretto255 encoding")
        }
        guard !element.isIdentity else {
            throw OPRFError(.invalidElement, "\(what()) is the identity element")
        }
        return element
    }

    /// SerializeScalar: the 32-byte little-endian encoding of the reduced scalar.
    /// Protocols/oprf.md §5
    public static func serializeScalar(_ scalar: Scalar) -> [UInt8] { scalar.secret.unsafeCopy() }

    /// DeserializeScalar: refuses anything but 32 bytes encoding an integer below ℓ, with
    /// ``OPRFError/Code/invalidScalar`` naming `what`. Protocols/oprf.md §5
    public static func deserializeScalar(_ bytes: [UInt8], _ what: @autoclosure () -> String = "scalar") throws -> Scalar {
        guard bytes.count == scalarLength else {
            throw OPRFError(.invalidScalar, "\(what()) is \(bytes.count) bytes, not \(scalarLength)")
        }
        guard let scalar = Scalar.canonical(bytes) else {
            throw OPRFError(.invalidScalar, "\(what()) is not reduced below the group order")
        }
        return scalar
    }
}
