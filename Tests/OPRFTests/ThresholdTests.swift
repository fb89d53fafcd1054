import Testing
import TestSupport
import Sodium
@testable import OPRF

/// All subsets of `0..<n` with `k` members, in lexicographic order.
private func subsets(_ n: Int, _ k: Int) -> [[Int]] {
    guard k > 0 else { return [[]] }
    guard n >= k else { return [] }
    return subsets(n - 1, k - 1).map { $0 + [n - 1] } + subsets(n - 1, k)
}

/// A key split `t` of `n` with seeded coefficients.
private func deal(_ rng: inout SeededRandom, threshold t: Int, count n: Int) throws -> (key: OPRFKeyPair, shares: [OPRFKeyShare]) {
    let key = try OPRFKeyPair(privateKey: seededScalar(&rng))
    let shares = try ThresholdOPRF.split(key.privateKey, threshold: t, count: n, randomScalar: { seededScalar(&rng) })
    return (key, shares)
}

@Suite struct ThresholdTests {
    @Test(arguments: [(2, 3), (3, 5), (1, 2), (4, 4)])
    func anyTOfNSharesCombineToTheWholeKeysEvaluation(t: Int, n: Int) throws {
        var rng = SeededRandom()
        let (key, shares) = try deal(&rng, threshold: t, count: n)
        let blinded = seededElement(&rng)
        let whole = try OPRFServer.blindEvaluate(privateKey: key.privateKey, blindedElement: blinded)
        let partial = try shares.map { try OPRFServer.blindEvaluate(privateKey: $0.keyPair.privateKey, blindedElement: blinded) }
        for size in t...n {
            for subset in subsets(n, size) {
                let combined = try ThresholdOPRF.combine(subset.map { partial[$0] }, indices: subset.map { shares[$0].index })
                #expect(combined == whole, "seed \(rng.seed) subset \(subset)")
            }
        }
    }

    @Test(arguments: [(2, 3), (3, 5), (4, 4)])
    func fewerThanTSharesDoNotCombineToTheKey(t: Int, n: Int) throws {
        var rng = SeededRandom()
        let (key, shares) = try deal(&rng, threshold: t, count: n)
        let blinded = seededElement(&rng)
        let whole = try OPRFServer.blindEvaluate(privateKey: key.privateKey, blindedElement: blinded)
        for subset in subsets(n, t - 1) {
            let partial = try subset.map { try OPRFServer.blindEvaluate(privateKey: shares[$0].keyPair.privateKey, blindedElement: blinded) }
            let combined = try ThresholdOPRF.combine(partial, indices: subset.map { shares[$0].index })
            #expect(combined != whole, "seed \(rng.seed) subset \(subset)")
        }
    }

    @Test func shareKeysCombineToTheGroupPublicKey() throws {
        var rng = SeededRandom()
        let (key, shares) = try deal(&rng, threshold: 2, count: 3)
        for subset in subsets(3, 2) {
            let pk = try ThresholdOPRF.combine(subset.map { shares[$0].keyPair.publicKey }, indices: subset.map { shares[$0].index })
            #expect(pk == key.publicKey, "seed \(rng.seed) subset \(subset)")
        }
    }

    @Test func twoOfThreeVerifiedAnswersFinalizeToTheWholeKeysOutput() throws {
        var rng = SeededRandom()
        let (key, shares) = try deal(&rng, threshold: 2, count: 3)
        let inputs = (0..<4).map { _ in seededBytes(&rng, count: 12) }
        let blinded = try inputs.map { try OPRFClient.blind($0, suite: .voprf, blind: seededScalar(&rng)) }
        let elements = blinded.map(\.blindedElement)
        for subset in subsets(3, 2) {
            let answers = try subset.map { i in
                let (evaluated, proof) = try OPRFServer.blindEvaluate(keyPair: shares[i].keyPair, blindedElements: elements, suite: .voprf)
                return OPRFShareEvaluation(index: shares[i].index, evaluatedElements: evaluated, proof: proof)
            }
            let combined = try ThresholdOPRF.verifyAndCombine(blindedElements: elements, answers: answers,
                                                              shares: shares.map(\.publicShare), threshold: 2, suite: .voprf)
            let outputs = try OPRFClient.finalize(batch: inputs, blinds: blinded.map(\.blind), evaluatedElements: combined)
            let expected = try inputs.map { try OPRFServer.evaluate(privateKey: key.privateKey, input: $0, suite: .voprf) }
            #expect(outputs == expected, "seed \(rng.seed) subset \(subset)")
        }
    }

