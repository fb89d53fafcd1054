import Testing
import TestSupport
import Sodium
@testable import OPRF

private struct InvalidEncodings: Decodable {
    struct Entry: Decodable { let description, hex: String }
    let description: String
    let invalidElements, invalidScalars, validScalars: [Entry]
}

private let encodings = try! Vectors.load(InvalidEncodings.self, "oprf/invalid-encodings.json")

/// The VOPRF batch of two from RFC 9497 A.1.2, as elements, for corrupting.
private struct Batch {
    let inputs: [[UInt8]]
    let blinds: [Scalar]
    let blinded: [Element]
    let evaluated: [Element]
    let publicKey: Element
    let proof: [UInt8]

    init() throws {
        let mode = RFC9497Vectors.loaded.modes[1]
        let v = mode.vectors[2]
        inputs = batchField(v.input)
        blinds = try batchField(v.blind).map { try OPRFSuite.deserializeScalar($0) }
        blinded = try batchField(v.blindedElement).map { try OPRFSuite.deserializeElement($0) }
        evaluated = try batchField(v.evaluationElement).map { try OPRFSuite.deserializeElement($0) }
        publicKey = try OPRFSuite.deserializeElement(hex(mode.pkSm!))
        proof = hex(v.proof!)
    }

    /// Parses `proofBytes` and finalises the batch with it.
    func finalize(proofBytes: [UInt8], evaluated: [Element]? = nil, publicKey: Element? = nil) throws -> [[UInt8]] {
        try OPRFClient.finalize(batch: inputs, blinds: blinds, blindedElements: blinded,
                                evaluatedElements: evaluated ?? self.evaluated, publicKey: publicKey ?? self.publicKey,
                                proof: DLEQProof(serialized: proofBytes), suite: .voprf)
    }
}

@Suite struct CorruptionTests {
    @Test func theUncorruptedBatchVerifies() throws {
        let batch = try Batch()
        #expect(try batch.finalize(proofBytes: batch.proof).count == 2)
    }

    @Test func everyFlippedProofBitIsRefused() throws {
        let batch = try Batch()
        for byte in 0..<DLEQProof.length {
            for bit in 0..<8 {
                var corrupted = batch.proof
                corrupted[byte] ^= UInt8(1) << UInt8(bit)
                let code = oprfErrorCode { _ = try batch.finalize(proofBytes: corrupted) }
                // A flip that leaves a scalar unreduced is refused when parsing; any other fails the proof.
                #expect(code == .proofFailed || code == .invalidScalar, "byte \(byte) bit \(bit)")
            }
        }
    }

    @Test func aSwappedEvaluatedElementIsRefused() throws {
        let batch = try Batch()
        let code = oprfErrorCode { _ = try batch.finalize(proofBytes: batch.proof, evaluated: batch.evaluated.reversed()) }
        #expect(code == .proofFailed)
    }

    @Test func aProofUnderAnotherPublicKeyIsRefused() throws {
        let batch = try Batch()
        let other = OPRFKeyPair.generate().publicKey
        #expect(oprfErrorCode { _ = try batch.finalize(proofBytes: batch.proof, publicKey: other) } == .proofFailed)
    }

    @Test func aProofWithZeroScalarsIsRefusedWithoutACrash() throws {
        let batch = try Batch()
        let zeros = [UInt8](repeating: 0, count: DLEQProof.length)
        #expect(oprfErrorCode { _ = try batch.finalize(proofBytes: zeros) } == .proofFailed)
    }

    @Test func nonCanonicalAndIdentityElementsAreRefused() {
        #expect(encodings.invalidElements.count >= 8)
        for entry in encodings.invalidElements {
            #expect(oprfErrorCode { _ = try OPRFSuite.deserializeElement(hex(entry.hex)) } == .invalidElement, "\(entry.description)")
        }
    }

    @Test func aCorruptedBlindedElementEncodingIsRefused() throws {
        // Every single-bit flip of a valid encoding is either refused or decodes to another group
        // element; none is a second encoding of the original (libsodium 1.0.18 alone would accept
        // bit 255 set), and the refusals carry the element code.
        let batch = try Batch()
        var refused = 0
        for byte in 0..<32 {
            for bit in 0..<8 {
                var bytes = batch.blinded[0].bytes
                bytes[byte] ^= UInt8(1) << UInt8(bit)
                do {
                    let element = try OPRFSuite.deserializeElement(bytes)
                    // A different group element, not another spelling of the same one.
                    #expect(try !element.subtracting(batch.blinded[0]).isIdentity, "byte \(byte) bit \(bit)")
                } catch let error as OPRFError {
                    #expect(error.code == .invalidElement)
                    refused += 1
                }
            }
        }
        #expect(refused > 0)
    }

    @Test func unreducedScalarsAreRefusedAndReducedOnesAccepted() throws {
        for entry in encodings.invalidScalars {
            #expect(oprfErrorCode { _ = try OPRFSuite.deserializeScalar(hex(entry.hex)) } == .invalidScalar, "\(entry.description)")
        }
        for entry in encodings.validScalars {
            let scalar = try OPRFSuite.deserializeScalar(hex(entry.hex))
            #expect(Hex.encode(OPRFSuite.serializeScalar(scalar)) == entry.hex, "\(entry.description)")
        }
    }

    @Test func inputsOfSixtyFourKibibytesAreRefused() {
        let long = [UInt8](repeating: 7, count: 0x10000)
        #expect(oprfErrorCode { _ = try OPRFClient.blind(long, suite: .oprf) } == .invalidInput)
        #expect(oprfErrorCode { _ = try OPRFClient.blind(Array(long.dropLast()), suite: .oprf) } == nil)
    }

    @Test func mismatchedOrEmptyBatchesAreRefused() throws {
        let batch = try Batch()
        #expect(oprfErrorCode { _ = try batch.finalize(proofBytes: batch.proof, evaluated: [batch.evaluated[0]]) } == .invalidInput)
        let keys = OPRFKeyPair.generate()
        #expect(oprfErrorCode { _ = try OPRFServer.blindEvaluate(keyPair: keys, blindedElements: [], suite: .voprf) } == .invalidInput)
    }

    @Test func theIdentityIsRefusedAsAnEvaluatedOrBlindedElement() throws {
        let batch = try Batch()
        #expect(oprfErrorCode { _ = try OPRFClient.finalize(batch.inputs[0], blind: batch.blinds[0], evaluatedElement: .identity) } == .invalidElement)
        #expect(oprfErrorCode { _ = try OPRFServer.blindEvaluate(privateKey: .random(), blindedElement: .identity) } == .invalidElement)
    }

    @Test func aShortKeySeedIsRefused() {
        #expect(oprfErrorCode { _ = try OPRFKeyPair.derive(seed: SecretBytes([1, 2, 3]), info: [], suite: .voprf) } == .invalidInput)
    }
}
