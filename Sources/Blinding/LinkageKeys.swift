import Sodium

/// The identifier namespaces, each blinded under its own key (Protocols/derivations.md §2).
public enum IdentifierNamespace: String, Sendable, CaseIterable {
    case person
    case organisation
}

/// Keys derived from an agreement's linkage secret (Protocols/derivations.md §1–§3). Every key is
/// bound to the agreement id, so two agreements' pseudonyms cannot be joined.
public struct LinkageKeys: Sendable {
    /// The HKDF salt of every derivation.
    public static let salt = Array("korskoll/v1".utf8)
    /// Protocols/derivations.md §2.
    public static let blindLabel = "korskoll/v1/blind-id"
    /// Protocols/derivations.md §3.
    public static let clkLabel = "korskoll/v1/clk"
    /// Protocols/blocking.md §2.
    public static let blockingLabel = "korskoll/v1/blocking"

    public let agreementID: String
    private let linkageSecret: SecretBytes

    public init(agreementID: String, linkageSecret: SecretBytes) {
        self.agreementID = agreementID
        self.linkageSecret = linkageSecret
    }

    /// info = label ‖ 0x00 ‖ agreement id [‖ 0x00 ‖ extra].
    static func info(_ label: String, _ parts: String...) -> [UInt8] {
        parts.reduce(Array(label.utf8)) { $0 + [0] + Array($1.utf8) }
    }

    /// K_id(kind) = HKDF-SHA-256(linkage secret, "korskoll/v1", "korskoll/v1/blind-id" ‖ 0 ‖ agreement ‖ 0 ‖ kind, 32).
    public func blindingKey(_ namespace: IdentifierNamespace) -> SecretBytes {
        try! HKDF.deriveKey(.sha256, inputKeyMaterial: linkageSecret, salt: Self.salt,
                            info: Self.info(Self.blindLabel, agreementID, namespace.rawValue), length: 32)
    }

    /// The IKM handed to the CLK encoder: HKDF-SHA-256(linkage secret, "korskoll/v1", "korskoll/v1/clk" ‖ 0 ‖ agreement, 32).
    public func clkSecret() -> SecretBytes {
        try! HKDF.deriveKey(.sha256, inputKeyMaterial: linkageSecret, salt: Self.salt,
                            info: Self.info(Self.clkLabel, agreementID), length: 32)
    }

    /// K_block = HKDF-SHA-256(linkage secret, "korskoll/v1", "korskoll/v1/blocking" ‖ 0 ‖ agreement, 32).
    public func blockingKey() -> SecretBytes {
        try! HKDF.deriveKey(.sha256, inputKeyMaterial: linkageSecret, salt: Self.salt,
                            info: Self.info(Self.blockingLabel, agreementID), length: 32)
    }
}

/// Blinds canonical identifiers: BLAKE2b-256 keyed with K_id(kind) over the canonical string's
/// ASCII bytes (Protocols/derivations.md §2). The keyed state is set up once and copied per value.
public final class IdentifierBlinder: @unchecked Sendable {
    public static let outputLength = 32
    private let prefix: BLAKE2b.State

    public init(keys: LinkageKeys, namespace: IdentifierNamespace) {
        prefix = try! BLAKE2b.State(key: keys.blindingKey(namespace), outputLength: Self.outputLength)
    }

    /// A per-thread scratch state for ``blind(_:scratch:into:)``.
    public func makeScratch() -> BLAKE2b.State { prefix.copy() }

    /// Writes the 32-byte pseudonym of `canonical` into `out`, allocating nothing.
    public func blind(_ canonical: String, scratch: BLAKE2b.State, into out: UnsafeMutableRawBufferPointer) {
        scratch.reset(to: prefix)
        var value = canonical
        value.withUTF8 { scratch.update(UnsafeRawBufferPointer($0)) }
        scratch.finalize(into: out)
    }

    /// The 32-byte pseudonym of `canonical`.
    public func blind(_ canonical: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.outputLength)
        let scratch = makeScratch()
        out.withUnsafeMutableBytes { blind(canonical, scratch: scratch, into: $0) }
        return out
    }
}
