import Agreements
import ArgumentParser
import Coordinator
import Foundation
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

func orFail<T>(_ body: () throws -> T) throws -> T {
    do { return try body() }
    catch let e as CoordinatorClient.Failure { throw failure(e.description) }
    catch let e as LogError { throw failure("protocol log: \(e.reason)") }
    catch let e as WireError { throw failure(e.reason) }
    catch let e as KeyError { throw failure(e.reason) }
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
            let answer = try orFail { try client.json("POST", "/v1/agreements", body: [
                "document": document.base64EncodedString(), "signatures": signatures.base64EncodedString()]) }
            print("agreement \(answer["agreement"] ?? "?") \((answer["registered"] as? Bool) == true ? "registered" : "was already registered") with hash \(answer["hash"] ?? "?")")
        }
    }
}

/// The key ceremony's blob (`Protocols/api.md` §3.2): sealed to one node, signed by the lead.
enum CeremonyBlob {
    static let label = "korskoll/v1/linkage-secret"

    static func message(agreementHash: [UInt8], recipient: String, secret: [UInt8]) -> [UInt8] {
        Array(label.utf8) + [0] + agreementHash + Array(recipient.utf8) + [0] + secret
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
                guard a.parties.first?.id == client.keys.party else { throw failure("the lead of \(a.id) is \(a.parties.first?.id ?? "?"), not \(client.keys.party)") }
                let secret = SecretBytes.random(count: 32)
                for p in a.partyIDs {
                    let to = try orFail { try reg.entry(p) }
                    let bytes = secret.unsafeCopy()
                    let signature = client.keys.signing.signature(for: CeremonyBlob.message(agreementHash: a.hash, recipient: p, secret: bytes))
                    let blob = SealedBox.seal(bytes + signature, to: to.keys.sealing)
                    _ = try orFail { try client.send("PUT", "/v1/agreements/\(a.id)/ceremony/\(p)", body: Data(blob)) }
                }
                print("relayed the linkage secret of \(a.id) to \(a.partyIDs.joined(separator: ", "))")
            }
            let blob = try orFail { try client.send("GET", "/v1/agreements/\(a.id)/ceremony") }
            let opened: [UInt8]
            do { opened = try SealedBox.open(Array(blob), with: client.keys.sealing) } catch { throw failure("the ceremony blob does not open with \(client.keys.party)'s key") }
            guard opened.count == 32 + Ed25519.signatureLength, let leadID = a.parties.first?.id else { throw failure("the ceremony blob has the wrong length") }
            let secret = Array(opened.prefix(32)), signature = Array(opened.suffix(Ed25519.signatureLength))
            let leadKey = try orFail { try reg.entry(leadID).keys.signing }
            guard leadKey.isValidSignature(signature, for: CeremonyBlob.message(agreementHash: a.hash, recipient: client.keys.party, secret: secret)) else {
                throw failure("the ceremony blob is not signed by the lead \(leadID) for \(client.keys.party) under this agreement: refused")
            }
            guard FileManager.default.createFile(atPath: secretOut, contents: Data(secret), attributes: [.posixPermissions: 0o600]) else {
                throw failure("cannot write \(secretOut)")
            }
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

