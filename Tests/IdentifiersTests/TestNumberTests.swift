import Testing
import TestSupport
import Foundation
@testable import Identifiers

@Suite struct SkatteverketTestNumberTests {
    /// The compiled-in copy must be exactly the published lists: the copy kept in the repository
    /// (`Sources/Identifiers/TestNumbers`, from which it is generated) and the project's shared
    /// data beside the repository. A missing file fails the test: both are fixed points.
    @Test func embeddedListsEqualTheSharedData() throws {
        let repository = Vectors.root.deletingLastPathComponent().deletingLastPathComponent()
        for (file, embedded) in [("allPins.json", SkatteverketTestNumbers.personnummer),
                                 ("allCoords.json", SkatteverketTestNumbers.samordningsnummer)] {
            for url in [repository.appendingPathComponent("Sources/Identifiers/TestNumbers/\(file)"),
                        Vectors.shared("skatteverket-test-ids/\(file)")] {
                try #require(FileManager.default.fileExists(atPath: url.path),
                             "\(url.path) is missing: the published test numbers must be there to check the compiled-in copy")
                let published = try JSONDecoder().decode([String].self, from: Data(contentsOf: url))
                #expect(published == embedded, "\(url.path)")
            }
        }
        #expect(SkatteverketTestNumbers.personnummer.count == 41_129)
        #expect(SkatteverketTestNumbers.samordningsnummer.count == 2_264)
    }

    @Test func everyTestNumberIsValidInEveryWrittenForm() {
        let pool = SkatteverketTestNumbers.personnummer + SkatteverketTestNumbers.samordningsnummer
        let twelveOnly = Normalizer(referenceDate: nil)
        var failures: [String] = []
        for number in pool {
            let year = Int(number.prefix(4))!
            // A reference date in the year after birth (or later for the oldest): the '-'/'+'
            // choice then follows FOL 18 § exactly.
            let refYear = max(year + 1, 1990)
            let ref = CalendarDate(year: refYear, month: 12, day: 31)!
            let sep = refYear - year >= 100 ? "+" : "-"
            let ten = String(number.dropFirst(2))
            let forms = [number, String(number.prefix(8)) + "-" + String(number.suffix(4)),
                         String(ten.prefix(6)) + sep + String(ten.suffix(4))]
                + (sep == "-" ? [ten] : [])
            for (i, form) in forms.enumerated() {
                let n = i < 2 ? twelveOnly : Normalizer(referenceDate: ref)
                switch n.normalize(form, as: .person) {
                case .success(let id):
                    if id.canonical != number || !id.flags.contains(.testNumber) { failures.append("\(form) → \(id.canonical)") }
                case .failure(let e):
                    failures.append("\(form): \(e.reason)")
                }
            }
            // A sole trader's organisation identifier is the owner's number (§4.3).
            if case .success(let id) = twelveOnly.normalize(number, as: .org), id.canonical == number, id.flags.contains(.soleTrader) {} else {
                failures.append("\(number) as org")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    @Test func samordningsnummerTestDataHasTheOddCases() {
        let n = Normalizer(referenceDate: nil)
        var unknown = 0, impossible = 0
        for number in SkatteverketTestNumbers.samordningsnummer {
            guard case .success(let id) = n.normalize(number, as: .person) else { continue }
            #expect(id.kind == .samordningsnummer)
            if id.flags.contains(.coordUnknownDate) { unknown += 1 }
            if id.flags.contains(.coordImpossibleDate) { impossible += 1 }
        }
        // Protocols/identifiers.md §3.2: 132 with month 00, 41 with day 60, 24 impossible days.
        #expect(unknown >= 132)
        #expect(impossible == 24)
    }
}
