import Agreements
import API
import Blinding
import CLKEncoding
import CoordinatorClient
import Foundation
import Identifiers
import Parties
import ProtocolLog
import Sodium
import Wire

/// One node's whole round of one agreement from its configuration (Protocols/node.md §7.2):
/// encode the export, submit it, wait for the run and open this party's results. A round that
/// stops part way (the run not finished within the wait) is taken up where it stopped the next
/// time: a submission the coordinator already holds is not encoded or sent again.
public enum NodeCheck {
    /// How a round ended, as the process's exit status (node.md §7.2), for a scheduler to act on.
    public enum Status: Int32, Sendable, Equatable {
        /// Every result of this party was fetched, opened and written.
        case done = 0
        /// Anything else: the coordinator does not answer, the run failed, a local file is missing.
        case other = 1
        /// Submitted, but the run had not finished within the wait (other parties still to submit,
        /// or the run still working): run the same command again later.
        case waiting = 3
        /// The coordinator refused a request (4xx): the agreement is not registered, the
        /// submission does not fit, the party is not allowed.
        case refused = 4
        /// The local input: an empty export, an unreadable one, or more rejected rows than allowed.
        case localInput = 5
    }

    /// What the round may do.
    public struct Options: Sendable {
        /// Seconds to wait for the run to finish.
        public var wait: Double = 0
        /// The largest share of rejected rows (percent of rows read) that is still submitted.
        public var maxRejectedPercent: Double = 10
        /// Reference date for 10-digit numbers.
        public var referenceDate: CalendarDate
        /// Encoding threads.
        public var threads: Int = 1
        /// When the round runs (the submission's creation time).
        public var now: UInt64 = UInt64(Date().timeIntervalSince1970)
        /// Standing agreements: `list` or `check`, for a party that submits both (standing.md §1.2).
        public var submitAs: String?

        public init(referenceDate: CalendarDate) { self.referenceDate = referenceDate }
    }

    /// A step of the round, for the caller to show.
    public enum Step: Sendable {
        /// A stage begins or ends, in one line.
        case stage(String)
        /// Rows encoded so far (of about `estimate`, when the export's lines were counted).
        case rows(Int)
        /// The coordinator's run, as its status reports it.
        case run(StatusAnswer)
    }

    /// How the round ended, with the one line that says why and what to do.
    public struct Outcome: Sendable {
        public var status: Status
        public var message: String
        public var summary: IngestSummary?
        public var upload: Upload.Outcome?
        public var results: [ResultOpening.Opened] = []
    }

    /// Runs the round of `agreementID` in `config`. Never throws: every failure is an outcome
    /// with its status and a message that says the next step.
    public static func run(config: NodeConfig, agreementID: String, options: Options, report: (Step) -> Void = { _ in }) -> Outcome {
        do { return try round(config: config, agreementID: agreementID, options: options, report: report) } catch let f as CoordinatorClient.Failure {
            let status: Status = (400..<500).contains(f.status) ? .refused : .other
            let next = f.status == 404 && f.reason.hasSuffix("is not registered")
                ? ": a party registers the signed agreement with `korskoll agreement register --agreement A --coordinator-url \(config.coordinatorURL) --key K`" : ""
            return Outcome(status: status, message: f.description + next)
        } catch let e as NodeError {
            let local: Set<NodeError.Code> = [.emptyExport, .invalidFile, .invalidMapping, .undeclared]
            return Outcome(status: local.contains(e.code) ? .localInput : .other, message: e.reason)
        } catch let e as KeyError {
            return Outcome(status: .other, message: e.reason)
        } catch let e as AgreementError {
            return Outcome(status: .other, message: e.reason)
        } catch let e as LogError {
            return Outcome(status: .other, message: "protocol log: \(e.reason)")
        } catch let e as WireError {
            return Outcome(status: .other, message: e.reason)
        } catch {
            return Outcome(status: .other, message: "\(error)")
        }
    }

