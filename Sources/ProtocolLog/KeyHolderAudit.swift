import Agreements
import Foundation
import Parties
import Sodium

/// The joint check of the key holders' logs with the agreements (Protocols/keyholder.md §6.1):
/// each key holder's bundle verifies under that holder's registered key (tree, checkpoints and
/// signature, as the coordinator's); every evaluation belongs to a party of an agreement in the
/// key-holder mode that names this holder; per (agreement, party, round) each holder evaluated
/// at most the agreement's cap; all holders loaded the same dealt key; every refusal is listed.
public enum KeyHolderAudit {
    /// One key holder's log as verified.
    public struct Section: Codable, Sendable, Equatable {
        /// The key holder's party id (the registry entry whose key verified the bundle).
        public var holder: String
        public var entries: Int
        public var checkpoints: Int
        /// The dealt key each agreement's share came from: its digest (hex) and its dealer, as logged
        /// by `oprf.share-loaded` (the latest load).
        public var dealtKeys: [String: DealtKey] = [:]
        /// Identifiers evaluated, by agreement and party.
        public var evaluated: [String: [String: Int]]
        /// Refused batches and requests, in log order (the refusal's `seq` is in this holder's log).
        public var refusals: [LogReport.Refusal]

        public init(holder: String, entries: Int, checkpoints: Int, dealtKeys: [String: DealtKey] = [:],
                    evaluated: [String: [String: Int]], refusals: [LogReport.Refusal]) {
            self.holder = holder; self.entries = entries; self.checkpoints = checkpoints
            self.dealtKeys = dealtKeys; self.evaluated = evaluated; self.refusals = refusals
        }
    }

    /// A dealt key as a key holder logged it.
    public struct DealtKey: Codable, Sendable, Equatable {
        public var hash: String
        public var dealer: String

        public init(hash: String, dealer: String) { self.hash = hash; self.dealer = dealer }
    }

    /// What the audit found: one section per key holder, and anomalies (codes in
    /// `Sources/OfficerReport/AnomalyText.swift`).
    public struct Outcome: Sendable {
        public var sections: [Section] = []
        public var anomalies: [LogReport.Anomaly] = []
    }

    /// Decodes `bundle` under the first registered key holder whose key verifies it.
    public static func decode(bundle: [UInt8], registry: Registry) throws -> (holder: String, bundle: LogBundle) {
        var lastError: LogError?
        for h in registry.entries where h.role == .keyHolder {
            do { return (h.id, try LogBundle(decoding: bundle, key: h.keys.signing)) } catch let e as LogError { lastError = e }
        }
        throw lastError ?? LogError(.badSignature, "the registry lists no key holder")
    }

    /// Checks the key holders' bundles against `agreements` (Protocols/keyholder.md §6.1). A
    /// bundle that does not verify throws (the log is broken); a policy finding is an anomaly.
    public static func check(_ bundles: [(holder: String, bundle: LogBundle)], agreements: [Agreement]) throws -> Outcome {
        var outcome = Outcome()
        let byID = Dictionary(agreements.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var dealtDigest: [String: (holder: String, hash: String)] = [:]
        for (holder, bundle) in bundles {
            // Tree, checkpoints and signature as the coordinator's log; the policy is checked here.
            _ = try LogVerifier.verify(bundle, agreements: [])
            var section = Section(holder: holder, entries: bundle.entries.count, checkpoints: bundle.checkpoints.count, evaluated: [:], refusals: [])
            func problem(_ code: String, _ seq: UInt64?, _ reason: String) {
                outcome.anomalies.append(.init(seq: seq, code: code, reason: "key holder \(holder): \(reason)"))
            }
            var used: [String: Int] = [:]  // agreement \0 party \0 round → identifiers
            for leaf in bundle.entries {
                let e = try LogEvent(leaf: leaf)
                switch e.type {
                case .oprfShareLoaded:
                    if let id = e.agreement { section.dealtKeys[id] = DealtKey(hash: e.hash ?? "", dealer: e.party ?? "?") }
                    guard let id = e.agreement, let a = byID[id] else {
                        problem("keyholder-unknown-agreement", e.seq, "loaded a key for agreement '\(e.agreement ?? "?")', which is not among the agreements reviewed")
                        continue
                    }
                    guard let mode = a.blinding.oprf, mode.keyHolders.contains(holder) else {
                        problem("keyholder-not-named", e.seq, "holds a key share of agreement \(id), which does not name it as a key holder")
                        continue
                    }
                    if e.parties != mode.keyHolders || e.parameters?["threshold"] != String(mode.threshold) {
                        problem("keyholder-dealt-mismatch", e.seq, "the dealt key of agreement \(id) names key holders \(e.parties ?? []) with threshold \(e.parameters?["threshold"] ?? "?"); the agreement names \(mode.keyHolders) with \(mode.threshold)")
                    }
                    if let hash = e.hash {
                        if let first = dealtDigest[id], first.hash != hash {
                            problem("keyholder-dealt-mismatch", e.seq, "loaded dealt key \(hash.prefix(16))… of agreement \(id); key holder \(first.holder) loaded \(first.hash.prefix(16))…")
                        } else if dealtDigest[id] == nil {
                            dealtDigest[id] = (holder, hash)
                        }
                    }
                case .oprfEvaluated:
                    let n = e.counts?["elements"] ?? 0
                    guard let id = e.agreement, let a = byID[id], let mode = a.blinding.oprf else {
                        problem("keyholder-unknown-agreement", e.seq, "evaluated \(n) identifiers under agreement '\(e.agreement ?? "?")', which is not among the agreements reviewed in the key-holder mode")
                        continue
                    }
                    let party = e.party ?? "?"
                    guard a.partyIDs.contains(party), let cap = mode.caps[party] else {
                        problem("keyholder-foreign-evaluation", e.seq, "evaluated \(n) identifiers for '\(party)', who is not a party of agreement \(id) with a cap")
                        continue
                    }
                    section.evaluated[id, default: [:]][party, default: 0] += n
                    let round = e.parameters?["round"] ?? "?"
                    let key = id + "\u{0}" + party + "\u{0}" + round
                    used[key, default: 0] += n
                    if used[key]! > cap {
                        problem("keyholder-over-cap", e.seq, "evaluated \(used[key]!) identifiers for \(party) in round \(round) of agreement \(id); the agreement's cap is \(cap)")
                    }
                case .oprfRefused, .authenticationFailed, .refusalsAggregated:
                    section.refusals.append(LogReport.Refusal(seq: e.seq, time: e.time, type: e.type.rawValue, agreement: e.agreement, party: e.party,
                                                              code: e.code, reason: e.reason,
                                                              count: e.type == .refusalsAggregated ? (e.counts ?? [:]).values.reduce(0) { $0 &+ max(0, $1) } : 1,
                                                              byCode: e.type == .refusalsAggregated ? e.counts : nil))
                default:
                    continue
                }
            }
            outcome.sections.append(section)
        }
        // Every agreement in the key-holder mode is served by key holders whose logs were given.
        let given = Set(bundles.map(\.holder))
        for a in agreements {
            guard let mode = a.blinding.oprf, !bundles.isEmpty else { continue }
            let missing = mode.keyHolders.filter { !given.contains($0) }
            if !missing.isEmpty {
                outcome.anomalies.append(LogReport.Anomaly(seq: nil, code: "keyholder-log-missing",
                                               reason: "agreement \(a.id) names key holders \(missing.joined(separator: ", ")), whose logs were not given"))
            }
        }
        return outcome
    }
}
