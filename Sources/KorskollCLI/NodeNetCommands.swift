import Agreements
import API
import ArgumentParser
import CoordinatorClient
import Foundation
import Node
import Parties
import ProtocolLog
import Sodium
import Tabular
import Wire

/// Options every command that talks to the coordinator needs.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("coordinator-url"), help: "The coordinator's base URL, e.g. http://127.0.0.1:8440.") var url: String
    @Option(help: "This party's secret key file.") var key: String

    func client() throws -> CoordinatorClient {
        do { return CoordinatorClient(url: url, keys: try KeyFiles.loadSecret(URL(fileURLWithPath: key))) } catch let e as KeyError { throw failure(e.reason) }
    }
}

/// Runs a library step and turns its error into one line for the user.
func orFail<T>(_ body: () throws -> T) throws -> T {
    do { return try body() }
    catch let e as CoordinatorClient.Failure { throw failure(e.description) }
    catch let e as LogError { throw failure("protocol log: \(e.reason)") }
    catch let e as WireError { throw failure(e.reason) }
    catch let e as KeyError { throw failure(e.reason) }
    catch let e as NodeError { throw failure(e.reason) }
    catch let e as AgreementError { throw failure(e.reason) }
}

extension AgreementCommand {
    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a fully signed agreement with the coordinator.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The <name>.agreement.json document (signatures beside it).") var agreement: String

        func run() throws {
            let document = try readFile(agreement, what: "--agreement")
            let signatures = try readFile(signaturesPath(for: agreement), what: "signatures")
            let client = try connection.client()
            let answer = try orFail { try client.registerAgreement(document: document, signatures: signatures) }
            print("agreement \(answer.agreement) \(answer.registered ? "registered" : "was already registered") with hash \(answer.hash)")
        }
    }
}

