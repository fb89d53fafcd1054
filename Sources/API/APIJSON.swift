import Foundation

/// The one JSON encoding of the API's bodies (Protocols/api.md §3): keys sorted, `Data` as base64.
public enum APIJSON {
    /// An encoder with sorted keys, as the coordinator answers.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }

    /// Encodes a message with `encoder()`.
    public static func encode<T: Encodable>(_ value: T) throws -> Data { try encoder().encode(value) }

    /// Decodes a message.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}

/// The API's routes (Protocols/api.md §3): path builders for clients, patterns for the router.
/// Path segments are used as given; agreement ids, party ids and output names are plain tokens.
public enum APIPath {
    /// `POST`: register an agreement (§3.1).
    public static let agreements = "/v1/agreements"
    /// `PUT`: the lead relays `party`'s ceremony blob (§3.2).
    public static func ceremony(agreement: String, party: String) -> String { "/v1/agreements/\(agreement)/ceremony/\(party)" }
    /// `GET`: the caller's own ceremony blob (§3.2).
    public static func ceremony(agreement: String) -> String { "/v1/agreements/\(agreement)/ceremony" }
    /// `PUT`: the caller's sealed submission (§3.3).
    public static func submission(agreement: String) -> String { "/v1/agreements/\(agreement)/submission" }
    /// `GET`: the agreement's status (§3.5).
    public static func status(agreement: String) -> String { "/v1/agreements/\(agreement)/status" }
    /// `GET`: a sealed result (§3.6).
    public static func result(agreement: String, output: String) -> String { "/v1/agreements/\(agreement)/results/\(output)" }
    /// `PUT`: a standing agreement's reference or relations list (§3.9, standing.md §1.2).
    public static func lists(agreement: String) -> String { "/v1/agreements/\(agreement)/lists" }
    /// `PUT`: a standing agreement's subjects check (§3.9).
    public static func checks(agreement: String) -> String { "/v1/agreements/\(agreement)/checks" }
    /// `GET`: the state of the run of one submission of a standing agreement (§3.9).
    public static func check(agreement: String, submissionID: String) -> String { "/v1/agreements/\(agreement)/checks/\(submissionID)" }
    /// `GET`: a sealed result of the run of one submission of a standing agreement (§3.9).
    public static func checkResult(agreement: String, submissionID: String, output: String) -> String {
        "/v1/agreements/\(agreement)/checks/\(submissionID)/results/\(output)"
    }
    /// `GET`: the runs of a standing agreement that concern the caller, after sequence `since` (§3.9).
    public static func runs(agreement: String, since: Int = 0) -> String { "/v1/agreements/\(agreement)/runs?since=\(since)" }
    /// `GET`: the latest signed checkpoint (§3.8).
    public static let checkpoint = "/v1/log/checkpoint"
    /// `GET`: a consistency proof between two tree sizes (§3.8).
    public static func consistency(first: UInt64, second: UInt64) -> String { "/v1/log/consistency?first=\(first)&second=\(second)" }

    /// The router's patterns, in the order above; `:name` marks a path parameter.
    public enum Pattern {
        /// See `APIPath.agreements`.
        public static let agreements = "/v1/agreements"
        /// See `APIPath.ceremony(agreement:party:)`.
        public static let ceremonyRelay = "/v1/agreements/:id/ceremony/:party"
        /// See `APIPath.ceremony(agreement:)`.
        public static let ceremony = "/v1/agreements/:id/ceremony"
        /// See `APIPath.submission(agreement:)`.
        public static let submission = "/v1/agreements/:id/submission"
        /// See `APIPath.status(agreement:)`.
        public static let status = "/v1/agreements/:id/status"
        /// See `APIPath.result(agreement:output:)`.
        public static let result = "/v1/agreements/:id/results/:output"
        /// See `APIPath.lists(agreement:)`.
        public static let lists = "/v1/agreements/:id/lists"
        /// See `APIPath.checks(agreement:)`.
        public static let checks = "/v1/agreements/:id/checks"
        /// See `APIPath.check(agreement:submissionID:)`.
        public static let check = "/v1/agreements/:id/checks/:sid"
        /// See `APIPath.checkResult(agreement:submissionID:output:)`.
        public static let checkResult = "/v1/agreements/:id/checks/:sid/results/:output"
        /// See `APIPath.runs(agreement:since:)` (without the query).
        public static let runs = "/v1/agreements/:id/runs"
        /// See `APIPath.checkpoint`.
        public static let checkpoint = "/v1/log/checkpoint"
        /// See `APIPath.consistency(first:second:)` (without the query).
        public static let consistency = "/v1/log/consistency"
    }
}

/// Header names of the API beyond the request signature's (Protocols/api.md §3.6).
public enum APIHeader {
    /// Carries the receipt of a result fetch: base64 of the receipt's JSON (`ReceiptMessage`).
    public static let receipt = "Korskoll-Receipt"
}
