import ArgumentParser
import Blinding
import CLKEncoding
import Evaluation
import Foundation
import Identifiers
import Matching
import Node
import Parties
import Sodium
import Tabular
import Wire

extension MatchCommand {
    /// `korskoll match quality` (Protocols/matching.md §6): every register of a synthetic
    /// population through the node encoder and the coordinator's linkage in one process, scored
    /// against the truth per register pair.
    struct Quality: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Precision, recall and F1 of the linkage on a synthetic population, per register pair.",
            discussion: """
                Reads DIR/registers/*.csv with their mappings and DIR/truth/rows.csv (korskoll synth), and \
                DIR/relations/*.csv (Skatteverket's identity changes) when present: linked, never scored. Every \
                register is encoded as a node would (fresh keys, keyed blocking), then linked with exact joins \
                only, with exact + blocked fuzzy matching at --threshold, and (unless --no-unblocked) with \
                exact + unblocked fuzzy matching, which measures what blocking loses. --sweep runs more \
                thresholds with blocking. A true pair is two rows of different registers that show the same \
                person; a predicted pair is two rows the run put in the same group. The report adds the \
                precision of the fuzzy links alone, the conflicts found and how they were settled (and a run \
                without the conflicts step, to measure it), the true pairs with id-changed found with and \
                without the identity changes, and the missed true pairs by cause. Give \
                --population once per population, e.g. one made with --names realistic and one with --names small.
                """)

        @Option(help: "Synthetic population directory (korskoll synth --out); repeat to report several (both name settings).")
        var population: [String]
        @Option(help: "Truth directory (default: DIR/truth).") var truth: String?
        @Option(help: "CLK schema (default: Protocols/schemas/person-v3.json).") var schema: String?
        @Option(help: "Dice threshold of the main comparison.") var threshold: Double = 0.95
        @Option(help: "More thresholds to run with blocking, comma-separated.") var sweep: String = "0.8,0.85,0.9,0.92,0.95,0.97"
        @Flag(help: "Skip the unblocked run (it compares every row without a number with every row of the other register).")
        var noUnblocked = false
        @Option(name: .customLong("ref-date"), help: "Reference date for 10-digit numbers (default 2026-01-01, synth's).") var refDate = "2026-01-01"
        @Option(help: "Write the report as JSON here too.") var json: String?
        @Option(name: .customLong("fuzzy-links"), help: "Write the main run's fuzzy links with their truth here (CSV), to study the false ones.")
        var fuzzyLinks: String?
        @Option(help: "Write the main run's missed true pairs here (CSV): both rows, their problems, and what the linkage saw of them.")
        var misses: String?
        @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        @Flag(name: .customLong("no-evidence"), help: "Link as a run whose outputs grant no evidence (matching.md §5.7), as the national benchmark agreement's: for timing; no row is then counted as flagged.")
        var noEvidence = false

        func validate() throws {
            guard !population.isEmpty else { throw ValidationError("--population is required") }
            guard truth == nil || population.count == 1 else { throw ValidationError("--truth goes with one --population") }
            guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 1") }
            guard CalendarDate(iso: refDate) != nil else { throw ValidationError("--ref-date '\(refDate)' is not a date YYYY-MM-DD") }
            guard parsedSweep != nil else { throw ValidationError("--sweep must be comma-separated numbers between 0 and 1") }
        }

        var parsedSweep: [Double]? {
            let parts = sweep.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.contains(where: { $0 == nil || !(0...1).contains($0!) }) else { return nil }
            return parts.map { $0! }
        }

        func run() throws {
            var docs: [[String: Any]] = []
            for (n, dir) in population.enumerated() {
                if n > 0 { print("") }
                docs.append(try report(dir))
            }
            if let json {
                let doc: Any = docs.count == 1 ? docs[0] : ["format": "korskoll-quality-v1", "populations": docs]
                try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: json))
            }
        }

        /// Encodes, links and scores one population; prints its report and returns it as JSON.
        func report(_ population: String) throws -> [String: Any] {
            let start = Date()
            let registers = try FileManager.default.contentsOfDirectory(atPath: population + "/registers")
                .filter { $0.hasSuffix(".mapping.json") }.map { String($0.dropLast(".mapping.json".count)) }.sorted()
            guard !registers.isEmpty else { throw failure("\(population)/registers has no <register>.mapping.json") }
            let schemaPath = schema ?? DemoRun.repositoryRoot() + "/Protocols/schemas/person-v3.json"
            let linkageSchema: LinkageSchema
            do { linkageSchema = try LinkageSchema(json: readFile(schemaPath, what: "--schema")) } catch let e as CLKError { throw failure("schema \(schemaPath): \(e.reason)") }

            // Encode every register as its node would, with keys made for this run only.
            let work = NSTemporaryDirectory() + "korskoll-quality-" + Hex.encode(Random.bytes(6))
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let coordinator = try PartyKeys.generate(party: "coordinator")
            let keys = LinkageKeys(agreementID: "quality", linkageSecret: SecretBytes.random(count: 32))
            var rows: [PartyRows] = []
            var recordOfRow: [[String]] = []
            // Relations parties (synth.md §7.5: Skatteverket's identity changes) are linked with the
            // registers but never scored: their rows make no match of their own (matching.md §5.9).
            let relations = ((try? FileManager.default.contentsOfDirectory(atPath: population + "/relations")) ?? [])
                .filter { $0.hasSuffix(".mapping.json") }.map { String($0.dropLast(".mapping.json".count)) }.sorted()
            for (r, folder) in registers.map({ ($0, "registers") }) + relations.map({ ($0, "relations") }) {
                var mapping: ColumnMapping
                do { mapping = try ColumnMapping(json: readFile("\(population)/\(folder)/\(r).mapping.json", what: "mapping"), source: r) } catch let e as NodeError { throw failure(e.reason) }
                mapping.attributes = []   // attributes play no part in linkage, and need an agreement (node.md §5)
                var job = IngestJob(input: "\(population)/\(folder)/\(r).csv", mapping: mapping, schema: mapping.fields.isEmpty ? nil : linkageSchema,
                                    keys: keys, party: try PartyKeys.generate(party: r),
                                    coordinator: PartyPublicKeys(party: "coordinator", signing: coordinator.signing.publicKey, sealing: coordinator.sealing.publicKey),
                                    referenceDate: CalendarDate(iso: refDate)!, output: "\(work)/\(r)", threads: threads, createdAt: UInt64(Date().timeIntervalSince1970))
                job.blocking = !mapping.fields.isEmpty
                let t0 = Date()
                let summary: IngestSummary
                do { summary = try Ingest.run(job) } catch let e as NodeError { throw failure("\(r): \(e.reason)") }
                let opened = try Submission.Opened(path: "\(work)/\(r)/\(Ingest.submissionFile)", key: coordinator.sealing)
                try opened.verify(signedBy: job.party.signing.publicKey)
                rows.append(try PartyRows(opened: opened))
                guard folder == "registers" else { printError("encoded \(r) (relations): \(summary.rowsSubmitted) of \(summary.rowsRead) rows"); continue }
                recordOfRow.append(try Truth.recordIDs("\(work)/\(r)/\(Ingest.rowMapFile)", rows: summary.rowsSubmitted))
                printError("encoded \(r): \(summary.rowsSubmitted) of \(summary.rowsRead) rows in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
            }
            let truth = try Truth.truthPersons((self.truth ?? population + "/truth") + "/rows.csv")

            func evaluate(_ label: String, threshold: Double?, blocking: Bool, conflicts: Bool = true, agreeingKeys: Bool = true, loneNumbers: Bool = true, identityChanges: Bool = true,
                          linksTo path: String? = nil, missesTo missPath: String? = nil) throws -> Evaluation {
                let t0 = Date()
                let linkage = try Linkage(identityChanges ? rows : Array(rows.prefix(registers.count)), exact: ["person", "organisation"], threshold: threshold, fuzzyParties: Set(registers),
                                          blocking: blocking, conflicts: conflicts, agreeingKeys: agreeingKeys, loneNumbers: loneNumbers,
                                          evidence: !noEvidence, threads: threads)
                if let path { try Truth.writeFuzzyLinks(linkage.fuzzyLinks.map { ($0.partyA, $0.rowA, $0.partyB, $0.rowB, $0.score) }, registers: registers, recordOfRow: recordOfRow, truth: truth, to: path) }
                let seconds = Date().timeIntervalSince(t0)
                var e = Evaluation(label: label, threshold: threshold, blocking: blocking, seconds: seconds, comparisons: linkage.counts["comparisons"] ?? 0)
                e.score(registers: registers, truth: truth, recordOfRow: recordOfRow, groupOf: linkage.groupOf, keepMisses: missPath != nil)
                if let missPath { try writeMisses(e, linkage: linkage, registers: registers, recordOfRow: recordOfRow, truth: truth, to: missPath) }
                e.outcomes = LinkOutcomes.score(fuzzyLinks: linkage.fuzzyLinks.map { ($0.partyA, $0.rowA, $0.partyB, $0.rowB, $0.score) },
                                                relinked: linkage.relinkedRows.subtracting(linkage.loneLinkedRows), kept: linkage.keptRows,
                                                lone: linkage.loneLinkedRows, flaggedRows: linkage.counts["conflictFlaggedRows"] ?? 0,
                                                registers: registers, truth: truth, recordOfRow: recordOfRow, groupOf: linkage.groupOf)
                printError("\(label): \(String(format: "%.1f", seconds)) s, \(e.comparisons) pairs compared")
                return e
            }
            var report: [Evaluation] = []
            report.append(try evaluate("exact only", threshold: nil, blocking: false))
            let main = try evaluate("exact + fuzzy, blocked", threshold: threshold, blocking: true, linksTo: fuzzyLinks, missesTo: misses)
            report.append(main)
            let noConflicts = try evaluate("blocked, no conflict step", threshold: threshold, blocking: true, conflicts: false)
            report.append(noConflicts)
            // matching.md §5.2: what the agreeing-keys rule adds.
            let noAgreeing = try evaluate("blocked, no agreeing keys", threshold: threshold, blocking: true, agreeingKeys: false)
            report.append(noAgreeing)
            // matching.md §5.2.2: what the lone-number step adds.
            let noLone = try evaluate("blocked, no lone numbers", threshold: threshold, blocking: true, loneNumbers: false)
            report.append(noLone)
            let unblocked = noUnblocked ? nil : try evaluate("exact + fuzzy, unblocked", threshold: threshold, blocking: false)
            if let unblocked { report.append(unblocked) }
            // matching.md §6.1: what Skatteverket's identity changes (§5.9) add.
            let withoutChanges = relations.isEmpty ? [] : [
                try evaluate("exact only, no identity changes", threshold: nil, blocking: false, identityChanges: false),
                try evaluate("blocked, no identity changes", threshold: threshold, blocking: true, identityChanges: false)]
            report += withoutChanges
            var sweepRuns: [Evaluation] = []
            for t in parsedSweep! where t != threshold { sweepRuns.append(try evaluate("sweep", threshold: t, blocking: true)) }

            print("Linkage quality on \(population): \(registers.count) registers, \(rows.prefix(registers.count).reduce(0) { $0 + $1.count }) submitted rows"
                  + (relations.isEmpty ? "" : "; relations \(relations.joined(separator: ", ")): \(rows.dropFirst(registers.count).reduce(0) { $0 + $1.count }) rows"))
            print("")
            print("register pair              true pairs   exact only: P / R / F1        exact+fuzzy (t=\(threshold), blocked): P / R / F1")
            for key in main.pairs.keys.sorted() where main.pairs[key]!.actual > 0 {
                let x = report[0].pairs[key]!, y = main.pairs[key]!
                print("\(key.padding(toLength: 26, withPad: " ", startingAt: 0)) \(String(format: "%10d", y.actual))   \(x.triple)   \(y.triple)")
            }
            for e in report { print("\(e.label.padding(toLength: 26, withPad: " ", startingAt: 0)) all pairs: \(e.total.triple)   \(e.comparisons) compared, \(String(format: "%.2f", e.seconds)) s") }
            print("")
            print("threshold sweep (blocked):   P / R / F1")
            for e in ([main] + sweepRuns).sorted(by: { $0.threshold! < $1.threshold! }) {
                print("  t = \(String(format: "%.2f", e.threshold!))               \(e.total.triple)")
            }
            if let unblocked {
                let lost = unblocked.total.truePositives - main.total.truePositives
                print("")
                print("blocking: \(main.comparisons) pairs compared instead of \(unblocked.comparisons); true pairs found without blocking but not with it: \(lost) of \(main.total.actual) (\(String(format: "%.4f", 100 * Double(lost) / Double(max(1, main.total.actual))))%)")
            }
            print("")
            for e in [main, noConflicts, noAgreeing, noLone] {
                let o = e.outcomes!
                print("\(e.label): fuzzy links alone: \(o.fuzzyLinks.predicted), precision \(String(format: "%.3f%%", 100 * o.fuzzyLinks.precision))")
            }
            let o = main.outcomes!
            print("lone numbers (matching.md §5.2.2): \(o.loneLinked) rows linked to another number's group, \(o.loneLinkedRight) of them to their true person")
            print("conflicts (matching.md §5.6): \(o.conflictRows) rows doubted; re-linked \(o.relinked) (\(o.relinkedRight) to their true person), kept \(o.kept) (\(o.keptRight) in their true person's group); \(o.flaggedRows) rows flagged in the evidence")
            print("")
            if withoutChanges.count == 2 {
                func line(_ before: Evaluation, _ after: Evaluation) -> String {
                    let n = after.actualByProblem["id-changed"] ?? 0
                    let found = { (e: Evaluation) in n - (e.missedByProblem["id-changed"] ?? 0) }
                    return "\(found(before)) → \(found(after)) of \(n) (recall \(String(format: "%.3f%%", 100 * (before.recall(of: "id-changed") ?? 1))) → \(String(format: "%.3f%%", 100 * (after.recall(of: "id-changed") ?? 1)))); all pairs \(before.total.triple) → \(after.total.triple)"
                }
                print("identity changes (\(relations.joined(separator: ", ")), matching.md §5.9): true pairs with id-changed found, without → with the changes:")
                print("  exact only:                \(line(withoutChanges[0], report[0]))")
                print("  exact + fuzzy (t=\(threshold)):  \(line(withoutChanges[1], main))")
            }
            print("missed true pairs (t=\(threshold), blocked) by the problems in their rows: " + main.missedByProblem.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("finished in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            var doc: [String: Any] = ["format": "korskoll-quality-v1", "population": population, "registers": registers,
                                      "threshold": threshold, "runs": (report + sweepRuns).map(\.json)]
            if let unblocked { doc["blockingLostTruePairs"] = unblocked.total.truePositives - main.total.truePositives }
            return doc
        }

        /// `--misses`: one line per missed true pair of the main run (matching.md §6).
        func writeMisses(_ e: Evaluation, linkage: Linkage, registers: [String], recordOfRow: [[String]], truth: TruthRows, to path: String) throws {
            let rowOf = recordOfRow.map { Dictionary($0.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }) }
            let counts = linkage.missCounts()
            let out = try CSVFileWriter(path: path, header: ["register_a", "record_a", "register_b", "record_b", "person", "problems"] + Linkage.missColumns)
            for m in e.missed {
                let person = truth[registers[m.p]]?[m.recordA]?.person.map(String.init) ?? ""
                var cells = [registers[m.p], m.recordA, registers[m.q], m.recordB, person, m.problems.joined(separator: ";")]
                if let i = rowOf[m.p][m.recordA], let j = rowOf[m.q][m.recordB] {
                    cells += linkage.missCells(m.p, i, m.q, j, counts: counts)
                } else {
                    cells += [String](repeating: "", count: Linkage.missColumns.count)
                }
                try out.write(cells)
            }
            try out.close()
        }
    }
}
