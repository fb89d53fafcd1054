import CSodium

/// Entry point of the libsodium boundary. Every public operation in this module calls
/// ``Sodium/ensureInitialized()`` first; `sodium_init()` therefore runs exactly once per process.
public enum Sodium {
    /// `sodium_init()` returns 0 on first success, 1 when already initialised and -1 on failure.
    private static let initResult: Int32 = sodium_init()

    /// Initialises libsodium once. A failure here means the process cannot do any cryptography
    /// safely (no entropy source), so it stops rather than continuing without one.
    @inline(__always)
    public static func ensureInitialized() {
        precondition(initResult >= 0, "sodium_init() failed: no usable entropy source")
    }

    /// Overwrites `count` bytes at `pointer` with zeros in a way the compiler cannot remove
    /// (`sodium_memzero`): for key-derived material held outside ``SecretBytes``.
    public static func wipe(_ pointer: UnsafeMutableRawPointer, count: Int) {
        sodium_memzero(pointer, count)
    }

    /// The libsodium version string, for diagnostics.
    public static var version: String {
        ensureInitialized()
        return String(cString: sodium_version_string())
    }
}

/// Errors of the cryptographic boundary. `code` is stable and meant for tests and callers;
/// `reason` is for people and never contains key material.
public struct SodiumError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// A libsodium function returned failure where failure is not an expected outcome.
        case callFailed = "sodium.call-failed"
        /// An input had a length the primitive does not accept.
        case invalidLength = "sodium.invalid-length"
        /// A signature did not verify.
        case verificationFailed = "sodium.verification-failed"
        /// A sealed box could not be opened (wrong key, or the ciphertext was altered).
        case openFailed = "sodium.open-failed"
        /// A ristretto255 point encoding is not canonical or not on the group.
        case invalidPoint = "sodium.invalid-point"
        /// A scalar operation had no result (zero scalar, identity point).
        case degenerate = "sodium.degenerate"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    static func length(_ what: String, expected: String, got: Int) -> SodiumError {
        SodiumError(.invalidLength, "\(what) must be \(expected) bytes, got \(got)")
    }
}

/// The one helper that checks libsodium return codes: anything but 0 throws an error that names
/// the C function (never its arguments).
@inline(__always)
func check(_ result: Int32, _ function: StaticString) throws {
    if result != 0 {
        throw SodiumError(.callFailed, "\(function) returned \(result)")
    }
}
