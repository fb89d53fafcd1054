import Agreements
import ArgumentParser
import Blinding
import CLKEncoding
import Foundation
import Identifiers
import KeyHolding
import Node
import Parties
import Sodium
import Tabular

struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Agency node: turn an export into a signed, sealed submission.",
        subcommands: [Encode.self, Ceremony.self, Submit.self, Status.self, Results.self, Init.self, Check.self, Outcome.self, Report.self])
}

extension NodeCommand {
    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Normalise, blind and encode a CSV export into a submission sealed to the coordinator.",
            discussion: """
                Writes a new directory (Protocols/node.md §3): submission.kks (signed, sealed to the \
                coordinator), rowmap.csv (submission row → local record id; never leaves the node), \
                rejects.csv (line, field, code, reason, action) and summary.json. A problem with the \
                file itself stops the run and leaves nothing behind; a bad row costs only itself.
                """)

        @Option(help: "The agency's CSV export.") var input: String
        @Option(help: "Column mapping (korskoll-mapping-v1 JSON).") var mapping: String
        @Option(help: "CLK linkage schema v3 (JSON); required when the mapping has fields.") var schema: String?
        @Option(help: "The linkage agreement (<name>.agreement.json): what this party may send and the values its attributes may take (Protocols/node.md §5).") var agreement: String?
        @Option(name: .customLong("agreement-id"), help: "The agreement's id, when no --agreement is given (a mapping without attributes only).") var agreementID: String?
        @Option(help: "Party registry: the public keys that sealed attributes go to (needed when the agreement seals an attribute of this party).") var registry: String?
        @Option(name: .customLong("linkage-secret-file"), help: "The agreement's linkage secret (mode 0600, at least 32 bytes).") var linkageSecretFile: String
        @Option(help: "This party's secret key file (<party>.secret.json).") var key: String
        @Option(help: "The coordinator's public key file (<id>.public.json).") var coordinator: String
        @Option(name: .customLong("ref-date"), help: "Reference date for 10-digit numbers, YYYY-MM-DD (default: today, UTC).") var refDate: String?
        @Option(help: "Output directory to create.") var out: String
        @Option(help: "Keyed blocking scheme the agreement names (korskoll-blocking-v1); none by default.") var blocking: String?
        @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: "Key-holder mode: the agreement's dealt public key file (<agreement>.oprf-dealt.json, Protocols/node.md §8).") var dealt: String?
        @Option(name: .customLong("key-holders"), help: "Key-holder mode: the key holders' addresses, id=http://HOST:PORT,… (tried in share order).") var keyHolders: String?
        @Option(name: .customLong("pseudonym-cache"), help: "Key-holder mode: the directory of this node's encrypted pseudonym caches (Protocols/keyholder.md §9).") var pseudonymCache: String?
        @Flag(name: .customLong("allow-empty"), help: "Accept an export with a header and no data rows as an empty submission (Protocols/node.md §2.7).") var allowEmpty = false

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            if let refDate, CalendarDate(iso: refDate) == nil { throw ValidationError("--ref-date '\(refDate)' is not a date YYYY-MM-DD") }
            guard (agreement == nil) != (agreementID == nil) else { throw ValidationError("give --agreement (or, for a mapping without attributes, --agreement-id), not both") }
            if keyHolders != nil, (try? Self.parseKeyHolders(keyHolders!)) == nil {
                throw ValidationError("--key-holders must be id=http://HOST:PORT,…")
            }
            if let agreementID { guard !agreementID.isEmpty, agreementID.utf8.count <= 255 else { throw ValidationError("--agreement-id must be 1 to 255 bytes") } }
        }

        func run() throws {
            let mappingValue: ColumnMapping
            do { mappingValue = try ColumnMapping(json: readFile(mapping, what: "--mapping"), source: mapping) } catch let e as NodeError { throw failure(e.reason) }
            var linkageSchema: LinkageSchema?
            if let schema {
                do { linkageSchema = try LinkageSchema(json: readFile(schema, what: "--schema")) } catch let e as CLKError {
                    throw failure("schema \(schema): \(e.reason)")
                }
                for warning in linkageSchema!.warnings { printError("warning: schema \(schema): \(warning)") }
            } else if !mappingValue.fields.isEmpty {
                throw failure("--mapping \(mapping) maps fields to encode; give their --schema")
            }
            let secret = try loadLinkageSecret(linkageSecretFile)
            let party: PartyKeys
            let coordinatorKeys: PartyPublicKeys
            do {
                party = try KeyFiles.loadSecret(URL(fileURLWithPath: key))
                coordinatorKeys = try KeyFiles.loadPublic(URL(fileURLWithPath: coordinator))
            } catch let e as KeyError { throw failure(e.reason) }
            let reference = refDate.flatMap { CalendarDate(iso: $0) } ?? CalendarDate.today()
            var agreementValue: Agreement?
            if let agreement {
                do { agreementValue = try AgreementFiles.load(agreement).0 } catch let e as AgreementError { throw failure("--agreement \(e.reason)") }
            }
            var job = IngestJob(
                input: input, mapping: mappingValue, schema: linkageSchema,
                keys: LinkageKeys(agreementID: agreementValue?.id ?? agreementID ?? "", linkageSecret: secret), party: party,
                coordinator: coordinatorKeys, referenceDate: reference, output: out, threads: threads,
                createdAt: UInt64(Date().timeIntervalSince1970))
            job.allowEmpty = allowEmpty
            job.agreement = agreementValue
            if let a = agreementValue {
                let recipients = Set(a.party(party.party)?.attributes?.flatMap(\.sealedTo) ?? [])
                if !recipients.isEmpty {
                    guard let registry else { throw failure("--registry is needed: agreement \(a.id) seals attributes of \(party.party) to \(recipients.sorted().joined(separator: ", "))") }
                    let reg: Registry
                    do { reg = try Registry.load(URL(fileURLWithPath: registry)) } catch let e as KeyError { throw failure("--registry \(e.reason)") }
                    for r in recipients {
                        do { job.sealingKeys[r] = try reg.entry(r).keys.sealing } catch { throw failure("--registry \(registry) has no party '\(r)'") }
                    }
                }
            }
            if let a = agreementValue, a.blinding.oprf != nil {
                job.keyHolderBlinding = try keyHolderBlinding(a, party: party)
            } else if dealt != nil || keyHolders != nil {
                throw failure("--dealt and --key-holders are for an agreement in the key-holder blinding mode; \(agreementValue.map { "agreement \($0.id) uses the keyed hash" } ?? "give its --agreement")")
            }
            if let blocking {
                guard blocking == BlockingKeyer.scheme else { throw failure("--blocking: '\(blocking)' is not a known scheme (\(BlockingKeyer.scheme))") }
                job.blocking = true
            }
            let progress = stderrProgress(label: "encoding", unit: "rows", total: ProgressReporter.lineCount(path: input).map { max($0 - 1, 0) })
            let summary: IngestSummary
            do { summary = try Ingest.run(job) { progress.update(done: $0) } } catch let e as NodeError {
                throw failure(e.reason)
            }
            progress.finish()
            print(Self.describe(summary, out: out))
        }

        /// `id=url,…` → [id: url].
        static func parseKeyHolders(_ text: String) throws -> [String: String] {
            var out: [String: String] = [:]
            for item in text.split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, !kv[0].isEmpty, kv[1].hasPrefix("http"), out.updateValue(kv[1], forKey: kv[0]) == nil else {
                    throw ValidationError("--key-holders item '\(item)'")
                }
            }
            return out
        }

        /// Protocols/node.md §8: the key-holder client for agreement `a`, from --dealt,
        /// --key-holders, --pseudonym-cache and --registry; the dealt key must name the
        /// agreement's key holders in its order and its threshold.
        func keyHolderBlinding(_ a: Agreement, party: PartyKeys) throws -> KeyHolderBlinding {
            let mode = a.blinding.oprf!
            guard let dealt, let keyHolders, let pseudonymCache, let registry else {
                throw failure("agreement \(a.id) blinds identifiers with key holders (\(mode.keyHolders.joined(separator: ", ")), \(mode.threshold) of \(mode.keyHolders.count)): give --dealt, --key-holders, --pseudonym-cache and --registry")
            }
            let reg: Registry
            do { reg = try Registry.load(URL(fileURLWithPath: registry)) } catch let e as KeyError { throw failure("--registry \(e.reason)") }
            do { try a.checkKeyHolders(registry: reg) } catch let e as AgreementError { throw failure("--agreement \(e.reason)") }
            do {
                let kh = try KeyHolderBlinding(dealtPath: dealt, registry: reg, holderURLs: try Self.parseKeyHolders(keyHolders), node: party,
                                               cacheDirectory: pseudonymCache)
                let d = kh.threshold.dealt
                guard d.agreement == a.id, d.holders.map(\.party) == mode.keyHolders, d.threshold == mode.threshold else {
                    throw failure("--dealt \(dealt) is for agreement \(d.agreement) with key holders \(d.holders.map(\.party).joined(separator: ", ")), threshold \(d.threshold); the agreement names \(mode.keyHolders.joined(separator: ", ")), threshold \(mode.threshold)")
                }
                return kh
            } catch let e as KeyHoldingError { throw failure("--dealt \(dealt): \(e.reason)") }
        }

        static func describe(_ s: IngestSummary, out: String) -> String {
            var lines = [
                "Submission for agreement \(s.agreement) from \(s.party), sealed to \(s.recipient)",
                "  rows read       \(s.rowsRead)",
                "  rows submitted  \(s.rowsSubmitted)  (person ids \(s.personIDs), organisation ids \(s.organisationIDs), CLKs \(s.clks))",
                "  rows rejected   \(s.rowsRejected)",
            ]
            for (code, n) in s.rejectedByReason.sorted(by: { $0.key < $1.key }) { lines.append("    \(code): \(n)") }
            if !s.fieldsDroppedByReason.isEmpty {
                lines.append("  fields left out of submitted rows")
                for (code, n) in s.fieldsDroppedByReason.sorted(by: { $0.key < $1.key }) { lines.append("    \(code): \(n)") }
            }
            if s.blinding == "oprf" {
                lines.append("  identifiers blinded by the key holders: \(s.pseudonymsEvaluated ?? 0) evaluated, the rest from the pseudonym cache")
                for r in s.keyHolderRefusals ?? [] { lines.append("    key holder passed over: \(r)") }
            }
            if s.testNumbers > 0 { lines.append("  note: \(s.testNumbers) rows carry Skatteverket test numbers") }
            lines.append("  submission id   \(s.submissionID)")
            lines.append("  written to      \(out)/ (submission.kks, rowmap.csv, rejects.csv, summary.json)")
            return lines.joined(separator: "\n")
        }
    }
}

/// Reads an agreement's linkage secret (Protocols/derivations.md §1); errors name the flag.
func loadLinkageSecret(_ path: String) throws -> SecretBytes {
    do { return try LinkageSecretFile.load(path) } catch let e as NodeError { throw failure("--linkage-secret-file \(e.reason)") }
}
