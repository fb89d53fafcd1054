/// Errors of the OPRF module. `code` is stable and meant for tests and callers; `reason` names the
/// bad input (its position, never its value: inputs, blinds and keys are secret).
/// Protocols/oprf.md §10
public struct OPRFError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// An element is not a canonical ristretto255 encoding, or is the identity.
        case invalidElement = "oprf.invalid-element"
        /// A scalar is not 32 bytes or not reduced below the group order.
        case invalidScalar = "oprf.invalid-scalar"
        /// A DLEQ proof does not verify for the elements and public key it came with.
        case proofFailed = "oprf.proof-failed"
        /// An input is too long, a batch is empty or its lists differ in length, an input hashes to
        /// the identity, or threshold parameters are inconsistent.
        case invalidInput = "oprf.invalid-input"
        /// DeriveKeyPair found no non-zero key in 256 attempts (RFC 9497 DeriveKeyPairError).
        case deriveKeyPair = "oprf.derive-key-pair"
    }

    /// The stable code.
    public let code: Code
    /// A sentence for people; never contains secrets.
    public let reason: String

    /// An error with `code` and a `reason` naming the bad input.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
