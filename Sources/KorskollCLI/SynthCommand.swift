import ArgumentParser
import Foundation
import Identifiers
import Synth

/// `korskoll synth` (`Protocols/synth.md`).
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate a synthetic Swedish population with agency registers and ground truth.",
        discussion: """
            Up to 43,000 people every identity number is one of Skatteverket's test numbers. Above \
            that, numbers are generated from birth date and sex and may coincide with real people's \
            numbers; they carry no real data.
            """)

    @Option(help: "Number of people.") var people = 100_000
    @Option(help: "Seed: the same seed gives the same files.") var seed: UInt64 = 1
    @Option(help: "Output directory (must not exist).") var out: String
    @Option(help: "Number of organisations (default: one per 15 people).") var organisations: Int?
    @Option(help: "Reference date YYYY-MM-DD for ages and 10-digit numbers.") var refDate = "2026-01-01"
    @Option(name: .customLong("rate"), help: "A corruption rate, NAME=VALUE (repeatable); names: \(Corruption.configurable.map(\.rawValue).joined(separator: ", ")).")
    var rateOverrides: [String] = []
    @Flag(help: "Write clean registers (every corruption rate 0).") var clean = false
    @Option(name: .customLong("scale-agencies"), help: "Also write this many scale registers agency1… for benchmarks (synth.md §7.3).")
    var scaleAgencies = 0
    @Option(name: .customLong("scale-rows"), help: "About this many rows in each scale register.") var scaleRows = 1_000_000
    @Option(help: "Name tables: realistic (Statistics Sweden's head with a fitted long tail, several given names, name changes and moves) or small (the head only, the stress case) (synth.md §3).")
    var names: NameSetting = .realistic
    @Option(help: "Rounds of a standing agreement: 1 writes one snapshot; more write round-1/ … round-N/ with new applicants, a refreshed police list, decisions and successor companies, and the true ties of each round (synth.md §9).")
    var rounds = 1
    @Flag(help: "Print sizes and overlaps when done.") var summary = false
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() throws {
        guard let ref = CalendarDate(iso: refDate) else { throw ValidationError("--ref-date must be YYYY-MM-DD") }
        var rates = clean ? CorruptionRates.none : CorruptionRates()
        for item in rateOverrides {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let c = Corruption(rawValue: parts[0]), Corruption.configurable.contains(c) else {
                throw ValidationError("--rate \(item): expected NAME=VALUE with NAME one of \(Corruption.configurable.map(\.rawValue).joined(separator: ", "))")
            }
            guard let v = Double(parts[1]), (0...1).contains(v) else { throw ValidationError("--rate \(item): the value must be between 0 and 1") }
            rates.rates[c] = v
        }
        guard people >= 4 else { throw ValidationError("--people must be at least 4") }
        guard (0...32).contains(scaleAgencies), scaleRows >= 0 else { throw ValidationError("--scale-agencies must be 0–32 and --scale-rows not negative") }
        guard (1...60).contains(rounds) else { throw ValidationError("--rounds must be 1–60") }
        guard rounds == 1 || scaleAgencies == 0 else { throw ValidationError("--rounds above 1 does not go with --scale-agencies") }
        var config = SynthConfig(people: people, seed: seed, referenceDate: ref, rates: rates, organisations: organisations)
        config.scaleAgencies = scaleAgencies
        config.scaleRows = scaleRows
        config.names = names
        config.rounds = rounds
        let result: SynthSummary
        do {
            result = try Synthesizer.run(config, out: out) { printError($0) }
        } catch let e as SynthError {
            printError("korskoll synth: \(e.description)")
            throw ExitCode(1)
        }
        if json {
            print(String(decoding: try Synthesizer.summaryJSON(result), as: UTF8.self))
        } else if summary {
            print(SynthReport.text(result))
        } else {
            print("wrote \(people) people, \(result.organisations) organisations and \(result.registers.count) registers to \(out) in \(String(format: "%.1f", result.seconds)) s")
        }
    }
}

enum SynthReport {
    static func text(_ s: SynthSummary) -> String {
        func n(_ x: Int) -> String { x.formatted(.number.grouping(.automatic)) }
        var out = """
            Synthetic population (seed \(s.seed), reference date \(s.referenceDate))
              people               \(n(s.people))\(s.testNumbersOnly ? "  (Skatteverket test numbers only)" : "  (generated numbers)")
              samordningsnummer    \(n(s.samordningsnummer))
              changed identifiers  \(n(s.changedIdentifiers))
              aged 100 or more     \(n(s.centenarians))
              on the police list   \(n(s.listed))
              organisations        \(n(s.organisations)) (\(n(s.soleTraders)) sole traders, \(n(s.crimeTiedOrganisations)) tied to organised crime, \(n(s.revokedPermits)) permits revoked, \(n(s.reentries)) re-entries)

            Registers (rows; listed people among them)

            """
        for id in Synthesizer.registerIDs {
            let listed = id == "polisen" ? "" : "  (\(n(s.listedPeopleIn[id] ?? 0)) listed)"
            out += "  \(id.padding(toLength: 14, withPad: " ", startingAt: 0)) \(n(s.registers[id] ?? 0))\(listed)\n"
        }
        out += "\nPeople in both registers\n"
        for (pair, count) in s.personOverlaps.sorted(by: { $0.key < $1.key }) {
            out += "  \(pair.padding(toLength: 26, withPad: " ", startingAt: 0)) \(n(count))\n"
        }
        out += "\nOrganisations in both registers\n"
        for (pair, count) in s.organisationOverlaps.sorted(by: { $0.key < $1.key }) {
            out += "  \(pair.padding(toLength: 26, withPad: " ", startingAt: 0)) \(n(count))\n"
        }
        out += "\nCorruptions applied (rows)\n"
        for (name, count) in s.corruptions.sorted(by: { $0.key < $1.key }) {
            out += "  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(n(count))\n"
        }
        if let f = s.nameFigures {
            func p(_ x: Double?) -> String { x.map { String(format: "%.5f", $0) } ?? "–" }
            out += """

                Names (\(f.names); synth.md §8.1)          generated   published head   fitted model
                  surname Σp²                       \(p(f.surnameSumP2))     \(p(f.publishedHeadSurnameSumP2))          \(p(f.modelSurnameSumP2))
                  given name Σp², men               \(p(f.givenSumP2Men))     \(p(f.publishedHeadGivenSumP2Men))          \(p(f.modelGivenSumP2Men))
                  given name Σp², women             \(p(f.givenSumP2Women))     \(p(f.publishedHeadGivenSumP2Women))          \(p(f.modelGivenSumP2Women))
                  shared name and birth date        \(String(format: "%.5f", f.sharedNameAndBirthDate)) of people
                  distinct surnames, given names    \(n(f.distinctSurnames)), \(n(f.distinctGivenNames))

                """
        }
        for r in s.rounds ?? [] {
            func count(_ d: [String: Int]) -> String { d.sorted { $0.key < $1.key }.map { "\($0.key) \(n($0.value))" }.joined(separator: ", ") }
            out += "\nRound \(r.round) (\(r.date)): checks \(count(r.checkRows)); police list +\(n(r.listAdded)) −\(n(r.listRemoved)); "
            out += "decisions \(count(r.decisions)); ended \(count(r.ended)); successors \(n(r.successors)); re-entries \(n(r.reentries))\n"
            out += "  ties: \(count(r.ties))\n"
        }
        out += "\nGenerated in \(String(format: "%.1f", s.seconds)) s"
        return out
    }
}

extension NameSetting: ExpressibleByArgument {}
