import Foundation
import Testing
@testable import Synth

private func scratch() -> String { NSTemporaryDirectory() + "korskoll-rounds-" + String(UInt64.random(in: 0...UInt64.max), radix: 16) }

/// FNV-1a 64, as the vector file records it.
private func fnv(_ data: Data) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in data { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return String(format: "%016llx", h)
}

/// A CSV read naively: lines split on the delimiter, header first (the fields compared here
/// never hold the delimiter or a quote).
private func naive(_ path: String, delimiter: Character = ",") throws -> [[String]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
        $0.split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
    }
}

private func delimiter(_ register: String) -> Character { register == "polisen" || register == "skatteverket" ? ";" : "," }

private struct SingleRoundVector: Decodable {
    let people: Int
    let seed: UInt64
    let fnv1a64: [String: String]
}

/// One population over three rounds, shared by the checks below.
private final class Evolved: @unchecked Sendable {
    let dir: String
    let summary: SynthSummary
    let seed: UInt64 = 2026
    init() throws {
        dir = scratch()
        var config = SynthConfig(people: 12_000, seed: seed)
        config.rounds = 3
        summary = try Synthesizer.run(config, out: dir)
    }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func path(_ round: Int, _ file: String) -> String { "\(dir)/round-\(round)/\(file)" }

    /// register → record id → (person, organisation) from `truth/rows.csv`.
    func truth(_ round: Int) throws -> [String: [String: (person: String, organisation: String)]] {
        var out: [String: [String: (person: String, organisation: String)]] = [:]
        for r in try naive(path(round, "truth/rows.csv")).dropFirst() { out[r[0], default: [:]][r[1]] = (r[2], r[3]) }
        return out
    }

    func records(_ round: Int, _ file: String) throws -> [String] {
        let register = String(file.split(separator: ".")[0])
        return try naive(path(round, "registers/\(file)"), delimiter: delimiter(register)).dropFirst().map { $0[0] }
    }

    func ties(_ round: Int) throws -> [[String]] { Array(try naive(path(round, "truth/ties.csv")).dropFirst()) }
}

private let evolved = try! Evolved()

