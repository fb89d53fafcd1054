import Foundation
import Testing
import Tabular
@testable import Synth

private func scratch() -> String { NSTemporaryDirectory() + "korskoll-names-" + String(UInt64.random(in: 0...UInt64.max), radix: 16) }

/// FNV-1a 64, as the vector file records it.
private func fnv(_ data: Data) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in data { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return String(format: "%016llx", h)
}

private struct SmallVector: Decodable {
    let people: Int
    let seed: UInt64
    let peopleColumns: Int
    let fnv1a64: [String: String]
}

@Suite struct NameTests {
    /// `--names small` writes what the code wrote before realistic names existed (synth.md §3.1):
    /// every register and truth file, and people.csv on its original columns.
    @Test func smallNamesReproduceTheOldTablesByteForByte() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/synth/small-names-2000-seed7.json")
        let vector = try JSONDecoder().decode(SmallVector.self, from: Data(contentsOf: url))
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = SynthConfig(people: vector.people, seed: vector.seed)
        config.names = .small
        _ = try Synthesizer.run(config, out: dir)
        for (file, digest) in vector.fnv1a64 {
            var data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(file)"))
            if file == "truth/people.csv" {
                let projected = dir + "/people-projected.csv"
                let reader = try CSVReader(path: dir + "/truth/people.csv")
                var writer: CSVFileWriter?
                while let row = try reader.next() {
                    let fields = Array(row.fields.prefix(vector.peopleColumns))
                    if writer == nil { writer = try CSVFileWriter(path: projected, header: fields) } else { try writer!.write(fields) }
                }
                try writer!.close()
                data = try Data(contentsOf: URL(fileURLWithPath: projected))
            }
            #expect(fnv(data) == digest, "\(file) differs from the small tables' output")
        }
    }

    /// Every tail name is distinct from every other and from the head (synth.md §3.3), checked
    /// against a plain set over the whole table.
    @Test func tailNamesAreDistinctAndSwedishLooking() {
        for table in [RealisticNames.surnameNative, RealisticNames.surnameImmigrant, RealisticNames.maleNative,
                      RealisticNames.femaleNative, RealisticNames.maleImmigrant, RealisticNames.femaleImmigrant] {
            #expect(Set(table.names).count == table.names.count)
            #expect(table.names.allSatisfy { !$0.isEmpty && $0.first!.isUppercase && !$0.contains(" ") })
        }
        let tail = RealisticNames.surnameNative.names.dropFirst(RealisticNames.surnameNative.headCount)
        // The commonest tail names are compounds of Swedish parts (-berg, -ström, -qvist, -lund, -gren, -ius …) or -son names.
        let swedish = NameParts.endings + ["son"]
        let share = Double(tail.prefix(1000).filter { n in swedish.contains { n.hasSuffix($0) } }.count) / 1000
        #expect(share > 0.95, "share \(share)")
    }

    /// The table's binary search draws the rank a linear scan of the weights gives (the naive
    /// reference), for random points of the running sum.
    @Test func tableDrawAgreesWithLinearScan() {
        let table = RealisticNames.femaleImmigrant
        let seed: UInt64 = 20
        var rng = SynthRandom(seed: seed, domain: .names, index: 99)
        var running = [Double]()
        var total = 0.0
        for r in 0..<table.names.count { total += table.bearers(r); running.append(total) }
        for _ in 0..<200 {
            let x = rng.unit() * table.total
            let naive = running.firstIndex { $0 > x } ?? running.count - 1
            #expect(table.rank(x) == naive, "seed \(seed), x \(x)")
        }
    }

    /// The head keeps its published share: Andersson's expected bearers are its count, and the
    /// tables' expected Σp² is near the published 0.0025.
    @Test func headKeepsItsPublishedShare() {
        let t = RealisticNames.surnameNative
        #expect(t.names[0] == "Andersson" && abs(t.bearers(0) - 222_000) < 1)
        #expect(abs(t.total - 0.8 * RealisticNames.population) < 1)
        let p2 = NameFigures.modelSumP2([(t, 0.8), (RealisticNames.surnameImmigrant, 0.2)])
        #expect((0.0023...0.0028).contains(p2), "Σp² \(p2)")
    }

    /// Realistic people carry several given names with one marked; registers differ in which they
    /// write; some surnames change and some households move between extraction dates.
    @Test func realisticPeopleHaveSeveralGivenNamesChangesAndMoves() throws {
        let seed: UInt64 = 4
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = try Synthesizer.run(SynthConfig(people: 8_000, seed: seed), out: dir)
        let reader = try CSVReader(path: dir + "/truth/people.csv")
        let header = try #require(try reader.next()).fields
        #expect(Array(header.suffix(7)) == ["everyday_name", "previous_surname", "surname_changed", "previous_street",
                                            "previous_postcode", "previous_town", "moved"])
        var people = 0, several = 0, changed = 0, moved = 0, marked = 0
        while let r = try reader.next() {
            people += 1
            let given = r.fields[5].split(separator: " ").map(String.init)
            #expect(given.contains(r.fields[14]), "seed \(seed), person \(r.fields[0])")
            if given.count > 1 { several += 1 }
            if given.first != r.fields[14] { marked += 1 }
            if !r.fields[15].isEmpty { changed += 1; #expect(r.fields[15] != r.fields[6]) }
            if !r.fields[20].isEmpty { moved += 1; #expect(!r.fields[17].isEmpty) }
        }
        #expect(Double(several) / Double(people) > 0.75, "seed \(seed)")
        #expect(marked > 0 && changed > 0 && moved > people / 20, "seed \(seed)")
        #expect((summary.corruptions["surname-changed"] ?? 0) > 0 && (summary.corruptions["moved"] ?? 0) > 0)
        let f = try #require(summary.nameFigures)
        #expect(f.names == "realistic" && f.surnameSumP2 < 0.005, "seed \(seed)")
    }

    /// The small tables give the lookalikes the issue measured: Σp² for surnames around 0.02–0.04.
    @Test func smallNamesKeepTheirStressFigures() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = SynthConfig(people: 4_000, seed: 2)
        config.names = .small
        let f = try #require(try Synthesizer.run(config, out: dir).nameFigures)
        #expect((0.015...0.045).contains(f.surnameSumP2))
        #expect(f.modelSurnameSumP2 == nil)
    }
}
