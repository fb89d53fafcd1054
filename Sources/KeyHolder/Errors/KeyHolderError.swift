/// The key holder's one error type (Protocols/keyholder.md §5.2): a stable code, which carries its
/// HTTP status (`KeyHolderError+HTTP.swift`), and a reason that names the bad input but never a
/// key or an element's value. An unclassified error never reaches a client (`ErrorMiddleware`).
public struct KeyHolderError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// The request signature, time or digest does not verify, or the party is unknown.
        case unauthenticated = "auth.failed"
        /// The request's nonce was used before: a replayed batch.
        case replay = "auth.replay"
        /// The caller is not a party of the agreement (or is one of its key holders).
        case forbidden = "auth.forbidden"
        /// This key holder holds no share for the agreement.
        case notFound = "not-found"
        /// The body is not an `EvaluateRequest`, is empty, or its length is not a multiple of 32.
        case badRequest = "request.invalid"
        /// The body is larger than a batch can be.
        case tooLarge = "request.too-large"
        /// A blinded element is not a canonical ristretto255 encoding, or is the identity.
        case invalidElement = "keyholder.invalid-element"
        /// The batch would take the party over its cap for the round.
        case overCap = "keyholder.over-cap"
        /// Anything else; its detail goes to the server's log only.
        case `internal` = "internal"
    }

    /// The stable code.
    public let code: Code
    /// A sentence for people; names the bad input, never a secret.
    public let reason: String

    /// An error with `code` and `reason`.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