    @Test func aProofFromAWrongShareKeyIsRefused() throws {
        var rng = SeededRandom()
        let (_, shares) = try deal(&rng, threshold: 2, count: 3)
        let elements = [seededElement(&rng), seededElement(&rng)]
        let honest = try OPRFServer.blindEvaluate(keyPair: shares[0].keyPair, blindedElements: elements, suite: .voprf)
        // Share 2's holder answers with share 3's key (a valid proof under pk_3) but claims index 2.
        let wrong = try OPRFServer.blindEvaluate(keyPair: shares[2].keyPair, blindedElements: elements, suite: .voprf)
        let answers = [OPRFShareEvaluation(index: 1, evaluatedElements: honest.evaluatedElements, proof: honest.proof),
                       OPRFShareEvaluation(index: 2, evaluatedElements: wrong.evaluatedElements, proof: wrong.proof)]
        do {
            _ = try ThresholdOPRF.verifyAndCombine(blindedElements: elements, answers: answers,
                                                   shares: shares.map(\.publicShare), threshold: 2, suite: .voprf)
            Issue.record("a wrong share key was accepted; seed \(rng.seed)")
        } catch let error as OPRFError {
            #expect(error.code == .proofFailed)
            #expect(error.reason.contains("share 2"))
        }
        // A key outside the sharing altogether, with a self-consistent proof, is refused too.
        let stranger = try OPRFServer.blindEvaluate(keyPair: OPRFKeyPair(privateKey: seededScalar(&rng)), blindedElements: elements, suite: .voprf)
        let strangerAnswers = [answers[0], OPRFShareEvaluation(index: 3, evaluatedElements: stranger.evaluatedElements, proof: stranger.proof)]
        #expect(oprfErrorCode {
            _ = try ThresholdOPRF.verifyAndCombine(blindedElements: elements, answers: strangerAnswers,
                                                   shares: shares.map(\.publicShare), threshold: 2, suite: .voprf)
        } == .proofFailed, "seed \(rng.seed)")
    }

    @Test func answersBelowTheThresholdOrFromUnknownSharesAreRefused() throws {
        var rng = SeededRandom()
        let (_, shares) = try deal(&rng, threshold: 2, count: 3)
        let elements = [seededElement(&rng)]
        let one = try OPRFServer.blindEvaluate(keyPair: shares[0].keyPair, blindedElements: elements, suite: .voprf)
        let answer = OPRFShareEvaluation(index: 1, evaluatedElements: one.evaluatedElements, proof: one.proof)
        let publicShares = shares.map(\.publicShare)
        #expect(oprfErrorCode { _ = try ThresholdOPRF.verifyAndCombine(blindedElements: elements, answers: [answer], shares: publicShares, threshold: 2, suite: .voprf) } == .invalidInput)
        let unknown = OPRFShareEvaluation(index: 9, evaluatedElements: one.evaluatedElements, proof: one.proof)
        #expect(oprfErrorCode { _ = try ThresholdOPRF.verifyAndCombine(blindedElements: elements, answers: [answer, unknown], shares: publicShares, threshold: 2, suite: .voprf) } == .invalidInput)
        #expect(oprfErrorCode { _ = try ThresholdOPRF.verifyAndCombine(blindedElements: elements, answers: [answer, answer], shares: publicShares, threshold: 2, suite: .voprf) } == .invalidInput)
    }

    @Test func inconsistentSharingParametersAreRefused() {
        let key = Scalar.random()
        #expect(oprfErrorCode { _ = try ThresholdOPRF.split(key, threshold: 4, count: 3) } == .invalidInput)
        #expect(oprfErrorCode { _ = try ThresholdOPRF.split(key, threshold: 0, count: 3) } == .invalidInput)
        #expect(oprfErrorCode { _ = try ThresholdOPRF.split(.zero, threshold: 2, count: 3) } == .invalidInput)
        #expect(oprfErrorCode { _ = try ThresholdOPRF.lagrangeCoefficientsAtZero(indices: [1, 1]) } == .invalidInput)
        #expect(oprfErrorCode { _ = try ThresholdOPRF.lagrangeCoefficientsAtZero(indices: [0, 2]) } == .invalidInput)
        #expect(oprfErrorCode { _ = try ThresholdOPRF.lagrangeCoefficientsAtZero(indices: []) } == .invalidInput)
    }

    /// Naive reference: the shares are f(i) of a polynomial evaluated term by term with powers, and
    /// Σ λ_i·f(x_i) over any t indices is f(0) = k.
    @Test func sharesAndLagrangeCoefficientsMatchTheNaivePolynomial() throws {
        var rng = SeededRandom()
        for _ in 0..<20 {
            let t = Int.random(in: 1...6, using: &rng)
            let n = Int.random(in: t...9, using: &rng)
            let key = seededScalar(&rng)
            var drawn = [Scalar]()
            let shares = try ThresholdOPRF.split(key, threshold: t, count: n, randomScalar: {
                let s = seededScalar(&rng); drawn.append(s); return s
            })
            let coefficients = [key] + drawn
            for share in shares {
                var y = Scalar.zero
                var power = Scalar.one
                for a in coefficients {
                    y = y.adding(a.multiplied(by: power))
                    power = power.multiplied(by: Scalar(UInt64(share.index)))
                }
                #expect(share.keyPair.privateKey == y, "seed \(rng.seed) share \(share.index)")
            }
            let chosen = Array(shares.shuffled(using: &rng).prefix(t))
            let lambdas = try ThresholdOPRF.lagrangeCoefficientsAtZero(indices: chosen.map(\.index))
            var sum = Scalar.zero
            for (share, lambda) in zip(chosen, lambdas) { sum = sum.adding(lambda.multiplied(by: share.keyPair.privateKey)) }
            #expect(sum == key, "seed \(rng.seed) t \(t) n \(n)")
        }
    }
}
