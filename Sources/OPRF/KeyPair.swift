import Sodium

/// A server key pair: the private scalar `skS` and the public element `pkS = skS·G`.
/// Protocols/oprf.md §6
public struct OPRFKeyPair: Sendable {
    /// skS; never logged (its description is `<redacted>`).
    public let privateKey: Scalar
    /// pkS = skS·G.
    public let publicKey: Element

    /// Pairs `privateKey` with its public key; throws ``OPRFError/Code/invalidScalar`` for zero.
    public init(privateKey: Scalar) throws {
        guard !privateKey.isZero else { throw OPRFError(.invalidScalar, "the private key is zero") }
        self.privateKey = privateKey
        publicKey = try Element.baseMultiplied(by: privateKey)
    }

    /// GenerateKeyPair: a uniformly random non-zero key (`crypto_core_ristretto255_scalar_random`).
    public static func generate() -> OPRFKeyPair {
        try! OPRFKeyPair(privateKey: .random())  // random() never returns zero
    }

    /// DeriveKeyPair (RFC 9497 §3.2.1):
    /// ```
    /// deriveInput = seed ‖ I2OSP(len(info), 2) ‖ info
    /// skS = HashToScalar(deriveInput ‖ I2OSP(counter, 1), DST = "DeriveKeyPair" ‖ contextString)
    /// ```
    /// for counter = 0, 1, … until skS ≠ 0, at most 256 tries. `seed` is 32 secret bytes; `info`
    /// is public and shorter than 2^16 bytes.
    public static func derive(seed: SecretBytes, info: [UInt8], suite: OPRFSuite) throws -> OPRFKeyPair {
        guard seed.count == OPRFSuite.scalarLength else {
            throw OPRFError(.invalidInput, "the key seed is \(seed.count) bytes, not \(OPRFSuite.scalarLength)")
        }
        try checkLength(info, "the key info")
        var deriveInput = seed.unsafeCopy() + lengthPrefixed(info)
        defer { deriveInput.withUnsafeMutableBytes { Sodium.wipe($0.baseAddress!, count: $0.count) } }
        for counter in 0...255 {
            deriveInput.append(UInt8(counter))
            let candidate = try suite.hashToScalar(deriveInput, dst: suite.deriveKeyPairDST)
            deriveInput.removeLast()
            if !candidate.isZero { return try OPRFKeyPair(privateKey: candidate) }
        }
        throw OPRFError(.deriveKeyPair, "no non-zero key in 256 attempts")
    }
}
