import Foundation

// Case development (Protocols/standing.md §8, Protocols/api.md §3.10): a party's signed counts for
// a reporting period, and the coordinator's joint report compiled from them.

/// What came of a party's tied records (Protocols/node.md §10): the closed set of outcome kinds.
public enum OutcomeKind: String, Codable, Sendable, CaseIterable {
    /// A review (utredning) of the case was opened.
    case reviewOpened = "review-opened"
    /// A payment was stopped.
    case paymentStopped = "payment-stopped"
    /// Money was reclaimed (återkrav); the outcome carries the amount in SEK.
    case reclaimed
    /// A permit was revoked.
    case permitRevoked = "permit-revoked"
    /// A contract (with a provider or supplier) was ended.
    case contractEnded = "contract-ended"
    /// The tie was looked at and no action followed.
    case noAction = "no-action"

    /// Whether the kind carries an amount (and needs one).
    public var hasAmount: Bool { self == .reclaimed }
}

/// Per outcome kind: how many outcomes, and the sum of their amounts in whole SEK.
public struct OutcomeTally: Codable, Sendable, Equatable {
    /// Outcomes recorded with a date in the period.
    public var count: Int
    /// The sum of their amounts, whole SEK (0 for kinds without an amount).
    public var amountSEK: Int
    /// A tally from its parts.
    public init(count: Int, amountSEK: Int) {
        self.count = count
        self.amountSEK = amountSEK
    }
}

/// A party's counts for one reporting period (Protocols/node.md §11): never a row or a record id.
public struct OutcomeReport: Codable, Sendable, Equatable {
    /// The document's format name.
    public static let format = "korskoll-outcome-report-v1"
    /// The Ed25519 domain label: the signature is over `label ‖ 0x00 ‖ report bytes`.
    public static let signatureLabel = "korskoll/v1/outcome-report"
    /// Always ``format``.
    public var format: String
    /// The agreement reported on.
    public var agreement: String
    /// The reporting party.
    public var party: String
    /// The period: `YYYY-H1`, `YYYY-H2` or `YYYY-Q1`…`YYYY-Q4`.
    public var period: String
    /// When the node built the report (Unix seconds).
    public var createdAt: UInt64
    /// Per outcome kind (``OutcomeKind`` raw values): count and amount.
    public var outcomes: [String: OutcomeTally]
    /// Per reference party: this party's distinct records tied to it in checks opened in the period.
    public var ties: [String: Int]
    /// A report from its parts.
    public init(agreement: String, party: String, period: String, createdAt: UInt64, outcomes: [String: OutcomeTally], ties: [String: Int]) {
        self.format = Self.format
        self.agreement = agreement
        self.party = party
        self.period = period
        self.createdAt = createdAt
        self.outcomes = outcomes
        self.ties = ties
    }
}

/// `PUT /v1/agreements/{id}/reports/{period}` body (Protocols/api.md §3.10): the report's JSON
/// bytes exactly as signed, and the party's Ed25519 signature over
/// `"korskoll/v1/outcome-report" ‖ 0x00 ‖ report`.
public struct SignedOutcomeReport: Codable, Sendable, Equatable {
    /// The ``OutcomeReport`` JSON as signed.
    public var report: Data
    /// The signature (64 bytes).
    public var signature: Data
    /// A signed report from its parts.
    public init(report: Data, signature: Data) {
        self.report = report
        self.signature = signature
    }

    /// The bytes the signature covers.
    public var signedBytes: [UInt8] { Array(OutcomeReport.signatureLabel.utf8) + [0] + Array(report) }
}

/// `PUT /v1/agreements/{id}/reports/{period}` answer, status 201 (Protocols/api.md §3.10).
public struct OutcomeReportAnswer: Codable, Sendable, Equatable {
    /// The agreement, party and period of the stored report.
    public var agreement: String, party: String, period: String
    /// Hex SHA-256 of the report bytes (the `report.received` event's hash).
    public var hash: String
    /// The receipt for the `report.received` event.
    public var receipt: ReceiptMessage
    /// An answer from its parts.
    public init(agreement: String, party: String, period: String, hash: String, receipt: ReceiptMessage) {
        self.agreement = agreement
        self.party = party
        self.period = period
        self.hash = hash
        self.receipt = receipt
    }
}

/// `POST /v1/agreements/{id}/reports/{period}/release` request (Protocols/api.md §3.10): the
/// coordinator's operator asks for the joint report, with cells under `k` suppressed.
public struct ReleaseReportRequest: Codable, Sendable, Equatable {
    /// The suppression threshold, at least 2.
    public var k: Int
    /// A request with threshold `k`.
    public init(k: Int) { self.k = k }
}

/// The joint case-development report of one period (Protocols/standing.md §8): per agency and
/// outcome, counts and amounts; ties per agency pair; every cell under `k` suppressed.
public struct CaseReport: Codable, Sendable, Equatable {
    /// The document's format name.
    public static let format = "korskoll-case-report-v1"
    /// The Ed25519 domain label of the coordinator's signature: over `label ‖ 0x00 ‖ report bytes`.
    public static let signatureLabel = "korskoll/v1/case-report"

