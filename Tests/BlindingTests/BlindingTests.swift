import Testing
import TestSupport
import Sodium
@testable import Blinding

private struct BlindingCase: Decodable, Sendable {
    let linkageSecret: String
    let agreement: String
    let namespace: String
    let key: String
    let clkSecret: String
    let blinded: [String: String]
}
private struct BlindingFile: Decodable { let cases: [BlindingCase] }
private let cases = try! Vectors.load(BlindingFile.self, "blinding/vectors.json").cases

@Suite struct BlindingTests {
    @Test func derivationsMatchTheSpecVectors() throws {
        #expect(cases.count == 6)
        for c in cases {
            let keys = LinkageKeys(agreementID: c.agreement, linkageSecret: SecretBytes(hex(c.linkageSecret)))
            let namespace = try #require(IdentifierNamespace(rawValue: c.namespace))
            #expect(Hex.encode(keys.blindingKey(namespace).unsafeCopy()) == c.key)
            #expect(Hex.encode(keys.clkSecret().unsafeCopy()) == c.clkSecret)
            let blinder = IdentifierBlinder(keys: keys, namespace: namespace)
            for (canonical, expected) in c.blinded {
                #expect(Hex.encode(blinder.blind(canonical)) == expected)
            }
        }
    }

    @Test func agreementsAndNamespacesNeverShareAPseudonym() {
        let secret = SecretBytes.random(count: 32)
        let a = LinkageKeys(agreementID: "a", linkageSecret: secret)
        let b = LinkageKeys(agreementID: "b", linkageSecret: secret)
        let id = "198112289841"
        let values = [IdentifierBlinder(keys: a, namespace: .person).blind(id),
                      IdentifierBlinder(keys: b, namespace: .person).blind(id),
                      IdentifierBlinder(keys: a, namespace: .organisation).blind(id)]
        #expect(Set(values.map { Hex.encode($0) }).count == 3)
    }

    @Test func scratchPathEqualsOneShotOnRandomValues() throws {
        let keys = LinkageKeys(agreementID: "x", linkageSecret: .random(count: 32))
        let blinder = IdentifierBlinder(keys: keys, namespace: .person)
        let scratch = blinder.makeScratch()
        let key = keys.blindingKey(.person)
        var rng = SeededRandom()
        for _ in 0..<1000 {
            let value = Hex.encode(rng.bytes(6))
            var fast = [UInt8](repeating: 0, count: 32)
            fast.withUnsafeMutableBytes { blinder.blind(value, scratch: scratch, into: $0) }
            #expect(fast == (try BLAKE2b.hash(Array(value.utf8), key: key, outputLength: 32)), "seed \(rng.seed): \(value)")
        }
    }
}
