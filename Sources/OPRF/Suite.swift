import Sodium

/// The element and scalar types of the suite: ristretto255 points and scalars from the `Sodium`
/// module.
public typealias Element = Ristretto255.Point
/// A scalar modulo the ristretto255 group order.
public typealias Scalar = Ristretto255.Scalar

/// RFC 9497 protocol variants that this project uses (the POPRF mode 0x02 is not implemented).
/// Protocols/oprf.md §2
public enum OPRFMode: UInt8, Sendable, CaseIterable {
    /// modeOPRF: the client learns the output; nothing proves which key was used.
    case oprf = 0x00
    /// modeVOPRF: every evaluation carries a DLEQ proof under the server's public key.
    case voprf = 0x01
}

/// The suite ristretto255-SHA512 in one mode: its context string and every domain-separation tag.
/// Protocols/oprf.md §2, §3
public struct OPRFSuite: Sendable, Equatable {
    /// The suite identifier of RFC 9497 §4.1.
    public static let identifier: [UInt8] = Array("ristretto255-SHA512".utf8)
    /// Ne: bytes of a serialised element.
    public static let elementLength = 32
    /// Ns: bytes of a serialised scalar.
    public static let scalarLength = 32
    /// Nh: bytes of the output hash (SHA-512).
    public static let hashLength = 64
    /// Inputs, infos and seeds are length-prefixed with two bytes, so they are shorter than 2^16.
    public static let maxInputLength = 0xFFFF

    /// Labels, byte for byte (Protocols/oprf.md §3).
    public enum Label {
        public static let context: [UInt8] = Array("OPRFV1-".utf8)
        public static let hashToGroup: [UInt8] = Array("HashToGroup-".utf8)
        public static let hashToScalar: [UInt8] = Array("HashToScalar-".utf8)
        public static let deriveKeyPair: [UInt8] = Array("DeriveKeyPair".utf8)
        public static let seed: [UInt8] = Array("Seed-".utf8)
        public static let composite: [UInt8] = Array("Composite".utf8)
        public static let challenge: [UInt8] = Array("Challenge".utf8)
        public static let finalize: [UInt8] = Array("Finalize".utf8)
    }

    /// The protocol variant.
    public let mode: OPRFMode
    /// `"OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ "ristretto255-SHA512"` (RFC 9497 §3.1).
    public let contextString: [UInt8]

    /// The suite in `mode`.
    public init(mode: OPRFMode) {
        self.mode = mode
        contextString = Label.context + [mode.rawValue] + Array("-".utf8) + OPRFSuite.identifier
    }

    /// ristretto255-SHA512 in the OPRF mode (0x00).
    public static let oprf = OPRFSuite(mode: .oprf)
    /// ristretto255-SHA512 in the VOPRF mode (0x01).
    public static let voprf = OPRFSuite(mode: .voprf)

    /// `"HashToGroup-" ‖ contextString`.
    public var hashToGroupDST: [UInt8] { Label.hashToGroup + contextString }
    /// `"HashToScalar-" ‖ contextString`.
    public var hashToScalarDST: [UInt8] { Label.hashToScalar + contextString }
    /// `"DeriveKeyPair" ‖ contextString`.
    public var deriveKeyPairDST: [UInt8] { Label.deriveKeyPair + contextString }
    /// `"Seed-" ‖ contextString`.
    public var seedDST: [UInt8] { Label.seed + contextString }
}

/// `I2OSP(value, 2)`: two big-endian bytes. Callers check `value < 2^16` first.
@inline(__always)
func i2osp2(_ value: Int) -> [UInt8] {
    precondition(value >= 0 && value <= 0xFFFF, "I2OSP(_, 2) of a value above 65535")
    return [UInt8(value >> 8), UInt8(value & 0xFF)]
}

/// `I2OSP(len(bytes), 2) ‖ bytes`.
@inline(__always)
func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
    i2osp2(bytes.count) + bytes
}

/// Refuses an input, info or other length-prefixed string of 2^16 bytes or more.
func checkLength(_ bytes: [UInt8], _ what: @autoclosure () -> String) throws {
    guard bytes.count <= OPRFSuite.maxInputLength else {
        throw OPRFError(.invalidInput, "\(what()) is \(bytes.count) bytes; at most \(OPRFSuite.maxInputLength) are allowed")
    }
}

/// Refuses the identity where RFC 9497 requires a non-identity element (an element not obtained
/// through ``OPRFSuite/deserializeElement(_:_:)``).
func requireNonIdentity(_ element: Element, _ what: @autoclosure () -> String) throws {
    guard !element.isIdentity else { throw OPRFError(.invalidElement, "\(what()) is the identity element") }
}
