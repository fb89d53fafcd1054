import Foundation

// The typed messages of the coordinator's HTTP API (Protocols/api.md §3), shared by the server
// and its clients. Every JSON body is one of these types, encoded by `APIJSON.encoder`.

/// `POST /v1/agreements` request (Protocols/api.md §3.1): the agreement document and its
/// signatures document, each as the bytes the parties signed (base64 in JSON).
public struct RegisterAgreementRequest: Codable, Sendable, Equatable {
    /// The agreement document (`korskoll-agreement-v1` JSON) as signed.
    public var document: Data
    /// The signatures document (`korskoll-agreement-signatures-v1` JSON).
    public var signatures: Data
    /// A request carrying `document` and `signatures`.
    public init(document: Data, signatures: Data) {
        self.document = document
        self.signatures = signatures
    }
}

/// `POST /v1/agreements` answer (Protocols/api.md §3.1).
public struct RegisterAgreementAnswer: Codable, Sendable, Equatable {
    /// The agreement's id.
    public var agreement: String
    /// The agreement's hash, lowercase hex.
    public var hash: String
    /// True when this request registered it; false when the same bytes were registered before.
    public var registered: Bool
    /// An answer for `agreement` with `hash`.
    public init(agreement: String, hash: String, registered: Bool) {
        self.agreement = agreement
        self.hash = hash
        self.registered = registered
    }
}

/// `PUT /v1/agreements/{id}/ceremony/{party}` answer (Protocols/api.md §3.2). The request body
/// is the sealed blob itself (at most `maxBytes`).
public struct CeremonyRelayAnswer: Codable, Sendable, Equatable {
    /// The largest blob the coordinator relays.
    public static let maxBytes = 4096
    /// Always true: the blob is stored for its party.
    public var relayed: Bool
    /// An answer saying whether the blob was relayed.
    public init(relayed: Bool = true) { self.relayed = relayed }
}

/// An inclusion receipt for a log event (Protocols/log.md §4), in its JSON form: the signed
/// checkpoint, the event's index, its leaf hash and the inclusion proof (bytes as number arrays).
public struct ReceiptMessage: Codable, Sendable, Equatable {
    /// The signed checkpoint note that covers the event.
    public var checkpoint: String
    /// The event's index in the log.
    public var index: UInt64
    /// The RFC 6962 leaf hash of the event.
    public var leafHash: [UInt8]
    /// The inclusion proof, leaf to root.
    public var proof: [[UInt8]]
    /// A receipt from its parts.
    public init(checkpoint: String, index: UInt64, leafHash: [UInt8], proof: [[UInt8]]) {
        self.checkpoint = checkpoint
        self.index = index
        self.leafHash = leafHash
        self.proof = proof
    }
}

/// `PUT /v1/agreements/{id}/submission` answer, status 201 (Protocols/api.md §3.3). The request
/// body is the sealed `.kks` file.
public struct SubmissionAnswer: Codable, Sendable, Equatable {
    /// The agreement submitted to.
    public var agreement: String
    /// The submitting party.
    public var party: String
    /// The submission id from the file's header, lowercase hex.
    public var submissionID: String
    /// The number of rows read from the file.
    public var rows: Int
    /// The receipt for the `submission.accepted` event.
    public var receipt: ReceiptMessage
    /// An answer from its parts.
    public init(agreement: String, party: String, submissionID: String, rows: Int, receipt: ReceiptMessage) {
        self.agreement = agreement
        self.party = party
        self.submissionID = submissionID
        self.rows = rows
        self.receipt = receipt
    }
}

/// The state of an agreement's run (Protocols/api.md §3.4).
public enum RunState: String, Codable, Sendable, CaseIterable {
    /// Not every party has submitted; no run has started.
    case waiting
    /// A run is linking the submissions and sealing the outputs.
    case running
    /// The run's outputs are sealed and can be fetched.
    case finished
    /// The run stopped; `RunStatus.error` says why.
    case failed
}

/// The run part of a status answer (Protocols/api.md §3.5). Absent fields are left out of the JSON.
public struct RunStatus: Codable, Sendable, Equatable {
    /// The run's id, lowercase hex; absent while waiting.
    public var runID: String?
    /// The run's state.
    public var state: RunState
    /// What the run is doing; absent while waiting.
    public var progress: String?
    /// Why the run failed; only when `state` is `failed`.
    public var error: String?
    /// A run status from its parts.
    public init(runID: String? = nil, state: RunState, progress: String? = nil, error: String? = nil) {
        self.runID = runID
        self.state = state
        self.progress = progress
        self.error = error
    }
}

/// `GET /v1/agreements/{id}/status` answer (Protocols/api.md §3.5).
public struct StatusAnswer: Codable, Sendable, Equatable {
    /// The agreement's id.
    public var agreement: String
    /// Every party of the agreement, in the agreement's order.
    public var parties: [String]
    /// The parties that have submitted, sorted.
    public var submitted: [String]
    /// The parties that have not, sorted.
    public var missing: [String]
    /// The run's state.
    public var run: RunStatus
    /// The caller's outputs that are ready to fetch.
    public var results: [String]
    /// A status from its parts.
    public init(agreement: String, parties: [String], submitted: [String], missing: [String], run: RunStatus, results: [String]) {
        self.agreement = agreement
        self.parties = parties
        self.submitted = submitted
        self.missing = missing
        self.run = run
        self.results = results
    }
}

