import Agreements
import Foundation
import Parties
import ProtocolLog
import Sodium
import Wire

/// Fixed test keys and documents the fuzz targets and their seed files share: the committed
/// sealed and signed seeds open and verify only under these keys. They protect nothing.
enum FuzzFixtures {
    static func keys(_ party: String, _ signing: UInt8, _ sealing: UInt8) -> PartyKeys {
        try! PartyKeys(party: party,
                       signing: Ed25519.PrivateKey(seed: SecretBytes([UInt8](repeating: signing, count: Ed25519.seedLength))),
                       sealing: X25519.PrivateKey(secret: SecretBytes([UInt8](repeating: sealing, count: X25519.secretKeyLength))))
    }

    static let coordinator = keys("coordinator", 0x11, 0x12)
    static let fk = keys("fk", 0x21, 0x22)
    static let polisen = keys("polisen", 0x31, 0x32)

    static let registry = try! Registry(entries: [
        .init(id: "coordinator", name: "Koordinator", role: .coordinator, keys: coordinator.publicKeys),
        .init(id: "fk", name: "Försäkringskassan", role: .node, keys: fk.publicKeys),
        .init(id: "polisen", name: "Polismyndigheten", role: .node, keys: polisen.publicKeys),
    ])

    /// The log's origin line in checkpoints and receipts.
    static let origin = "korskoll-fuzz-log"
    /// The coordinator's clock for request signatures.
    static let now: UInt64 = 1_800_000_000
    static let requestMethod = "POST"
    static let requestPath = "/v1/agreements/fuzz-2026/submissions"

    /// The agreement the signature seeds sign (agreements.md §1).
    static let agreementJSON = """
    {
      "format": "korskoll-agreement-v1",
      "id": "fuzz-2026",
      "version": 1,
      "purpose": "Fuzzing: people known to both parties.",
      "legalBasis": "Test.",
      "coordinator": "coordinator",
      "parties": [
        {"id": "fk", "identifiers": ["person"], "fuzzy": true},
        {"id": "polisen", "identifiers": ["person", "organisation"], "fuzzy": false}
      ],
      "match": {"exact": ["person"], "schemaDigest": null, "threshold": 0.85, "blocking": "korskoll-blocking-v1"},
      "outputs": [
        {"name": "polisen-hits", "recipient": "polisen", "kind": "per-record", "fields": ["matchKind", "category"]},
        {"name": "fk-count", "recipient": "fk", "kind": "aggregate", "k": 5}
      ],
      "retentionDays": 30
    }

    """
    static let agreement = try! Agreement(json: Data(agreementJSON.utf8), source: "fuzz agreement")

    /// The signature a party puts on a submission header (wire.md §3), for repairs and seeds.
    static func signHeader(_ headerBytes: [UInt8], with key: Ed25519.PrivateKey = fk.signing) -> [UInt8] {
        key.signature(for: Array(Submission.signatureLabel.utf8) + [0] + headerBytes)
    }

    static func u32(_ bytes: [UInt8], at i: Int) -> Int {
        bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) }
    }
}
