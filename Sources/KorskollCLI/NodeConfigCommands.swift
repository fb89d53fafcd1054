import Agreements
import ArgumentParser
import Foundation
import Identifiers
import Node
import Tabular
#if canImport(Glibc)
import Glibc
#endif

extension NodeCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write this node's configuration (DIR/node.json) and check what can be checked.",
            discussion: """
                One configuration (korskoll-node-config-v1, Protocols/node.md §7) names the coordinator, \
                this party's key, the registry and, per agreement, its document, export, mapping, schema \
                and state folder (DIR/state/<agreement>). Repeat --agreement, --export and --mapping once \
                per agreement, in the same order; --schema too when any agreement needs one ('-' for none). \
                The checks print ok / todo / error; an error leaves no configuration behind.
                """)

        @Option(help: "The node's directory: node.json and the state folders go here.") var dir: String
        @Option(help: "This node's party id.") var party: String
        @Option(name: .customLong("coordinator-url"), help: "The coordinator's base URL.") var coordinatorURL: String
        @Option(name: .customLong("coordinator-key"), help: "The coordinator's public key file.") var coordinatorKey: String
        @Option(help: "This party's secret key file (mode 0600).") var key: String
        @Option(help: "The party registry.") var registry: String
        @Option(help: "An agreement document (repeat per agreement).") var agreement: [String] = []
        @Option(help: "The CSV export of that agreement (repeat per agreement).") var export: [String] = []
        @Option(help: "The column mapping of that agreement (repeat per agreement).") var mapping: [String] = []
        @Option(help: "The CLK schema of that agreement, '-' for none (repeat per agreement, or leave out).") var schema: [String] = []

        func validate() throws {
            guard export.count == agreement.count, mapping.count == agreement.count else {
                throw ValidationError("give --export and --mapping once per --agreement (\(agreement.count) agreements, \(export.count) exports, \(mapping.count) mappings)")
            }
            guard schema.isEmpty || schema.count == agreement.count else { throw ValidationError("give --schema once per --agreement ('-' for none), or not at all") }
        }

        func run() throws {
            let root = absolute(dir)
            var entries: [NodeConfig.AgreementEntry] = []
            for (i, path) in agreement.enumerated() {
                let (a, _) = try loadAgreement(path)
                let s = schema.isEmpty || schema[i] == "-" ? nil : absolute(schema[i])
                entries.append(NodeConfig.AgreementEntry(id: a.id, agreement: absolute(path), export: absolute(export[i]), mapping: absolute(mapping[i]),
                                     schema: s, state: root + "/state/" + a.id))
            }
            let config = NodeConfig(party: party, coordinatorURL: coordinatorURL, coordinatorKey: absolute(coordinatorKey),
                                    key: absolute(key), registry: absolute(registry), agreements: entries)
            let findings = config.check()
            for f in findings { print(f.description) }
            if findings.contains(where: { $0.level == .error }) { throw failure("not written: fix the errors above and run node init again") }
            let path = try orFail { try config.write(directory: root) }
            print("wrote \(path)" + (findings.contains { $0.level == .todo } ? "; see the todo lines before the first round" : "; ready: `korskoll node check --config \(path) --agreement ID`"))
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one round of an agreement from the node's configuration: encode, submit, wait, results.",
            discussion: """
                Exit status (Protocols/node.md §7.2), for a scheduler: 0 done (results written); \
                3 waiting for other parties or the run (not finished within --wait; run again later, \
                a submission the coordinator holds is not sent twice); 4 refused by the coordinator; \
                5 local input problem (an empty or unreadable export, or more rejected rows than \
                --max-rejected); 1 anything else.
                """)

        @Option(help: "The node's configuration (DIR/node.json).") var config: String
        @Option(help: "The agreement's id.") var agreement: String
        @Option(help: "Wait this many seconds for the run to finish.") var wait: Int = 0
        @Option(name: .customLong("max-rejected"), help: "The largest share of rejected rows still submitted, in percent.") var maxRejected: Double = 10
        @Option(name: .customLong("ref-date"), help: "Reference date for 10-digit numbers, YYYY-MM-DD (default: today, UTC).") var refDate: String?
        @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        @Option(name: .customLong("as"), help: "Standing agreements: submit as a 'list' or a 'check' (needed when the party holds both roles).") var submitAs: String?

        func validate() throws {
            if let submitAs, !["list", "check"].contains(submitAs) { throw ValidationError("--as must be list or check, not '\(submitAs)'") }
            guard wait >= 0 else { throw ValidationError("--wait must not be negative") }
            guard maxRejected >= 0 else { throw ValidationError("--max-rejected must not be negative") }
            if let refDate, CalendarDate(iso: refDate) == nil { throw ValidationError("--ref-date '\(refDate)' is not a date YYYY-MM-DD") }
        }

        func run() throws {
            let value: NodeConfig
            do { value = try NodeConfig.load(config) } catch let e as NodeError {
                printError("error: \(e.reason)")
                throw ExitCode(NodeCheck.Status.other.rawValue)
            }
            var options = NodeCheck.Options(referenceDate: refDate.flatMap { CalendarDate(iso: $0) } ?? CalendarDate.today())
            options.wait = Double(wait)
            options.maxRejectedPercent = maxRejected
            options.threads = threads
            options.submitAs = submitAs
            let export = (try? value.agreement(agreement))?.export
            let terminal = isatty(2) == 1
            var encoding: ProgressReporter?
            let outcome = NodeCheck.run(config: value, agreementID: agreement, options: options) { step in
                switch step {
                case .stage(let text):
                    if let r = encoding { r.finish(); encoding = nil }
                    printError(text)
                case .rows(let n):
                    if encoding == nil {
                        let lines = export.flatMap { ProgressReporter.lineCount(path: $0) }
                        encoding = stderrProgress(label: "encoding", unit: "rows", total: lines.map { max($0 - 1, 0) }, terminal: terminal)
                    }
                    encoding?.update(done: n)
                case .run(let s):
                    printError("run \(s.run.state.rawValue)" + (s.run.progress.map { ": \($0)" } ?? "") + (s.missing.isEmpty ? "" : "; waiting for \(s.missing.joined(separator: ", "))"))
                }
            }
            if outcome.status == .done { print(outcome.message) } else { printError((outcome.status == .waiting ? "waiting: " : "error: ") + outcome.message) }
            if outcome.status != .done { throw ExitCode(outcome.status.rawValue) }
        }
    }
}

/// A progress reporter on standard error: drawn in place on a terminal, one line per stage otherwise.
func stderrProgress(label: String, unit: String, total: Int? = nil, terminal: Bool = isatty(2) == 1) -> ProgressReporter {
    ProgressReporter(label: label, unit: unit, total: total, terminal: terminal, write: { writeAll(fd: 2, $0) })
}

/// `path` made absolute against the working directory.
func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