        func run() throws {
            let client = try connection.client()
            let coordinator = try orFail { try KeyFiles.loadPublic(URL(fileURLWithPath: coordinatorKey)) }
            let answer = try orFail { try client.json("PUT", "/v1/agreements/\(agreementID)/submission", file: submission + "/submission.kks") }
            var log = try orFail { try NodeLogState(directory: state, coordinator: coordinator) }
            let checkpoint = try orFail { try log.keep(receiptJSON: answer["receipt"] as Any, name: "submission-\(agreementID)", client: client) }
            print("\(client.keys.party) submitted \(answer["rows"] ?? "?") rows to \(agreementID); receipt: entry \((answer["receipt"] as? [String: Any])?["index"] ?? "?") in a log of \(checkpoint.size) entries, consistent with every checkpoint seen")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an agreement's submissions and run.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("agreement-id")) var agreementID: String
        @Option(help: "Wait until the run has finished or failed, up to this many seconds.") var wait: Int = 0
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let client = try connection.client()
            let deadline = Date().addingTimeInterval(Double(wait))
            var answer: [String: Any]
            repeat {
                answer = try orFail { try client.json("GET", "/v1/agreements/\(agreementID)/status") }
                let state = (answer["run"] as? [String: Any])?["state"] as? String
                if state == "finished" || state == "failed" || Date() >= deadline { break }
                Thread.sleep(forTimeInterval: 0.2)
            } while true
            let run = answer["run"] as? [String: Any] ?? [:]
            if json {
                print(String(decoding: try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
            } else {
                print("\(agreementID): submitted \((answer["submitted"] as? [String])?.joined(separator: ", ") ?? "-"); missing \((answer["missing"] as? [String])?.joined(separator: ", ").nilIfEmpty ?? "none"); run \(run["state"] ?? "?") (\(run["progress"] ?? ""))\(run["error"].map { "; error: \($0)" } ?? "")")
            }
            if run["state"] as? String == "failed" { throw ExitCode.failure }
        }
    }

    struct Results: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch this party's sealed result, verify it and map rows back to local record ids.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("coordinator-key"), help: "The coordinator's public key file.") var coordinatorKey: String
        @Option(name: .customLong("agreement-id")) var agreementID: String
        @Option(help: "The output's name in the agreement.") var output: String
        @Option(help: "The directory 'node encode' wrote (its rowmap.csv maps rows back).") var encoded: String?
        @Option(help: "This node's state directory (receipts, checkpoints).") var state: String
        @Option(help: "Directory to write the result into.") var out: String

        func run() throws {
            let client = try connection.client()
            let coordinator = try orFail { try KeyFiles.loadPublic(URL(fileURLWithPath: coordinatorKey)) }
            // api.md §3.6: the sealed file is the body; the receipt for the fetch is in a header.
            let answer = try orFail { try client.exchange("GET", "/v1/agreements/\(agreementID)/results/\(output)") }
            guard let receiptText = answer.headers[CoordinatorServer.receiptHeaderName.lowercased()],
                  let receiptData = Data(base64Encoded: receiptText),
                  let receipt = try? JSONSerialization.jsonObject(with: receiptData) else {
                throw failure("the coordinator's answer carries no \(CoordinatorServer.receiptHeaderName) header with a receipt")
            }
            var log = try orFail { try NodeLogState(directory: state, coordinator: coordinator) }
            _ = try orFail { try log.keep(receiptJSON: receipt, name: "result-\(agreementID)-\(output)", client: client) }
            let sealed = answer.body
            guard !sealed.isEmpty else { throw failure("the coordinator's answer holds no result") }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let sealedPath = "\(out)/\(output).kkr"
            try sealed.write(to: URL(fileURLWithPath: sealedPath))
            let document = try orFail { try SealedResult.open(path: sealedPath, key: client.keys.sealing, coordinator: coordinator.signing) }
            guard let doc = try? ResultDocument.read(Data(document)),
                  doc.format == "korskoll-result-v1", doc.agreement == agreementID,
                  doc.recipient == client.keys.party, doc.output == output else {
                throw failure("the result is not a korskoll-result-v1 document for \(client.keys.party), \(agreementID), \(output)")
            }
            try Data(document).write(to: URL(fileURLWithPath: "\(out)/\(output).json"))
            if doc.kind == "aggregate" {
                let writer = try CSVFileWriter(path: "\(out)/\(output).csv", header: ["a", "b", "count"])
                var lines: [String] = []
                let k = doc.k.map(String.init) ?? "k"
                for cell in doc.cells ?? [] {
                    let count = cell.suppressed == true ? "<\(k)" : cell.count.map(String.init) ?? ""
                    try writer.write([cell.a, cell.b, count])
                    lines.append("  \(cell.a) + \(cell.b): \(count)")
                }
                try writer.close()
                print("\(output) (aggregate, cells below \(k) suppressed):\n" + lines.joined(separator: "\n"))
                return
            }
            guard let encoded else { throw failure("a per-record result needs --encoded, the directory with this party's rowmap.csv") }
            let summary = try JSONSerialization.jsonObject(with: readFile(encoded + "/summary.json", what: "summary")) as? [String: Any]
            guard summary?["submissionID"] as? String == doc.submissionID else {
                throw failure("the result is for submission \(doc.submissionID ?? "?"), not the one in \(encoded)")
            }
            // The row map stays on the node: submission row → CSV line → local record id. Rows are
            // numbered 0, 1, … in the map's order (node.md §3).
            let reader = try CSVReader(path: encoded + "/rowmap.csv")
            _ = try reader.next()
            var recordOf: [(line: String, record: String)] = []
            while let r = try reader.next() {
                guard r.fields.count == 3, Int(r.fields[0]) == recordOf.count else { throw failure("\(encoded)/rowmap.csv line \(r.line) is not row \(recordOf.count)") }
                recordOf.append((r.fields[1], r.fields[2]))
            }
            let fields = doc.fields ?? []
            let writer = try CSVFileWriter(path: "\(out)/\(output).csv", header: ["record_id", "line"] + fields)
            var byKind: [String: Int] = [:]
            let rows = doc.rows ?? []
            for r in rows {
                guard recordOf.indices.contains(r.row) else { throw failure("result row \(r.row) is not in the row map") }
                let (line, record) = recordOf[r.row]
                var values = [record, line]
                for f in fields { values.append(r.value(f)) }
                try writer.write(values)
                for k in r.matchKind ?? [] { byKind[k, default: 0] += 1 }
            }
            try writer.close()
            var text = "\(output): \(rows.count) of \(client.keys.party)'s rows matched under \(agreementID) → \(out)/\(output).csv"
            for (k, n) in byKind.sorted(by: { $0.key < $1.key }) { text += "\n  \(k): \(n)" }
            print(text)
        }
    }
}

extension String { var nilIfEmpty: String? { isEmpty ? nil : self } }

