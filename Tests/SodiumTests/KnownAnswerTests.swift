import Testing
import TestSupport
@testable import Sodium

private struct KAT: Decodable {
    struct Keyed: Decodable { let `in`: String; let key: String; let hash: String }
    struct Params: Decodable { let message, key: String; let outputLength: Int; let salt, personal, hash: String }
    struct HKDFCase: Decodable { let description, hash, ikm, salt, info: String; let length: Int; let okm: String }
    struct Ed: Decodable { let description, seed, publicKey, message, signature: String }
    struct FromHash: Decodable { let description, uniform, point: String }
    let blake2bKeyedKAT: [Keyed]
    let blake2bParameters: [Params]
    let hkdf: [HKDFCase]
    let ed25519: [Ed]
    let ristretto255FromHash: [FromHash]
}

private let kat = try! Vectors.load(KAT.self, "sodium/kat.json")

@Suite struct KnownAnswers {
    @Test func blake2bMatchesReferenceKeyedVectors() throws {
        #expect(kat.blake2bKeyedKAT.count == 256)
        for v in kat.blake2bKeyedKAT {
            let out = try BLAKE2b.hash(hex(v.in), key: hex(v.key), outputLength: 64)
            #expect(Hex.encode(out) == v.hash, "input length \(v.in.count / 2)")
        }
    }

    @Test func blake2bHonoursSaltPersonalAndOutputLength() throws {
        for v in kat.blake2bParameters {
            let out = try BLAKE2b.hash(hex(v.message), key: hex(v.key), outputLength: v.outputLength,
                                       salt: hex(v.salt), personal: hex(v.personal))
            #expect(Hex.encode(out) == v.hash)
        }
    }

    @Test func incrementalBlake2bEqualsOneShotForEverySplit() throws {
        let message = Array("Sørensen–Dice över Bloomfilter".utf8)
        let key = Array(repeating: UInt8(7), count: 64)
        let expected = try BLAKE2b.hash(message, key: key, outputLength: 64, salt: Array("3".utf8))
        let prefix = try BLAKE2b.State(key: SecretBytes(key), outputLength: 64, salt: Array("3".utf8))
        let scratch = prefix.copy()
        for split in 0...message.count {
            scratch.reset(to: prefix)
            scratch.update(Array(message[..<split]))
            scratch.update(Array(message[split...]))
            var out = [UInt8](repeating: 0, count: 64)
            out.withUnsafeMutableBytes { scratch.finalize(into: $0) }
            #expect(out == expected, "split at \(split)")
        }
    }

    @Test func blake2bRejectsOutOfRangeParameters() {
        #expect(throws: SodiumError.self) { try BLAKE2b.hash([], outputLength: 0) }
        #expect(throws: SodiumError.self) { try BLAKE2b.hash([], outputLength: 65) }
        #expect(throws: SodiumError.self) { try BLAKE2b.hash([], key: [UInt8](repeating: 1, count: 65)) }
        #expect(throws: SodiumError.self) { try BLAKE2b.hash([], salt: [UInt8](repeating: 1, count: 17)) }
    }

    @Test func hkdfMatchesRFC5869() throws {
        #expect(kat.hkdf.count >= 6)
        for v in kat.hkdf {
            let hash = try #require(HMAC.Hash(rawValue: v.hash))
            let okm = try HKDF.deriveKey(hash, inputKeyMaterial: SecretBytes(hex(v.ikm)), salt: hex(v.salt),
                                         info: hex(v.info), length: v.length)
            #expect(Hex.encode(okm.unsafeCopy()) == v.okm, "\(v.description)")
        }
    }

    @Test func hkdfRefusesMoreThan255Blocks() {
        #expect(throws: SodiumError.self) {
            try HKDF.expand(.sha256, pseudorandomKey: SecretBytes.random(count: 32), info: [], length: 255 * 32 + 1)
        }
    }

    @Test func ed25519MatchesRFC8032() throws {
        for v in kat.ed25519 {
            let key = try Ed25519.PrivateKey(seed: SecretBytes(hex(v.seed)))
            #expect(Hex.encode(key.publicKey.bytes) == v.publicKey, "\(v.description)")
            let signature = key.signature(for: hex(v.message))
            #expect(Hex.encode(signature) == v.signature, "\(v.description)")
            #expect(key.publicKey.isValidSignature(hex(v.signature), for: hex(v.message)))
        }
    }

    @Test func ristrettoFromHashMatchesPublishedExample() throws {
        for v in kat.ristretto255FromHash {
            #expect(Hex.encode(try Ristretto255.Point.fromUniformBytes(hex(v.uniform)).bytes) == v.point)
        }
    }

    @Test func sha2MatchesFIPSExamples() {
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA512.hash(Array("abc".utf8))).hasPrefix("ddaf35a193617abacc417349ae204131"))
        var state = SHA256.State()
        state.update(Array("a".utf8)); state.update(Array("bc".utf8))
        #expect(state.finalize() == SHA256.hash(Array("abc".utf8)))
    }
}
