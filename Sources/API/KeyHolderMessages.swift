import Foundation

// The typed messages of the key holder's HTTP API (Protocols/keyholder.md §5), shared by the
// key-holder server and the node's client, encoded by `APIJSON`.

/// `POST /v1/oprf/{agreement}/evaluate` request: a batch of blinded elements.
public struct EvaluateRequest: Codable, Sendable, Equatable {
    /// The most elements in one batch (the DLEQ transcript indexes them with two bytes).
    public static let maxBatch = 65_535
    /// The blinded elements, each 32 bytes, concatenated (base64 in JSON).
    public var elements: Data
    /// A batch of concatenated 32-byte elements.
    public init(elements: Data) { self.elements = elements }
}

/// `POST /v1/oprf/{agreement}/evaluate` answer: the evaluated elements under the key holder's
/// share, its batched DLEQ proof, and the meter's state after this batch.
public struct EvaluateAnswer: Codable, Sendable, Equatable {
    /// The agreement.
    public var agreement: String
    /// The share index the key holder evaluated with (the node checks it against the dealt file).
    public var index: UInt16
    /// `k_i·B[j]` for every element, 32 bytes each, concatenated, in the request's order.
    public var evaluated: Data
    /// The batched DLEQ proof `c ‖ s`, 64 bytes.
    public var proof: Data
    /// The meter's round the batch was counted in.
    public var round: UInt64
    /// Identifiers this party has had evaluated in the round, this batch included.
    public var used: Int
    /// This party's cap per round.
    public var cap: Int
    /// An answer from its parts.
    public init(agreement: String, index: UInt16, evaluated: Data, proof: Data, round: UInt64, used: Int, cap: Int) {
        self.agreement = agreement
        self.index = index
        self.evaluated = evaluated
        self.proof = proof
        self.round = round
        self.used = used
        self.cap = cap
    }
}

/// The key holder's routes (Protocols/keyholder.md §5).
public enum KeyHolderPath {
    /// `POST`: evaluate a batch under the agreement's share.
    public static func evaluate(agreement: String) -> String { "/v1/oprf/\(agreement)/evaluate" }
    /// `GET`: the latest signed checkpoint of the key holder's log.
    public static let checkpoint = "/v1/log/checkpoint"

    /// Router patterns.
    public enum Pattern {
        /// ``KeyHolderPath/evaluate(agreement:)``.
        public static let evaluate = "/v1/oprf/:id/evaluate"
        /// ``KeyHolderPath/checkpoint``.
        public static let checkpoint = "/v1/log/checkpoint"
    }
}
