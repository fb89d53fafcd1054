import Sodium

/// The server side of RFC 9497 §3.3: BlindEvaluate in both modes, and Evaluate for a holder of
/// both key and input. Protocols/oprf.md §7
public enum OPRFServer {
    /// BlindEvaluate of the OPRF mode: `skS·blindedElement`. Protocols/oprf.md §7.1
    public static func blindEvaluate(privateKey: Scalar, blindedElement: Element) throws -> Element {
        try requireNonIdentity(blindedElement, "the blinded element")
        guard !privateKey.isZero else { throw OPRFError(.invalidScalar, "the private key is zero") }
        return try blindedElement.multiplied(by: privateKey)
    }

    /// BlindEvaluate of the OPRF mode for a batch, element by element, on `workers` threads
    /// (Protocols/oprf.md §8.4).
    public static func blindEvaluate(privateKey: Scalar, blindedElements: [Element],
                                     workers: Int = ParallelBatch.defaultWorkers) throws -> [Element] {
        try ParallelBatch.map(count: blindedElements.count, workers: workers) {
            try blindEvaluate(privateKey: privateKey, blindedElement: blindedElements[$0])
        }
    }

    /// BlindEvaluate of the VOPRF mode for a batch: every element times `skS`, and one batched
    /// DLEQ proof `GenerateProof(skS, G, pkS, blindedElements, evaluatedElements)`. `r` is the proof
    /// randomness; leave it nil except to reproduce test vectors. Both steps run on `workers`
    /// threads; the answer is the same for any number. Protocols/oprf.md §7.2, §8.4
    public static func blindEvaluate(keyPair: OPRFKeyPair, blindedElements: [Element], suite: OPRFSuite,
                                     r: Scalar? = nil, workers: Int = ParallelBatch.defaultWorkers) throws -> (evaluatedElements: [Element], proof: DLEQProof) {
        let evaluated = try blindEvaluate(privateKey: keyPair.privateKey, blindedElements: blindedElements, workers: workers)
        let proof = try DLEQ.generateProof(k: keyPair.privateKey, A: .generator, B: keyPair.publicKey,
                                           C: blindedElements, D: evaluated, suite: suite, r: r, workers: workers)
        return (evaluated, proof)
    }

    /// Evaluate: the output computed directly from key and input (no blinding); equal to what the
    /// client's Finalize gives. Protocols/oprf.md §7.1
    public static func evaluate(privateKey: Scalar, input: [UInt8], suite: OPRFSuite) throws -> [UInt8] {
        try checkLength(input, "an input")
        let inputElement = try suite.hashToGroup(input)
        guard !inputElement.isIdentity else { throw OPRFError(.invalidInput, "an input hashes to the identity element") }
        return OPRFClient.outputHash(input, try inputElement.multiplied(by: privateKey))
    }
}