/// A result document (`Protocols/results.md` §2–§3). ``read(_:)`` is the fast path through
/// ``JSONReader``; the `Decodable` conformance (JSONDecoder) is its reference in the tests.
struct ResultDocument: Decodable, Equatable {
    struct Cell: Decodable, Equatable { let a: String; let b: String; let count: Int?; let suppressed: Bool? }
    let format: String, agreement: String, recipient: String, output: String, kind: String
    let submissionID: String?
    let fields: [String]?
    let rows: [Row]?
    let k: Int?
    let cells: [Cell]?
    struct Row: Decodable, Equatable {
        let row: Int
        let matchKind: [String]?
        let otherParties: [String]?
        let scoreBand: String?
        let category: [String]?
        let viaRepresentative: Bool?

        init(row: Int, matchKind: [String]?, otherParties: [String]?, scoreBand: String?, category: [String]?, viaRepresentative: Bool?) {
            self.row = row; self.matchKind = matchKind; self.otherParties = otherParties
            self.scoreBand = scoreBand; self.category = category; self.viaRepresentative = viaRepresentative
        }

        init(json: JSON, at index: Int) throws {
            guard case .object = json, let row = json["row"]?.int else { throw ResultDocument.malformed("rows[\(index)] has no integer row") }
            self.init(row: row, matchKind: try ResultDocument.optional(json["matchKind"], \.strings, "rows[\(index)].matchKind"),
                      otherParties: try ResultDocument.optional(json["otherParties"], \.strings, "rows[\(index)].otherParties"),
                      scoreBand: try ResultDocument.optional(json["scoreBand"], \.string, "rows[\(index)].scoreBand"),
                      category: try ResultDocument.optional(json["category"], \.strings, "rows[\(index)].category"),
                      viaRepresentative: try ResultDocument.optional(json["viaRepresentative"], \.bool, "rows[\(index)].viaRepresentative"))
        }

        /// A granted field as the CSV shows it: lists joined by ';', flags as yes/no.
        func value(_ field: String) -> String {
            switch field {
            case "matchKind": matchKind?.joined(separator: ";") ?? ""
            case "otherParties": otherParties?.joined(separator: ";") ?? ""
            case "scoreBand": scoreBand ?? ""
            case "category": category?.joined(separator: ";") ?? ""
            case "viaRepresentative": viaRepresentative.map { $0 ? "yes" : "no" } ?? ""
            default: ""
            }
        }
    }

    struct Malformed: Error, CustomStringConvertible { let description: String }
    static func malformed(_ what: String) -> Malformed { Malformed(description: "result document: \(what)") }

    /// An absent or null member is nil; a present one must have the type.
    static func optional<T>(_ value: JSON?, _ get: (JSON) -> T?, _ what: String) throws -> T? {
        guard let value, value != .null else { return nil }
        guard let v = get(value) else { throw malformed("\(what) has the wrong type") }
        return v
    }

    static func required<T>(_ value: JSON?, _ get: (JSON) -> T?, _ what: String) throws -> T {
        guard let v = try optional(value, get, what) else { throw malformed("\(what) is missing") }
        return v
    }

    init(format: String, agreement: String, recipient: String, output: String, kind: String, submissionID: String?,
         fields: [String]?, rows: [Row]?, k: Int?, cells: [Cell]?) {
        self.format = format; self.agreement = agreement; self.recipient = recipient; self.output = output; self.kind = kind
        self.submissionID = submissionID; self.fields = fields; self.rows = rows; self.k = k; self.cells = cells
    }

    /// Reads a result document (results.md §2) through ``JSONReader``.
    static func read(_ data: Data) throws -> ResultDocument {
        let json: JSON
        do { json = try JSONReader.parse(data) } catch let e as JSONReader.Failure { throw malformed(e.description) }
        guard case .object = json else { throw malformed("not a JSON object") }
        let rows = try optional(json["rows"], \.array, "rows").map { try $0.enumerated().map { try Row(json: $1, at: $0) } }
        let cells = try optional(json["cells"], \.array, "cells").map {
            try $0.enumerated().map { i, c -> Cell in
                guard case .object = c else { throw malformed("cells[\(i)] is not an object") }
                return Cell(a: try required(c["a"], \.string, "cells[\(i)].a"), b: try required(c["b"], \.string, "cells[\(i)].b"),
                            count: try optional(c["count"], \.int, "cells[\(i)].count"),
                            suppressed: try optional(c["suppressed"], \.bool, "cells[\(i)].suppressed"))
            }
        }
        return ResultDocument(format: try required(json["format"], \.string, "format"), agreement: try required(json["agreement"], \.string, "agreement"),
                              recipient: try required(json["recipient"], \.string, "recipient"), output: try required(json["output"], \.string, "output"),
                              kind: try required(json["kind"], \.string, "kind"), submissionID: try optional(json["submissionID"], \.string, "submissionID"),
                              fields: try optional(json["fields"], \.strings, "fields"), rows: rows, k: try optional(json["k"], \.int, "k"), cells: cells)
    }
}
