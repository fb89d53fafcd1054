import Sodium

/// One blinded input: the secret `blind` the client keeps and the `blindedElement` it sends.
public struct BlindedInput: Sendable {
    /// The blind r; secret, kept by the client until Finalize.
    public let blind: Scalar
    /// r·HashToGroup(input), sent to the server.
    public let blindedElement: Element
}

/// The client side of RFC 9497 §3.3: Blind and Finalize, one input at a time or in batches. Plain
/// static functions with no clock or I/O, so a benchmark can time them directly.
/// Protocols/oprf.md §7
public enum OPRFClient {
    /// Blind: `blindedElement = blind·HashToGroup(input)`. `blind` is a fresh random scalar unless
    /// given (only to reproduce test vectors). Throws ``OPRFError/Code/invalidInput`` for an input
    /// of 2^16 bytes or more, or one that hashes to the identity. Protocols/oprf.md §7.1
    public static func blind(_ input: [UInt8], suite: OPRFSuite, blind: Scalar? = nil) throws -> BlindedInput {
        try checkLength(input, "an input")
        let inputElement = try suite.hashToGroup(input)
        guard !inputElement.isIdentity else { throw OPRFError(.invalidInput, "an input hashes to the identity element") }
        let blind = blind ?? Scalar.random()
        guard !blind.isZero else { throw OPRFError(.invalidScalar, "the blind is zero") }
        return BlindedInput(blind: blind, blindedElement: try inputElement.multiplied(by: blind))
    }

    /// Blind for every input of a batch, in order, on `workers` threads (Protocols/oprf.md §8.4).
    public static func blind(batch inputs: [[UInt8]], suite: OPRFSuite, workers: Int = ParallelBatch.defaultWorkers) throws -> [BlindedInput] {
        try ParallelBatch.map(count: inputs.count, workers: workers) { try blind(inputs[$0], suite: suite) }
    }

    /// Finalize without a proof (the OPRF mode, or an element already verified, e.g. a threshold
    /// combination): `Hash(I2OSP(len(input), 2) ‖ input ‖ I2OSP(32, 2) ‖ SerializeElement(blind⁻¹·Z) ‖ "Finalize")`.
    /// Protocols/oprf.md §7.1
    public static func finalize(_ input: [UInt8], blind: Scalar, evaluatedElement: Element) throws -> [UInt8] {
        try checkLength(input, "an input")
        try requireNonIdentity(evaluatedElement, "the evaluated element")
        guard !blind.isZero else { throw OPRFError(.invalidScalar, "the blind is zero") }
        let unblinded = try evaluatedElement.multiplied(by: blind.inverted())
        return outputHash(input, unblinded)
    }

    /// Finalize's last step for an element already unblinded, `N = blind⁻¹·Z`: the output hash of
    /// Protocols/oprf.md §7.1. A threshold combination folds `blind⁻¹` into its Lagrange weights
    /// and arrives at N directly (Protocols/oprf.md §9.4). Throws ``OPRFError/Code/invalidInput``
    /// for an input of 2^16 bytes or more and ``OPRFError/Code/invalidElement`` for the identity.
    public static func finalize(_ input: [UInt8], unblinded: Element) throws -> [UInt8] {
        try checkLength(input, "an input")
        try requireNonIdentity(unblinded, "the unblinded element")
        return outputHash(input, unblinded)
    }

    /// Finalize for a batch of the OPRF mode: `inputs`, `blinds` and `evaluatedElements` are parallel.
    public static func finalize(batch inputs: [[UInt8]], blinds: [Scalar], evaluatedElements: [Element]) throws -> [[UInt8]] {
        guard inputs.count == blinds.count, inputs.count == evaluatedElements.count else {
            throw OPRFError(.invalidInput, "\(inputs.count) inputs, \(blinds.count) blinds and \(evaluatedElements.count) evaluated elements")
        }
        return try inputs.indices.map { try finalize(inputs[$0], blind: blinds[$0], evaluatedElement: evaluatedElements[$0]) }
    }

    /// Finalize of the VOPRF mode for a batch with one proof: verifies the batched DLEQ proof
    /// `VerifyProof(G, pkS, blindedElements, evaluatedElements, proof)` first and outputs nothing
    /// unless it holds (``OPRFError/Code/proofFailed``). Protocols/oprf.md §7.2
    public static func finalize(batch inputs: [[UInt8]], blinds: [Scalar], blindedElements: [Element],
                                evaluatedElements: [Element], publicKey: Element, proof: DLEQProof,
                                suite: OPRFSuite) throws -> [[UInt8]] {
        guard inputs.count == blindedElements.count else {
            throw OPRFError(.invalidInput, "\(inputs.count) inputs but \(blindedElements.count) blinded elements")
        }
        try DLEQ.verifyProof(A: .generator, B: publicKey, C: blindedElements, D: evaluatedElements, proof: proof, suite: suite)
        return try finalize(batch: inputs, blinds: blinds, evaluatedElements: evaluatedElements)
    }

    /// `Hash(I2OSP(len(input), 2) ‖ input ‖ I2OSP(len(N), 2) ‖ N ‖ "Finalize")` for the unblinded
    /// element N. Protocols/oprf.md §7.1
    static func outputHash(_ input: [UInt8], _ unblinded: Element) -> [UInt8] {
        SHA512.hash(lengthPrefixed(input) + lengthPrefixed(OPRFSuite.serializeElement(unblinded)) + OPRFSuite.Label.finalize)
    }
}
