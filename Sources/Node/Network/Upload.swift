import API
import Agreements
import CoordinatorClient
import Foundation
import Parties
import ProtocolLog

/// A node's upload of what `node encode` wrote (`Protocols/api.md` §3.3): the sealed submission
/// is streamed to the coordinator and the receipt it answers is verified and kept in the node's
/// log book (log.md §4), consistent with every checkpoint seen before.
public enum Upload {
    /// What the coordinator accepted, and where the receipt sits in its log.
    public struct Outcome: Sendable, Equatable {
        public let rows: Int
        public let submissionID: String
        public let receiptIndex: UInt64
        public let logSize: UInt64
    }

    /// Where a submission goes: the one submission of a v1/v2 agreement, or a standing
    /// agreement's list or check (Protocols/standing.md §1.2).
    public enum Route: String, Sendable, Equatable, Codable {
        case submission, list, check
    }

    /// The route of `party`'s submission under `agreement`: `submission` for a v1/v2 agreement;
    /// in a standing one, by the party's roles (a list for reference or relations, a check for
    /// subjects), and by `requested` (`list` or `check`) when the party holds both.
    public static func route(agreement: Agreement, party: String, requested: String?) throws -> Route {
        guard agreement.isStanding else {
            if let requested { throw NodeError(.config, "--as \(requested) applies to standing agreements; \(agreement.id) is not one") }
            return .submission
        }
        let roles = agreement.roles(of: party)
        let list = !roles.isDisjoint(with: [.reference, .relations]), check = roles.contains(.subjects)
        switch requested {
        case nil:
            if list && check {
                throw NodeError(.config, "\(party) submits both lists and checks under \(agreement.id): say which with --as list or --as check")
            }
            if list { return .list }
            if check { return .check }
            throw NodeError(.config, "\(party) holds no role in \(agreement.id) and submits nothing")
        case "list"?:
            guard list else { throw NodeError(.config, "\(party) holds no reference or relations role in \(agreement.id): it submits no list") }
            return .list
        case "check"?:
            guard check else { throw NodeError(.config, "\(party) holds no subjects role in \(agreement.id): it submits no check") }
            return .check
        case let other?:
            throw NodeError(.config, "--as '\(other)' is neither list nor check")
        }
    }

    /// Uploads `<submissionDirectory>/submission.kks` to the agreement by `route` and keeps the
    /// receipt under `stateDirectory`, and the submission id as this node's last submission to
    /// the agreement (``lastSubmission(stateDirectory:agreementID:)``).
    public static func run(client: CoordinatorClient, coordinator: PartyPublicKeys, agreementID: String,
                           submissionDirectory: String, stateDirectory: String, route: Route = .submission) throws -> Outcome {
        let file = submissionDirectory + "/" + Ingest.submissionFile
        let answer: SubmissionAnswer
        do {
            switch route {
            case .submission: answer = try client.submit(agreement: agreementID, file: file)
            case .list: answer = try client.submitList(agreement: agreementID, file: file)
            case .check: answer = try client.submitCheck(agreement: agreementID, file: file)
            }
        } catch let f as CoordinatorClient.Failure where f.code == "submission.standing" {
            throw CoordinatorClient.Failure(status: f.status, code: f.code, reason: "\(f.reason) (`korskoll node submit` finds the route from the agreement: pass --agreement FILE, and --as list|check when the party holds both roles)")
        }
        var book = try NodeLogBook(directory: stateDirectory, coordinator: coordinator)
        let name = route == .submission ? "submission-\(agreementID)" : "\(route.rawValue)-\(agreementID)-\(answer.submissionID)"
        let checkpoint = try book.keep(Receipt(answer.receipt), name: name, consistency: client.consistency)
        try recordLast(LastSubmission(submissionID: answer.submissionID, route: route), stateDirectory: stateDirectory, agreementID: agreementID)
        return Outcome(rows: answer.rows, submissionID: answer.submissionID, receiptIndex: answer.receipt.index, logSize: checkpoint.size)
    }

    /// The node's last accepted submission to an agreement, kept in its state directory.
    public struct LastSubmission: Codable, Sendable, Equatable {
        public var submissionID: String
        public var route: Route
        /// Set when `node check` ended the round of this submission (results opened, the list
        /// stored, or the run failed): the next round submits anew instead of taking it up.
        public var roundDone: Bool?
    }

    /// Marks the last submission's round as ended (node.md §7.2).
    public static func markRoundDone(stateDirectory: String, agreementID: String) throws {
        guard var last = lastSubmission(stateDirectory: stateDirectory, agreementID: agreementID) else { return }
        last.roundDone = true
        try recordLast(last, stateDirectory: stateDirectory, agreementID: agreementID)
    }

    static func lastPath(_ stateDirectory: String, _ agreementID: String) -> String { "\(stateDirectory)/last-submission-\(agreementID).json" }

    static func recordLast(_ last: LastSubmission, stateDirectory: String, agreementID: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
            try JSONEncoder().encode(last).write(to: URL(fileURLWithPath: lastPath(stateDirectory, agreementID)), options: .atomic)
        } catch { throw NodeError(.output, "cannot record the last submission in \(stateDirectory)") }
    }

    /// This node's last submission to `agreementID`, or nil when it has made none.
    public static func lastSubmission(stateDirectory: String, agreementID: String) -> LastSubmission? {
        guard let data = FileManager.default.contents(atPath: lastPath(stateDirectory, agreementID)) else { return nil }
        return try? JSONDecoder().decode(LastSubmission.self, from: data)
    }

    /// The check id to ask about: `given`, or this node's last submission to the agreement.
    public static func checkID(_ given: String?, stateDirectory: String?, agreementID: String) throws -> String {
        if let given { return given }
        guard let state = stateDirectory, let last = lastSubmission(stateDirectory: state, agreementID: agreementID) else {
            throw NodeError(.config, "no submission of this node to \(agreementID) is recorded: name it with --check SID (and --state DIR)")
        }
        return last.submissionID
    }
}

/// Waiting for an agreement's run (api.md §3.5).
public enum RunWait {
    /// Asks for the status every `interval` seconds until the run has finished or failed, or
    /// until `seconds` have passed; returns the last answer.
    public static func status(client: CoordinatorClient, agreementID: String, seconds: Double, interval: Double = 0.2) throws -> StatusAnswer {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let answer = try client.status(agreement: agreementID)
            if answer.run.state == .finished || answer.run.state == .failed || Date() >= deadline { return answer }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Waits for the run of one list or check of a standing agreement (standing.md §1.2) until it
    /// has finished or failed, or is a list that is stored and not run, or `seconds` have passed.
    public static func check(client: CoordinatorClient, agreementID: String, submissionID: String, seconds: Double,
                             interval: Double = 0.2, report: (CheckStatusAnswer) -> Void = { _ in }) throws -> CheckStatusAnswer {
        let deadline = Date().addingTimeInterval(seconds)
        var last: CheckStatusAnswer?
        while true {
            let answer = try client.checkStatus(agreement: agreementID, submissionID: submissionID)
            if answer != last { report(answer); last = answer }
            if [.finished, .failed, .stored].contains(answer.state) || Date() >= deadline { return answer }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
