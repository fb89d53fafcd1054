import Testing
import TestSupport
import Sodium
@testable import OPRF

/// The batch work split across threads (Protocols/oprf.md §8.4) beside the one-thread loops.
@Suite struct ParallelBatchTests {
    static let sizes = [1, 2, 7, 4097]

    @Test func slicesCoverTheBatchInOrderWithLengthsDifferingByAtMostOne() {
        for count in [0, 1, 2, 3, 7, 8, 4097] {
            for workers in [1, 2, 3, 4, 16] {
                let slices = ParallelBatch.slices(count: count, workers: workers)
                #expect(slices.flatMap { Array($0) } == Array(0..<count), "count \(count) workers \(workers)")
                #expect(slices.count == min(count, workers), "count \(count) workers \(workers)")
                let lengths = slices.map(\.count)
                #expect((lengths.max() ?? 0) - (lengths.min() ?? 0) <= 1 && !lengths.contains(0))
            }
        }
    }

    @Test func theFirstFailingSliceIsTheErrorRethrown() {
        for workers in [1, 3, 4] {
            let code = oprfErrorCode {
                _ = try ParallelBatch.map(count: 7, workers: workers) { i -> Int in
                    if i >= 3 { throw OPRFError(.invalidElement, "element \(i)") }
                    return i
                }
            }
            #expect(code == .invalidElement)
            do {
                _ = try ParallelBatch.map(count: 7, workers: workers) { i -> Int in
                    if i == 2 || i == 6 { throw OPRFError(.invalidElement, "element \(i)") }
                    return i
                }
            } catch let e as OPRFError {
                #expect(e.reason == "element 2", "workers \(workers)")
            } catch { Issue.record("unexpected \(error)") }
        }
    }

    /// Partial composite sums per worker, added afterwards, equal RFC 9497's one loop, for batch
    /// sizes that do not divide evenly by the worker count; the proof of a fixed r is the same
    /// for any number of workers, and each verifies under every worker count.
    @Test func parallelCompositesAndProofsEqualTheOneThreadLoop() throws {
        var rng = SeededRandom()
        for size in Self.sizes {
            let keys = try OPRFKeyPair(privateKey: seededScalar(&rng))
            let C = (0..<size).map { _ in seededElement(&rng) }
            let D = try OPRFServer.blindEvaluate(privateKey: keys.privateKey, blindedElements: C, workers: 1)
            #expect(try OPRFServer.blindEvaluate(privateKey: keys.privateKey, blindedElements: C, workers: 3) == D, "seed \(rng.seed) size \(size)")
            let naive = try DLEQ.computeComposites(B: keys.publicKey, C: C, D: D, suite: .voprf, workers: 1)
            let r = seededScalar(&rng)
            let oneThread = try DLEQ.generateProof(k: keys.privateKey, A: .generator, B: keys.publicKey, C: C, D: D, suite: .voprf, r: r, workers: 1)
            for workers in [2, 3, 4] {
                let split = try DLEQ.computeComposites(B: keys.publicKey, C: C, D: D, suite: .voprf, workers: workers)
                let fast = try DLEQ.computeCompositesFast(k: keys.privateKey, B: keys.publicKey, C: C, D: D, suite: .voprf, workers: workers)
                #expect(split.M == naive.M && split.Z == naive.Z, "seed \(rng.seed) size \(size) workers \(workers)")
                #expect(fast.M == naive.M && fast.Z == naive.Z, "seed \(rng.seed) size \(size) workers \(workers)")
                let proof = try DLEQ.generateProof(k: keys.privateKey, A: .generator, B: keys.publicKey, C: C, D: D, suite: .voprf, r: r, workers: workers)
                #expect(proof == oneThread, "seed \(rng.seed) size \(size) workers \(workers)")
                try DLEQ.verifyProof(A: .generator, B: keys.publicKey, C: C, D: D, proof: proof, suite: .voprf, workers: workers)
            }
            // One wrong evaluated element is caught whichever worker sums it.
            var bad = D
            bad[size - 1] = seededElement(&rng)
            for workers in [1, 4] {
                #expect(oprfErrorCode {
                    try DLEQ.verifyProof(A: .generator, B: keys.publicKey, C: C, D: bad, proof: oneThread, suite: .voprf, workers: workers)
                } == .proofFailed, "seed \(rng.seed) size \(size) workers \(workers)")
            }
        }
    }

    /// Finalize of an element unblinded by the caller equals Finalize with the blind.
    @Test func finalizeOfTheUnblindedElementEqualsFinalizeWithTheBlind() throws {
        var rng = SeededRandom()
        let keys = try OPRFKeyPair(privateKey: seededScalar(&rng))
        for _ in 0..<8 {
            let input = seededBytes(&rng, count: Int.random(in: 0...40, using: &rng))
            let blinded = try OPRFClient.blind(input, suite: .voprf, blind: seededScalar(&rng))
            let Z = try OPRFServer.blindEvaluate(privateKey: keys.privateKey, blindedElement: blinded.blindedElement)
            let withBlind = try OPRFClient.finalize(input, blind: blinded.blind, evaluatedElement: Z)
            let unblinded = try OPRFClient.finalize(input, unblinded: Z.multiplied(by: blinded.blind.inverted()))
            #expect(withBlind == unblinded, "seed \(rng.seed)")
        }
        #expect(oprfErrorCode { _ = try OPRFClient.finalize([1], unblinded: .identity) } == .invalidElement)
    }
}

@Suite struct BatchInversionTests {
    @Test func batchInversesEqualOneInversionEach() throws {
        var rng = SeededRandom()
        for size in [0, 1, 2, 7, 100] {
            let scalars = (0..<size).map { _ in seededScalar(&rng) }
            let batch = try ThresholdOPRF.inverses(scalars)
            #expect(try batch == scalars.map { try $0.inverted() }, "seed \(rng.seed) size \(size)")
        }
        #expect(oprfErrorCode { _ = try ThresholdOPRF.inverses([Scalar.one, .zero, .one]) } == .invalidScalar)
    }
}
