/// Errors of the key-holder mode's shared formats and of its node side: the dealt files, the
/// dealer ceremony, threshold evaluation and the pseudonym cache. `code` is stable; `reason` names
/// the file, the key holder or the position, never a key, an identifier or a pseudonym.
/// Protocols/keyholder.md §7
public struct KeyHoldingError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A dealt file is not of its format, or a field has the wrong length or encoding.
        case malformed = "keyholding.malformed"
        /// The dealer's signature over the dealt public file or a share does not verify.
        case badSignature = "keyholding.bad-signature"
        /// The share public keys do not lie on one polynomial through the group public key, or a
        /// share's key does not match its published public key.
        case inconsistent = "keyholding.inconsistent"
        /// The dealer ceremony's parameters are invalid (threshold, holders, caps).
        case invalidCeremony = "keyholding.invalid-ceremony"
        /// An answer comes from, or names, a key holder that holds no share of this agreement.
        case notAHolder = "keyholding.not-a-holder"
        /// A key holder's DLEQ proof does not verify under its published share key.
        case proofFailed = "keyholding.proof-failed"
        /// A key holder refused the batch or could not be reached.
        case holderRefused = "keyholding.holder-refused"
        /// Fewer than the threshold of key holders answered acceptably.
        case tooFewHolders = "keyholding.too-few-holders"
        /// The pseudonym cache cannot be read, does not authenticate, or cannot be written.
        case cache = "keyholding.cache"
        /// A file cannot be read or written.
        case io = "keyholding.io"
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
