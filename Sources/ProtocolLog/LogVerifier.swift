import Agreements
import Dispatch
import Foundation
import Sodium

/// What the privacy officer's verifier needs to know about an agreement; the caller has already
/// checked its signatures (`signedBy` lists the parties whose signatures verified).
public struct AgreementFacts: Sendable {
    public var id: String
    public var hash: [UInt8]
    public var parties: [String]
    public var signedBy: Set<String>
    /// Output name → recipient.
    public var outputs: [String: String]
    public var retentionDays: Int
    /// The agreement itself, when the caller has it: what each party may send (log.md §6.5).
    public var agreement: Agreement? = nil

    public init(id: String, hash: [UInt8], parties: [String], signedBy: Set<String>, outputs: [String: String], retentionDays: Int) {
        self.id = id
        self.hash = hash
        self.parties = parties
        self.signedBy = signedBy
        self.outputs = outputs
        self.retentionDays = retentionDays
    }

    public var fullySigned: Bool { Set(parties).isSubset(of: signedBy) }
}

/// The outcome of verifying a log (Protocols/log.md §6.3), with the process exit code that
/// `korskoll log verify` ends with.
public enum LogVerdict: String, Codable, Sendable, CaseIterable {
    /// The tree, every signature and every event check out. Refusals may be listed: they are
    /// requests the coordinator turned away, which is what it should do.
    case verified
    /// The log is whole and signed, but the coordinator did something the agreements do not
    /// allow; the report lists each anomaly.
    case anomalies
    /// The log is broken or tampered with (a bad signature, root, proof, frame or sequence, or
    /// a fork against a node's checkpoints): nothing in it can be relied on.
    case broken

    /// 0 verified, 1 anomalies, 2 broken (Protocols/log.md §6.3).
    public var exitCode: Int32 {
        switch self {
        case .verified: 0
        case .anomalies: 1
        case .broken: 2
        }
    }

    /// The verdict on a verification that returned `report` or threw: any ``LogError`` from
    /// ``LogBundle/init(decoding:key:)`` or ``LogVerifier/verify(_:agreements:nodeCheckpoints:)``
    /// means the log is broken.
    public static func of(_ outcome: Result<LogReport, LogError>) -> LogVerdict {
        switch outcome {
        case .success(let report): report.verdict
        case .failure: .broken
        }
    }
}

/// The verifier's findings (Protocols/log.md §6), printable or JSON.
public struct LogReport: Codable, Sendable {
    public struct Anomaly: Codable, Sendable, Equatable {
        public var seq: UInt64?
        public var code: String
        public var reason: String
        public init(seq: UInt64?, code: String, reason: String) { self.seq = seq; self.code = code; self.reason = reason }
    }
    /// A request the coordinator refused (`auth.failed`, `submission.rejected`), or a window of
    /// them counted in one `refusals.aggregated` event (`count` > 1, counts by code in `byCode`).
    /// Refusals are not anomalies, under whatever agreement id they name (Protocols/log.md §6.4).
    public struct Refusal: Codable, Sendable, Equatable {
        public var seq: UInt64
        public var time: UInt64
        public var type: String
        public var agreement: String?
        public var party: String?
        public var code: String?
        public var reason: String?
        public var count: Int
        public var byCode: [String: Int]?

        public init(seq: UInt64, time: UInt64, type: String, agreement: String?, party: String?, code: String?, reason: String?,
                    count: Int, byCode: [String: Int]?) {
            self.seq = seq; self.time = time; self.type = type; self.agreement = agreement; self.party = party
            self.code = code; self.reason = reason; self.count = count; self.byCode = byCode
        }
    }
    /// An accepted submission and what the party sent in it (Protocols/log.md §6.5): identifier
    /// kinds and CLKs with their row counts, and attributes with their readers. Logs written
    /// before the event carried attribute names give `attributes` nil.
    public struct Submission: Codable, Sendable {
        public var seq: UInt64; public var time: UInt64; public var party: String; public var rows: Int?
        /// `personIDs`, `organisationIDs`, `clks` → rows carrying them (only the non-zero ones).
        public var sent: [String: Int]? = nil
        /// `name>reader[+reader…]`, e.g. `category>fk` (sealed to fk) or `role>coordinator`.
        public var attributes: [String]? = nil

