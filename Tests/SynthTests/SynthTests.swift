import Foundation
import Testing
import Identifiers
import Tabular
@testable import Synth

/// Reads a whole CSV file (header first) with the product's reader.
private func readCSV(_ path: String, delimiter: Character = ",") throws -> [[String]] {
    let reader = try CSVReader(path: path, delimiter: delimiter.asciiValue!)
    var rows: [[String]] = []
    while let row = try reader.next() { rows.append(row.fields) }
    return rows
}

private func scratch() -> String { NSTemporaryDirectory() + "korskoll-synth-" + String(UInt64.random(in: 0...UInt64.max), radix: 16) }

private let reference = CalendarDate(year: 2026, month: 1, day: 1)!

/// One generated population, shared by the checks below.
private final class Generated: @unchecked Sendable {
    let dir: String
    let summary: SynthSummary
    let people: [String: [String]]       // person index → truth row
    let rows: [[String]]                 // truth/rows.csv without header
    init(people n: Int, seed: UInt64, rates: CorruptionRates = CorruptionRates()) throws {
        dir = scratch()
        summary = try Synthesizer.run(SynthConfig(people: n, seed: seed, referenceDate: reference, rates: rates), out: dir)
        var p: [String: [String]] = [:]
        for r in try readCSV(dir + "/truth/people.csv").dropFirst() { p[r[0]] = r }
        people = p
        rows = Array(try readCSV(dir + "/truth/rows.csv").dropFirst())
    }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// register → record id → (row fields by column name)
    func register(_ id: String) throws -> [String: [String: String]] {
        let delimiter: Character = id == "polisen" || id == "skatteverket" ? ";" : ","
        let all = try readCSV("\(dir)/registers/\(id).csv", delimiter: delimiter)
        var out: [String: [String: String]] = [:]
        for r in all.dropFirst() { out[r[0]] = Dictionary(uniqueKeysWithValues: zip(all[0], r)) }
        return out
    }
}

private let pooled = try! Generated(people: 12_000, seed: 11)

@Suite struct SynthTests {
    @Test func smallPopulationsUseOnlyTestNumbersAndEveryNumberIsUnique() throws {
        #expect(pooled.summary.testNumbersOnly)
        var seen = Set<String>()
        for (_, row) in pooled.people {
            #expect(SkatteverketTestNumbers.contains(row[1]), "person \(row[0]) has a number outside the test pool")
            #expect(seen.insert(row[1]).inserted, "number shared by two people")
            if !row[2].isEmpty {
                #expect(SkatteverketTestNumbers.contains(row[2]))
                #expect(seen.insert(row[2]).inserted)
            }
        }
    }

    @Test func generatedNumbersAgreeWithBirthDateAndSexAndAreUnique() throws {
        let g = try Generated(people: 44_000, seed: 3, rates: .none)
        #expect(!g.summary.testNumbersOnly)
        let normalizer = Normalizer(referenceDate: reference)
        var seen = Set<String>()
        var coordination = 0, unknownDate = 0
        for (_, row) in g.people {
            let n = try normalizer.normalize(row[1], as: .person).get()
            #expect(n.canonical == row[1])
            #expect(seen.insert(row[1]).inserted, "number shared by two people")
            let digits = Array(row[1].utf8).map { Int($0) - 48 }
            // The third digit of the birth number is odd for men (identifiers.md §2.5).
            #expect((digits[10] % 2 == 1) == (row[3] == "M"))
            #expect(digits[8...10] != [0, 0, 0])
            let day = digits[6] * 10 + digits[7], month = digits[4] * 10 + digits[5]
            if day >= 60 {
                coordination += 1
                if month == 0 || day == 60 { unknownDate += 1; continue }
            }
            let stated = String(row[1].prefix(4)) + "-" + String(row[1].dropFirst(4).prefix(2)) + "-"
                + String(format: "%02d", day >= 60 ? day - 60 : day)
            #expect(stated == row[4], "person \(row[0]): number says \(stated), birth date \(row[4])")
        }
        // 2–5% samordningsnummer, some of them with month 00 or day 60.
        #expect((0.02...0.05).contains(Double(coordination) / Double(g.people.count)))
        #expect(unknownDate > 0)
        #expect(g.summary.corruptions.isEmpty)
    }

    @Test func sameSeedSameFilesOtherSeedOtherFiles() throws {
        let a = try Generated(people: 3_000, seed: 5), b = try Generated(people: 3_000, seed: 5), c = try Generated(people: 3_000, seed: 6)
        for file in ["truth/people.csv", "truth/rows.csv", "registers/fk.csv", "registers/bolagsverket.csv", "registers/polisen.csv"] {
            let fa = try Data(contentsOf: URL(fileURLWithPath: "\(a.dir)/\(file)"))
            #expect(fa == (try Data(contentsOf: URL(fileURLWithPath: "\(b.dir)/\(file)"))), "\(file) differs for one seed")
            #expect(fa != (try Data(contentsOf: URL(fileURLWithPath: "\(c.dir)/\(file)"))), "\(file) equal for two seeds")
        }
    }