    static func round(config: NodeConfig, agreementID: String, options: Options, report: (Step) -> Void) throws -> Outcome {
        let entry = try config.agreement(agreementID)
        let keys = try KeyFiles.loadSecret(URL(fileURLWithPath: config.key))
        let coordinator = try KeyFiles.loadPublic(URL(fileURLWithPath: config.coordinatorKey))
        let registry = try Registry.load(URL(fileURLWithPath: config.registry))
        let (agreement, signatures) = try AgreementFiles.load(entry.agreement)
        guard agreement.id == agreementID else { throw NodeError(.config, "\(entry.agreement) holds agreement \(agreement.id), not \(agreementID)") }
        do { try signatures.verifyComplete(agreement, registry: registry) } catch let e as AgreementError {
            throw NodeError(.config, signatures.nextStep(for: e, agreement: agreement, path: entry.agreement))
        }
        let client = CoordinatorClient(url: config.coordinatorURL, keys: keys)

        if agreement.isStanding {
            return try standingRound(agreement: agreement, entry: entry, registry: registry, keys: keys, coordinator: coordinator,
                                     client: client, options: options, report: report)
        }
        var outcome = Outcome(status: .done, message: "")
        let before = try client.status(agreement: agreementID)
        if before.submitted.contains(keys.party) {
            guard FileManager.default.fileExists(atPath: entry.encoded + "/" + Ingest.rowMapFile) else {
                throw NodeError(.config, "the coordinator holds \(keys.party)'s submission to \(agreementID), but \(entry.encoded) (its row map) is gone: results cannot be mapped back")
            }
            report(.stage("submission already with the coordinator; taking up the round"))
        } else {
            let summary = try encode(entry: entry, agreement: agreement, registry: registry, keys: keys, coordinator: coordinator, options: options, report: report)
            outcome.summary = summary
            if let refusal = tooManyRejected(summary, entry: entry, options: options) {
                outcome.status = .localInput
                outcome.message = refusal
                return outcome
            }
            report(.stage("uploading \(summary.rowsSubmitted) rows to \(config.coordinatorURL)"))
            let upload = try Upload.run(client: client, coordinator: coordinator, agreementID: agreementID,
                                        submissionDirectory: entry.encoded, stateDirectory: entry.logBook)
            outcome.upload = upload
            report(.stage("submitted \(upload.rows) rows; receipt: entry \(upload.receiptIndex) of \(upload.logSize)"))
        }

        let status = try wait(client: client, agreementID: agreementID, seconds: options.wait, report: report)
        switch status.run.state {
        case .finished: break
        case .failed:
            outcome.status = .other
            outcome.message = "the run of \(agreementID) failed: \(status.run.error ?? "no reason given"); ask the coordinator's operator (`korskoll coordinator status`)"
            return outcome
        default:
            outcome.status = .waiting
            let missing = status.missing.isEmpty ? "" : "; still to submit: \(status.missing.joined(separator: ", "))"
            outcome.message = "the run of \(agreementID) has not finished within \(Int(options.wait)) s (\(status.run.state.rawValue)\(missing)); run the same command again later"
            return outcome
        }

        let mine = agreement.outputs.filter { $0.recipient == keys.party }.map(\.name)
        for output in mine {
            report(.stage("fetching and opening \(output)"))
            let opened = try ResultOpening.fetch(client: client, coordinator: coordinator, agreementID: agreementID, output: output,
                                                 encoded: entry.encoded, state: entry.logBook, out: entry.results)
            outcome.results.append(opened)
            report(.stage("\(output) written to \(opened.csvPath)"))
        }
        outcome.message = mine.isEmpty ? "round of \(agreementID) done; \(keys.party) receives no output under it"
            : "round of \(agreementID) done: \(mine.joined(separator: ", ")) in \(entry.results)"
        return outcome
    }

