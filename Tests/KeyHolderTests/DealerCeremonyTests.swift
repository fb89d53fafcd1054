import Foundation
import KeyHolding
import OPRF
import Parties
import Sodium
import Testing

/// The dealer ceremony and the dealt files (Protocols/keyholder.md §2–§3).
@Suite struct DealerCeremonyTests {
    @Test func dealtFilesRoundTripAndEveryShareOpensOnlyForItsHolder() throws {
        let f = try Fixture()
        defer { f.remove() }
        let text = try f.dealt.publicKey.encoded()
        let read = try DealtPublicKey(json: text, source: "dealt")
        #expect(read == f.dealt.publicKey)
        try read.verify(registry: f.registry)
        #expect(try Element.baseMultiplied(by: f.key) == read.groupPublicKey)
        for (i, h) in ["kh-a", "kh-b", "kh-c"].enumerated() {
            let sealed = try SealedShare(json: f.dealt.shares[i].encoded(), source: h)
            let share = try sealed.open(with: f.keys[h]!, dealt: read, registry: f.registry)
            #expect(share.index == UInt16(i + 1) && share.keyPair.publicKey == read.holders[i].share.publicKey)
            let thief = h == "kh-a" ? "kh-b" : "kh-a"
            #expect(throws: KeyHoldingError.self) { try sealed.open(with: f.keys[thief]!, dealt: read, registry: f.registry) }
        }
    }

    @Test func aTamperedDealtFileIsRefused() throws {
        let f = try Fixture()
        defer { f.remove() }
        let d = f.dealt.publicKey
        // Caps raised after signing.
        let raised = DealtPublicKey(agreement: d.agreement, dealer: d.dealer, threshold: d.threshold, roundSeconds: d.roundSeconds,
                                    groupPublicKey: d.groupPublicKey, holders: d.holders, caps: ["fk": 1_000_000, "polisen": 1000], signature: d.signature)
        #expect(throws: KeyHoldingError(.badSignature, "the dealt key of agreement 'kh-test' is not signed by its dealer 'dealer'")) { try raised.verify(registry: f.registry) }
        // A share key swapped for another, re-signed by the dealer: the shares no longer lie on one polynomial.
        var holders = d.holders
        holders[2] = .init(party: "kh-c", share: OPRFSharePublicKey(index: 3, publicKey: try Element.baseMultiplied(by: .random())))
        let swapped = DealtPublicKey(agreement: d.agreement, dealer: d.dealer, threshold: d.threshold, roundSeconds: d.roundSeconds,
                                     groupPublicKey: d.groupPublicKey, holders: holders, caps: d.caps).signed(by: f.keys["dealer"]!.signing)
        do { try swapped.verify(registry: f.registry); Issue.record("inconsistent shares verified") } catch let e as KeyHoldingError {
            #expect(e.code == .inconsistent)
        }
    }

    @Test func theCeremonyRefusesHoldersThatAreNotKeyHolders() throws {
        let f = try Fixture()
        defer { f.remove() }
        do {
            _ = try DealerCeremony.deal(agreement: "x", holders: ["kh-a", "fk"], threshold: 2, caps: ["polisen": 1], dealer: f.keys["dealer"]!, registry: f.registry)
            Issue.record("a node was dealt a share")
        } catch let e as KeyHoldingError { #expect(e.code == .notAHolder && e.reason.contains("'fk'")) }
        #expect(throws: KeyHoldingError.self) {
            try DealerCeremony.deal(agreement: "x", holders: ["kh-a"], threshold: 2, caps: ["fk": 1], dealer: f.keys["dealer"]!, registry: f.registry)
        }
    }
}