    /// Every register row's identity number, read back by the product's normaliser, is the true
    /// person's (or their previous number) unless the truth records a problem that changes it.
    @Test func registerRowsReadBackToTheirTruth() throws {
        let normalizer = Normalizer(referenceDate: reference)
        let columns: [String: (id: String, given: String, surname: String)] = [
            "polisen": ("personnummer", "fornamn", "efternamn"), "fk": ("personnr", "fornamn", "efternamn"),
            "af": ("PNR", "FORNAMN", "EFTERNAMN"), "pm": ("identitet", "namn_for", "namn_efter"),
            "ivo": ("personnummer", "fornamn", "efternamn"), "bolagsverket": ("identitet", "fornamn", "efternamn"),
        ]
        var checked = 0, caught = 0
        for (id, col) in columns {
            let reg = try pooled.register(id)
            for truth in pooled.rows where truth[0] == id && !truth[2].isEmpty {
                let row = try #require(reg[truth[1]], "\(id) \(truth[1]) missing from the register")
                let person = try #require(pooled.people[truth[2]])
                let problems = Set(truth[4].split(separator: ";").map(String.init))
                let text = row[col.id]!
                if problems.contains("id-missing") { #expect(text.isEmpty); continue }
                let result = normalizer.normalize(text, as: .person)
                if problems.contains("id-typo-caught") {
                    if case .success = result { Issue.record("\(id) \(truth[1]): a caught typo passed the check digit") }
                    caught += 1
                    continue
                }
                if problems.isDisjoint(with: ["id-typo-valid", "century", "id-changed"]) {
                    #expect((try? result.get().canonical) == person[1], "\(id) \(truth[1]) reads as another number")
                    checked += 1
                }
                if problems.isDisjoint(with: ["name-variant", "name-swap", "married-name"]) {
                    // synth.md §7.4: which given names each register writes; §4.5: the surname of its extraction date.
                    let given = switch id {
                    case "polisen", "ivo": person[14]
                    case "af": String(person[5].split(separator: " ")[0])
                    default: person[5]
                    }
                    let surname = problems.contains("surname-changed") ? person[15] : person[6]
                    #expect(row[col.given] == given && row[col.surname] == surname, "\(id) \(truth[1])")
                }
            }
        }
        #expect(checked > 1000)
        #expect(caught > 0)
    }

    @Test func organisationNumbersAreValidAndCarryTheirRepresentatives() throws {
        let normalizer = Normalizer(referenceDate: reference)
        let orgs = try readCSV(pooled.dir + "/truth/organisations.csv").dropFirst()
        var numbers = Set<String>()
        for o in orgs {
            let n = try normalizer.normalize(o[1], as: .org).get()
            #expect(n.canonical == (o[1].count == 10 ? "16" + o[1] : o[1]))
            #expect(numbers.insert(o[1]).inserted)
            if o[4] == "enskild firma" { #expect(o[1].count == 12) } else { #expect(Array(o[1].utf8)[2] >= UInt8(ascii: "2")) }
        }
        // Re-entry: every successor's chair is the first representative of a barred provider.
        let reps = try readCSV(pooled.dir + "/truth/representatives.csv").dropFirst()
        var first: [String: String] = [:]
        for r in reps where first[r[0]] == nil { first[r[0]] = r[1] }
        let successors = orgs.filter { !$0[8].isEmpty }
        for s in successors {
            #expect(first[s[0]] == first[s[8]], "successor \(s[0]) does not carry its predecessor's representative")
            #expect(orgs.first { $0[0] == s[8] }?[7] == "1")
        }
    }

    @Test func listedPeopleAreOverRepresentedAmongAssistantsAndRepresentatives() throws {
        let s = pooled.summary
        let listedShare = Double(s.listed) / Double(s.people)
        #expect((0.002...0.012).contains(listedShare))
        let assistants = try pooled.register("fk").values.filter { $0["roll"] == "personlig_assistent" }.count
        let listedInFK = Double(s.listedPeopleIn["fk"] ?? 0)
        #expect(listedInFK / Double(max(assistants, 1)) > 2 * listedShare)
        #expect(s.crimeTiedOrganisations > 0)
    }

    @Test func cleanRatesWriteNoProblemsAndExistingOutputIsRefused() throws {
        let g = try Generated(people: 2_000, seed: 9, rates: .none)
        #expect(g.rows.allSatisfy { $0[4].isEmpty })
        #expect(throws: SynthError.self) { try Synthesizer.run(SynthConfig(people: 10, seed: 1), out: g.dir) }
    }

    @Test func daysRoundTripAgainstFoundationCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var rng = SynthRandom(seed: 1, domain: .person, index: 0)
        for _ in 0..<2_000 {
            let n = rng.range(-60_000...50_000)
            let d = Days.date(n)
            let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(n) * 86_400))
            #expect(d.year == c.year && d.month == c.month && d.day == c.day)
            #expect(Days.from(d) == n)
        }
    }
}