    /// One cell: a count and an amount, or suppressed (both absent).
    public struct Cell: Codable, Sendable, Equatable {
        /// The reporting party.
        public var party: String
        /// An outcome kind, or for a tie cell the reference party.
        public var key: String
        /// The count, absent when suppressed.
        public var count: Int?
        /// The amount in whole SEK (outcome cells of kinds with an amount), absent when suppressed.
        public var amountSEK: Int?
        /// True when the count is under k.
        public var suppressed: Bool
        /// A cell from its parts.
        public init(party: String, key: String, count: Int?, amountSEK: Int?, suppressed: Bool) {
            self.party = party
            self.key = key
            self.count = count
            self.amountSEK = amountSEK
            self.suppressed = suppressed
        }
    }

    /// Always ``format``.
    public var format: String
    /// The agreement, its hash (hex) and the period.
    public var agreement: String, agreementHash: String, period: String
    /// The suppression threshold.
    public var k: Int
    /// When the coordinator compiled it (Unix seconds).
    public var compiledAt: UInt64
    /// The parties whose signed counts are included, sorted; and those of the agreement that sent none.
    public var parties: [String], missing: [String]
    /// Hex SHA-256 of each included party's signed report bytes.
    public var reportHashes: [String: String]
    /// Per party and outcome kind.
    public var outcomes: [Cell]
    /// Per party (the checking agency) and reference party: tied records.
    public var ties: [Cell]
    /// A report from its parts.
    public init(agreement: String, agreementHash: String, period: String, k: Int, compiledAt: UInt64, parties: [String], missing: [String],
                reportHashes: [String: String], outcomes: [Cell], ties: [Cell]) {
        self.format = Self.format
        self.agreement = agreement
        self.agreementHash = agreementHash
        self.period = period
        self.k = k
        self.compiledAt = compiledAt
        self.parties = parties
        self.missing = missing
        self.reportHashes = reportHashes
        self.outcomes = outcomes
        self.ties = ties
    }
}

/// The released joint report (Protocols/api.md §3.10): its JSON bytes as signed, the coordinator's
/// signature over `"korskoll/v1/case-report" ‖ 0x00 ‖ report`, and the receipt of `report.released`.
public struct SignedCaseReport: Codable, Sendable, Equatable {
    /// The ``CaseReport`` JSON as signed.
    public var report: Data
    /// The coordinator's signature (64 bytes).
    public var signature: Data
    /// The receipt for the `report.released` event.
    public var receipt: ReceiptMessage
    /// A signed report from its parts.
    public init(report: Data, signature: Data, receipt: ReceiptMessage) {
        self.report = report
        self.signature = signature
        self.receipt = receipt
    }

    /// The bytes the signature covers.
    public var signedBytes: [UInt8] { Array(CaseReport.signatureLabel.utf8) + [0] + Array(report) }
}

extension APIPath {
    /// §3.10: a party's signed counts for a period.
    public static func report(agreement: String, period: String) -> String { "/v1/agreements/\(agreement)/reports/\(period)" }
    /// §3.10: the release of the joint report of a period.
    public static func releaseReport(agreement: String, period: String) -> String { "/v1/agreements/\(agreement)/reports/\(period)/release" }
}

extension APIPath.Pattern {
    /// §3.10.
    public static let report = "/v1/agreements/:id/reports/:period"
    /// §3.10.
    public static let releaseReport = "/v1/agreements/:id/reports/:period/release"
}

/// A reporting period (Protocols/node.md §11): `YYYY-H1`, `YYYY-H2` or `YYYY-Q1`…`YYYY-Q4`, in UTC.
public struct ReportingPeriod: Sendable, Equatable, CustomStringConvertible {
    /// The period as written.
    public let text: String
    /// The first day (`YYYY-MM-DD`) and the day after the last.
    public let firstDay: String, endDay: String
    /// The same bounds in Unix seconds (UTC midnight): `start..<end`.
    public let seconds: Range<UInt64>

    /// Parses `text`; nil when it is not one of the forms above (years 2000–2099).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), (2000...2099).contains(year) else { return nil }
        let months: (Int, Int)
        switch parts[1] {
        case "H1": months = (1, 7)
        case "H2": months = (7, 13)
        case "Q1": months = (1, 4)
        case "Q2": months = (4, 7)
        case "Q3": months = (7, 10)
        case "Q4": months = (10, 13)
        default: return nil
        }
        func day(_ y: Int, _ m: Int) -> String { m == 13 ? String(format: "%04d-01-01", y + 1) : String(format: "%04d-%02d-01", y, m) }
        self.text = text
        firstDay = day(year, months.0)
        endDay = day(year, months.1)
        seconds = Self.unix(firstDay)!..<Self.unix(endDay)!
    }

    /// Whether `day` (`YYYY-MM-DD`) falls in the period.
    public func contains(day: String) -> Bool { day >= firstDay && day < endDay }

    public var description: String { text }

    /// UTC midnight of `YYYY-MM-DD` in Unix seconds, or nil when it is no date.
    public static func unix(_ day: String) -> UInt64? {
        let p = day.split(separator: "-", omittingEmptySubsequences: false)
        guard day.count == 10, p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]),
              (1970...9999).contains(y), (1...12).contains(m) else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...lengths[m - 1]).contains(d) else { return nil }
        // Days from 1970-01-01 (civil-from-days inverse, proleptic Gregorian).
        let yy = m <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return UInt64(era * 146_097 + doe - 719_468) * 86_400
    }
}
