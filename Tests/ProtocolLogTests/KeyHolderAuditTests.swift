import Agreements
import Foundation
import Parties
@testable import ProtocolLog
import Sodium
import Testing

/// Protocols/keyholder.md §6.1: the key holders' logs checked with the agreements.
@Suite struct KeyHolderAuditTests {
    static let agreementJSON = """
        {"format": "korskoll-agreement-v2", "id": "w", "version": 1, "purpose": "p", "legalBasis": "l", "coordinator": "coordinator",
         "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": false}, {"id": "fk", "identifiers": ["person"], "fuzzy": false}],
         "match": {"exact": ["person"], "schemaDigest": null, "threshold": null}, "outputs": [], "retentionDays": 0,
         "blinding": {"oprf": {"keyHolders": ["kh1", "kh2"], "threshold": 2, "caps": {"polisen": 10, "fk": 5}}}}
        """

    /// A key holder's signed log of `events` (share-loaded with `hash` first), as its bundle.
    static func bundle(_ keys: PartyKeys, hash: String, _ events: [LogEvent]) throws -> [UInt8] {
        let dir = NSTemporaryDirectory() + "korskoll-kh-audit-" + Hex.encode(Random.bytes(6))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try LogStore(directory: dir, coordinator: keys.party, key: keys.signing)
        store.append(LogEvent(time: 100, type: .oprfShareLoaded, agreement: "w", party: "polisen", hash: hash, parties: ["kh1", "kh2"],
                              counts: ["polisen": 10, "fk": 5], parameters: ["threshold": "2", "index": "1"]))
        for e in events { store.append(e) }
        _ = try store.commit()
        return LogBundle(origin: store.origin, logKey: keys.signing.publicKey, entries: store.entries, checkpoints: store.checkpoints).encoded(signer: keys.signing)
    }

    static func evaluated(_ party: String, _ n: Int, round: String = "7") -> LogEvent {
        LogEvent(time: 200, type: .oprfEvaluated, agreement: "w", party: party, counts: ["elements": n], parameters: ["round": round, "nonce": Hex.encode(Random.bytes(8))])
    }

    @Test func evaluationsWithinTheCapsOfThePartiesVerify() throws {
        let (kh1, kh2, registry) = try Self.keys()
        let a = try Agreement(json: Data(Self.agreementJSON.utf8))
        let refused = LogEvent(time: 300, type: .oprfRefused, agreement: "w", party: "fk", counts: ["elements": 9], code: "keyholder.over-cap", reason: "over")
        let bundles = try [Self.bundle(kh1, hash: "aa", [Self.evaluated("fk", 5), Self.evaluated("fk", 5, round: "8"), Self.evaluated("polisen", 10), refused]),
                           Self.bundle(kh2, hash: "aa", [Self.evaluated("fk", 2)])]
        let decoded = try bundles.map { try KeyHolderAudit.decode(bundle: $0, registry: registry) }
        #expect(decoded.map(\.holder) == ["kh1", "kh2"])
        let outcome = try KeyHolderAudit.check(decoded, agreements: [a])
        #expect(outcome.anomalies.isEmpty, "\(outcome.anomalies)")
        #expect(outcome.sections[0].evaluated["w"] == ["fk": 10, "polisen": 10])
        #expect(outcome.sections[0].refusals.map(\.code) == ["keyholder.over-cap"])
    }

    @Test func overCapForeignPartiesDisagreeingKeysAndMissingLogsAreAnomalies() throws {
        let (kh1, kh2, registry) = try Self.keys()
        let a = try Agreement(json: Data(Self.agreementJSON.utf8))
        let one = try KeyHolderAudit.decode(bundle: Self.bundle(kh1, hash: "aa", [Self.evaluated("fk", 3), Self.evaluated("fk", 3), Self.evaluated("outsider", 1)]),
                                            registry: registry)
        var codes = try KeyHolderAudit.check([one], agreements: [a]).anomalies.map(\.code)
        #expect(codes.sorted() == ["keyholder-foreign-evaluation", "keyholder-log-missing", "keyholder-over-cap"])
        let other = try KeyHolderAudit.decode(bundle: Self.bundle(kh2, hash: "bb", []), registry: registry)
        codes = try KeyHolderAudit.check([one, other], agreements: [a]).anomalies.map(\.code)
        #expect(codes.contains("keyholder-dealt-mismatch") && !codes.contains("keyholder-log-missing"))
    }

    @Test func aKeyHoldersBundleMustVerifyUnderARegisteredKeyHolderKey() throws {
        let (kh1, _, _) = try Self.keys()
        let stranger = try Registry(entries: [Registry.Entry(id: "kh1", name: "kh1", role: .keyHolder, keys: try PartyKeys.generate(party: "kh1").publicKeys)])
        #expect(throws: LogError.self) { try KeyHolderAudit.decode(bundle: Self.bundle(kh1, hash: "aa", []), registry: stranger) }
    }

    static func keys() throws -> (PartyKeys, PartyKeys, Registry) {
        let kh1 = try PartyKeys.generate(party: "kh1"), kh2 = try PartyKeys.generate(party: "kh2")
        let registry = try Registry(entries: [kh1, kh2].map { Registry.Entry(id: $0.party, name: $0.party, role: .keyHolder, keys: $0.publicKeys) })
        return (kh1, kh2, registry)
    }
}
