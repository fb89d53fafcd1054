import Testing
import TestSupport
import Sodium
@testable import Blinding

private struct EvidenceRow: Decodable, Sendable {
    let street: String, postcode: String, town: String, givenNames: String, dob: String
    let address: [UInt32], given: [UInt32]
}
private struct EvidenceCase: Decodable, Sendable { let linkageSecret: String; let agreement: String; let rows: [EvidenceRow] }
private struct EvidenceFile: Decodable, Sendable { let fold: [String: String]; let postcode: [String: String]; let cases: [EvidenceCase] }

@Suite struct EvidenceKeysTests {
    fileprivate let file = try! Vectors.load(EvidenceFile.self, "evidence/evidence-values.json")

    /// Protocols/clk.md §6.1: folding and postcodes against an independent implementation.
    @Test func foldingAndPostcodesMatchTheVectors() {
        #expect(file.fold.count >= 5 && file.postcode.count >= 4)
        for (s, want) in file.fold { #expect(EvidenceKeyer.fold(s) == want, "\(s)") }
        for (s, want) in file.postcode { #expect(EvidenceKeyer.postcode(s) == want, "\(s)") }
    }

    /// clk.md §6.2: every address and given-name value of every row, against hashlib.
    @Test func valuesMatchTheVectors() {
        #expect(file.cases.count == 2)
        for c in file.cases {
            let keyer = EvidenceKeyer(keys: LinkageKeys(agreementID: c.agreement, linkageSecret: SecretBytes(hex(c.linkageSecret))))
            let scratch = keyer.makeScratch(), memo = BlockingKeyer.PhoneticMemo()
            for r in c.rows + c.rows {
                #expect(keyer.address(street: r.street, postcode: r.postcode, town: r.town, dob: r.dob, scratch: scratch) == r.address, "\(r.street) \(r.dob)")
                #expect(keyer.givenNames(r.givenNames, dob: r.dob, scratch: scratch) == r.given, "\(r.givenNames) \(r.dob)")
                #expect(keyer.givenNames(r.givenNames, dob: r.dob, scratch: scratch, memo: memo) == r.given, "memo: \(r.givenNames)")
            }
        }
    }

    /// The same address written two ways gives one value; another birth date, another agreement
    /// or a different street give others; given names are a set, whatever the order written.
    @Test func valuesAgreeOnSpellingAndAreSaltedByBirthDateAndAgreement() {
        let secret = SecretBytes(Array(repeating: 9, count: 32))
        let a = EvidenceKeyer(keys: LinkageKeys(agreementID: "a", linkageSecret: secret)), s = a.makeScratch()
        let b = EvidenceKeyer(keys: LinkageKeys(agreementID: "b", linkageSecret: secret))
        let one = a.address(street: "Storgatan 12", postcode: "412 57", town: "Göteborg", dob: "1980-05-12", scratch: s)
        #expect(one == a.address(street: "STORGATAN  12", postcode: "41257", town: "goteborg", dob: "1980-05-12", scratch: s))
        #expect(one.allSatisfy { $0 != 0 })
        let otherDay = a.address(street: "Storgatan 12", postcode: "412 57", town: "Göteborg", dob: "1980-05-13", scratch: s)
        #expect(zip(one, otherDay).allSatisfy { $0 != $1 })
        #expect(zip(one, b.address(street: "Storgatan 12", postcode: "412 57", town: "Göteborg", dob: "1980-05-12", scratch: b.makeScratch())).allSatisfy { $0 != $1 })
        let moved = a.address(street: "Storgatan 14", postcode: "412 57", town: "Göteborg", dob: "1980-05-12", scratch: s)
        #expect(moved[0] != one[0] && moved[1] == one[1] && moved[2] == one[2])
        #expect(a.givenNames("Karl Erik", dob: "1980-05-12", scratch: s) == a.givenNames("Erik  Carl", dob: "1980-05-12", scratch: s))
        #expect(a.givenNames("Karl Erik", dob: "", scratch: s) == [0, 0, 0, 0])
        #expect(a.address(street: "Storgatan 12", postcode: "412", town: "", dob: "1980-05-12", scratch: s) == [0, 0, 0])
    }
}
