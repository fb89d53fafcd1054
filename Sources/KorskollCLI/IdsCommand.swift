import ArgumentParser
import Dispatch
import Foundation
import Blinding
import Identifiers
import Sodium
import Synth

struct IdsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ids", abstract: "Validate and normalise Swedish identity numbers.",
        subcommands: [Normalize.self, Bench.self])
}

/// Options shared by the identifier commands.
struct NormalizeOptions: ParsableArguments {
    @Option(help: "What the values are: person (personnummer, samordningsnummer) or org (organisationsnummer, sole traders).")
    var kind: IdentifierKind

    @Option(name: .customLong("ref-date"),
            help: "The date the values were written down (YYYY-MM-DD); decides the century of 10-digit numbers. Without it, 10-digit numbers are rejected.")
    var refDate: String?

    @Flag(name: .customLong("pad-numeric"), help: "The column was numeric-typed: restore lost leading zeros (flagged 'padded').")
    var padNumeric = false

    func validate() throws {
        if let refDate, CalendarDate(iso: refDate) == nil {
            throw ValidationError("--ref-date '\(refDate)' is not a date in the form YYYY-MM-DD")
        }
    }

    var normalizer: Normalizer {
        Normalizer(referenceDate: refDate.flatMap(CalendarDate.init(iso:)), padNumericColumn: padNumeric)
    }
}

extension IdentifierKind: ExpressibleByArgument {}

extension IdsCommand {
    struct Normalize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read one value per line on stdin; print its canonical form, or '!' and the reason.",
            discussion: "Prints exactly one line per input line, in order. Exits 0 once the input was read, whatever it contained.")

        @OptionGroup var options: NormalizeOptions

        @Flag(help: "Append a tab and the flags (century_inferred, coord_unknown_date, test_number, …) to valid lines.")
        var flags = false

        func run() throws {
            let normalizer = options.normalizer
            var out = ""
            out.reserveCapacity(1 << 16)
            while let line = readLine(strippingNewline: true) {
                switch normalizer.normalize(line, as: options.kind) {
                case .success(let id):
                    out += id.canonical
                    if flags { out += "\t" + id.flags.description }
                case .failure(let error):
                    out += "!" + error.reason
                }
                out += "\n"
                if out.utf8.count >= 1 << 16 {
                    writeAll(fd: 1, out)
                    out.removeAll(keepingCapacity: true)
                }
            }
            writeAll(fd: 1, out)
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure identifiers normalised and blinded per second (prints JSON).")

        @Option(help: "How many values to normalise per pass.")
        var count = 2_000_000

        func run() throws {
            let pool = SkatteverketTestNumbers.personnummer + SkatteverketTestNumbers.samordningsnummer
            // A mix as exports have it: 12-digit, 10-digit with '-', bare 10-digit, blanks, and
            // one in ten with a mistyped digit.
            var mix: [String] = []
            mix.reserveCapacity(count)
            var rng = SplitMix64(seed: 42)
            for i in 0..<count {
                var s = Array(pool[Int(rng.next() % UInt64(pool.count))])
                if i % 10 == 9 { s[11] = s[11] == "9" ? "0" : Character(String(s[11].wholeNumberValue! + 1)) }
                let value = String(s)
                switch i % 4 {
                case 0: mix.append(value)
                case 1: mix.append(String(value.dropFirst(2).prefix(6)) + "-" + String(value.suffix(4)))
                case 2: mix.append(String(value.dropFirst(2)))
                default: mix.append(" " + String(value.prefix(8)) + "-" + String(value.suffix(4)) + " ")
                }
            }
            let inputs = mix
            let normalizer = Normalizer(referenceDate: CalendarDate(year: 2026, month: 1, day: 1))
            @Sendable func pass(_ range: Range<Int>) -> Int {
                var valid = 0
                for i in range {
                    if case .success = normalizer.normalize(inputs[i], as: .person) { valid += 1 }
                }
                return valid
            }
            _ = pass(0..<min(count, 10_000))  // warm up: the test-number set is built on first use
            var start = DispatchTime.now().uptimeNanoseconds
            let valid = pass(0..<count)
            let oneCore = Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            let cores = ProcessInfo.processInfo.activeProcessorCount
            start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: cores) { c in
                _ = pass((count * c / cores)..<(count * (c + 1) / cores))
            }
            let allCores = Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)

            // Blinding (Protocols/derivations.md §2): keyed BLAKE2b-256 from a copied keyed state.
            let canonical = (0..<count).map { pool[$0 % pool.count] }
            let blinder = IdentifierBlinder(keys: LinkageKeys(agreementID: "bench", linkageSecret: .random(count: 32)), namespace: .person)
            @Sendable func blindPass(_ range: Range<Int>) {
                let scratch = blinder.makeScratch()
                var out = [UInt8](repeating: 0, count: 32)
                out.withUnsafeMutableBytes { buffer in
                    for i in range { blinder.blind(canonical[i], scratch: scratch, into: buffer) }
                }
            }
            start = DispatchTime.now().uptimeNanoseconds
            blindPass(0..<count)
            let blindOne = Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: cores) { c in blindPass((count * c / cores)..<(count * (c + 1) / cores)) }
            let blindAll = Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            // The reference the speed target names: libsodium's one-shot keyed BLAKE2b per value.
            let key = Array(repeating: UInt8(7), count: 32)
            start = DispatchTime.now().uptimeNanoseconds
            for i in 0..<count { _ = try BLAKE2b.hash(Array(canonical[i].utf8), key: key, outputLength: 32) }
            let oneShot = Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            print("{\"values\":\(count),\"valid\":\(valid),\"cores\":\(cores),\"normalizedPerSecondOneCore\":\(Int(oneCore)),\"normalizedPerSecondAllCores\":\(Int(allCores)),\"blindedPerSecondOneCore\":\(Int(blindOne)),\"blindedPerSecondAllCores\":\(Int(blindAll)),\"oneShotKeyedBlake2bPerSecondOneCore\":\(Int(oneShot))}")
        }
    }
}