        public init(seq: UInt64, time: UInt64, party: String, rows: Int?, sent: [String: Int]? = nil, attributes: [String]? = nil) {
            self.seq = seq; self.time = time; self.party = party; self.rows = rows; self.sent = sent; self.attributes = attributes
        }

        /// What the party sent, as one line: `person ids 120, CLKs 118; attributes category (sealed to fk)`.
        public var sentDescription: String {
            let names = ["personIDs": "person ids", "organisationIDs": "organisation ids", "clks": "CLKs"]
            var parts = ["personIDs", "organisationIDs", "clks"].compactMap { k in sent?[k].map { "\(names[k]!) \($0)" } }.joined(separator: ", ")
            if parts.isEmpty { parts = "no identifiers" }
            guard let attributes else { return parts }
            let described = attributes.map { a -> String in
                let pieces = a.split(separator: ">", maxSplits: 1).map(String.init)
                guard pieces.count == 2 else { return a }
                return pieces[1] == "coordinator" ? "\(pieces[0]) (readable by the coordinator)" : "\(pieces[0]) (sealed to \(pieces[1].replacingOccurrences(of: "+", with: ", ")))"
            }
            return parts + "; attributes " + (described.isEmpty ? "none" : described.joined(separator: ", "))
        }
    }
    public struct Run: Codable, Sendable { public var runID: String; public var started: UInt64; public var finished: UInt64?; public var counts: [String: Int]? }
    public struct Release: Codable, Sendable {
        public var seq: UInt64; public var time: UInt64; public var runID: String?; public var output: String?
        public var recipient: String; public var hash: String?; public var fetchedAt: UInt64?
        /// How often the recipient fetched it (a recipient may fetch its result again).
        public var fetches: Int?
    }
    public struct AgreementSection: Codable, Sendable {
        public var id: String
        public var hash: String
        public var parties: [String]
        public var registeredAt: UInt64?
        public var submissions: [Submission] = []
        public var rejectedSubmissions = 0
        public var runs: [Run] = []
        public var releases: [Release] = []
        public var deletions: [UInt64] = []
    }

    public var ok: Bool { anomalies.isEmpty }
    /// Verified (refusals listed) or anomalies; a broken log throws instead (``LogVerdict/of(_:)``).
    public var verdict: LogVerdict { anomalies.isEmpty ? .verified : .anomalies }
    public var origin: String
    public var entries: Int
    public var checkpoints: Int
    public var nodeCheckpointsChecked: Int
    public var authenticationFailures: Int
    public var agreements: [AgreementSection]
    public var anomalies: [Anomaly]
    /// Requests the coordinator refused, in log order; ``refusalCount`` counts aggregated ones too.
    public var refusals: [Refusal] = []
    public var refusalCount = 0
    /// Indices of `log.recovered` events: opens that cut a torn tail off (Protocols/log.md §2.1).
    public var recoveries: [UInt64] = []
    /// Sealed results a recipient opened and checked (`log verify --results`).
    public var resultsChecked = 0

