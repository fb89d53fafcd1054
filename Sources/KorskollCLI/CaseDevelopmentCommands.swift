import API
import ArgumentParser
import Coordinator
import CoordinatorClient
import Foundation
import Node
import Parties
import Sodium

// Case development (Protocols/standing.md §8): `node outcome`, `node report`, `coordinator report`.

extension NodeCommand {
    struct Outcome: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what came of this node's own tied records (Protocols/node.md §10).",
            discussion: """
                Outcomes: \(OutcomeKind.allCases.map(\.rawValue).joined(separator: ", ")); reclaimed needs \
                --amount (whole SEK). An outcome for a record never tied in a result this node opened is \
                refused and noted in the node's journal. With --file, every good row is recorded and each \
                bad row is refused by its line.
                """)
        @Option(help: "This node's state directory (result histories, outcomes, journal).") var state: String
        @Option(help: "This party's secret key file (opens the result histories).") var key: String
        @Option(help: "The agreement id.") var agreement: String
        @Option(help: "The node's own record id.") var record: String?
        @Option(help: "What came of it: \(OutcomeKind.allCases.map(\.rawValue).joined(separator: ", ")).") var outcome: String?
        @Option(help: "The amount reclaimed, whole SEK (reclaimed only).") var amount: String?
        @Option(help: "The day it took effect, YYYY-MM-DD (default: today, UTC).") var date: String?
        @Option(help: "A CSV of outcomes, header record,outcome,amount,date.") var file: String?

        func validate() throws {
            if file == nil && (record == nil || outcome == nil) { throw ValidationError("give --record and --outcome, or --file") }
            if file != nil && (record != nil || outcome != nil || amount != nil || date != nil) {
                throw ValidationError("--file cannot be combined with --record, --outcome, --amount or --date")
            }
        }

        func run() throws {
            let keys: PartyKeys
            do { keys = try KeyFiles.loadSecret(URL(fileURLWithPath: key)) } catch let e as KeyError { throw failure(e.reason) }
            var lines: [Int] = [], inputs: [OutcomeBook.Input] = []
            var refused: [(line: Int, reason: String)] = []
            if let file {
                let parsed = try orFail { try OutcomeBook.inputs(csv: file) }
                lines = parsed.inputs.map(\.line)
                inputs = parsed.inputs.map(\.input)
                refused = parsed.malformed.map { ($0.line, $0.error.reason) }
            } else {
                inputs = [OutcomeBook.Input(record: record!, outcome: outcome!, amount: amount, date: date)]
                lines = [0]
            }
            let book = OutcomeBook(state: state, agreement: agreement, node: keys)
            let done = try orFail { try book.record(inputs, now: UInt64(Date().timeIntervalSince1970)) }
            refused += done.refused.map { (lines[$0.index], $0.error.reason) }
            for r in refused.sorted(by: { $0.line < $1.line }) { printError(file == nil ? "refused: \(r.reason)" : "line \(r.line) refused: \(r.reason)") }
            print("recorded \(done.recorded.count) outcome\(done.recorded.count == 1 ? "" : "s") of \(agreement) in \(book.path); refused \(refused.count)")
            if !refused.isEmpty { throw ExitCode.failure }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send this party's signed counts for a reporting period (Protocols/node.md §11).",
            discussion: "Per outcome kind the count and amount of the outcomes dated in the period, and per reference party the records tied in checks opened in it; never a row. A period is reported once.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("coordinator-key"), help: "The coordinator's public key file.") var coordinatorKey: String
        @Option(help: "This node's state directory.") var state: String
        @Option(help: "The agreement id.") var agreement: String
        @Option(help: "The period: YYYY-H1, YYYY-H2 or YYYY-Q1…YYYY-Q4.") var period: String

        func validate() throws {
            if ReportingPeriod(period) == nil { throw ValidationError("--period '\(period)' is not YYYY-H1, YYYY-H2 or YYYY-Q1…YYYY-Q4") }
        }

        func run() throws {
            let client = try connection.client()
            let coordinator = try orFail { try KeyFiles.loadPublic(URL(fileURLWithPath: coordinatorKey)) }
            let p = ReportingPeriod(period)!
            let now = UInt64(Date().timeIntervalSince1970)
            let answer = try orFail {
                let signed = try PeriodReport.build(state: state, agreement: agreement, period: p, node: client.keys, now: now)
                return try PeriodReport.send(signed, period: p, agreement: agreement, client: client, coordinator: coordinator, state: state, now: now)
            }
            print("\(answer.party) reported \(answer.period) of \(answer.agreement) (hash \(answer.hash.prefix(16))…); receipt: entry \(answer.receipt.index)")
        }
    }
}

extension CoordinatorCommand {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release the joint case-development report of a period (Protocols/api.md §3.10).",
            discussion: """
                Asks the running coordinator (signed with its own key) to compile the parties' signed \
                counts, suppress cells under --k, sign the report and log report.released; the \
                coordinator's one process writes the log, so the release goes through it. Writes \
                report.json (signed), report.csv and report.txt into --out. A period is released once.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The agreement id.") var agreement: String
        @Option(help: "The period: YYYY-H1, YYYY-H2 or YYYY-Q1…YYYY-Q4.") var period: String
        @Option(help: "Suppress cells with a count under k (at least 2).") var k: Int = 5
        @Option(help: "Directory to write report.json, report.csv and report.txt into.") var out: String

        func validate() throws {
            if ReportingPeriod(period) == nil { throw ValidationError("--period '\(period)' is not YYYY-H1, YYYY-H2 or YYYY-Q1…YYYY-Q4") }
            if k < 2 { throw ValidationError("--k must be at least 2") }
        }

        func run() throws {
            let client = try connection.client()
            let signed = try orFail { try client.releaseReport(agreement: agreement, period: period, k: k) }
            let report: CaseReport
            do { report = try CaseReportCompiler.verify(signed, coordinator: client.keys.signing.publicKey) } catch let e as CoordinatorError { throw failure(e.reason) }
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                try APIJSON.encode(signed).write(to: URL(fileURLWithPath: out + "/report.json"))
                try Data(CaseReportCompiler.csv(report).utf8).write(to: URL(fileURLWithPath: out + "/report.csv"))
                try Data(CaseReportCompiler.text(report, signatureHex: Hex.encode(Array(signed.signature))).utf8).write(to: URL(fileURLWithPath: out + "/report.txt"))
            } catch { throw failure("cannot write the report into \(out)") }
            print("released the joint report of \(agreement) for \(period) from \(report.parties.joined(separator: ", ")) (k = \(k)) → \(out)/report.csv, \(out)/report.txt")
        }
    }
}
