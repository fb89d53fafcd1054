import Foundation
import Testing
import Sodium
import TestSupport
@testable import Wire

/// Protocols/wire.md §3.2.
@Suite struct SealedAttributeTests {
    @Test func everyValueSealsToOneLengthAndOpensOnlyForItsRecipient() throws {
        let fk = X25519.PrivateKey.generate(), coordinator = X25519.PrivateKey.generate()
        let values = ["", "aktiv", "koppling", "alderspension+bostadstillagg", "åäö", String(repeating: "x", count: SealedAttribute.maxValueLength)]
        for v in values {
            let box = SealedAttribute.seal(v, to: fk.publicKey)
            #expect(box.count == SealedAttribute.boxLength && box.count == 96, "the length never shows the value")
            #expect(try SealedAttribute.open(box, with: fk) == v)
            #expect(throws: WireError(.sealBroken, "a sealed attribute value does not open with this party's key")) { try SealedAttribute.open(box, with: coordinator) }
        }
        #expect(SealedAttribute.seal("aktiv", to: fk.publicKey) != SealedAttribute.seal("aktiv", to: fk.publicKey), "equal values give unrelated boxes")
    }

    @Test func paddingIsTheVectorsLayout() {
        #expect(SealedAttribute.pad("aktiv") == [5] + Array("aktiv".utf8) + [UInt8](repeating: 0, count: 42))
        #expect(SealedAttribute.pad("") == [UInt8](repeating: 0, count: 48))
    }

    /// A box whose plaintext is not the padding of §3.2 is refused, whatever opens.
    @Test func brokenPaddingAndWrongLengthsAreRefused() throws {
        let fk = X25519.PrivateKey.generate()
        var bad = SealedAttribute.pad("aktiv"); bad[47] = 1
        #expect(throws: WireError.self) { try SealedAttribute.open(SealedBox.seal(bad, to: fk.publicKey), with: fk) }
        var long = SealedAttribute.pad("aktiv"); long[0] = 48
        #expect(throws: WireError.self) { try SealedAttribute.open(SealedBox.seal(long, to: fk.publicKey), with: fk) }
        let notUTF8 = [UInt8(2), 0xC3, 0x28] + [UInt8](repeating: 0, count: 45)
        #expect(throws: WireError.self) { try SealedAttribute.open(SealedBox.seal(notUTF8, to: fk.publicKey), with: fk) }
        #expect(throws: WireError.self) { try SealedAttribute.open(SealedBox.seal(Array("aktiv".utf8), to: fk.publicKey), with: fk) }
        let box = SealedAttribute.seal("aktiv", to: fk.publicKey)
        for i in stride(from: 0, to: box.count, by: 7) {
            var flipped = box; flipped[i] ^= 1
            #expect(throws: WireError.self, "byte \(i)") { try SealedAttribute.open(flipped, with: fk) }
        }
    }

    @Test func aHeaderWithADuplicateOrRecipientlessSealedAttributeIsMalformed() throws {
        var h = Submission.Header(agreementID: "a", party: "polisen", recipient: "coordinator", submissionID: [UInt8](repeating: 1, count: 16),
                                  createdAt: 0, schemaDigest: [UInt8](repeating: 0, count: 32), clkBytes: 0, attributes: ["category"])
        h.sealedAttributes = [.init(name: "category", recipients: ["fk"])]
        #expect(throws: WireError.self) { try Submission.Header(decoding: h.encoded()) }
        h.attributes = []
        #expect(try Submission.Header(decoding: h.encoded()) == h)
        h.sealedAttributes = [.init(name: "category", recipients: [])]
        #expect(throws: WireError.self) { try Submission.Header(decoding: h.encoded()) }
    }
}

/// Tests/Vectors/wire/sealed-attribute.json: boxes made outside libsodium with fixed keys.
@Suite struct SealedAttributeVectorTests {
    struct File: Decodable {
        struct Case: Decodable { let description: String; let box: String; let value: String?; let error: String? }
        let recipientSecretKey: String
        let recipientPublicKey: String
        let cases: [Case]
    }

    @Test func everyVectorOpensToItsValueOrFailsWithItsCode() throws {
        let file = try Vectors.load(File.self, "wire/sealed-attribute.json")
        let secret = hex(file.recipientSecretKey)
        let key = try X25519.PrivateKey(secret: SecretBytes(count: secret.count) { $0.copyBytes(from: secret) })
        #expect(key.publicKey.bytes == hex(file.recipientPublicKey))
        for c in file.cases {
            do {
                let value = try SealedAttribute.open(hex(c.box), with: key)
                #expect(value == c.value, "\(c.description)")
            } catch let e as WireError {
                #expect(e.code.rawValue == c.error, "\(c.description): \(e.code.rawValue)")
            }
        }
        #expect(file.cases.contains { $0.error == "wire.seal-broken" } && file.cases.contains { $0.error == "wire.malformed" })
    }
}