    /// A standing agreement's round (Protocols/standing.md §1.2): one list or check, then the run
    /// of that submission, then this party's results of it. A submission whose round has not
    /// ended — its run queued, running, or finished with results not yet opened (an earlier
    /// round that exited 3) — is taken up instead of submitting again; a list that is stored and
    /// not run ends the round.
    static func standingRound(agreement: Agreement, entry: NodeConfig.AgreementEntry, registry: Registry, keys: PartyKeys,
                              coordinator: PartyPublicKeys, client: CoordinatorClient, options: Options,
                              report: (Step) -> Void) throws -> Outcome {
        let id = agreement.id
        var outcome = Outcome(status: .done, message: "")
        let route = try Upload.route(agreement: agreement, party: keys.party, requested: options.submitAs)
        var sid: String?
        if let last = Upload.lastSubmission(stateDirectory: entry.logBook, agreementID: id), last.route == route, last.roundDone != true,
           FileManager.default.fileExists(atPath: entry.encoded + "/" + Ingest.rowMapFile),
           [.waiting, .running, .finished].contains(try client.checkStatus(agreement: id, submissionID: last.submissionID).state) {
            report(.stage("\(route.rawValue) \(last.submissionID) already with the coordinator; taking up the round"))
            sid = last.submissionID
        }
        if sid == nil {
            let summary = try encode(entry: entry, agreement: agreement, registry: registry, keys: keys, coordinator: coordinator, options: options, report: report)
            outcome.summary = summary
            if let refusal = tooManyRejected(summary, entry: entry, options: options) {
                outcome.status = .localInput
                outcome.message = refusal
                return outcome
            }
            report(.stage("uploading \(summary.rowsSubmitted) rows as a \(route.rawValue) to \(client.base)"))
            let upload = try Upload.run(client: client, coordinator: coordinator, agreementID: id, submissionDirectory: entry.encoded,
                                        stateDirectory: entry.logBook, route: route)
            outcome.upload = upload
            sid = upload.submissionID
            report(.stage("submitted \(upload.rows) rows (\(route.rawValue) \(upload.submissionID)); receipt: entry \(upload.receiptIndex) of \(upload.logSize)"))
        }
        let check = sid!
        let status = try RunWait.check(client: client, agreementID: id, submissionID: check, seconds: options.wait) { answer in
            report(.run(StatusAnswer(agreement: id, parties: agreement.partyIDs, submitted: [], missing: [],
                                     run: RunStatus(runID: answer.runID, state: RunState(rawValue: answer.state.rawValue) ?? .waiting,
                                                    progress: answer.progress ?? answer.state.rawValue, error: answer.error),
                                     results: answer.results)))
        }
        switch status.state {
        case .stored:
            try Upload.markRoundDone(stateDirectory: entry.logBook, agreementID: id)
            outcome.message = "list \(check) of \(id) stands at the coordinator; \(keys.party) receives no output of its run"
            return outcome
        case .failed:
            try Upload.markRoundDone(stateDirectory: entry.logBook, agreementID: id)
            outcome.status = .other
            outcome.message = "the run of \(check) under \(id) failed: \(status.error ?? "no reason given"); ask the coordinator's operator (`korskoll coordinator status`)"
            return outcome
        case .waiting, .running:
            outcome.status = .waiting
            outcome.message = "the run of \(check) under \(id) has not finished within \(Int(options.wait)) s (\(status.state.rawValue)); run the same command again later"
            return outcome
        case .finished:
            break
        }
        for output in status.results {
            report(.stage("fetching and opening \(output) of \(check)"))
            let opened = try ResultOpening.fetch(client: client, coordinator: coordinator, agreementID: id, output: output,
                                                 encoded: entry.encoded, state: entry.logBook, out: entry.results, check: check)
            outcome.results.append(opened)
            report(.stage("\(output) written to \(opened.csvPath)"))
        }
        try Upload.markRoundDone(stateDirectory: entry.logBook, agreementID: id)
        outcome.message = status.results.isEmpty ? "\(route.rawValue) \(check) of \(id) ran; \(keys.party) receives no output of it"
            : "\(route.rawValue) \(check) of \(id) done: \(status.results.joined(separator: ", ")) in \(entry.results)"
        return outcome
    }

