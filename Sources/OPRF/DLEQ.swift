import Sodium

/// A DLEQ proof `(c, s)`, serialised as `SerializeScalar(c) ‖ SerializeScalar(s)` (64 bytes).
/// Protocols/oprf.md §8
public struct DLEQProof: Sendable, Equatable {
    /// The challenge c.
    public let c: Scalar
    /// The response s = r − c·k.
    public let s: Scalar

    /// Bytes of a serialised proof.
    public static let length = 2 * OPRFSuite.scalarLength

    /// A proof from its two scalars.
    public init(c: Scalar, s: Scalar) {
        self.c = c
        self.s = s
    }

    /// `SerializeScalar(c) ‖ SerializeScalar(s)`.
    public var serialized: [UInt8] { OPRFSuite.serializeScalar(c) + OPRFSuite.serializeScalar(s) }

    /// Parses 64 bytes; either half that is not a reduced scalar is refused with
    /// ``OPRFError/Code/invalidScalar``.
    public init(serialized bytes: [UInt8]) throws {
        guard bytes.count == DLEQProof.length else {
            throw OPRFError(.invalidScalar, "a proof is \(bytes.count) bytes, not \(DLEQProof.length)")
        }
        c = try OPRFSuite.deserializeScalar(Array(bytes[0..<32]), "the proof's challenge c")
        s = try OPRFSuite.deserializeScalar(Array(bytes[32..<64]), "the proof's response s")
    }
}

/// Batched discrete-logarithm-equivalence proofs (RFC 9497 §2.2): one constant-size proof that
/// `k·A = B` and `k·C[i] = D[i]` for every i. Protocols/oprf.md §8
public enum DLEQ {
    /// The seed of the composite weights: `Hash(I2OSP(len(Bm), 2) ‖ Bm ‖ I2OSP(len(seedDST), 2) ‖ seedDST)`.
    static func compositeSeed(_ B: Element, suite: OPRFSuite) -> [UInt8] {
        SHA512.hash(lengthPrefixed(OPRFSuite.serializeElement(B)) + lengthPrefixed(suite.seedDST))
    }

    /// The weight d_i = HashToScalar(I2OSP(len(seed), 2) ‖ seed ‖ I2OSP(i, 2) ‖
    /// I2OSP(len(Ci), 2) ‖ Ci ‖ I2OSP(len(Di), 2) ‖ Di ‖ "Composite"). Protocols/oprf.md §8.1
    static func compositeWeight(seed: [UInt8], index: Int, C: Element, D: Element, suite: OPRFSuite) throws -> Scalar {
        var transcript = lengthPrefixed(seed)
        transcript += i2osp2(index)
        transcript += lengthPrefixed(OPRFSuite.serializeElement(C))
        transcript += lengthPrefixed(OPRFSuite.serializeElement(D))
        transcript += OPRFSuite.Label.composite
        return try suite.hashToScalar(transcript)
    }

    /// Checks the list shapes both sides require: equal, non-empty, and indexable by I2OSP(i, 2).
    static func checkLists(_ C: [Element], _ D: [Element]) throws {
        guard !C.isEmpty else { throw OPRFError(.invalidInput, "a DLEQ proof needs at least one element pair") }
        guard C.count == D.count else {
            throw OPRFError(.invalidInput, "\(C.count) blinded elements but \(D.count) evaluated elements")
        }
        guard C.count <= 0xFFFF else {
            throw OPRFError(.invalidInput, "a batch of \(C.count) elements exceeds 65535")
        }
    }

    /// ComputeComposites (the verifier's form): `M = Σ d_i·C[i]`, `Z = Σ d_i·D[i]`, the sums split
    /// across `workers` threads (Protocols/oprf.md §8.4); `workers: 1` is RFC 9497's loop as written.
    /// Protocols/oprf.md §8.1
    public static func computeComposites(B: Element, C: [Element], D: [Element], suite: OPRFSuite,
                                         workers: Int = ParallelBatch.defaultWorkers) throws -> (M: Element, Z: Element) {
        try checkLists(C, D)
        let seed = compositeSeed(B, suite: suite)
        let partial = try ParallelBatch.perSlice(count: C.count, workers: workers) { range in
            var M = Element.identity
            var Z = Element.identity
            for i in range {
                let d = try compositeWeight(seed: seed, index: i, C: C[i], D: D[i], suite: suite)
                M = try C[i].multipliedAllowingIdentity(by: d).adding(M)
                Z = try D[i].multipliedAllowingIdentity(by: d).adding(Z)
            }
            return (M, Z)
        }
        var M = partial[0].0, Z = partial[0].1
        for p in partial.dropFirst() {
            M = try M.adding(p.0)
            Z = try Z.adding(p.1)
        }
        return (M, Z)
    }

