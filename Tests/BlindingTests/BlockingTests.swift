import Testing
import TestSupport
import Sodium
@testable import Blinding

private struct BlockingRow: Decodable, Sendable { let givenName: String; let surname: String; let dob: String; let keys: [String] }
private struct BlockingCase: Decodable, Sendable { let linkageSecret: String; let agreement: String; let blockingKey: String; let rows: [BlockingRow] }
private struct BlockingFile: Decodable, Sendable { let phonetic: [String: String]; let cases: [BlockingCase] }

@Suite struct BlockingTests {
    fileprivate let file = try! Vectors.load(BlockingFile.self, "blocking/vectors.json")

    /// Protocols/blocking.md §3 against codes computed by an independent implementation of the spec.
    @Test func phoneticCodesMatchTheVectors() {
        #expect(file.phonetic.count >= 30)
        for (name, code) in file.phonetic { #expect(BlockingKeyer.phonetic(name) == code, "\(name)") }
    }

    /// §2 and §4: K_block and every key of every row, against hashlib.
    @Test func keysMatchTheVectors() throws {
        #expect(file.cases.count == 2)
        for c in file.cases {
            let keys = LinkageKeys(agreementID: c.agreement, linkageSecret: SecretBytes(hex(c.linkageSecret)))
            #expect(keys.blockingKey().withUnsafeBytes { Array($0) } == hex(c.blockingKey))
            let keyer = BlockingKeyer(keys: keys)
            // Twice through one memo: the second pass takes every code from it.
            let memo = BlockingKeyer.PhoneticMemo()
            for r in c.rows + c.rows {
                let got = keyer.keys(givenName: r.givenName, surname: r.surname, dob: r.dob, scratch: keyer.makeScratch())
                #expect(got.map(String.init) == r.keys, "\(r.givenName) \(r.surname) \(r.dob)")
                let memoised = keyer.keys(givenName: r.givenName, surname: r.surname, dob: r.dob, scratch: keyer.makeScratch(), memo: memo)
                #expect(memoised == got)
            }
            #expect(memo.count > 0)
        }
    }

    /// A name swap keeps the names key; other agreements give other keys.
    @Test func swappedNamesShareTheNamesKeyAndAgreementsDoNotShareKeys() {
        let secret = SecretBytes(Array(repeating: 7, count: 32))
        let a = BlockingKeyer(keys: LinkageKeys(agreementID: "a", linkageSecret: secret))
        let b = BlockingKeyer(keys: LinkageKeys(agreementID: "b", linkageSecret: secret))
        let x = a.keys(givenName: "Anna", surname: "Andersson", dob: "1980-05-12", scratch: a.makeScratch())
        let y = a.keys(givenName: "Andersson", surname: "Anna", dob: "", scratch: a.makeScratch())
        #expect(x[1] == y[1] && y[0] == 0 && x[0] != 0)
        let z = b.keys(givenName: "Anna", surname: "Andersson", dob: "1980-05-12", scratch: b.makeScratch())
        #expect(Set(x).isDisjoint(with: z))
    }
}

@Suite struct PhoneticFastPathTests {
    /// Names from an alphabet that exercises every rule of blocking.md §3: the spelled-out
    /// letters, marks, separators, case, digits and the digraphs.
    @Test func fastPathEqualsTheReferenceOnRandomNames() {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCKQXZåäöÅÄÖéüæøßðłþñçCkPhThQu -\t.'0é\u{301}\u{85}\u{A0}ﬁŁ")
        var rng = SeededRandom()
        for _ in 0..<20_000 {
            let name = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            #expect(BlockingKeyer.phonetic(name) == BlockingKeyer.phoneticReference(name), "seed \(rng.seed): \(name.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}
