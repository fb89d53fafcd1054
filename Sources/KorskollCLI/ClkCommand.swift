import ArgumentParser
import CLKEncoding
import Matching
import Dispatch
import Foundation
import Sodium
import Tabular

struct ClkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clk", abstract: "clkhash-compatible Bloom-filter encodings (linkage schema v3, blakeHash).",
        subcommands: [Encode.self, Match.self, Link.self])
}

extension ClkCommand {
    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encode a CSV into CLKs exactly as clkhash 0.18.3 does.",
            discussion: """
                The CSV's header must list the schema's feature identifiers in order. The secret is the \
                file's bytes with one trailing newline dropped. Output: {"clks": [base64, …]}, one per row \
                in input order. A row with a value the schema rejects stops the run with its line and \
                field, and nothing is written: dropping it would shift every later row's index.
                """)

        @Option(help: "Linkage schema v3 (JSON).") var schema: String
        @Option(name: .customLong("secret-file"), help: "File holding the shared secret.") var secretFile: String
        @Option(help: "CSV file with a header row.") var input: String
        @Option(help: "Where to write the clks JSON.") var output: String
        @Option(help: "Encoding threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let schemaData = try readFile(schema, what: "--schema")
            let linkageSchema: LinkageSchema
            do { linkageSchema = try LinkageSchema(json: schemaData) } catch let e as CLKError {
                throw failure("schema \(schema): \(e.reason)")
            }
            for warning in linkageSchema.warnings { printError("warning: schema \(schema): \(warning)") }
            var secretBytes = Array(try readFile(secretFile, what: "--secret-file"))
            if secretBytes.last == UInt8(ascii: "\n") { secretBytes.removeLast(); if secretBytes.last == UInt8(ascii: "\r") { secretBytes.removeLast() } }
            let secret = SecretBytes(secretBytes)
            for i in secretBytes.indices { secretBytes[i] = 0 }
            let encoder = try CLKEncoder(schema: linkageSchema, secret: secret)

            let reader: CSVReader
            do { reader = try CSVReader(path: input) } catch let e as CSVError { throw failure(e.reason) }
            let expected = linkageSchema.features.map(\.identifier)
            guard let header = try csv({ try reader.next() }) else { throw failure("\(input) is empty; a header row is required") }
            guard header.fields == expected else {
                throw failure("\(input): the header is \(header.fields.joined(separator: ",")); the schema's features are \(expected.joined(separator: ","))")
            }

            let progress = Progress(label: "rows encoded")
            var out = "{\"clks\": ["
            var first = true
            var batch: [[String]] = [], lines: [Int] = []
            func flush() throws {
                let results = encoder.encodeAll(batch, threads: threads)
                for (i, r) in results.enumerated() {
                    switch r {
                    case .success(let clk):
                        out += (first ? "\"" : ", \"") + Data(clk).base64EncodedString() + "\""
                        first = false
                    case .failure(let e):
                        throw failure("\(input): line \(lines[i]): \(e.reason); nothing was written")
                    }
                }
                progress.advance(by: batch.count)
                batch.removeAll(keepingCapacity: true)
                lines.removeAll(keepingCapacity: true)
            }
            while let record = try csv({ try reader.next() }) {
                batch.append(record.fields)
                lines.append(record.line)
                if batch.count == 65_536 { try flush() }
            }
            try flush()
            out += "]}\n"
            let temporary = output + ".partial"
            try Data(out.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, output) == 0 else { throw failure("cannot move the output into place at \(output)") }
            progress.finish()
        }

        private func csv<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let e as CSVError { throw failure(e.reason) }
        }
    }

    struct Match: ParsableCommand {
        enum Solve: String, ExpressibleByArgument, CaseIterable { case none, greedy }

        static let configuration = CommandConfiguration(
            abstract: "Candidate pairs between two clks files by Sørensen–Dice, as anonlink finds them.",
            discussion: """
                --solve none writes every pair with Dice ≥ T, exactly the pairs of anonlink 0.15.3's \
                find_candidate_pairs at that threshold; --solve greedy keeps a one-to-one subset, \
                highest score first, ties by row. CSV columns a,b,score (0-based rows), in order of \
                decreasing score, then a, then b (Protocols/matching.md).
                """)

        @Argument(help: "The first clks file ({\"clks\": [base64, …]}).") var first: String
        @Argument(help: "The second clks file.") var second: String
        @Option(help: "Dice threshold, 0 to 1.") var threshold: Double
        @Option(help: "none: every candidate pair; greedy: one-to-one.") var solve: Solve = .none
        @Option(help: "Where to write the CSV.") var output: String
        @Option(help: "Threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        @Flag(inversion: .prefixedNo, help: "Skip pairs whose popcounts cannot reach the threshold (--no-prune measures the raw kernel).") var prune = true

        func validate() throws {
            guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 1") }
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let (a, b) = try readClkPair(first, second)
            let start = DispatchTime.now().uptimeNanoseconds
            var pairs = CandidateGenerator.candidates(a, b, threshold: threshold, threads: threads, prune: prune)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if solve == .greedy { pairs = GreedySolver.solve(pairs) }
            // Scores print as Swift's shortest round-trip form, which is Python's repr: the file
            // equals anonlink's pairs written with repr().
            var out = Array("a,b,score\n".utf8)
            out.reserveCapacity(pairs.count * 28)
            for p in pairs {
                DecimalText.append(p.a, to: &out); out.append(0x2C)
                DecimalText.append(p.b, to: &out); out.append(0x2C)
                out.append(contentsOf: p.score.description.utf8); out.append(0x0A)
            }
            let temporary = output + ".partial"
            try Data(out).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, output) == 0 else { throw failure("cannot move the output into place at \(output)") }
            printError("\(a.count) × \(b.count) filters, \(pairs.count) pairs written; candidate generation \(String(format: "%.3f", seconds)) s, \(Int(Double(a.count) * Double(b.count) / max(seconds, 1e-9) / 1e6)) M pairs/s considered")
        }
    }
}