    enum CodingKeys: String, CodingKey {
        case ok, verdict, exitCode, origin, entries, checkpoints, nodeCheckpointsChecked, authenticationFailures, agreements, anomalies, resultsChecked
        case refusals, refusalCount, recoveries
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok); try c.encode(verdict, forKey: .verdict); try c.encode(verdict.exitCode, forKey: .exitCode)
        try c.encode(refusalCount, forKey: .refusalCount); try c.encode(refusals, forKey: .refusals); try c.encode(recoveries, forKey: .recoveries)
        try c.encode(origin, forKey: .origin); try c.encode(entries, forKey: .entries)
        try c.encode(checkpoints, forKey: .checkpoints); try c.encode(nodeCheckpointsChecked, forKey: .nodeCheckpointsChecked)
        try c.encode(authenticationFailures, forKey: .authenticationFailures)
        try c.encode(agreements, forKey: .agreements); try c.encode(anomalies, forKey: .anomalies)
        try c.encode(resultsChecked, forKey: .resultsChecked)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        origin = try c.decode(String.self, forKey: .origin); entries = try c.decode(Int.self, forKey: .entries)
        checkpoints = try c.decode(Int.self, forKey: .checkpoints); nodeCheckpointsChecked = try c.decode(Int.self, forKey: .nodeCheckpointsChecked)
        authenticationFailures = try c.decode(Int.self, forKey: .authenticationFailures)
        agreements = try c.decode([AgreementSection].self, forKey: .agreements); anomalies = try c.decode([Anomaly].self, forKey: .anomalies)
        refusals = try c.decodeIfPresent([Refusal].self, forKey: .refusals) ?? []
        refusalCount = try c.decodeIfPresent(Int.self, forKey: .refusalCount) ?? 0
        recoveries = try c.decodeIfPresent([UInt64].self, forKey: .recoveries) ?? []
        resultsChecked = try c.decodeIfPresent(Int.self, forKey: .resultsChecked) ?? 0
    }

    init(origin: String, entries: Int, checkpoints: Int) {
        self.origin = origin; self.entries = entries; self.checkpoints = checkpoints
        nodeCheckpointsChecked = 0; authenticationFailures = 0; agreements = []; anomalies = []
    }
}

public enum LogVerifier {
    /// log.md §6.5: why an accepted submission's logged shape (identifier kinds and CLKs with
    /// non-zero counts, attributes with their readers) is not what the agreement declares for
    /// the party; nil when it is, or when the event predates `parameters.attributes`.
    static func undeclared(party: String, sent: [String: Int], attributes: [String]?, agreement: Agreement?) -> String? {
        guard let agreement, let attributes else { return nil }
        let kinds = Set((sent["personIDs", default: 0] > 0 ? ["person"] : []) + (sent["organisationIDs", default: 0] > 0 ? ["organisation"] : []))
        let shape = SentShape(identifierKinds: kinds, clks: sent["clks", default: 0] > 0, attributes: attributes.map { a in
            let pieces = a.split(separator: ">", maxSplits: 1).map(String.init)
            let readers = pieces.count == 2 ? pieces[1] : ""
            return (name: pieces[0], sealedTo: readers == Agreement.coordinatorReader ? [] : readers.split(separator: "+").map(String.init))
        })
        do { try agreement.checkDeclared(party: party, sends: shape); return nil } catch let e as AgreementError { return e.reason } catch { return "\(error)" }
    }