extension NodeCommand {
    struct Ceremony: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Key ceremony: the lead makes the agreement's linkage secret and seals it to every node; each node fetches and opens its copy.",
            discussion: """
                With --lead, a fresh 32-byte secret is sealed (X25519) to each party's registered key \
                together with the lead's signature over the agreement hash, the recipient and the \
                secret, and relayed through the coordinator, which cannot open it. Every party, the \
                lead included, then fetches its blob, checks the lead's signature and writes the \
                secret to --secret-out with mode 0600.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The party registry.") var registry: String
        @Option(help: "The agreement document.") var agreement: String
        @Flag(help: "Make and relay the secret (the agreement's first party only).") var lead = false
        @Option(name: .customLong("secret-out"), help: "Where to write this party's linkage secret.") var secretOut: String

        func run() throws {
            let (a, _) = try loadAgreement(agreement)
            let reg: Registry
            do { reg = try Registry.load(URL(fileURLWithPath: registry)) } catch let e as KeyError { throw failure(e.reason) }
            let client = try connection.client()
            if lead {
                try orFail { try KeyCeremony.relay(agreement: a, registry: reg, client: client) }
                print("relayed the linkage secret of \(a.id) to \(a.partyIDs.joined(separator: ", "))")
            }
            let secret = try orFail { try KeyCeremony.receive(agreement: a, registry: reg, client: client) }
            try orFail { try KeyCeremony.write(secret, to: secretOut) }
            print("\(client.keys.party) holds the linkage secret of \(a.id) in \(secretOut)")
        }
    }

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Upload a submission and keep the coordinator's receipt.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("coordinator-key"), help: "The coordinator's public key file.") var coordinatorKey: String
        @Option(name: .customLong("agreement-id")) var agreementID: String
        @Option(help: "The directory 'node encode' wrote.") var submission: String
        @Option(help: "This node's state directory (receipts, checkpoints).") var state: String
        @Option(help: "The agreement document: under a standing agreement the party's roles choose the list or check endpoint.") var agreement: String?
        @Option(name: .customLong("as"), help: "Standing agreements: submit as a 'list' or a 'check' (needed when the party holds both roles).") var submitAs: String?

        func validate() throws {
            if let submitAs, !["list", "check"].contains(submitAs) { throw ValidationError("--as must be list or check, not '\(submitAs)'") }
        }

        func run() throws {
            let connected = try connection.client()
            let coordinator = try orFail { try KeyFiles.loadPublic(URL(fileURLWithPath: coordinatorKey)) }
            let route: Upload.Route = try orFail {
                if let agreement {
                    let (a, _) = try AgreementFiles.load(agreement)
                    return try Upload.route(agreement: a, party: connected.keys.party, requested: submitAs)
                }
                return submitAs.flatMap(Upload.Route.init(rawValue:)) ?? .submission
            }
            let file = submission + "/" + Ingest.submissionFile
            let size = ((try? FileManager.default.attributesOfItem(atPath: file)[.size]) as? Int) ?? 0
            let progress = stderrProgress(label: "upload", unit: "bytes", total: size)
            let client = CoordinatorClient(url: connected.base, keys: connected.keys, uploadProgress: { progress.update(done: $0) })
            let outcome = try orFail {
                try Upload.run(client: client, coordinator: coordinator, agreementID: agreementID, submissionDirectory: submission,
                               stateDirectory: state, route: route)
            }
            progress.update(done: size)
            progress.finish()
            let what = route == .submission ? "" : " as \(route.rawValue) \(outcome.submissionID)"
            print("\(client.keys.party) submitted \(outcome.rows) rows to \(agreementID)\(what); receipt: entry \(outcome.receiptIndex) in a log of \(outcome.logSize) entries, consistent with every checkpoint seen")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an agreement's submissions and run.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("agreement-id")) var agreementID: String
        @Option(help: "Wait until the run has finished or failed, up to this many seconds.") var wait: Int = 0
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "Standing agreements: the list or check whose run to show (default: this node's last submission, from --state).") var check: String?
        @Option(help: "This node's state directory, where its last submission is recorded (standing agreements).") var state: String?
        @Flag(help: "The agreement is standing: show the run of one list or check.") var standing = false

        func run() throws {
            let client = try connection.client()
            // A node's last submission by the list or check endpoint makes the default check.
            let lastStanding = state.flatMap { Upload.lastSubmission(stateDirectory: $0, agreementID: agreementID) }.flatMap { $0.route == .submission ? nil : $0 }
            if standing || check != nil || lastStanding != nil {
                let sid = try orFail { try Upload.checkID(check, stateDirectory: state, agreementID: agreementID) }
                let answer = try orFail {
                    try RunWait.check(client: client, agreementID: agreementID, submissionID: sid, seconds: Double(wait)) { a in
                        if wait > 0 { printError("\(a.kind.rawValue) \(sid): \(a.state.rawValue)" + (a.progress.map { ": \($0)" } ?? "")) }
                    }
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    print(String(decoding: try encoder.encode(answer), as: UTF8.self))
                } else {
                    print("\(agreementID): \(answer.kind.rawValue) \(sid) \(answer.state.rawValue)\(answer.progress.map { " (\($0))" } ?? "")\(answer.error.map { "; error: \($0)" } ?? ""); results ready: \(answer.results.joined(separator: ", ").nilIfEmpty ?? "none")")
                }
                if answer.state == .failed { throw ExitCode.failure }
                return
            }
            // While waiting, the run's progress as the coordinator reports it: one line per change.
            var last: RunStatus?
            let deadline = Date().addingTimeInterval(Double(wait))
            var answer = try orFail { try client.status(agreement: agreementID) }
            while answer.run.state != .finished && answer.run.state != .failed && Date() < deadline {
                if wait > 0 && answer.run != last {
                    printError("run \(answer.run.state.rawValue)" + (answer.run.progress.map { ": \($0)" } ?? "") + (answer.missing.isEmpty ? "" : "; waiting for \(answer.missing.joined(separator: ", "))"))
                    last = answer.run
                }
                Thread.sleep(forTimeInterval: 0.2)
                answer = try orFail { try client.status(agreement: agreementID) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(answer), as: UTF8.self))
            } else {
                let run = answer.run
                print("\(agreementID): submitted \(answer.submitted.joined(separator: ", ").nilIfEmpty ?? "-"); missing \(answer.missing.joined(separator: ", ").nilIfEmpty ?? "none"); run \(run.state.rawValue) (\(run.progress ?? ""))\(run.error.map { "; error: \($0)" } ?? "")")
            }
            if answer.run.state == .failed { throw ExitCode.failure }
        }
    }

    struct Results: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch this party's sealed result, verify it and map rows back to local record ids.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("coordinator-key"), help: "The coordinator's public key file.") var coordinatorKey: String
        @Option(name: .customLong("agreement-id")) var agreementID: String
        @Option(help: "The output's name in the agreement (not with --all-new).") var output: String?
        @Option(help: "The directory 'node encode' wrote (its rowmap.csv maps rows back); with --all-new, repeat it for each check whose per-record result to open.") var encoded: [String] = []
        @Option(help: "This node's state directory (receipts, checkpoints).") var state: String
        @Option(help: "Directory to write the result into (with --all-new, each run's results go into <out>/<checkID>/).") var out: String
        @Option(help: "Standing agreements: the list or check whose result to fetch.") var check: String?
        @Flag(help: "The agreement is standing: fetch the result of this node's last submission (or --check).") var standing = false
        @Flag(name: .customLong("all-new"), help: "Standing agreements: fetch every ready result of this party not fetched before (aggregates of other parties' checks included), remembered in --state.") var allNew = false

        func validate() throws {
            if allNew {
                if output != nil { throw ValidationError("--all-new fetches every output this party is given; leave out --output") }
                if check != nil { throw ValidationError("--all-new fetches every run not fetched before; leave out --check") }
            } else if output == nil {
                throw ValidationError("--output is required (or --all-new under a standing agreement)")
            }
        }

        func run() throws {
            let client = try connection.client()
            let coordinator = try orFail { try KeyFiles.loadPublic(URL(fileURLWithPath: coordinatorKey)) }
            if allNew { return try fetchAllNew(client: client, coordinator: coordinator) }
            let output = output ?? ""
            let encoded = encoded.first
            let mapping = stderrProgress(label: "result \(output)", unit: "rows")
            let opened = try orFail {
                let last = Upload.lastSubmission(stateDirectory: state, agreementID: agreementID).flatMap { $0.route == .submission ? nil : $0 }
                let sid = standing || check != nil || last != nil ? try Upload.checkID(check, stateDirectory: state, agreementID: agreementID) : nil
                return try ResultOpening.fetch(client: client, coordinator: coordinator, agreementID: agreementID, output: output,
                                               encoded: encoded, state: state, out: out, check: sid)
            }
            mapping.update(done: opened.document.rows?.count ?? opened.cells.count)
            mapping.finish()
            if opened.document.kind == "aggregate" {
                let k = opened.document.k.map(String.init) ?? "k"
                print("\(output) (aggregate, cells below \(k) suppressed):\n" + opened.cells.map { "  \($0.a) + \($0.b): \($0.count)" }.joined(separator: "\n"))
                return
            }
            var text = "\(output): \(opened.document.rows?.count ?? 0) of \(client.keys.party)'s rows matched under \(agreementID) → \(opened.csvPath)"
            for (k, n) in opened.rowsByKind.sorted(by: { $0.key < $1.key }) { text += "\n  \(k): \(n)" }
            print(text)
        }

        /// standing.md §1.3: every ready result of this party not fetched before, one line each.
        func fetchAllNew(client: CoordinatorClient, coordinator: PartyPublicKeys) throws {
            let items = try orFail {
                try StandingFetch.allNew(client: client, coordinator: coordinator, agreementID: agreementID, state: state, out: out, encoded: encoded)
            }
            for item in items {
                guard let opened = item.opened else {
                    printError("run \(item.sequence), check \(item.checkID), \(item.output): left for later: \(item.skipped ?? "")")
                    continue
                }
                if opened.document.kind == "aggregate" {
                    let cells = opened.cells.map { "\($0.a) \($0.b) \($0.count)" }.joined(separator: ", ")
                    print("run \(item.sequence), check \(item.checkID): \(item.output) (aggregate, k = \(opened.document.k ?? 1)): \(cells.nilIfEmpty ?? "no cells") → \(opened.csvPath)")
                } else {
                    print("run \(item.sequence), check \(item.checkID): \(item.output): \(opened.document.rows?.count ?? 0) of \(client.keys.party)'s rows tied → \(opened.csvPath)")
                }
            }
            if items.isEmpty { print("\(agreementID): no new result for \(client.keys.party)") }
        }
    }
}

extension String { var nilIfEmpty: String? { isEmpty ? nil : self } }