    /// node.md §7.2: the message that stops a round whose export lost more than the allowed share
    /// of its rows; nil when the round may go on.
    static func tooManyRejected(_ summary: IngestSummary, entry: NodeConfig.AgreementEntry, options: Options) -> String? {
        let rejected = summary.rowsRead == 0 ? 0 : 100 * Double(summary.rowsRejected) / Double(summary.rowsRead)
        guard rejected > options.maxRejectedPercent else { return nil }
        return "\(summary.rowsRejected) of \(summary.rowsRead) rows rejected (\(String(format: "%.1f", rejected))% > \(options.maxRejectedPercent)%): nothing was submitted; see \(entry.encoded)/rejects.csv, fix the export and run again"
    }

    /// Encodes the export into the state folder, replacing an encoding that was never submitted.
    static func encode(entry: NodeConfig.AgreementEntry, agreement: Agreement, registry: Registry, keys: PartyKeys, coordinator: PartyPublicKeys,
                       options: Options, report: (Step) -> Void) throws -> IngestSummary {
        guard let mappingData = FileManager.default.contents(atPath: entry.mapping) else { throw NodeError(.invalidMapping, "mapping \(entry.mapping) cannot be read") }
        let mapping = try ColumnMapping(json: mappingData, source: entry.mapping)
        var schema: LinkageSchema?
        if let path = entry.schema {
            guard let data = FileManager.default.contents(atPath: path), let s = try? LinkageSchema(json: data) else {
                throw NodeError(.config, "schema \(path) is not a readable CLK linkage schema")
            }
            schema = s
        }
        guard FileManager.default.fileExists(atPath: entry.linkageSecret) else {
            let lead = agreement.parties.first?.id == keys.party ? " --lead" : ""
            throw NodeError(.config, "no linkage secret for \(agreement.id) in \(entry.linkageSecret): run the key ceremony first, `korskoll node ceremony --coordinator-url URL --key \(keys.party).secret.json --registry REGISTRY --agreement \(entry.agreement)\(lead) --secret-out \(entry.linkageSecret)`")
        }
        let secret = try LinkageSecretFile.load(entry.linkageSecret)
        // A previous round's encoding that the coordinator does not hold was never submitted.
        try? FileManager.default.removeItem(atPath: entry.encoded)
        var job = IngestJob(input: entry.export, mapping: mapping, schema: schema,
                            keys: LinkageKeys(agreementID: agreement.id, linkageSecret: secret), party: keys, coordinator: coordinator,
                            referenceDate: options.referenceDate, output: entry.encoded, threads: options.threads, createdAt: options.now)
        job.agreement = agreement
        // The agreement names the blocking scheme; rows carry its keys (Protocols/blocking.md).
        job.blocking = agreement.match.blocking != nil && schema != nil
        let recipients = Set(agreement.party(keys.party)?.attributes?.flatMap(\.sealedTo) ?? [])
        for r in recipients { job.sealingKeys[r] = try registry.entry(r).keys.sealing }
        report(.stage("encoding \(entry.export)"))
        let summary = try Ingest.run(job) { report(.rows($0)) }
        report(.stage("encoded \(summary.rowsSubmitted) of \(summary.rowsRead) rows (\(summary.rowsRejected) rejected)"))
        return summary
    }

    /// Waits for the run like ``RunWait/status(client:agreementID:seconds:interval:)``, reporting each change.
    static func wait(client: CoordinatorClient, agreementID: String, seconds: Double, report: (Step) -> Void) throws -> StatusAnswer {
        let deadline = Date().addingTimeInterval(seconds)
        var last: RunStatus?
        while true {
            let answer = try client.status(agreement: agreementID)
            if answer.run != last { report(.run(answer)); last = answer.run }
            if answer.run.state == .finished || answer.run.state == .failed || Date() >= deadline { return answer }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
