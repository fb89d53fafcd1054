import Foundation

/// One protocol event: one leaf of the log (Protocols/log.md §1). The leaf is the event's JSON
/// text exactly as stored; it is hashed as bytes, so no canonical re-encoding is ever needed.
public struct LogEvent: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case agreementRegistered = "agreement.registered"
        case ceremonyRelayed = "ceremony.relayed"
        case submissionAccepted = "submission.accepted"
        case submissionRejected = "submission.rejected"
        case runStarted = "run.started"
        case runFinished = "run.finished"
        case resultSealed = "result.sealed"
        case resultFetched = "result.fetched"
        case encodingsDeleted = "encodings.deleted"
        case authenticationFailed = "auth.failed"
        /// A request refused for another reason than its authentication: an unknown agreement
        /// or output, a malformed or oversized request, a conflict (§1, §6.4).
        case requestRefused = "request.refused"
        /// Unauthenticated refusals beyond the per-window limit, counted by code (§1.1).
        case refusalsAggregated = "refusals.aggregated"
        /// The log cut a torn tail off at open (§2.1); `counts` says how much.
        case logRecovered = "log.recovered"
        /// A key holder loaded its share of an agreement's OPRF key (§8): `party` = the dealer.
        case oprfShareLoaded = "oprf.share-loaded"
        /// A key holder evaluated a batch (§8): `party`, `counts` `elements`, `used`, `cap`.
        case oprfEvaluated = "oprf.evaluated"
        /// A key holder refused an authenticated batch (§8): `code`, `reason`.
        case oprfRefused = "oprf.refused"
        /// A party's signed counts for a period were stored (§1, standing.md §8): `party`,
        /// `parameters` `period`, `hash` of the report bytes.
        case reportReceived = "report.received"
        /// The joint case-development report of a period was signed and released (§1): `hash`,
        /// `parameters` `period` and `k`, `parties` included.
        case reportReleased = "report.released"
        /// Node journal only (§4.1): an outcome the node refused to record; `code`, `reason`.
        case outcomeRefused = "outcome.refused"
        /// Node journal only (§4.1): outcomes recorded; `counts` `recorded`.
        case outcomeRecorded = "outcome.recorded"
        /// Node journal only (§4.1): a period report sent; `parameters` `period`, `hash`.
        case reportSent = "report.sent"
        /// Node journal only (§4.1): a period report the node or the coordinator refused; `code`, `reason`.
        case reportRefused = "report.refused"
        /// A standing agreement's list was accepted and stands (standing.md §3): `party`, `hash`,
        /// `submissionID`, `counts.rows`, `parameters.replaces` (the old list's hash or `none`),
        /// `parameters.expires` (Unix seconds).
        case listReplaced = "list.replaced"
        /// A standing list reached its retention and was deleted (standing.md §3): `party`, `hash`,
        /// `submissionID`.
        case listExpired = "list.expired"
    }

    /// Position in the log, 0-based; must equal the leaf index.
    public var seq: UInt64
    /// Unix seconds (coordinator clock).
    public var time: UInt64
    public var type: Kind
    public var agreement: String?
    /// Who acted: the submitter, the fetcher, the sender of a ceremony blob, the claimed caller.
    public var party: String?
    /// Who receives: a ceremony blob's node, a result's recipient.
    public var recipient: String?
    /// Hex SHA-256 of what the event is about: agreement document, submission body, ceremony
    /// blob, sealed result.
    public var hash: String?
    public var submissionID: String?
    public var runID: String?
    /// The result's output name in the agreement.
    public var output: String?
    /// Signers of an agreement, submitters of a run, parties whose encodings were deleted.
    public var parties: [String]?
    public var counts: [String: Int]?
    public var parameters: [String: String]?
    public var code: String?
    public var reason: String?

    public init(seq: UInt64 = 0, time: UInt64, type: Kind, agreement: String? = nil, party: String? = nil,
                recipient: String? = nil, hash: String? = nil, submissionID: String? = nil, runID: String? = nil,
                output: String? = nil, parties: [String]? = nil, counts: [String: Int]? = nil,
                parameters: [String: String]? = nil, code: String? = nil, reason: String? = nil) {
        self.seq = seq
        self.time = time
        self.type = type
        self.agreement = agreement
        self.party = party
        self.recipient = recipient
        self.hash = hash
        self.submissionID = submissionID
        self.runID = runID
        self.output = output
        self.parties = parties
        self.counts = counts
        self.parameters = parameters
        self.code = code
        self.reason = reason
    }

    /// The leaf bytes: JSON with sorted keys and no insignificant whitespace (Protocols/log.md §1).
    public func encoded() -> [UInt8] { EventJSON.encode(self) }

    public init(leaf: [UInt8]) throws {
        do { self = try EventJSON.decode(leaf) } catch let f as EventJSON.Parser.Failure {
            throw LogError(.malformed, "entry is not a protocol event (\(f.why))")
        }
    }
}
