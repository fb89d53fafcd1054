import API
import Foundation

/// A list of a standing agreement (Protocols/standing.md §3): a reference or relations list that
/// stands from its acceptance until it is replaced or expires. Rows stay after the list ended,
/// as the history the operator's status shows; `file` is deleted when the list ends.
struct ListRecord: Sendable, Equatable {
    var agreement: String
    var party: String
    /// The list's submission id, lowercase hex.
    var submissionID: String
    var file: String
    var rows: Int
    /// The BLAKE2b-256 of the file (the `list.replaced` event's hash), hex.
    var hash: String
    /// The submission header's creation time, Unix seconds (a replacement must be later).
    var createdAt: UInt64
    var accepted: UInt64
    /// When retention ends the list unless it is replaced before.
    var expires: UInt64
    /// When the list stopped standing (replaced or expired); nil while it stands.
    var ended: UInt64? = nil
    /// `replaced` or `expired`, with `ended`.
    var endedBy: String? = nil
    /// When its file was deleted.
    var deleted: UInt64? = nil

    /// Whether the list stands.
    var standing: Bool { ended == nil }
}

/// The run of one submission of a standing agreement (Protocols/standing.md §1.1): every list and
/// every check has one, in acceptance order; `stored` for a list that is not run.
struct CheckRecord: Sendable, Equatable {
    var agreement: String
    /// The submission id, lowercase hex: the check id.
    var submissionID: String
    var party: String
    var kind: StandingKind
    var file: String
    var rows: Int
    var accepted: UInt64
    var state: CheckState
    /// The CLK schema digest from the header, hex; nil without CLKs.
    var schemaDigest: String? = nil
    var progress: String = ""
    var runID: String? = nil
    /// The lists the run ran against: party → list submission id, sorted-key JSON.
    var lists: String? = nil
    /// The run's counts as sorted-key JSON.
    var counts: String? = nil
    var error: String? = nil
    var started: UInt64? = nil
    var finished: UInt64? = nil
    /// When the check's encodings were deleted (checks only; lists end as `ListRecord`s).
    var deleted: UInt64? = nil
}