    /// Verifies `bundle` (already signature-checked by ``LogBundle/init(decoding:key:)``):
    /// structural failures throw; policy findings are anomalies in the report.
    ///
    /// - Parameters:
    ///   - nodeCheckpoints: signed checkpoints that nodes kept as receipts; each must be a
    ///     prefix of this history, or the coordinator showed a node another history.
    public static func verify(_ bundle: LogBundle, agreements: [AgreementFacts], nodeCheckpoints: [String] = []) throws -> LogReport {
        var report = LogReport(origin: bundle.origin, entries: bundle.entries.count, checkpoints: bundle.checkpoints.count)
        // 1. The tree, recomputed from the entries: leaves hashed and parsed on every core.
        let n = bundle.entries.count
        var leafHashes = [[UInt8]](repeating: [], count: n)
        var events = [Result<LogEvent, LogError>](repeating: .failure(LogError(.malformed, "")), count: n)
        let chunks = max(1, min(n, ProcessInfo.processInfo.activeProcessorCount * 4))
        leafHashes.withUnsafeMutableBufferPointer { hashes in
            events.withUnsafeMutableBufferPointer { parsed in
                nonisolated(unsafe) let h = hashes.baseAddress!, p = parsed.baseAddress!
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                        h[i] = RFC6962.leafHash(bundle.entries[i])
                        do { p[i] = .success(try LogEvent(leaf: bundle.entries[i])) } catch let e as LogError { p[i] = .failure(e) } catch {
                            p[i] = .failure(LogError(.malformed, "\(error)"))
                        }
                    }
                }
            }
        }
        var tree = MerkleTree()
        for h in leafHashes { tree.append(leafHash: h) }
        // 2. Every checkpoint: signed by the log key, a root of this tree, consistent with the one before.
        var previous: Checkpoint?
        for (i, note) in bundle.checkpoints.enumerated() {
            let c: Checkpoint
            do { c = try Checkpoint(verifying: note, origin: bundle.origin, key: bundle.logKey) } catch let e as LogError {
                throw LogError(e.code, "checkpoint \(i): \(e.reason)")
            }
            guard c.size <= UInt64(tree.size) else { throw LogError(.rootMismatch, "checkpoint \(i) covers \(c.size) entries; the bundle holds \(tree.size)") }
            guard c.root == tree.root(size: Int(c.size)) else {
                throw LogError(.rootMismatch, "checkpoint \(i) (size \(c.size)) does not match the entries: an entry was changed, removed, inserted or reordered")
            }
            if let p = previous, p.size > 0 {
                guard p.size <= c.size else { throw LogError(.inconsistent, "checkpoint \(i) has size \(c.size), smaller than the checkpoint before it (\(p.size))") }
                do {
                    try ProofVerifier.verifyConsistency(size1: p.size, size2: c.size, proof: tree.consistencyProof(from: Int(p.size), to: Int(c.size)), root1: p.root, root2: c.root)
                } catch let f as ProofVerifier.Failure { throw LogError(.inconsistent, "checkpoints \(i - 1) and \(i): \(f.reason)") }
            }
            previous = c
        }
        guard let last = previous, last.size == UInt64(tree.size) else {
            throw LogError(.rootMismatch, "the last checkpoint covers \(previous?.size ?? 0) of \(tree.size) entries: entries were added without a signed checkpoint")
        }
        // 3. What nodes were shown must be part of this history.
        for (i, note) in nodeCheckpoints.enumerated() {
            let c: Checkpoint
            do { c = try Checkpoint(verifying: note, origin: bundle.origin, key: bundle.logKey) } catch let e as LogError {
                throw LogError(e.code, "node checkpoint \(i): \(e.reason)")
            }
            guard c.size <= UInt64(tree.size), c.root == tree.root(size: Int(c.size)) else {
                throw LogError(.inconsistent, "node checkpoint \(i) (size \(c.size)) is not part of this history: the coordinator showed a node a different log (fork or rewrite)")
            }
            report.nodeCheckpointsChecked += 1
        }
        // 4. The events against the agreements.
        try checkPolicy(events, agreements: agreements, report: &report)
        return report
    }

    static func checkPolicy(_ events: [Result<LogEvent, LogError>], agreements: [AgreementFacts], report: inout LogReport) throws {
        let byID = Dictionary(agreements.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var sections: [String: LogReport.AgreementSection] = [:]
        var order: [String] = []
        var lastTime: UInt64 = 0
        // Protocols/standing.md §3, §4: the lists and checks of each standing agreement.
        var standing: [String: StandingAudit] = [:]
        // Protocols/log.md §6.7: case development, under any agreement.
        var cases: [String: CaseReportAudit] = [:]
        func anomaly(_ seq: UInt64?, _ code: String, _ reason: String) { report.anomalies.append(.init(seq: seq, code: code, reason: reason)) }

        for (index, parsed) in events.enumerated() {
            let e: LogEvent
            switch parsed {
            case .success(let v): e = v
            case .failure(let f): throw LogError(f.code, "entry \(index): \(f.reason)")
            }
            guard e.seq == UInt64(index) else { throw LogError(.malformed, "entry \(index) says it is entry \(e.seq)") }
            if e.time < lastTime { anomaly(e.seq, "time-backwards", "event time \(e.time) is before the previous event's \(lastTime)") }
            lastTime = max(lastTime, e.time)
            // Protocols/log.md §6.4: refusals are counted and listed, never anomalies, whatever
            // agreement id the refused request named (an outsider can name any id).
            switch e.type {
            case .authenticationFailed, .submissionRejected, .requestRefused, .refusalsAggregated:
                // Saturating: the counts are the coordinator's word, and must not trap the verifier.
                let count = e.type == .refusalsAggregated ? (e.counts ?? [:]).values.reduce(0, saturatingSum) : 1
                report.refusals.append(.init(seq: e.seq, time: e.time, type: e.type.rawValue, agreement: e.agreement, party: e.party,
                                             code: e.code, reason: e.reason, count: count, byCode: e.type == .refusalsAggregated ? e.counts : nil))
                report.refusalCount = saturatingSum(report.refusalCount, count)
                if e.type == .authenticationFailed || e.type == .refusalsAggregated { report.authenticationFailures = saturatingSum(report.authenticationFailures, count) }
                if e.type == .submissionRejected, let id = e.agreement, sections[id] != nil { sections[id]!.rejectedSubmissions += 1 }
                continue
            case .logRecovered:
                report.recoveries.append(e.seq)
                continue
            default: break
            }
            guard let id = e.agreement else { anomaly(e.seq, "no-agreement", "\(e.type.rawValue) names no agreement"); continue }
            if e.type == .agreementRegistered {
                guard let facts = byID[id] else { anomaly(e.seq, "unknown-agreement", "agreement \(id) was registered, but it is not among the agreements given"); continue }
                guard e.hash == Hex.encode(facts.hash) else { anomaly(e.seq, "agreement-mismatch", "agreement \(id) was registered with hash \(e.hash ?? "none"), not the hash of the agreement given"); continue }
                if !facts.fullySigned {
                    anomaly(e.seq, "agreement-unsigned", "agreement \(id) was registered without the signatures of \(Set(facts.parties).subtracting(facts.signedBy).sorted().joined(separator: ", "))")
                }
                if sections[id] == nil { order.append(id) }
                sections[id] = .init(id: id, hash: Hex.encode(facts.hash), parties: facts.parties, registeredAt: e.time)
                continue
            }
            // Taken out of the dictionary while it changes, so its arrays are not copied per event.
            guard let facts = byID[id], var s = sections.removeValue(forKey: id) else {
                anomaly(e.seq, "unregistered-agreement", "\(e.type.rawValue) under agreement \(id), which was never registered")
                continue
            }
            let isStanding = facts.agreement?.isStanding == true
            if isStanding {
                var audit = standing[id] ?? StandingAudit(agreement: id, document: facts.agreement)
                audit.consume(e)
                standing[id] = audit
            }
            if e.type == .reportReceived || e.type == .reportReleased {
                var audit = cases[id] ?? CaseReportAudit(agreement: id, parties: facts.parties)
                audit.consume(e)
                cases[id] = audit
            }
            switch e.type {
            case .submissionAccepted:
                if let p = e.party, facts.parties.contains(p) {
                    // log.md §6.5: what the party sent, from the event's counts and parameters.
                    let sent = e.counts?.filter { ["personIDs", "organisationIDs", "clks"].contains($0.key) && $0.value > 0 }
                    let attributes = e.parameters?["attributes"].map { $0.split(separator: ",").map(String.init) }
                    s.submissions.append(.init(seq: e.seq, time: e.time, party: p, rows: e.counts?["rows"], sent: sent, attributes: attributes))
                    if let why = Self.undeclared(party: p, sent: sent ?? [:], attributes: attributes, agreement: facts.agreement) {
                        anomaly(e.seq, "undeclared-submission", "a submission from \(p) was accepted although \(why)")
                    }
                } else { anomaly(e.seq, "foreign-submission", "a submission from '\(e.party ?? "?")', who is not a party to \(id), was accepted") }
            case .runStarted:
                if !facts.fullySigned { anomaly(e.seq, "run-unsigned", "run \(e.runID ?? "?") of \(id) started although the agreement is not signed by every party") }
                let submitted = Set(s.submissions.map(\.party))
                let missing = Set(facts.parties).subtracting(submitted)
                if !missing.isEmpty && !isStanding { anomaly(e.seq, "run-early", "run \(e.runID ?? "?") of \(id) started before \(missing.sorted().joined(separator: ", ")) submitted") }
                s.runs.append(.init(runID: e.runID ?? "", started: e.time))
            case .runFinished:
                if let i = s.runs.lastIndex(where: { $0.runID == (e.runID ?? "") && $0.finished == nil }) {
                    s.runs[i].finished = e.time
                    s.runs[i].counts = e.counts
                } else { anomaly(e.seq, "run-unknown", "run \(e.runID ?? "?") of \(id) finished without having started") }
            case .resultSealed, .resultFetched:
                let recipient = e.type == .resultSealed ? e.recipient : e.party
                guard let r = recipient, let output = e.output, facts.outputs[output] == r else {
                    anomaly(e.seq, "unauthorised-release", "\(e.type == .resultSealed ? "a result was sealed for" : "a result was fetched by") '\(recipient ?? "?")' as output '\(e.output ?? "?")', which agreement \(id) does not grant")
                    break
                }
                if e.type == .resultSealed {
                    if !s.runs.contains(where: { $0.runID == e.runID && $0.finished != nil }) {
                        anomaly(e.seq, "release-without-run", "a result for \(r) was sealed for run \(e.runID ?? "?"), which has not finished")
                    }
                    s.releases.append(.init(seq: e.seq, time: e.time, runID: e.runID, output: output, recipient: r, hash: e.hash))
                } else if let i = s.releases.lastIndex(where: { $0.runID == e.runID && $0.output == output && $0.recipient == r }) {
                    // Protocols/log.md §6.4: fetching a released result again is normal.
                    if s.releases[i].fetchedAt == nil { s.releases[i].fetchedAt = e.time }
                    s.releases[i].fetches = (s.releases[i].fetches ?? 0) + 1
                } else { anomaly(e.seq, "fetch-without-release", "\(r) fetched output \(output) of run \(e.runID ?? "?"), which was never sealed") }
            case .encodingsDeleted:
                s.deletions.append(e.time)
            case .ceremonyRelayed:
                if let to = e.recipient, !facts.parties.contains(to) { anomaly(e.seq, "ceremony-foreign", "a key-ceremony blob of \(id) was relayed to '\(to)', who is not a party") }
            case .agreementRegistered, .authenticationFailed, .submissionRejected, .requestRefused, .refusalsAggregated, .logRecovered,
                 .oprfShareLoaded, .oprfEvaluated, .oprfRefused,  // key-holder events: checked with the key holder's log (keyholder.md §6)
                 .reportReceived, .reportReleased, .outcomeRefused, .outcomeRecorded, .reportSent, .reportRefused, .listReplaced, .listExpired:
                break
            }
            sections[id] = s
        }
        for id in order { if var audit = standing[id] { report.anomalies += audit.finish(at: lastTime) } }
        for id in order { if let audit = cases[id] { report.anomalies += audit.anomalies } }
        // Retention: encodings are deleted within retentionDays of the last finished run (a
        // standing agreement's checks are audited above).
        for id in order {
            guard let s = sections[id], let facts = byID[id], facts.agreement?.isStanding != true, let finished = s.runs.compactMap(\.finished).max() else { continue }
            let deadline = finished + UInt64(facts.retentionDays) * 86_400
            if let deleted = s.deletions.first(where: { $0 >= finished }) {
                if deleted > deadline { anomaly(nil, "retention-late", "encodings of \(id) were deleted \(deleted - deadline) s after the retention deadline") }
            } else if lastTime > deadline {
                anomaly(nil, "retention-missed", "encodings of \(id) are past their retention deadline and were never deleted")
            }
        }
        report.agreements = order.compactMap { sections[$0] }
    }
}

private func saturatingSum(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? Int.max : sum
}
