import Blinding
import Foundation
@testable import KeyHolder
import KeyHolding
import Node
import OPRF
import Sodium
import Testing
import TestSupport

/// `Tests/Vectors/keyholder/pseudonyms.json` (Protocols/keyholder.md §8), computed by an independent
/// Python implementation: the whole key's Evaluate and the 2-of-3 threshold path both give them.
@Suite struct PseudonymVectorTests {
    struct File: Decodable {
        struct Case: Decodable { let agreement, namespace, canonical, pseudonym: String }
        let description: String
        let key: String
        let vectors: [Case]
    }

    @Test func pseudonymsMatchTheIndependentVectorsByWholeKeyAndByThreshold() throws {
        let file = try Vectors.load(File.self, "keyholder/pseudonyms.json")
        let key = try #require(Scalar.canonical(hex(file.key)))
        let shares = try ThresholdOPRF.split(key, threshold: 2, count: 3)
        for v in file.vectors {
            let namespace = try #require(IdentifierNamespace(rawValue: v.namespace))
            let whole = try OPRFPseudonym.reference(key: key, agreement: v.agreement, namespace: namespace, canonical: v.canonical)
            #expect(Hex.encode(whole) == v.pseudonym, "\(v.agreement) \(v.namespace) \(v.canonical)")
            let dealt = DealtPublicKey(agreement: v.agreement, dealer: "d", threshold: 2, roundSeconds: 1, groupPublicKey: try Element.baseMultiplied(by: key),
                                       holders: shares.map { .init(party: "h\($0.index)", share: $0.publicShare) }, caps: [:])
            let input = OPRFPseudonym.input(agreement: v.agreement, namespace: namespace, canonical: v.canonical)
            let blinded = try OPRFClient.blind(batch: [input], suite: .voprf)
            let answers = try shares[1...2].map { s in
                (holder: "h\(s.index)", answer: try KeyHolderService.answer(share: DealtShare(index: s.index, keyPair: s.keyPair), agreement: v.agreement,
                                                                           elements: blinded.map(\.blindedElement)))
            }
            let threshold = try ThresholdBlinding(dealt: dealt, holders: []).finish(inputs: [input], blinded: blinded, answers: answers)
            #expect(threshold.map { Hex.encode($0) } == [v.pseudonym])
        }
    }
}
