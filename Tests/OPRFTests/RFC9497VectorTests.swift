import Foundation
import Testing
import TestSupport
import Sodium
@testable import OPRF

/// `Tests/Vectors/oprf/ristretto255-sha512.json` (Protocols/oprf.md §11).
struct RFC9497Vectors: Decodable {
    struct Mode: Decodable {
        let mode: UInt8
        let name, groupDST, seed, keyInfo, skSm: String
        let pkSm: String?
        let vectors: [Vector]
    }
    struct Vector: Decodable {
        let name: String
        let batch: Int
        let input, blind, blindedElement, evaluationElement, output: String
        let proof, proofRandomScalar: String?
    }
    let description: String
    let modes: [Mode]

    static let loaded = try! Vectors.load(RFC9497Vectors.self, "oprf/ristretto255-sha512.json")
}

/// A comma-separated batch field as bytes.
func batchField(_ field: String) -> [[UInt8]] { field.split(separator: ",").map { hex(String($0)) } }

@Suite struct RFC9497VectorTests {
    let file = RFC9497Vectors.loaded

    func suite(_ mode: RFC9497Vectors.Mode) -> OPRFSuite { OPRFSuite(mode: OPRFMode(rawValue: mode.mode)!) }

    @Test func vectorFileHoldsBothModesAndTheBatchOfTwo() {
        #expect(file.modes.map(\.mode) == [0, 1])
        #expect(file.modes[0].vectors.count == 2)
        #expect(file.modes[1].vectors.map(\.batch) == [1, 1, 2])
        #expect(file.description.contains("RFC 9497"))
    }

    @Test func contextStringAndHashToGroupDSTMatchTheRFC() {
        for mode in file.modes {
            #expect(Hex.encode(suite(mode).hashToGroupDST) == mode.groupDST, "mode \(mode.name)")
        }
        #expect(OPRFSuite.oprf.contextString == Array("OPRFV1-".utf8) + [0x00] + Array("-ristretto255-SHA512".utf8))
    }

    /// The table of Protocols/oprf.md §3, byte for byte.
    @Test func labelsAreThoseOfTheSpec() {
        let v = OPRFSuite.voprf
        #expect(Hex.encode(v.contextString) == "4f50524656312d012d72697374726574746f3235352d534841353132")
        #expect(Hex.encode(OPRFSuite.oprf.contextString) == "4f50524656312d002d72697374726574746f3235352d534841353132")
        #expect(Hex.encode(v.hashToScalarDST) == "48617368546f5363616c61722d4f50524656312d012d72697374726574746f3235352d534841353132")
        #expect(Hex.encode(v.deriveKeyPairDST) == "4465726976654b6579506169724f50524656312d012d72697374726574746f3235352d534841353132")
        #expect(Hex.encode(v.seedDST) == "536565642d4f50524656312d012d72697374726574746f3235352d534841353132")
        #expect(Hex.encode(OPRFSuite.Label.composite) == "436f6d706f73697465")
        #expect(Hex.encode(OPRFSuite.Label.challenge) == "4368616c6c656e6765")
        #expect(Hex.encode(OPRFSuite.Label.finalize) == "46696e616c697a65")
    }

    @Test func deriveKeyPairReproducesTheRFCKeys() throws {
        for mode in file.modes {
            let keys = try OPRFKeyPair.derive(seed: SecretBytes(hex(mode.seed)), info: hex(mode.keyInfo), suite: suite(mode))
            #expect(Hex.encode(OPRFSuite.serializeScalar(keys.privateKey)) == mode.skSm, "mode \(mode.name)")
            if let pkSm = mode.pkSm {
                #expect(Hex.encode(OPRFSuite.serializeElement(keys.publicKey)) == pkSm, "mode \(mode.name)")
            }
        }
    }

    @Test func blindReproducesTheBlindedElements() throws {
        for mode in file.modes {
            for v in mode.vectors {
                let inputs = batchField(v.input), blinds = batchField(v.blind), expected = v.blindedElement.split(separator: ",")
                for i in inputs.indices {
                    let blinded = try OPRFClient.blind(inputs[i], suite: suite(mode), blind: OPRFSuite.deserializeScalar(blinds[i]))
                    #expect(Hex.encode(blinded.blindedElement.bytes) == String(expected[i]), "\(mode.name) \(v.name) #\(i)")
                }
            }
        }
    }

    @Test func oprfModeEvaluatesAndFinalizesToTheRFCOutputs() throws {
        let mode = file.modes[0]
        let sk = try OPRFSuite.deserializeScalar(hex(mode.skSm))
        for v in mode.vectors {
            let blinded = try OPRFSuite.deserializeElement(hex(v.blindedElement))
            let evaluated = try OPRFServer.blindEvaluate(privateKey: sk, blindedElement: blinded)
            #expect(Hex.encode(evaluated.bytes) == v.evaluationElement, "\(v.name)")
            let output = try OPRFClient.finalize(hex(v.input), blind: OPRFSuite.deserializeScalar(hex(v.blind)), evaluatedElement: evaluated)
            #expect(Hex.encode(output) == v.output, "\(v.name)")
            #expect(Hex.encode(try OPRFServer.evaluate(privateKey: sk, input: hex(v.input), suite: .oprf)) == v.output, "\(v.name)")
        }
    }

    @Test func voprfModeReproducesEvaluationsProofsAndOutputs() throws {
        let mode = file.modes[1]
        let keys = try OPRFKeyPair(privateKey: OPRFSuite.deserializeScalar(hex(mode.skSm)))
        #expect(Hex.encode(keys.publicKey.bytes) == mode.pkSm)
        for v in mode.vectors {
            let inputs = batchField(v.input)
            let blinds = try batchField(v.blind).map { try OPRFSuite.deserializeScalar($0) }
            let blinded = try batchField(v.blindedElement).map { try OPRFSuite.deserializeElement($0) }
            let r = try OPRFSuite.deserializeScalar(hex(try #require(v.proofRandomScalar)))
            let (evaluated, proof) = try OPRFServer.blindEvaluate(keyPair: keys, blindedElements: blinded, suite: .voprf, r: r)
            #expect(evaluated.map { Hex.encode($0.bytes) }.joined(separator: ",") == v.evaluationElement, "\(v.name)")
            #expect(Hex.encode(proof.serialized) == v.proof, "\(v.name)")

            let received = try DLEQProof(serialized: hex(try #require(v.proof)))
            let outputs = try OPRFClient.finalize(batch: inputs, blinds: blinds, blindedElements: blinded,
                                                  evaluatedElements: evaluated, publicKey: keys.publicKey,
                                                  proof: received, suite: .voprf)
            #expect(outputs.map { Hex.encode($0) }.joined(separator: ",") == v.output, "\(v.name)")
        }
    }
}
