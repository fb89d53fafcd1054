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
        #expect(Set(x).subtracting([0]).isDisjoint(with: z))
    }

    /// §4: a row that writes all of a person's given names and a row that writes one of them (the
    /// everyday or the first) share a `names` key in some slot of that kind; the keys of the given
    /// names are those of one-name rows. Seeded random people.
    @Test func rowsOfOnePersonWithDifferentGivenNamesShareANamesKey() {
        let keyer = BlockingKeyer(keys: LinkageKeys(agreementID: "given-names", linkageSecret: SecretBytes(Array(repeating: 3, count: 32))))
        let pool = ["Anna", "Maria", "Karin", "Erik", "Lars", "Mohammed", "Sofia", "Per", "Johan-Erik", "Åsa", "Ömer", "Elin", "Nils", "Ali"]
        let names = BlockingKeyer.kinds.indices.filter { BlockingKeyer.kinds[$0] == "names" }
        var rng = SeededRandom()
        for _ in 0..<500 {
            var given: [String] = []
            for _ in 0..<(1 + rng.next() % 4) {
                let g = pool.randomElement(using: &rng)!
                if !given.contains(g) { given.append(g) }
            }
            let surname = ["Andersson", "Lind", "Berg Nilsson", "Yilmaz"].randomElement(using: &rng)!
            let one = given.randomElement(using: &rng)!
            let all = keyer.keys(givenName: given.joined(separator: " "), surname: surname, dob: "1970-01-01", scratch: keyer.makeScratch())
            let single = keyer.keys(givenName: one, surname: surname, dob: "1970-01-01", scratch: keyer.makeScratch())
            #expect(all.count == BlockingKeyer.kinds.count && single.count == BlockingKeyer.kinds.count)
            #expect(single[1] != 0 && names.contains { all[$0] == single[1] }, "seed \(rng.seed): \(given) / \(one)")
            // The names slots hold one key per distinct code, in order, then zeros.
            let codes = BlockingKeyer.givenNameCodes(given.joined(separator: " "))
            #expect(names.map { all[$0] != 0 } == names.indices.map { $0 < codes.count }, "seed \(rng.seed): \(given)")
        }
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
