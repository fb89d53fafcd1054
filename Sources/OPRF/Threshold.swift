import Sodium

/// The public side of one key share: its index x_i (1…n) and `pk_i = k_i·G`, which the agreement
/// commits to and against which every answer of that key holder is verified.
/// Protocols/oprf.md §9.1
public struct OPRFSharePublicKey: Sendable, Equatable {
    /// The share's x-coordinate, 1…n.
    public let index: UInt16
    /// pk_i = k_i·G.
    public let publicKey: Element

    /// A share's public key at `index`.
    public init(index: UInt16, publicKey: Element) {
        self.index = index
        self.publicKey = publicKey
    }
}

/// One key holder's share of the OPRF key: `k_i = f(i)` for the dealer's polynomial f with f(0) = k.
/// Protocols/oprf.md §9.1
public struct OPRFKeyShare: Sendable {
    /// The share's x-coordinate, 1…n.
    public let index: UInt16
    /// k_i and pk_i = k_i·G. A key holder evaluates with it exactly as a single VOPRF server would.
    public let keyPair: OPRFKeyPair

    /// The index and public key, to publish.
    public var publicShare: OPRFSharePublicKey { OPRFSharePublicKey(index: index, publicKey: keyPair.publicKey) }
}

/// One key holder's answer to a batch: its evaluated elements and the batched DLEQ proof under
/// its own share key.
public struct OPRFShareEvaluation: Sendable {
    /// The share index the answer claims; the verifier looks its public key up itself.
    public let index: UInt16
    /// k_i·blindedElements[j], in order.
    public let evaluatedElements: [Element]
    /// GenerateProof(k_i, G, pk_i, blindedElements, evaluatedElements).
    public let proof: DLEQProof

    /// An answer from share `index`.
    public init(index: UInt16, evaluatedElements: [Element], proof: DLEQProof) {
        self.index = index
        self.evaluatedElements = evaluatedElements
        self.proof = proof
    }
}

/// Shamir secret sharing of the OPRF key in the exponent: a dealer splits k into n shares, t of
/// which evaluate; the client combines their answers with Lagrange coefficients at 0.
/// Protocols/oprf.md §9
public enum ThresholdOPRF {
    /// Dealer: a random polynomial `f(x) = k + a_1·x + … + a_(t−1)·x^(t−1)` over the scalar field and
    /// shares `k_i = f(i)` for i = 1…n. `randomScalar` draws the coefficients a_1…a_(t−1) (a fresh
    /// random scalar each unless a test supplies seeded ones). Requires 1 ≤ t ≤ n ≤ 65535; throws
    /// ``OPRFError/Code/invalidInput`` otherwise, and for a zero key.
    /// Protocols/oprf.md §9.1
    public static func split(_ key: Scalar, threshold t: Int, count n: Int,
                             randomScalar: () throws -> Scalar = { Scalar.random() }) throws -> [OPRFKeyShare] {
        guard t >= 1, t <= n, n <= Int(UInt16.max) else {
            throw OPRFError(.invalidInput, "threshold \(t) of \(n) shares: need 1 ≤ t ≤ n ≤ 65535")
        }
        guard !key.isZero else { throw OPRFError(.invalidInput, "the key to split is zero") }
        var coefficients = [key]
        for _ in 1..<t { coefficients.append(try randomScalar()) }
        return try (1...n).map { i in
            let x = Scalar(UInt64(i))
            // Horner: f(x) = (…(a_(t−1)·x + a_(t−2))·x + …)·x + a_0.
            var y = coefficients[t - 1]
            for j in stride(from: t - 2, through: 0, by: -1) { y = y.multiplied(by: x).adding(coefficients[j]) }
            guard !y.isZero else {
                // Probability about n/2^252: the dealer starts over with a fresh polynomial.
                throw OPRFError(.invalidInput, "share \(i) came out zero; deal again")
            }
            return OPRFKeyShare(index: UInt16(i), keyPair: try OPRFKeyPair(privateKey: y))
        }
    }

