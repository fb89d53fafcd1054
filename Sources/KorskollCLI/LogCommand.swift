import Agreements
import ArgumentParser
import Foundation
import OfficerReport
import Parties
import ProtocolLog
import Sodium
import Wire

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Export and verify the protocol log (Protocols/log.md).",
        subcommands: [Export.self, Verify.self, Bench.self])
}

extension LogCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the coordinator's whole log, with every checkpoint, into one signed bundle.")

        @Option(help: "The coordinator's data directory (the log is in DIR/log).") var data: String
        @Option(help: "The coordinator's secret key file.") var key: String
        @Option(help: "The bundle file to write.") var out: String

        func run() throws {
            let keys: PartyKeys
            do { keys = try KeyFiles.loadSecret(URL(fileURLWithPath: key)) } catch let e as KeyError { throw failure(e.reason) }
            guard FileManager.default.fileExists(atPath: data + "/log/entries") else { throw failure("--data \(data) holds no protocol log (\(data)/log/entries)") }
            let store: LogStore
            do { store = try LogStore(directory: data + "/log", coordinator: keys.party, key: keys.signing) } catch let e as LogError { throw failure(e.reason) }
            let bundle = LogBundle(origin: store.origin, logKey: keys.signing.publicKey, entries: store.entries, checkpoints: store.checkpoints)
            try Data(bundle.encoded(signer: keys.signing)).write(to: URL(fileURLWithPath: out), options: .atomic)
            print("exported \(store.entries.count) entries and \(store.checkpoints.count) checkpoints of \(store.origin) to \(out)")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a log bundle offline, for the privacy officer.",
            discussion: """
                Checks the bundle's signature under the coordinator's registered key, recomputes the \
                Merkle tree, checks every checkpoint's signature and root and the consistency between \
                them, checks that checkpoints kept by nodes belong to this history, and checks every \
                event against the agreements. Exits 0 when verified (refused requests are listed: \
                refusing is what the coordinator should do), 1 when the coordinator did something the \
                agreements do not allow (each anomaly named), 2 when the log is broken or tampered \
                with (Protocols/log.md §6.3).
                """)

        @Argument(help: "The bundle written by 'log export'.") var bundle: String
        @Option(help: "The party registry.") var registry: String
        @Option(parsing: .upToNextOption, help: "Agreement documents (<name>.agreement.json, signatures beside them).") var agreements: [String] = []
        @Option(name: .customLong("node-checkpoints"), parsing: .upToNextOption, help: "Files of signed checkpoints nodes kept (one note per file, or a checkpoint book).") var nodeCheckpoints: [String] = []
        @Option(name: .customLong("recipient-key"), help: "A recipient's secret key file, to open its sealed results.") var recipientKey: String?
        @Option(parsing: .upToNextOption, help: "Sealed results (.kkr) of that recipient, checked against the logged hashes and the agreements.") var results: [String] = []
        @Option(name: .customLong("key-holder-logs"), parsing: .upToNextOption, help: "Key holders' log bundles (their 'log export'), checked with this log: caps, parties, dealt keys, refusals (Protocols/keyholder.md §6.1).") var keyHolderLogs: [String] = []
        @Flag(help: "Print the report as JSON.") var json = false
        @Option(help: "Also write the privacy officer's report to this file: one self-contained HTML page, verdict first.") var html: String?
        @Option(help: "Language of the HTML report: sv (default) or en.") var lang: ReportLanguage = .sv

        func run() throws {
            let reg: Registry
            do { reg = try Registry.load(URL(fileURLWithPath: registry)) } catch let e as KeyError { throw failure(e.reason) }
            let bytes = Array(try readFile(bundle, what: "bundle"))
            let loaded = try agreements.map { try loadAgreement($0) }
            let notes = try nodeCheckpoints.map { try readFile($0, what: "--node-checkpoints") }
            var recipient: OfficerVerification.RecipientResults?
            if !results.isEmpty {
                guard let recipientKey else { throw failure("--results needs --recipient-key") }
                do { recipient = .init(keys: try KeyFiles.loadSecret(URL(fileURLWithPath: recipientKey)), paths: results) } catch let e as KeyError { throw failure(e.reason) }
            }
            // log.md §6.3: 0 verified (refusals listed), 1 anomalies, 2 a broken or tampered log.
            let holderBundles = try keyHolderLogs.map { Array(try readFile($0, what: "--key-holder-logs")) }
            let report: LogReport, logBundle: LogBundle, sections: [KeyHolderAudit.Section]
            do {
                logBundle = try OfficerVerification.decode(bundle: bytes, registry: reg)
                (report, sections) = try OfficerVerification.verify(logBundle, registry: reg, agreements: loaded, nodeCheckpoints: notes, recipient: recipient,
                                                                    keyHolders: .init(bundles: holderBundles))
            } catch let e as LogError {
                if let html {
                    try writeHTML(OfficerReportInput(broken: e.code.rawValue, reason: e.reason, agreements: loaded, registry: reg, bundleName: bundle,
                                                     generatedAt: UInt64(Date().timeIntervalSince1970)), to: html)
                }
                if json {
                    let broken: [String: String] = ["verdict": LogVerdict.broken.rawValue, "code": e.code.rawValue, "reason": e.reason]
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    print(String(decoding: try encoder.encode(broken), as: UTF8.self))
                }
                fflush(nil)
                printError("error: \(bundle): the log is broken (\(e.code.rawValue)): \(e.reason)")
                throw ExitCode(LogVerdict.broken.exitCode)
            }
            if let html {
                var input = OfficerReportInput(report: report, bundle: logBundle, agreements: loaded, registry: reg, bundleName: bundle,
                                               generatedAt: UInt64(Date().timeIntervalSince1970))
                input.keyHolders = sections
                try writeHTML(input, to: html)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(Self.describe(report))
                if !sections.isEmpty { print(Self.describe(sections)) }
                if let html { print("HTML report: \(html)") }
            }
            if report.verdict != .verified { throw ExitCode(report.verdict.exitCode) }
        }

        /// The privacy officer's page (OfficerReport), written whole or not at all.
        func writeHTML(_ input: OfficerReportInput, to path: String) throws {
            do { try Data(OfficerPage.html(input, lang: lang).utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                throw failure("--html \(path) cannot be written: \(error.localizedDescription)")
            }
        }

        static func time(_ t: UInt64) -> String {
            let f = ISO8601DateFormatter()
            return f.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
        }

        /// The key holders' logs checked with the coordinator's (Protocols/keyholder.md §6.1).
        static func describe(_ sections: [KeyHolderAudit.Section]) -> String {
            var out = ["", "Key holders' logs (checked with the agreements: parties, caps per round, dealt keys)"]
            for s in sections {
                let evaluated = s.evaluated.sorted { $0.key < $1.key }.map { a in
                    "\(a.key): " + a.value.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                }
                out.append("  \(s.holder): \(s.entries) entries, \(s.checkpoints) checkpoints verified under its registered key; evaluated \(evaluated.isEmpty ? "nothing" : evaluated.joined(separator: "; "))")
                for (a, k) in s.dealtKeys.sorted(by: { $0.key < $1.key }) {
                    out.append("    share of \(a) from dealt key \(k.hash.prefix(16))…, dealt by \(k.dealer)")
                }
                for f in s.refusals {
                    out.append("    refused: entry \(f.seq)  \(time(f.time))  \(f.party.map { "by \($0)  " } ?? "")\(f.count > 1 ? "\(f.count) × " : "")\(f.code ?? f.type)\(f.reason.map { ": \($0)" } ?? "")")
                }
            }
            return out.joined(separator: "\n")
        }

        static func describe(_ r: LogReport) -> String {
            var out = ["Protocol log \(r.origin): \(r.entries) entries, \(r.checkpoints) checkpoints — tree, signatures and consistency verified"]
            if r.nodeCheckpointsChecked > 0 { out.append("  \(r.nodeCheckpointsChecked) checkpoints held by nodes belong to this history") }
            if r.authenticationFailures > 0 { out.append("  \(r.authenticationFailures) authentication failures logged") }
            if r.refusalCount > 0 {
                out.append("  \(r.refusalCount) refused requests (turned away as the agreements require; not anomalies):")
                for f in r.refusals {
                    let who = [f.party.map { "by \($0)" }, f.agreement.map { "under \($0)" }].compactMap { $0 }.joined(separator: " ")
                    let what = f.count > 1 ? "\(f.count) refusals: " + (f.byCode ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                                           : "\(f.code ?? f.type)\(f.reason.map { ": \($0)" } ?? "")"
                    out.append("    entry \(f.seq)  \(time(f.time))  \(who.isEmpty ? "" : who + "  ")\(what)")
                }
            }
            if r.resultsChecked > 0 { out.append("  \(r.resultsChecked) sealed results opened and checked against the log and the agreements") }
            for a in r.agreements {
                out.append("")
                out.append("Agreement \(a.id) (\(a.hash.prefix(16))…), parties \(a.parties.joined(separator: ", "))")
                if let t = a.registeredAt { out.append("  registered   \(time(t))") }
                for s in a.submissions { out.append("  submission   \(time(s.time))  \(s.party)\(s.rows.map { ", \($0) rows" } ?? "")\(s.sent == nil ? "" : ": " + s.sentDescription)") }
                if a.rejectedSubmissions > 0 { out.append("  rejected submissions: \(a.rejectedSubmissions)") }
                for run in a.runs {
                    out.append("  run \(run.runID)       \(time(run.started)) → \(run.finished.map(time) ?? "not finished")" +
                               (run.counts.map { c in "  " + c.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") } ?? ""))
                }
                for rel in a.releases {
                    out.append("  release      \(time(rel.time))  \(rel.output ?? "?") → \(rel.recipient)" + (rel.fetchedAt.map { ", fetched \(time($0))" } ?? ", not fetched"))
                }
                for d in a.deletions { out.append("  deleted      \(time(d))  encodings") }
            }
            out.append("")
            if r.anomalies.isEmpty {
                out.append("Verified: no anomalies.")
            } else {
                out.append("ANOMALIES (\(r.anomalies.count)):")
                for a in r.anomalies { out.append("  \(a.seq.map { "entry \($0): " } ?? "")\(a.code): \(a.reason)") }
            }
            return out.joined(separator: "\n")
        }
    }
}

extension ReportLanguage: ExpressibleByArgument {}

extension LogCommand {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure appending, exporting and verifying a log of N synthetic events.")

        @Option(help: "Events to append.") var events: Int = 1_000_000
        @Option(help: "Events per batch (one signed checkpoint and one fsync per batch).") var batch: Int = 1_000

        func validate() throws {
            guard events >= 1, batch >= 1 else { throw ValidationError("--events and --batch must be at least 1") }
        }

        func run() throws {
            let dir = NSTemporaryDirectory() + "korskoll-log-bench-" + Hex.encode(Random.bytes(6))
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let key = Ed25519.PrivateKey.generate()
            let store = try LogStore(directory: dir + "/log", coordinator: "coordinator", key: key)
            // A mix that passes every policy check, so the figure is the verifier's, not the
            // cost of reporting a million anomalies.
            let kinds: [LogEvent.Kind] = [.submissionAccepted, .submissionRejected, .ceremonyRelayed, .authenticationFailed]
            let parties = (0..<13).map { "party-\($0)" }
            let agreements = (0..<7).map { a in
                AgreementFacts(id: "bench-\(a)", hash: SHA256.hash(Array("bench-\(a)".utf8)), parties: parties, signedBy: Set(parties), outputs: [:], retentionDays: 30)
            }
            for a in agreements { store.append(LogEvent(time: 1_795_000_000, type: .agreementRegistered, agreement: a.id, hash: Hex.encode(a.hash), parties: parties)) }
            let clock = Progress(label: "events appended")
            for i in 0..<events {
                store.append(LogEvent(time: 1_795_000_000 + UInt64(i / 1000), type: kinds[i % kinds.count], agreement: "bench-\(i % 7)",
                                      party: "party-\(i % 13)", recipient: "party-\((i + 1) % 13)", hash: Hex.encode(SHA256.hash(withUnsafeBytes(of: i) { Array($0) })),
                                      counts: ["rows": i]))
                if (i + 1) % batch == 0 || i + 1 == events {
                    try store.commit()
                    clock.advance(by: (i + 1) - clock.count)
                }
            }
            let appendSeconds = clock.seconds
            let bundleStart = Date()
            let bytes = LogBundle(origin: store.origin, logKey: key.publicKey, entries: store.entries, checkpoints: store.checkpoints).encoded(signer: key)
            let exportSeconds = Date().timeIntervalSince(bundleStart)
            let verifyStart = Date()
            let bundle = try LogBundle(decoding: bytes, key: key.publicKey)
            let report = try LogVerifier.verify(bundle, agreements: agreements)
            guard report.ok else { throw failure("the benchmark log has anomalies: \(report.anomalies.prefix(3))") }
            let verifySeconds = Date().timeIntervalSince(verifyStart)
            print(String(format: "appended %d events in %d batches: %.2f s, %.0f events/s (with a signed checkpoint and fsync per batch)",
                         events, store.checkpoints.count, appendSeconds, Double(events) / appendSeconds))
            print(String(format: "bundle: %.1f MB built in %.2f s", Double(bytes.count) / 1e6, exportSeconds))
            print(String(format: "verified %d entries and %d checkpoints in %.2f s (%.0f entries/s)",
                         report.entries, report.checkpoints, verifySeconds, Double(report.entries) / verifySeconds))
        }
    }
}