@Suite struct RoundsTests {
    /// `--rounds 1` (the default) writes what the generator wrote before rounds existed (synth.md §9).
    @Test func oneRoundWritesTheSingleSnapshotByteForByte() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/synth/single-round-2000-seed7.json")
        let vector = try JSONDecoder().decode(SingleRoundVector.self, from: Data(contentsOf: url))
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Synthesizer.run(SynthConfig(people: vector.people, seed: vector.seed), out: dir)
        var written = Set<String>()
        for sub in ["registers", "truth"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: "\(dir)/\(sub)") { written.insert("\(sub)/\(f)") }
        }
        #expect(written == Set(vector.fnv1a64.keys))
        for (file, digest) in vector.fnv1a64 {
            #expect(fnv(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(file)"))) == digest, "\(file) differs")
        }
    }

    @Test func everyRoundBringsNewApplicantsAtFKAndAF() throws {
        for register in ["fk", "af"] {
            for k in 2...3 {
                let check = try evolved.records(k, "\(register)-check.csv")
                let before = Set(try evolved.records(k - 1, "\(register).csv"))
                let now = Set(try evolved.records(k, "\(register).csv"))
                #expect(!check.isEmpty, "round \(k): no new rows at \(register), seed \(evolved.seed)")
                #expect(check.allSatisfy { now.contains($0) && !before.contains($0) }, "round \(k) \(register)")
                // A check is a few percent of the register.
                #expect(Double(check.count) < 0.2 * Double(now.count), "round \(k) \(register): \(check.count) of \(now.count)")
            }
        }
        #expect(try evolved.records(1, "fk-check.csv") == evolved.records(1, "fk.csv"))
    }

    @Test func thePoliceListChangesEveryRound() throws {
        for k in 2...3 {
            let before = Set(try evolved.truth(k - 1)["polisen"]!.values.map(\.person))
            let now = Set(try evolved.truth(k)["polisen"]!.values.map(\.person))
            #expect(!now.subtracting(before).isEmpty && !before.subtracting(now).isEmpty, "round \(k), seed \(evolved.seed)")
        }
    }

    /// A case tied in round k's check and decided stands on a decision list from round k + 1,
    /// with a decision of the closed set and a date after round k's.
    @Test func aDecidedCaseStandsOnALaterRoundsList() throws {
        var found = 0
        for k in 1...2 {
            let truth = try evolved.truth(k), next = try evolved.truth(k + 1)
            let earlier = try evolved.truth(k)["fk-decisions"].map { Set($0.keys) } ?? []
            let decided = next["fk-decisions"]!.filter { !earlier.contains($0.key) }.values
            for t in try evolved.ties(k) where t[1] == "fk" && t[0] != "cross-agency-map" {
                let row = truth["fk"]![t[2]]!
                if decided.contains(where: { ($0.person == row.person && !row.person.isEmpty) || ($0.organisation == row.organisation && !row.organisation.isEmpty) }) {
                    found += 1
                }
            }
            let lists = ["ivo-decisions": "permit-revoked", "fk-decisions": "payment-stopped", "af-decisions": "contract-ended"]
            for (list, kind) in lists {
                let rows = try naive(evolved.path(k + 1, "registers/\(list).csv")).dropFirst()
                #expect(rows.allSatisfy { $0[6] == kind && $0[7].count == 10 }, "\(list) round \(k + 1)")
            }
        }
        #expect(found > 0, "no decided case on a later list, seed \(evolved.seed)")
        #expect((evolved.summary.rounds ?? []).dropFirst().contains { ($0.ended["fk"] ?? 0) > 0 })
    }

    /// Some barred person founds a successor company that applies elsewhere, and its rows are
    /// re-entries in the truth.
    @Test func successorCompaniesReenterAndTheTruthSaysSo() throws {
        let firstOrganisations = evolved.summary.organisations
        var reentered = 0
        for k in 2...3 {
            let truth = try evolved.truth(k)
            let successors = Set(try naive(evolved.path(k, "truth/organisations.csv")).dropFirst()
                .filter { Int($0[0])! >= firstOrganisations && $0[6] == "1" }.map { $0[0] })
            let reentries = try naive(evolved.path(k, "truth/reentries.csv")).dropFirst()
            for r in reentries {
                #expect(["payment-stopped", "contract-ended", "permit-revoked"].contains(r[4]))
                #expect(r[0].split(separator: "-")[0] != r[2].split(separator: "-")[0], "a party's own list")
                if let row = truth[r[0]]?[r[1]], successors.contains(row.organisation) { reentered += 1 }
            }
        }
        #expect(reentered > 0, "no successor re-entry, seed \(evolved.seed)")
    }

    /// Every tie names a row of its register and of its reference register, as the CSVs hold them.
    @Test func everyTieNamesRowsThatExist() throws {
        for k in 1...3 {
            var records: [String: Set<String>] = [:]
            for r in Rounds.order + ["fk-check", "af-check"] { records[r] = Set(try evolved.records(k, "\(r).csv")) }
            let ties = try evolved.ties(k)
            #expect(!ties.isEmpty)
            for t in ties {
                let subjects = t[0] == "reentry" ? t[1] + "-check" : t[1]   // watchlist and the map check whole registers
                #expect(records[subjects]?.contains(t[2]) == true, "round \(k): \(t)")
                #expect(records[t[3]]?.contains(t[4]) == true, "round \(k): \(t)")
            }
        }
    }

    /// The indexed ties equal an all-pairs reference over `truth/rows.csv`, Bolagsverket's rows and
    /// the sole traders of `truth/organisations.csv`.
    @Test func tiesMatchAnAllPairsReference() throws {
        for k in 1...3 {
            let rows = try naive(evolved.path(k, "truth/rows.csv")).dropFirst()
            var byRegister: [String: [[String]]] = [:]
            for r in rows { byRegister[r[0], default: []].append(r) }
            var represents = Set<String>()         // "org/person"
            for r in byRegister["bolagsverket"] ?? [] where !r[2].isEmpty && !r[3].isEmpty { represents.insert("\(r[3])/\(r[2])") }
            let sole = try naive(evolved.path(k, "truth/organisations.csv")).dropFirst().filter { $0[4] == "enskild firma" }.map { $0[0] }
            var owner: [String: String] = [:]
            for r in try naive(evolved.path(k, "truth/representatives.csv")).dropFirst() where sole.contains(r[0]) && owner[r[0]] == nil {
                owner[r[0]] = r[1]
            }
            var expected = Set<String>()
            for a in RoundTruth.agreements {
                for s in a.subjects {
                    let check = a.checksOnly ? Set(try evolved.records(k, "\(s)-check.csv")) : nil
                    for x in byRegister[s] ?? [] where check?.contains(x[1]) ?? true {
                        for ref in a.references where ref.split(separator: "-")[0] != s {
                            for y in byRegister[ref] ?? [] {
                                let direct = (!x[2].isEmpty && x[2] == y[2]) || (!x[3].isEmpty && x[3] == y[3])
                                    || (!x[3].isEmpty && owner[x[3]] == y[2]) || (!y[3].isEmpty && owner[y[3]] == x[2])
                                let via = a.relations && ((!x[3].isEmpty && represents.contains("\(x[3])/\(y[2])"))
                                    || (!x[2].isEmpty && represents.contains("\(y[3])/\(x[2])")))
                                if direct || via {
                                    expected.insert([a.name, s, x[1], ref, y[1], direct ? "direct" : "via-representative"].joined(separator: ","))
                                }
                            }
                        }
                    }
                }
            }
            let written = Set(try evolved.ties(k).map { $0.joined(separator: ",") })
            #expect(written == expected, "round \(k): \(written.subtracting(expected).prefix(3)) / \(expected.subtracting(written).prefix(3))")
        }
    }

    @Test func sameSeedSameRounds() throws {
        var config = SynthConfig(people: 2_000, seed: 41)
        config.rounds = 2
        let a = scratch(), b = scratch()
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        _ = try Synthesizer.run(config, out: a)
        _ = try Synthesizer.run(config, out: b)
        let files = FileManager.default.enumerator(atPath: a)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".csv") || $0.hasSuffix(".mapping.json") }.sorted()
        #expect(files.count > 40)
        for f in files {
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(a)/\(f)")) == Data(contentsOf: URL(fileURLWithPath: "\(b)/\(f)")),
                    "\(f) differs, seed 41")
        }
    }
}
