import ArgumentParser
import Coordinator
import Foundation

extension CoordinatorCommand {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The operator's view of a coordinator's data directory: agreements, runs, results, retention, refusals, log.",
            discussion: """
                Reads --data read-only (beside a running coordinator too): the SQLite store and the \
                protocol log (Protocols/api.md §6). Shows sizes, counts, party ids and times; never an \
                identity, a pseudonym, a row or a record id.
                """)

        @Option(help: "The coordinator's data directory (the --data of `coordinator serve`).") var data: String
        @Flag(help: "Print JSON (korskoll-coordinator-status-v1).") var json = false

        func run() throws {
            let status: OperatorStatus
            do { status = try OperatorStatus.read(data: data) } catch let e as CoordinatorError { throw failure(e.reason) }
            if json { print(String(decoding: try status.json(), as: UTF8.self)) } else { print(status.text()) }
        }
    }
}
