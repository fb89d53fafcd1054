import Agreements
import Foundation
import Parties
import Sodium

/// The privacy officer's offline verification (`Protocols/log.md` §6), callable without the
/// command line: the bundle is decoded under a coordinator key from the registry (never one the
/// bundle names), every agreement's signatures are checked party by party, the checkpoints that
/// nodes kept are checked against the history, and a recipient's sealed results, when given,
/// are checked against the log and the agreements (``ResultAudit``).
public enum OfficerVerification {
    /// A recipient's secret keys and the paths of its sealed results (`.kkr`).
    public struct RecipientResults {
        public let keys: PartyKeys
        public let paths: [String]
        public init(keys: PartyKeys, paths: [String]) { self.keys = keys; self.paths = paths }
    }

    /// The key holders' log bundles of the key-holder mode, for the joint check (``KeyHolderAudit``).
    public struct KeyHolderLogs {
        public let bundles: [[UInt8]]
        public init(bundles: [[UInt8]]) { self.bundles = bundles }
    }

    /// Decodes `bundle` under the first coordinator of `registry` whose key verifies it.
    public static func decode(bundle: [UInt8], registry: Registry) throws -> LogBundle {
        var lastError: LogError?
        for c in registry.entries where c.role == .coordinator {
            do { return try LogBundle(decoding: bundle, key: c.keys.signing) } catch let e as LogError { lastError = e }
        }
        throw lastError ?? LogError(.badSignature, "the registry lists no coordinator")
    }

    /// What the verifier needs of an agreement; each party's signature is checked on its own,
    /// so the report can say who is missing.
    public static func facts(_ agreement: Agreement, signatures: AgreementSignatures, registry: Registry) -> AgreementFacts {
        let signedBy = Set(agreement.partyIDs.filter { p in (try? signatures.verifyComplete(agreement, registry: registry, parties: [p])) != nil })
        var facts = AgreementFacts(id: agreement.id, hash: agreement.hash, parties: agreement.partyIDs, signedBy: signedBy,
                                   outputs: Dictionary(agreement.outputs.map { ($0.name, $0.recipient) }, uniquingKeysWith: { x, _ in x }),
                                   retentionDays: agreement.retentionDays)
        facts.agreement = agreement
        return facts
    }

    /// The signed notes in a node's checkpoint file: a ``CheckpointBook`` or one note.
    public static func checkpointNotes(_ data: Data) -> [String] {
        if let book = try? JSONDecoder().decode(CheckpointBook.self, from: data) { return book.notes }
        return [String(decoding: data, as: UTF8.self)]
    }

    /// Verifies the bundle against the agreements and the nodes' checkpoint files; a tree,
    /// signature or consistency failure throws, a policy finding is an anomaly in the report.
    public static func verify(bundle: [UInt8], registry: Registry, agreements: [(Agreement, AgreementSignatures)],
                              nodeCheckpoints: [Data] = [], recipient: RecipientResults? = nil) throws -> LogReport {
        try verify(decode(bundle: bundle, registry: registry), registry: registry, agreements: agreements,
                   nodeCheckpoints: nodeCheckpoints, recipient: recipient)
    }

    /// ``verify(_:registry:agreements:nodeCheckpoints:recipient:)`` on a decoded bundle.
    public static func verify(_ logBundle: LogBundle, registry: Registry, agreements: [(Agreement, AgreementSignatures)],
                              nodeCheckpoints: [Data] = [], recipient: RecipientResults? = nil) throws -> LogReport {
        try verify(logBundle, registry: registry, agreements: agreements, nodeCheckpoints: nodeCheckpoints, recipient: recipient,
                   keyHolders: KeyHolderLogs(bundles: [])).report
    }

    /// ``verify(bundle:registry:agreements:nodeCheckpoints:recipient:)`` on a decoded bundle, and
    /// with `keyHolders`, each key holder's bundle decoded under that holder's registered key
    /// and checked with the coordinator's (``KeyHolderAudit``, Protocols/keyholder.md §6.1): its
    /// anomalies join the report's, its refusals are listed in its sections.
    public static func verify(_ logBundle: LogBundle, registry: Registry, agreements: [(Agreement, AgreementSignatures)],
                              nodeCheckpoints: [Data] = [], recipient: RecipientResults? = nil,
                              keyHolders: KeyHolderLogs) throws -> (report: LogReport, keyHolders: [KeyHolderAudit.Section]) {
        var report = try LogVerifier.verify(logBundle, agreements: agreements.map { facts($0.0, signatures: $0.1, registry: registry) },
                                            nodeCheckpoints: nodeCheckpoints.flatMap(checkpointNotes))
        if let recipient {
            let byID = Dictionary(agreements.map { ($0.0.id, $0.0) }, uniquingKeysWith: { a, _ in a })
            for path in recipient.paths {
                for problem in ResultAudit.check(path: path, keys: recipient.keys, coordinator: logBundle.logKey, report: report, agreements: byID) {
                    report.anomalies.append(.init(seq: nil, code: problem.code, reason: "\(path): \(problem.reason)"))
                }
            }
            report.resultsChecked = recipient.paths.count
        }
        var sections: [KeyHolderAudit.Section] = []
        if !keyHolders.bundles.isEmpty {
            let decoded = try keyHolders.bundles.map { try KeyHolderAudit.decode(bundle: $0, registry: registry) }
            let audit = try KeyHolderAudit.check(decoded, agreements: agreements.map(\.0))
            report.anomalies += audit.anomalies
            sections = audit.sections
        }
        return (report, sections)
    }
}