    /// Lagrange coefficients at 0 for the share indices S: `λ_i = Π_(j∈S, j≠i) x_j / (x_j − x_i)`,
    /// in the order of `indices`. Throws ``OPRFError/Code/invalidInput`` for an empty list, index 0
    /// or a repeated index. Protocols/oprf.md §9.2
    public static func lagrangeCoefficientsAtZero(indices: [UInt16]) throws -> [Scalar] {
        guard !indices.isEmpty else { throw OPRFError(.invalidInput, "no share indices") }
        guard !indices.contains(0) else { throw OPRFError(.invalidInput, "share index 0 is the key itself") }
        guard Set(indices).count == indices.count else { throw OPRFError(.invalidInput, "a share index repeats") }
        let xs = indices.map { Scalar(UInt64($0)) }
        return try xs.indices.map { i in
            var numerator = Scalar.one
            var denominator = Scalar.one
            for j in xs.indices where j != i {
                numerator = numerator.multiplied(by: xs[j])
                denominator = denominator.multiplied(by: xs[j].subtracting(xs[i]))
            }
            return numerator.multiplied(by: try denominator.inverted())
        }
    }

    /// `Σ λ_i·Z_i` over the given share indices: the evaluation (or public key) of the whole key
    /// when the Z_i come from t or more shares of one polynomial. Protocols/oprf.md §9.3
    public static func combine(_ elements: [Element], indices: [UInt16]) throws -> Element {
        guard elements.count == indices.count else {
            throw OPRFError(.invalidInput, "\(elements.count) elements for \(indices.count) share indices")
        }
        let lambdas = try lagrangeCoefficientsAtZero(indices: indices)
        return try weightedSum(elements, lambdas)
    }

    /// Verifies every answer's batched DLEQ proof under the public key of its share (looked up in
    /// `shares`, never taken from the answer), then combines the answers element by element.
    /// Refuses fewer than `threshold` answers, an answer from an index not in `shares`, a repeated
    /// index, a count mismatch (``OPRFError/Code/invalidInput``) and a failing proof
    /// (``OPRFError/Code/proofFailed``, naming the share). Protocols/oprf.md §9.3
    public static func verifyAndCombine(blindedElements: [Element], answers: [OPRFShareEvaluation],
                                        shares: [OPRFSharePublicKey], threshold: Int,
                                        suite: OPRFSuite) throws -> [Element] {
        guard answers.count >= threshold, threshold >= 1 else {
            throw OPRFError(.invalidInput, "\(answers.count) answers for a threshold of \(threshold)")
        }
        for answer in answers {
            guard let share = shares.first(where: { $0.index == answer.index }) else {
                throw OPRFError(.invalidInput, "an answer names share \(answer.index), which is not a share of this key")
            }
            guard answer.evaluatedElements.count == blindedElements.count else {
                throw OPRFError(.invalidInput, "share \(answer.index) answered \(answer.evaluatedElements.count) elements for \(blindedElements.count)")
            }
            try DLEQ.verifyProof(A: .generator, B: share.publicKey, C: blindedElements, D: answer.evaluatedElements,
                                 proof: answer.proof, suite: suite, prover: "share \(answer.index)")
        }
        let lambdas = try lagrangeCoefficientsAtZero(indices: answers.map(\.index))
        return try blindedElements.indices.map { e in
            let combined = try weightedSum(answers.map { $0.evaluatedElements[e] }, lambdas)
            try requireNonIdentity(combined, "the combined evaluation of element \(e)")
            return combined
        }
    }

    /// The inverses of non-zero `scalars`, in order, with one field inversion for the whole list
    /// (Montgomery's trick: prefix products, invert the last, walk back; 3 scalar multiplications
    /// per scalar). Throws ``OPRFError/Code/invalidScalar`` when a scalar is zero. The node uses it
    /// for the blinds of a slice in the folded combination (Protocols/oprf.md §9.4).
    public static func inverses<S: Collection<Scalar>>(_ scalars: S) throws -> [Scalar] {
        var prefix: [Scalar] = []
        prefix.reserveCapacity(scalars.count)
        var running = Scalar.one
        for s in scalars {
            guard !s.isZero else { throw OPRFError(.invalidScalar, "a scalar to invert is zero") }
            running = running.multiplied(by: s)
            prefix.append(running)
        }
        guard !prefix.isEmpty else { return [] }
        var inverse = try running.inverted()   // (s_0·…·s_(m−1))⁻¹
        let values = Array(scalars)
        var out = [Scalar](repeating: .one, count: values.count)
        for j in stride(from: values.count - 1, to: 0, by: -1) {
            out[j] = inverse.multiplied(by: prefix[j - 1])
            inverse = inverse.multiplied(by: values[j])
        }
        out[0] = inverse
        return out
    }

    /// `Σ weights[i]·elements[i]`.
    static func weightedSum(_ elements: [Element], _ weights: [Scalar]) throws -> Element {
        var sum = Element.identity
        for (element, weight) in zip(elements, weights) {
            sum = try sum.adding(element.multipliedAllowingIdentity(by: weight))
        }
        return sum
    }
}
