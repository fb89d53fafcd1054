import Testing
import TestSupport
import Sodium
@testable import OPRF

@Suite struct ReferenceCrossCheckTests {
    /// ComputeCompositesFast (Z = k·M) beside ComputeComposites (Z = Σ d_i·D_i) on honest batches.
    @Test func fastCompositesEqualTheVerifiersComposites() throws {
        var rng = SeededRandom()
        for size in [1, 2, 3, 7, 16] {
            let keys = try OPRFKeyPair(privateKey: seededScalar(&rng))
            let C = (0..<size).map { _ in seededElement(&rng) }
            let D = try C.map { try $0.multiplied(by: keys.privateKey) }
            let fast = try DLEQ.computeCompositesFast(k: keys.privateKey, B: keys.publicKey, C: C, D: D, suite: .voprf)
            let naive = try DLEQ.computeComposites(B: keys.publicKey, C: C, D: D, suite: .voprf)
            #expect(fast.M == naive.M && fast.Z == naive.Z, "seed \(rng.seed) size \(size)")
        }
    }

    /// Blind → BlindEvaluate → Finalize equals Evaluate with key and input together, in both modes,
    /// for random inputs of random lengths (including empty).
    @Test func blindedRoundTripEqualsDirectEvaluation() throws {
        var rng = SeededRandom()
        let inputs = (0..<12).map { i in seededBytes(&rng, count: i == 0 ? 0 : Int.random(in: 1...80, using: &rng)) }
        let keys = try OPRFKeyPair(privateKey: seededScalar(&rng))
        for suite in [OPRFSuite.oprf, .voprf] {
            let blinded = try inputs.map { try OPRFClient.blind($0, suite: suite, blind: seededScalar(&rng)) }
            let expected = try inputs.map { try OPRFServer.evaluate(privateKey: keys.privateKey, input: $0, suite: suite) }
            if suite.mode == .oprf {
                let evaluated = try OPRFServer.blindEvaluate(privateKey: keys.privateKey, blindedElements: blinded.map(\.blindedElement))
                let outputs = try OPRFClient.finalize(batch: inputs, blinds: blinded.map(\.blind), evaluatedElements: evaluated)
                #expect(outputs == expected, "seed \(rng.seed)")
            } else {
                let (evaluated, proof) = try OPRFServer.blindEvaluate(keyPair: keys, blindedElements: blinded.map(\.blindedElement),
                                                                      suite: suite, r: seededScalar(&rng))
                let outputs = try OPRFClient.finalize(batch: inputs, blinds: blinded.map(\.blind), blindedElements: blinded.map(\.blindedElement),
                                                      evaluatedElements: evaluated, publicKey: keys.publicKey, proof: proof, suite: suite)
                #expect(outputs == expected, "seed \(rng.seed)")
            }
        }
    }

    /// The two modes hash to different elements and so give different outputs for one key and input.
    @Test func modesAreDomainSeparated() throws {
        let keys = OPRFKeyPair.generate()
        let a = try OPRFServer.evaluate(privateKey: keys.privateKey, input: [1, 2, 3], suite: .oprf)
        let b = try OPRFServer.evaluate(privateKey: keys.privateKey, input: [1, 2, 3], suite: .voprf)
        #expect(a != b)
    }

    /// RFC 9380 K.3 (Tests/Vectors/oprf/expand-message-xmd-sha512.json), and ell > 255 refused.
    @Test func expandMessageMatchesRFC9380Vectors() throws {
        struct File: Decodable {
            struct Case: Decodable { let msg: String; let lenInBytes: Int; let uniformBytes: String }
            let dst: String
            let vectors: [Case]
        }
        let file = try Vectors.load(File.self, "oprf/expand-message-xmd-sha512.json")
        #expect(file.vectors.count == 4)
        for v in file.vectors {
            let out = try ExpandMessageXMD.sha512(Array(v.msg.utf8), dst: Array(file.dst.utf8), lengthInBytes: v.lenInBytes)
            #expect(Hex.encode(out) == v.uniformBytes, "msg '\(v.msg)' length \(v.lenInBytes)")
        }
        #expect(try ExpandMessageXMD.sha512([], dst: [], lengthInBytes: 255 * 64).count == 255 * 64)
        #expect(oprfErrorCode { _ = try ExpandMessageXMD.sha512([], dst: [], lengthInBytes: 255 * 64 + 1) } == .invalidInput)
    }
}