    /// ComputeCompositesFast (the prover's form, knowing k): `M = Σ d_i·C[i]`, `Z = k·M`; one
    /// scalar multiplication per pair fewer than ``computeComposites(B:C:D:suite:workers:)``, which
    /// the tests keep beside it as the reference. `M`'s sum is split across `workers` threads
    /// (Protocols/oprf.md §8.4). Protocols/oprf.md §8.1
    public static func computeCompositesFast(k: Scalar, B: Element, C: [Element], D: [Element], suite: OPRFSuite,
                                             workers: Int = ParallelBatch.defaultWorkers) throws -> (M: Element, Z: Element) {
        try checkLists(C, D)
        let seed = compositeSeed(B, suite: suite)
        let partial = try ParallelBatch.perSlice(count: C.count, workers: workers) { range in
            var M = Element.identity
            for i in range {
                let d = try compositeWeight(seed: seed, index: i, C: C[i], D: D[i], suite: suite)
                M = try C[i].multipliedAllowingIdentity(by: d).adding(M)
            }
            return M
        }
        var M = partial[0]
        for p in partial.dropFirst() { M = try M.adding(p) }
        return (M, M.multipliedAllowingIdentity(by: k))
    }

    /// c = HashToScalar(I2OSP(len(Bm), 2) ‖ Bm ‖ … a0 = M, a1 = Z, a2 = t2, a3 = t3 … ‖ "Challenge").
    /// Protocols/oprf.md §8.2
    static func challenge(B: Element, M: Element, Z: Element, t2: Element, t3: Element, suite: OPRFSuite) throws -> Scalar {
        var transcript = [UInt8]()
        transcript.reserveCapacity(5 * 34 + OPRFSuite.Label.challenge.count)
        for element in [B, M, Z, t2, t3] { transcript += lengthPrefixed(OPRFSuite.serializeElement(element)) }
        transcript += OPRFSuite.Label.challenge
        return try suite.hashToScalar(transcript)
    }

    /// GenerateProof(k, A, B, C, D): proves `k·A = B` and `k·C[i] = D[i]`. `r` is the proof
    /// randomness; leave it nil (a fresh random scalar) except to reproduce test vectors. The
    /// composite is summed on `workers` threads; the proof is the same for any number.
    /// Protocols/oprf.md §8.2
    public static func generateProof(k: Scalar, A: Element, B: Element, C: [Element], D: [Element],
                                     suite: OPRFSuite, r: Scalar? = nil, workers: Int = ParallelBatch.defaultWorkers) throws -> DLEQProof {
        let (M, Z) = try computeCompositesFast(k: k, B: B, C: C, D: D, suite: suite, workers: workers)
        let r = r ?? Scalar.random()
        let t2 = A.multipliedAllowingIdentity(by: r)
        let t3 = M.multipliedAllowingIdentity(by: r)
        let c = try challenge(B: B, M: M, Z: Z, t2: t2, t3: t3, suite: suite)
        let s = r.subtracting(c.multiplied(by: k))
        return DLEQProof(c: c, s: s)
    }

    /// VerifyProof(A, B, C, D, proof): recomputes `t2 = s·A + c·B`, `t3 = s·M + c·Z` and the
    /// challenge; throws ``OPRFError/Code/proofFailed`` (naming `prover`) when it differs from c.
    /// The composites are summed on `workers` threads.
    /// Protocols/oprf.md §8.3
    public static func verifyProof(A: Element, B: Element, C: [Element], D: [Element], proof: DLEQProof,
                                   suite: OPRFSuite, prover: @autoclosure () -> String = "the server",
                                   workers: Int = ParallelBatch.defaultWorkers) throws {
        let (M, Z) = try computeComposites(B: B, C: C, D: D, suite: suite, workers: workers)
        let t2 = try A.multipliedAllowingIdentity(by: proof.s).adding(B.multipliedAllowingIdentity(by: proof.c))
        let t3 = try M.multipliedAllowingIdentity(by: proof.s).adding(Z.multipliedAllowingIdentity(by: proof.c))
        let expected = try challenge(B: B, M: M, Z: Z, t2: t2, t3: t3, suite: suite)
        // Scalar equality is sodium_memcmp: constant time, although nothing here is secret.
        guard expected == proof.c else {
            throw OPRFError(.proofFailed, "the DLEQ proof from \(prover()) does not verify for \(C.count) element(s)")
        }
    }
}
