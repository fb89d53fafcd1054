import Agreements
import Foundation
import Parties
import ProtocolLog
import Sodium

/// A coordinator, two parties (one may carry a hostile name), a signed agreement between them, and
/// a real log written by ``LogStore``, exported and verified as the privacy officer would.
final class ReportFixture {
    let dir = NSTemporaryDirectory() + "korskoll-report-" + Hex.encode(Random.bytes(8))
    let coordinator: PartyKeys
    let keys: [String: PartyKeys]
    let registry: Registry
    let agreement: Agreement
    var signatures: AgreementSignatures
    let log: LogStore
    static let t0: UInt64 = 1_795_000_000
    static let day: UInt64 = 86_400

    /// `parties[0]` is the reference list, `parties[1]` the checked agency (it receives rows);
    /// `unregistered` is a third party named only in the document (no keys, so no signature).
    init(parties: [String] = ["polisen", "fk"], unregistered: String? = nil, purpose: String = "Watchlist check.", signers: [String]? = nil) throws {
        coordinator = try PartyKeys.generate(party: "coordinator")
        var k: [String: PartyKeys] = [:]
        for p in parties { k[p] = try PartyKeys.generate(party: p) }
        keys = k
        registry = try Registry(entries: [Registry.Entry(id: "coordinator", name: "coordinator", role: .coordinator, keys: coordinator.publicKeys)]
                                + parties.map { Registry.Entry(id: $0, name: $0, role: .node, keys: k[$0]!.publicKeys) })
        let doc: [String: Any] = [
            "format": Agreement.format, "id": "watch-2026", "version": 1, "purpose": purpose,
            "legalBasis": "Free text & <b>bold</b> claims.", "coordinator": "coordinator",
            "parties": [["id": parties[0], "identifiers": ["person"], "fuzzy": true],
                        ["id": parties[1], "identifiers": ["person", "organisation"], "fuzzy": false]]
                + (unregistered.map { [["id": $0, "identifiers": ["person"], "fuzzy": false]] } ?? []),
            "match": ["exact": ["person"], "schemaDigest": NSNull(), "threshold": 0.85],
            "outputs": [["name": "rows", "recipient": parties[1], "kind": "per-record", "fields": ["matchKind"]],
                        ["name": "count", "recipient": parties[0], "kind": "aggregate", "k": 5]],
            "retentionDays": 30,
        ]
        agreement = try Agreement(json: JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys]))
        signatures = AgreementSignatures(agreement: agreement)
        for p in signers ?? parties { signatures.sign(agreement, with: k[p]!) }
        log = try LogStore(directory: dir, coordinator: "coordinator", key: coordinator.signing)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    var reference: String { agreement.partyIDs[0] }
    var agency: String { agreement.partyIDs[1] }

    /// Registration, ceremony, both submissions, a refusal, a run, both releases, fetches, deletion.
    /// `caller` is the party an unauthenticated request claimed to be (any text).
    func lawfulHistory(deleteAfter: UInt64 = 2 * day, caller: String = "intruder") throws {
        let a = agreement.id, t = Self.t0
        log.append(LogEvent(time: t, type: .agreementRegistered, agreement: a, hash: Hex.encode(agreement.hash), parties: agreement.partyIDs))
        log.append(LogEvent(time: t + 10, type: .ceremonyRelayed, agreement: a, party: reference, recipient: agency, hash: String(repeating: "ab", count: 32)))
        log.append(LogEvent(time: t + 20, type: .submissionAccepted, agreement: a, party: reference, submissionID: "s1", counts: ["rows": 62_000]))
        log.append(LogEvent(time: t + 25, type: .authenticationFailed, agreement: a, party: caller, code: "auth.bad-signature",
                            reason: "signature does not verify \"><img src=x onerror=alert(1)>"))
        log.append(LogEvent(time: t + 30, type: .submissionAccepted, agreement: a, party: agency, submissionID: "s2", counts: ["rows": 1_000_000]))
        try log.commit()
        log.append(LogEvent(time: t + 40, type: .runStarted, agreement: a, runID: "r1", parties: agreement.partyIDs))
        log.append(LogEvent(time: t + 100, type: .runFinished, agreement: a, runID: "r1", counts: ["exact": 812, "fuzzy": 37]))
        log.append(LogEvent(time: t + 101, type: .resultSealed, agreement: a, recipient: agency, hash: String(repeating: "03", count: 32), runID: "r1", output: "rows"))
        log.append(LogEvent(time: t + 102, type: .resultSealed, agreement: a, recipient: reference, hash: String(repeating: "04", count: 32), runID: "r1", output: "count"))
        log.append(LogEvent(time: t + 200, type: .resultFetched, agreement: a, party: agency, runID: "r1", output: "rows"))
        log.append(LogEvent(time: t + 300, type: .resultFetched, agreement: a, party: agency, runID: "r1", output: "rows"))
        log.append(LogEvent(time: t + 100 + deleteAfter, type: .encodingsDeleted, agreement: a, parties: agreement.partyIDs))
        try log.commit()
    }

    var bundle: LogBundle {
        LogBundle(origin: log.origin, logKey: coordinator.signing.publicKey, entries: log.entries, checkpoints: log.checkpoints)
    }

    /// Exported, decoded under the registry's coordinator key and verified, as `log verify` does.
    func verify(_ b: LogBundle? = nil) -> Result<(LogReport, LogBundle), LogError> {
        let encoded = (b ?? bundle).encoded(signer: coordinator.signing)
        do {
            let decoded = try OfficerVerification.decode(bundle: encoded, registry: registry)
            return .success((try OfficerVerification.verify(decoded, registry: registry, agreements: [(agreement, signatures)]), decoded))
        } catch let e as LogError { return .failure(e) } catch { return .failure(LogError(.malformed, "\(error)")) }
    }
}