/// `GET /v1/log/consistency` answer (Protocols/api.md §3.8).
public struct ConsistencyAnswer: Codable, Sendable, Equatable {
    /// The consistency proof's hashes, base64.
    public var proof: [String]
    /// An answer carrying `proof`.
    public init(proof: [String]) { self.proof = proof }
}

/// The body of every refusal (Protocols/api.md §4): a stable code and a reason that names the
/// bad input. An unexpected failure answers code `internal` with the reason `internal error`.
public struct ErrorBody: Codable, Sendable, Equatable, Error {
    /// The stable error code, e.g. `auth.failed` or `submission.invalid`.
    public var error: String
    /// What was wrong, in words; never an internal file path or a secret.
    public var reason: String
    /// A body from its parts.
    public init(error: String, reason: String) {
        self.error = error
        self.reason = reason
    }
}

/// The state of the run of one submission of a standing agreement (Protocols/standing.md §1.2).
public enum CheckState: String, Codable, Sendable, CaseIterable {
    /// Accepted and queued behind the agreement's earlier submissions.
    case waiting
    /// Linking the submission with the standing lists and sealing its outputs.
    case running
    /// The run's outputs are sealed and can be fetched.
    case finished
    /// The run stopped; `CheckStatusAnswer.error` says why.
    case failed
    /// A list that is stored and not run: its party receives no per-record output and the
    /// agreement has no aggregate output (standing.md §1.1).
    case stored
}

/// What a submission of a standing agreement is (Protocols/standing.md §1.2).
public enum StandingKind: String, Codable, Sendable, CaseIterable {
    /// A reference or relations list, submitted to `PUT …/lists`; it stands until replaced or expired.
    case list
    /// A subjects check, submitted to `PUT …/checks`; its encodings are deleted after its run.
    case check
}

/// `GET /v1/agreements/{id}/checks/{submissionID}` answer (Protocols/api.md §3.9).
public struct CheckStatusAnswer: Codable, Sendable, Equatable {
    /// The agreement's id.
    public var agreement: String
    /// The submission (list or check) whose run this is, lowercase hex.
    public var submissionID: String
    /// Whether the submission is a list or a check.
    public var kind: StandingKind
    /// The state of its run.
    public var state: CheckState
    /// What the run is doing; absent while waiting or stored.
    public var progress: String?
    /// The run's id, lowercase hex; absent until it started.
    public var runID: String?
    /// Why the run failed; only when `state` is `failed`.
    public var error: String?
    /// The caller's outputs of this run that are ready to fetch.
    public var results: [String]
    /// An answer from its parts.
    public init(agreement: String, submissionID: String, kind: StandingKind, state: CheckState, progress: String? = nil,
                runID: String? = nil, error: String? = nil, results: [String] = []) {
        self.agreement = agreement
        self.submissionID = submissionID
        self.kind = kind
        self.state = state
        self.progress = progress
        self.runID = runID
        self.error = error
        self.results = results
    }
}

/// One run of a standing agreement as the asking party may see it (Protocols/api.md §3.9,
/// standing.md §1.3): its place among the runs that concern the caller, the check id to fetch
/// with, its state and the caller's outputs of it that are ready. `party` names the submitter
/// only when the caller is that party; another party learns that a run happened (its aggregate
/// says so) but not who submitted it or when.
public struct StandingRunEntry: Codable, Sendable, Equatable {
    /// The run's number among the runs that concern the caller, from 1, in acceptance order;
    /// stable: a later run always has a higher number.
    public var sequence: Int
    /// The submission (list or check) whose run this is, lowercase hex; the `{submissionID}` of
    /// `GET …/checks/{submissionID}/results/{output}`.
    public var checkID: String
    /// The state of the run.
    public var state: CheckState
    /// The submitting party: present only when it is the caller.
    public var party: String?
    /// The caller's outputs of this run that are ready to fetch.
    public var results: [String]
    /// An entry from its parts.
    public init(sequence: Int, checkID: String, state: CheckState, party: String? = nil, results: [String] = []) {
        self.sequence = sequence
        self.checkID = checkID
        self.state = state
        self.party = party
        self.results = results
    }
}

/// `GET /v1/agreements/{id}/runs?since=N` answer (Protocols/api.md §3.9): the runs that concern
/// the caller with a sequence above `since`, in acceptance order.
public struct StandingRunsAnswer: Codable, Sendable, Equatable {
    /// The agreement's id.
    public var agreement: String
    /// The runs after `since`, oldest first.
    public var runs: [StandingRunEntry]
    /// An answer from its parts.
    public init(agreement: String, runs: [StandingRunEntry]) {
        self.agreement = agreement
        self.runs = runs
    }
}
