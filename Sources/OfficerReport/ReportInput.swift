import Agreements
import Parties
import ProtocolLog

/// Everything the privacy officer's page shows: the verifier's outcome, the agreement documents
/// given to it with who signed them, and what the report alone does not carry (key-ceremony
/// relays, and which agreement an anomaly's entry belongs to) read from the log's entries.
public struct OfficerReportInput: Sendable {
    /// The verifier's outcome (Protocols/log.md §6.3): a report (verified or anomalies), or a
    /// broken log with the structural failure's code and reason.
    public enum Outcome: Sendable {
        case report(LogReport)
        case broken(code: String, reason: String)
    }

    /// An agreement document as given to the verifier, with the parties whose signatures verified.
    public struct GivenAgreement: Sendable {
        public var agreement: Agreement
        public var signedBy: Set<String>
        public init(agreement: Agreement, signedBy: Set<String>) { self.agreement = agreement; self.signedBy = signedBy }
    }

    /// A key-ceremony blob relayed from one party to another (`ceremony.relayed`).
    public struct Ceremony: Sendable, Equatable {
        public var seq: UInt64
        public var time: UInt64
        public var agreement: String
        public var from: String?
        public var to: String?
        public init(seq: UInt64, time: UInt64, agreement: String, from: String?, to: String?) {
            self.seq = seq; self.time = time; self.agreement = agreement; self.from = from; self.to = to
        }
    }

    public var outcome: Outcome
    public var agreements: [GivenAgreement]
    public var ceremonies: [Ceremony]
    /// Log entry → the agreement it names, for the entries the report's anomalies point at.
    public var entryAgreements: [UInt64: String]
    /// The bundle's file name as the officer gave it (shown, never opened).
    public var bundleName: String
    /// When the page was made (Unix seconds); nil leaves the time off, so a page is reproducible.
    public var generatedAt: UInt64?
    /// The key holders' logs as checked with this one (Protocols/keyholder.md §6.1), one section
    /// per holder; empty when none were given.
    public var keyHolders: [KeyHolderAudit.Section] = []

    public init(outcome: Outcome, agreements: [GivenAgreement], ceremonies: [Ceremony] = [], entryAgreements: [UInt64: String] = [:],
                bundleName: String, generatedAt: UInt64? = nil) {
        self.outcome = outcome
        self.agreements = agreements
        self.ceremonies = ceremonies
        self.entryAgreements = entryAgreements
        self.bundleName = bundleName
        self.generatedAt = generatedAt
    }

    /// The input for a verification that returned `report` from `bundle`: the agreements'
    /// signatures are checked party by party (``OfficerVerification/facts(_:signatures:registry:)``),
    /// ceremonies and the anomalies' agreements read from the bundle's entries.
    public init(report: LogReport, bundle: LogBundle, agreements: [(Agreement, AgreementSignatures)], registry: Registry,
                bundleName: String, generatedAt: UInt64? = nil) {
        let given = Self.given(agreements, registry: registry)
        let wanted = Set(report.anomalies.compactMap(\.seq))
        let marker = Array("ceremony.relayed".utf8)
        var ceremonies: [Ceremony] = []
        var entryAgreements: [UInt64: String] = [:]
        for (i, leaf) in bundle.entries.enumerated() {
            let isCeremony = contains(leaf, marker)
            guard isCeremony || wanted.contains(UInt64(i)), let e = try? LogEvent(leaf: leaf) else { continue }
            if let id = e.agreement { entryAgreements[e.seq] = id }
            if e.type == .ceremonyRelayed, let id = e.agreement {
                ceremonies.append(.init(seq: e.seq, time: e.time, agreement: id, from: e.party, to: e.recipient))
            }
        }
        self.init(outcome: .report(report), agreements: given, ceremonies: ceremonies, entryAgreements: entryAgreements,
                  bundleName: bundleName, generatedAt: generatedAt)
    }

    /// The input for a log that is broken or cannot be read: the verdict and reason, and the
    /// agreements, checked on their own.
    public init(broken code: String, reason: String, agreements: [(Agreement, AgreementSignatures)], registry: Registry,
                bundleName: String, generatedAt: UInt64? = nil) {
        self.init(outcome: .broken(code: code, reason: reason), agreements: Self.given(agreements, registry: registry), bundleName: bundleName, generatedAt: generatedAt)
    }

    static func given(_ agreements: [(Agreement, AgreementSignatures)], registry: Registry) -> [GivenAgreement] {
        agreements.map { GivenAgreement(agreement: $0.0, signedBy: OfficerVerification.facts($0.0, signatures: $0.1, registry: registry).signedBy) }
    }

    /// The verdict this input shows (Protocols/log.md §6.3).
    public var verdict: LogVerdict {
        switch outcome {
        case .report(let r): r.verdict
        case .broken: .broken
        }
    }
}

/// Whether `needle` occurs in `haystack` (leaves are a few hundred bytes).
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    let first = needle[0]
    var i = 0
    let last = haystack.count - needle.count
    while i <= last {
        if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
        i += 1
    }
    return false
}
