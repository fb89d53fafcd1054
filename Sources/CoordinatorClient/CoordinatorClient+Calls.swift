import API
import Foundation
import ProtocolLog

/// One typed call per endpoint of `Protocols/api.md` §3, with the request and answer types of the
/// `API` module that the server encodes.
extension CoordinatorClient {
    /// §3.1: registers a fully signed agreement. Registering it again is not an error.
    public func registerAgreement(document: Data, signatures: Data) throws -> RegisterAgreementAnswer {
        try call("POST", APIPath.agreements, body: APIJSON.encode(RegisterAgreementRequest(document: document, signatures: signatures)))
    }

    /// §3.2: relays the lead's sealed ceremony blob for `party`.
    public func relayCeremonyBlob(agreement: String, party: String, blob: [UInt8]) throws {
        let _: CeremonyRelayAnswer = try call("PUT", APIPath.ceremony(agreement: agreement, party: party), body: Data(blob))
    }

    /// §3.2: this party's sealed ceremony blob.
    public func ceremonyBlob(agreement: String) throws -> [UInt8] {
        Array(try send("GET", APIPath.ceremony(agreement: agreement)))
    }

    /// §3.3: uploads a submission file, streamed from disk; the answer carries the receipt.
    public func submit(agreement: String, file: String) throws -> SubmissionAnswer {
        try call("PUT", APIPath.submission(agreement: agreement), file: file)
    }

    /// §3.5: the agreement's submissions and run, as this party may see them.
    public func status(agreement: String) throws -> StatusAnswer {
        try call("GET", APIPath.status(agreement: agreement))
    }

    /// §3.6: this party's sealed result file and the receipt of the fetch (header ``APIHeader/receipt``).
    public func result(agreement: String, output: String) throws -> FetchedResult {
        try fetchSealed(APIPath.result(agreement: agreement, output: output), agreement: agreement)
    }

    /// §3.9 (standing.md §1.2): uploads a standing agreement's reference or relations list.
    public func submitList(agreement: String, file: String) throws -> SubmissionAnswer {
        try call("PUT", APIPath.lists(agreement: agreement), file: file)
    }

    /// §3.9: uploads a standing agreement's subjects check.
    public func submitCheck(agreement: String, file: String) throws -> SubmissionAnswer {
        try call("PUT", APIPath.checks(agreement: agreement), file: file)
    }

    /// §3.9: the state of the run of one list or check, and this party's outputs of it that are ready.
    public func checkStatus(agreement: String, submissionID: String) throws -> CheckStatusAnswer {
        try call("GET", APIPath.check(agreement: agreement, submissionID: submissionID))
    }

    /// §3.9: this party's sealed result of output `output` of the run of `submissionID`, and the fetch's receipt.
    public func checkResult(agreement: String, submissionID: String, output: String) throws -> FetchedResult {
        try fetchSealed(APIPath.checkResult(agreement: agreement, submissionID: submissionID, output: output), agreement: agreement)
    }

    /// §3.9 (standing.md §1.3): the runs of a standing agreement that concern this party, with a
    /// sequence above `since`, and this party's outputs of each that are ready.
    public func standingRuns(agreement: String, since: Int = 0) throws -> StandingRunsAnswer {
        try call("GET", APIPath.runs(agreement: agreement, since: since))
    }

    /// A sealed result as §3.6 answers it: the file as the body and the receipt in a header.
    func fetchSealed(_ path: String, agreement: String) throws -> FetchedResult {
        let answer: HTTPTransport.Answer
        do { answer = try exchange("GET", path) } catch let f as Failure where f.status == 404 && f.reason.hasSuffix("is not ready") {
            // api.md §3.6: 404 until the run has finished; the next step is to wait for it.
            throw Failure(status: f.status, code: f.code, reason: "\(f.reason): the run has not finished; wait for it with `korskoll node status --wait 300 --agreement-id \(agreement) --coordinator-url \(base) --key KEY`, then fetch again")
        }
        guard let text = answer.headers[APIHeader.receipt.lowercased()], let data = Data(base64Encoded: text),
              let receipt = try? APIJSON.decode(ReceiptMessage.self, from: data) else {
            throw Failure(status: answer.status, code: "malformed", reason: "the coordinator's answer carries no \(APIHeader.receipt) header with a receipt")
        }
        guard !answer.body.isEmpty else { throw Failure(status: answer.status, code: "malformed", reason: "the coordinator's answer holds no result") }
        return FetchedResult(sealed: answer.body, receipt: Receipt(receipt))
    }

    /// §3.8: a consistency proof between two tree sizes of the log.
    public func consistency(first: UInt64, second: UInt64) throws -> [[UInt8]] {
        let answer: ConsistencyAnswer = try call("GET", APIPath.consistency(first: first, second: second))
        return try answer.proof.map {
            guard let d = Data(base64Encoded: $0) else { throw Failure(status: 200, code: "malformed", reason: "a consistency proof hash is not base64") }
            return Array(d)
        }
    }
}

extension Receipt {
    /// The receipt an answer carries (log.md §4), to be verified by the node.
    public init(_ message: ReceiptMessage) {
        self.init(checkpoint: message.checkpoint, index: message.index, leafHash: message.leafHash, proof: message.proof)
    }
}

/// §3.6's answer as the client reads it: the sealed file as received and the fetch's receipt.
public struct FetchedResult: Sendable {
    public let sealed: Data
    public let receipt: Receipt
}
