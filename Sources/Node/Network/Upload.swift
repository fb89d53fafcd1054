import API
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

    /// Uploads `<submissionDirectory>/submission.kks` to the agreement and keeps the receipt
    /// under `stateDirectory`.
    public static func run(client: CoordinatorClient, coordinator: PartyPublicKeys, agreementID: String,
                           submissionDirectory: String, stateDirectory: String) throws -> Outcome {
        let answer = try client.submit(agreement: agreementID, file: submissionDirectory + "/" + Ingest.submissionFile)
        var book = try NodeLogBook(directory: stateDirectory, coordinator: coordinator)
        let checkpoint = try book.keep(Receipt(answer.receipt), name: "submission-\(agreementID)", consistency: client.consistency)
        return Outcome(rows: answer.rows, submissionID: answer.submissionID, receiptIndex: answer.receipt.index, logSize: checkpoint.size)
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
}
