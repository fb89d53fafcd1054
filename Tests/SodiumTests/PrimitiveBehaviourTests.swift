import Testing
import TestSupport
@testable import Sodium

@Suite struct PrimitiveBehaviour {
    @Test func tamperedSignatureOrMessageIsRejected() throws {
        let key = Ed25519.PrivateKey.generate()
        let message = Array("submission header".utf8)
        var signature = key.signature(for: message)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        var altered = message; altered[0] ^= 1
        #expect(!key.publicKey.isValidSignature(signature, for: altered))
        signature[10] ^= 0x40
        #expect(!key.publicKey.isValidSignature(signature, for: message))
        #expect(throws: SodiumError(.verificationFailed, "Ed25519 signature does not verify")) {
            try key.publicKey.verify(signature, for: message)
        }
        #expect(!key.publicKey.isValidSignature(Array(signature.prefix(63)), for: message))
        #expect(!Ed25519.PrivateKey.generate().publicKey.isValidSignature(key.signature(for: message), for: message))
    }

    @Test func sealedBoxOpensOnlyForItsRecipient() throws {
        let recipient = X25519.PrivateKey.generate()
        let other = X25519.PrivateKey.generate()
        let plaintext = Array("linkage secret".utf8)
        let sealed = SealedBox.seal(plaintext, to: recipient.publicKey)
        #expect(sealed.count == plaintext.count + SealedBox.overhead)
        #expect(try SealedBox.open(sealed, with: recipient) == plaintext)
        #expect(throws: SodiumError.self) { try SealedBox.open(sealed, with: other) }
        var altered = sealed; altered[altered.count - 1] ^= 1
        #expect(throws: SodiumError.self) { try SealedBox.open(altered, with: recipient) }
        #expect(throws: SodiumError.self) { try SealedBox.open(Array(sealed.prefix(10)), with: recipient) }
    }

    @Test func x25519PublicKeyIsDerivedFromSecret() throws {
        let key = X25519.PrivateKey.generate()
        let again = try X25519.PrivateKey(secret: SecretBytes(key.secret.unsafeCopy()))
        #expect(again.publicKey == key.publicKey)
        #expect(throws: SodiumError.self) { try X25519.PrivateKey(secret: SecretBytes([1, 2, 3])) }
    }

    @Test func secretBytesCompareInConstantTimeAndNeverPrint() {
        let a = SecretBytes(Array("same secret".utf8))
        let b = SecretBytes(Array("same secret".utf8))
        let c = SecretBytes(Array("other secre".utf8))
        #expect(a == b)
        #expect(a != c)
        #expect(a != SecretBytes(Array("same secre".utf8)))
        #expect("\(a)" == "<redacted>")
        #expect(String(reflecting: a) == "<redacted>")
        #expect(!"\([a])".contains("same"))
        #expect(SecretBytes.random(count: 32) != SecretBytes.random(count: 32))
    }

    @Test func ristrettoBlindingRoundTrips() throws {
        // The OPRF identity: (P · r) · r⁻¹ = P for a random blind r.
        let point = try Ristretto255.Point.fromUniformBytes(Random.bytes(64))
        let blind = Ristretto255.Scalar.random()
        let blinded = try point.multiplied(by: blind)
        #expect(blinded != point)
        #expect(try blinded.multiplied(by: blind.inverted()) == point)
        #expect(throws: SodiumError.self) { try Ristretto255.Scalar(secret: SecretBytes(count: 32) { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }).inverted() }
        var bad = point.bytes; bad[0] |= 0x01  // a negative field element is never canonical
        #expect(throws: SodiumError.self) { try Ristretto255.Point(bytes: bad) }
    }

    @Test func hexRoundTripsAndRejectsJunk() {
        var rng = SeededRandom()
        let bytes = rng.bytes(40)
        #expect(Hex.decode(Hex.encode(bytes)) == bytes, "seed \(rng.seed)")
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("ABcd") == [0xab, 0xcd])
    }

    @Test func uniformRandomStaysInRange() {
        for _ in 0..<1000 { #expect(Random.uniform(7) < 7) }
    }
}