extension ClkCommand {
    struct Link: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fuzzy links between two clks files by the coordinator's own acceptance rule (for evaluation).",
            discussion: """
                For evaluation against other linkers on the same CLKs (Protocols/matching.md §6.3). The two \
                files become two parties whose rows carry a CLK and nothing else, and go through the linkage \
                of a coordinator run (matching.md §5) unblocked: every pair with Dice ≥ T is a candidate, a \
                row whose best candidate is within the ambiguity margin of another row's is left unlinked, \
                and the rest are accepted one-to-one, best first (§5.2). Without pseudonyms or blocking keys \
                the exact, lookalike and conflict steps have nothing to act on. CSV columns a,b,score \
                (0-based rows), in the order the links were accepted.
                """)

        @Argument(help: "The first clks file ({\"clks\": [base64, …]}).") var first: String
        @Argument(help: "The second clks file.") var second: String
        @Option(help: "Dice threshold, 0 to 1 (an agreement's match.threshold).") var threshold: Double
        @Option(help: "Where to write the CSV.") var output: String
        @Option(help: "Threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 1") }
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let (a, b) = try readClkPair(first, second)
            let linkage: Linkage
            do {
                linkage = try Linkage([PartyRows(party: "a", filters: a), PartyRows(party: "b", filters: b)], exact: [], threshold: threshold,
                                      fuzzyParties: ["a", "b"], blocking: false, evidence: false, threads: threads)
            } catch let e as MatchError { throw failure(e.reason) }
            var out = Array("a,b,score\n".utf8)
            for l in linkage.fuzzyLinks {
                DecimalText.append(l.rowA, to: &out); out.append(0x2C)
                DecimalText.append(l.rowB, to: &out); out.append(0x2C)
                out.append(contentsOf: l.score.description.utf8); out.append(0x0A)
            }
            let temporary = output + ".partial"
            try Data(out).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, output) == 0 else { throw failure("cannot move the output into place at \(output)") }
            printError("\(a.count) × \(b.count) filters, \(linkage.counts["comparisons"] ?? 0) pairs compared, \(linkage.fuzzyLinks.count) links written")
        }
    }
}

/// Reads a whole file named by a flag, with an error that names the flag.
func readFile(_ path: String, what flag: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw failure("\(flag) \(path) cannot be read")
    }
    return data
}

/// An error for the user: printed as one line, exit status 1.
func failure(_ message: String) -> Error {
    // What was printed so far goes out first, so the error stands after the step it belongs to
    // when both streams go to one file.
    fflush(nil)
    printError("error: \(message)")
    return ExitCode.failure
}

/// Progress on stderr: count, rate and elapsed time, at most a few times a second.
final class Progress {
    private let label: String
    private let start = DispatchTime.now().uptimeNanoseconds
    private var last: UInt64 = 0
    private(set) var count = 0

    init(label: String) { self.label = label }

    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    func advance(by n: Int) {
        count += n
        let now = DispatchTime.now().uptimeNanoseconds
        if now - last > 500_000_000 {
            last = now
            printError("\(count) \(label), \(Int(Double(count) / max(seconds, 1e-9)))/s")
        }
    }

    func finish() {
        printError("\(count) \(label) in \(String(format: "%.2f", seconds)) s, \(Int(Double(count) / max(seconds, 1e-9)))/s")
    }
}

/// The two clks files of `clk match` and `clk link`, refused unless their filters have one length.
private func readClkPair(_ first: String, _ second: String) throws -> (FilterSet, FilterSet) {
    let a: FilterSet, b: FilterSet
    do {
        a = try FilterSet(clksJSON: readFile(first, what: "first clks file"), source: first)
        b = try FilterSet(clksJSON: readFile(second, what: "second clks file"), source: second)
    } catch let e as MatchError { throw failure(e.reason) }
    guard a.count == 0 || b.count == 0 || a.byteLength == b.byteLength else {
        throw failure("\(first) holds \(a.byteLength * 8)-bit filters and \(second) \(b.byteLength * 8)-bit ones")
    }
    return (a, b)
}
