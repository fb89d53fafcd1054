import Testing
import TestSupport
@testable import Identifiers

struct RuleCase: Decodable, CustomTestStringConvertible, Sendable {
    let rule: String
    let input: String
    let kind: String
    let ref: String?
    let canonical: String?
    let flags: String?
    let error: String?
    var testDescription: String { rule }
}

private struct RuleFile: Decodable { let cases: [RuleCase] }

private let ruleCases = try! Vectors.load(RuleFile.self, "identifiers/cases.json").cases

@Suite struct IdentifierRules {
    @Test(arguments: ruleCases)
    func ruleVectorHolds(_ c: RuleCase) throws {
        let normalizer = Normalizer(referenceDate: c.ref.flatMap(CalendarDate.init(iso:)))
        let kind = try #require(IdentifierKind(rawValue: c.kind))
        switch normalizer.normalize(c.input, as: kind) {
        case .success(let id):
            #expect(c.error == nil, "accepted as \(id.canonical), expected \(c.error ?? "")")
            #expect(id.canonical == c.canonical)
            #expect(id.flags.description == c.flags)
        case .failure(let error):
            #expect(error.code.rawValue == c.error, "rejected: \(error.reason)")
            #expect(!error.reason.isEmpty)
        }
    }

    @Test func everyRejectionCodeIsExercisedByTheVectors() {
        let used = Set(ruleCases.compactMap(\.error))
        for code in IdentifierError.Code.allCases {
            #expect(used.contains(code.rawValue), "no vector for \(code.rawValue)")
        }
    }

    @Test func rejectionsNameTheRuleInPlainWords() {
        let n = Normalizer(referenceDate: CalendarDate(year: 2025, month: 6, day: 15))
        #expect(reason(n, "800230-1234") == "1980 has no 30 February")
        #expect(reason(n, "640823-0000") == "birth number 000 is never issued")
        #expect(reason(n, "000229+2399") == "1900 has no 29 February")
        #expect(reason(n, "811228-984x")?.contains("'x'") == true)
        #expect(reason(n, "640823-3235")?.contains("check digit 5") == true)
    }

    private func reason(_ n: Normalizer, _ s: String) -> String? {
        if case .failure(let e) = n.normalize(s, as: .person) { return e.reason }
        return nil
    }

    @Test func samordningsnummerKeepsDayPlus60() throws {
        let id = try Normalizer(referenceDate: nil).normalize("197010632391", as: .person).get()
        #expect(id.canonical == "197010632391")
        #expect(id.kind == .samordningsnummer)
    }

    @Test func paddingRestoresLostZerosOnlyWhenAskedAndFlagsIt() throws {
        // 0001011234 stored as an integer loses its leading zeros (§1.1, pitfall 11).
        let luhnOK = "000101123" + String(Luhn.checkDigit(ArraySlice([0, 0, 0, 1, 0, 1, 1, 2, 3])))
        let stripped = String(luhnOK.drop(while: { $0 == "0" }))
        let ref = CalendarDate(year: 2025, month: 6, day: 15)
        #expect(throws: IdentifierError.self) { try Normalizer(referenceDate: ref).normalize(stripped, as: .person).get() }
        let padded = try Normalizer(referenceDate: ref, padNumericColumn: true).normalize(stripped, as: .person).get()
        #expect(padded.canonical == "20" + luhnOK)
        #expect(padded.flags.contains(.padded))
    }

    @Test func referenceDateIsRecordedOnlyWhenItDecidedTheCentury() throws {
        let ref = CalendarDate(year: 2025, month: 6, day: 15)
        let n = Normalizer(referenceDate: ref)
        #expect(try n.normalize("811228-9841", as: .person).get().referenceDate == ref)
        #expect(try n.normalize("198112289841", as: .person).get().referenceDate == nil)
    }
}
