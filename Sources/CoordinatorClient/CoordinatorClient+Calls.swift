import Foundation
import ProtocolLog
import Sodium

/// The coordinator's error body (api.md §2): `{"error": code, "reason": text}`.
struct ErrorAnswer: Decodable { let error: String; let reason: String }

/// One typed call per endpoint of `Protocols/api.md` §3.
extension CoordinatorClient {
    /// §3.1: registers a fully signed agreement. Registering it again is not an error.
    public func registerAgreement(document: Data, signatures: Data) throws -> RegisterAnswer {
        let body = try JSONEncoder().encode(["document": document.base64EncodedString(), "signatures": signatures.base64EncodedString()])
        return try call("POST", "/v1/agreements", body: body)
    }

    /// §3.2: relays the lead's sealed ceremony blob for `party`.
    public func relayCeremonyBlob(agreement: String, party: String, blob: [UInt8]) throws {
        _ = try send("PUT", "/v1/agreements/\(agreement)/ceremony/\(party)", body: Data(blob))
    }

    /// §3.2: this party's sealed ceremony blob.
    public func ceremonyBlob(agreement: String) throws -> [UInt8] {
        Array(try send("GET", "/v1/agreements/\(agreement)/ceremony"))
    }

    /// §3.3: uploads a submission file, streamed from disk; the answer carries the receipt.
    public func submit(agreement: String, file: String) throws -> SubmitAnswer {
        try call("PUT", "/v1/agreements/\(agreement)/submission", file: file)
    }

    /// §3.5: the agreement's submissions and run, as this party may see them.
    public func status(agreement: String) throws -> StatusAnswer {
        try call("GET", "/v1/agreements/\(agreement)/status")
    }

    /// §3.6: this party's sealed result file and the receipt of the fetch (header `Korskoll-Receipt`).
    public func result(agreement: String, output: String) throws -> FetchedResult {
        let answer = try exchange("GET", "/v1/agreements/\(agreement)/results/\(output)")
        guard let text = answer.headers[FetchedResult.receiptHeader.lowercased()], let data = Data(base64Encoded: text),
              let receipt = try? JSONDecoder().decode(Receipt.self, from: data) else {
            throw Failure(status: answer.status, code: "malformed", reason: "the coordinator's answer carries no \(FetchedResult.receiptHeader) header with a receipt")
        }
        guard !answer.body.isEmpty else { throw Failure(status: answer.status, code: "malformed", reason: "the coordinator's answer holds no result") }
        return FetchedResult(sealed: answer.body, receipt: receipt)
    }

    /// §3.8: a consistency proof between two tree sizes of the log.
    public func consistency(first: UInt64, second: UInt64) throws -> [[UInt8]] {
        let answer: ConsistencyAnswer = try call("GET", "/v1/log/consistency?first=\(first)&second=\(second)")
        return try answer.proof.map {
            guard let d = Data(base64Encoded: $0) else { throw Failure(status: 200, code: "malformed", reason: "a consistency proof hash is not base64") }
            return Array(d)
        }
    }
}

/// §3.1's answer.
public struct RegisterAnswer: Codable, Sendable, Equatable {
    public let agreement: String
    public let hash: String
    public let registered: Bool
}

/// §3.3's answer: the stored submission and its receipt (log.md §4).
public struct SubmitAnswer: Codable, Sendable {
    public let agreement: String
    public let party: String
    public let submissionID: String
    public let rows: Int
    public let receipt: Receipt
}

/// §3.5's answer.
public struct StatusAnswer: Codable, Sendable, Equatable {
    public struct Run: Codable, Sendable, Equatable {
        public let runID: String?
        /// `waiting`, `running`, `finished` or `failed`.
        public let state: String
        public let progress: String?
        public let error: String?
    }
    public let agreement: String
    public let parties: [String]
    public let submitted: [String]
    public let missing: [String]
    public let run: Run
    public let results: [String]
}

/// §3.6's answer: the sealed file as received and the fetch's receipt.
public struct FetchedResult: Sendable {
    /// The header that carries the receipt, base64 of its JSON.
    public static let receiptHeader = "Korskoll-Receipt"
    public let sealed: Data
    public let receipt: Receipt
}

/// §3.8's answer: base64 hashes.
struct ConsistencyAnswer: Decodable { let proof: [String] }
