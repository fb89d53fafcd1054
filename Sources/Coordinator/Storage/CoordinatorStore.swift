import API
import Foundation

/// A stored submission (Protocols/api.md §1): what points at the sealed file, not its content.
struct SubmissionRecord: Sendable, Equatable {
    var agreement: String
    var party: String
    /// The submission id from the file's header, lowercase hex.
    var submissionID: String
    /// Where the sealed file lies.
    var file: String
    var rows: Int
    /// The CLK schema digest from the header, lowercase hex; nil when the submission carries no
    /// CLKs (and for rows stored before the column existed).
    var schemaDigest: String?
    var accepted: UInt64
    /// When retention deleted the file.
    var deleted: UInt64? = nil
}

/// An agreement's run as stored (Protocols/api.md §3.4).
struct RunRecord: Sendable, Equatable {
    var agreement: String
    var runID: String
    var state: RunState
    var progress: String
    var started: UInt64
    var finished: UInt64? = nil
    var error: String? = nil
    /// The run's counts as sorted-key JSON.
    var counts: String? = nil
}

/// A sealed output of a run (Protocols/api.md §3.6).
struct ResultRecord: Sendable, Equatable {
    var agreement: String
    var output: String
    var recipient: String
    var runID: String
    var file: String
    /// SHA-256 of the sealed file, hex.
    var hash: String
}

/// The coordinator's store: agreements, ceremony blobs, submissions, runs, results and nonces
/// (Protocols/api.md §1). `SQLiteStore` keeps them in SQLite; `MemoryStore` in memory for tests.
/// Both answer the same contract tests. Files are not the store's concern (`FileLayout`).
protocol CoordinatorStore: Sendable {
    /// Records a nonce and forgets those older than an hour; false when the party used it before.
    func useNonce(party: String, nonce: String, now: UInt64) throws -> Bool

    /// The agreement document as registered, or nil.
    func agreementDocument(_ id: String) throws -> Data?
    /// Every registered agreement's id.
    func agreementIDs() throws -> [String]
    /// Stores a registered agreement.
    func insertAgreement(id: String, hash: String, document: Data, signatures: Data, registered: UInt64) throws

    /// Stores (or replaces) the ceremony blob for `party`.
    func putCeremony(agreement: String, party: String, blob: Data) throws
    /// The ceremony blob for `party`, or nil.
    func ceremony(agreement: String, party: String) throws -> Data?

    /// True when `party` submitted to `agreement` already, or `submissionID` was seen anywhere.
    func submissionExists(agreement: String, party: String, submissionID: String) throws -> Bool
    /// The agreement's submissions, in the order they were stored.
    func submissions(agreement: String) throws -> [SubmissionRecord]
    /// Stores an accepted submission; throws when it breaks uniqueness.
    func insertSubmission(_ s: SubmissionRecord) throws
    /// Submissions whose files are still kept, of agreements whose run finished, with that time.
    func retainedSubmissionsOfFinishedRuns() throws -> [(SubmissionRecord, finished: UInt64)]
    /// Marks every submission of `agreement` deleted at `time`.
    func markSubmissionsDeleted(agreement: String, at time: UInt64) throws

    /// The agreement's run, or nil when none started.
    func run(agreement: String) throws -> RunRecord?
    /// Stores a run (a new one replaces the old).
    func saveRun(_ run: RunRecord) throws
    /// Updates a running run's progress text.
    func setProgress(agreement: String, _ text: String) throws
    /// In one transaction: stores the results and marks the run finished with its counts.
    func finishRun(agreement: String, results: [ResultRecord], finished: UInt64, counts: String) throws
    /// Marks the run failed with its reason.
    func failRun(agreement: String, reason: String, at time: UInt64) throws

    /// The result of `output`, or nil when not ready.
    func result(agreement: String, output: String) throws -> ResultRecord?
    /// The outputs of `agreement` ready for `recipient`.
    func resultOutputs(agreement: String, recipient: String) throws -> [String]

    // Standing agreements (Protocols/standing.md §1.1, §3).

    /// True when a list or check with `submissionID` was stored under any agreement.
    func standingSubmissionExists(submissionID: String) throws -> Bool
    /// In one transaction: ends `party`'s standing list (when `list` is given) as `replaced` at
    /// `check.accepted`, stores `list` as the party's standing list, and stores `check` (the
    /// submission's run record).
    func acceptStanding(check: CheckRecord, list: ListRecord?) throws
    /// Every list of `agreement`, standing or ended, in acceptance order.
    func lists(agreement: String) throws -> [ListRecord]
    /// Ends a standing list (`expired` or `replaced`) at `time`.
    func endList(agreement: String, submissionID: String, by: String, at time: UInt64) throws
    /// Marks an ended list's file deleted.
    func markListDeleted(agreement: String, submissionID: String, at time: UInt64) throws
    /// Every list and check of `agreement` with its run, in acceptance order.
    func checks(agreement: String) throws -> [CheckRecord]
    /// One list's or check's run record, or nil.
    func check(agreement: String, submissionID: String) throws -> CheckRecord?
    /// Replaces a stored run record (same agreement and submission id).
    func saveCheck(_ check: CheckRecord) throws
    /// Updates a running check's progress text.
    func setCheckProgress(agreement: String, submissionID: String, _ text: String) throws
    /// In one transaction: stores the run's results and marks the check finished with its counts.
    func finishCheck(agreement: String, submissionID: String, results: [ResultRecord], finished: UInt64, counts: String) throws
    /// The result of `output` of the run of `submissionID`, or nil when not ready.
    func checkResult(agreement: String, submissionID: String, output: String) throws -> ResultRecord?
    /// The outputs of the run of `submissionID` ready for `recipient`.
    func checkResultOutputs(agreement: String, submissionID: String, recipient: String) throws -> [String]
}

/// A store that keeps no standing agreements (one written before them) refuses their calls; the
/// coordinator's stores (`SQLiteStore`, `MemoryStore`) implement every one.
extension CoordinatorStore {
    private func noStanding() -> StoreError { StoreError("this store keeps no standing agreements") }
    func standingSubmissionExists(submissionID: String) throws -> Bool { throw noStanding() }
    func acceptStanding(check: CheckRecord, list: ListRecord?) throws { throw noStanding() }
    func lists(agreement: String) throws -> [ListRecord] { throw noStanding() }
    func endList(agreement: String, submissionID: String, by: String, at time: UInt64) throws { throw noStanding() }
    func markListDeleted(agreement: String, submissionID: String, at time: UInt64) throws { throw noStanding() }
    func checks(agreement: String) throws -> [CheckRecord] { throw noStanding() }
    func check(agreement: String, submissionID: String) throws -> CheckRecord? { throw noStanding() }
    func saveCheck(_ check: CheckRecord) throws { throw noStanding() }
    func setCheckProgress(agreement: String, submissionID: String, _ text: String) throws { throw noStanding() }
    func finishCheck(agreement: String, submissionID: String, results: [ResultRecord], finished: UInt64, counts: String) throws { throw noStanding() }
    func checkResult(agreement: String, submissionID: String, output: String) throws -> ResultRecord? { throw noStanding() }
    func checkResultOutputs(agreement: String, submissionID: String, recipient: String) throws -> [String] { throw noStanding() }
}
