import Agreements
import Foundation
import Identifiers
import Node
import Parties
import Sodium

/// Two nodes on disk for one agreement: keys for the coordinator, polisen and fk, a registry,
/// the agreement as `<name>.agreement.json`, an export per party (fk's rows 5–14 of the test
/// numbers, polisen's 0–9) and one mapping. Used by the `node check` tests of one-shot and
/// standing agreements.
struct NodeFixture: Sendable {
    let dir: String
    let coordinator: PartyKeys, polisen: PartyKeys, fk: PartyKeys
    let registry: Registry
    let agreement: Agreement
    let agreementPath: String

    init(agreementJSON: String, name: String) throws {
        dir = NSTemporaryDirectory() + "korskoll-\(name)-node-" + Hex.encode(Random.bytes(8))
        try FileManager.default.createDirectory(atPath: dir + "/keys", withIntermediateDirectories: true)
        coordinator = try PartyKeys.generate(party: "coordinator")
        polisen = try PartyKeys.generate(party: "polisen")
        fk = try PartyKeys.generate(party: "fk")
        for k in [coordinator, polisen, fk] { _ = try KeyFiles.write(k, to: URL(fileURLWithPath: dir + "/keys")) }
        registry = try Registry(entries: [
            .init(id: "coordinator", name: "c", role: .coordinator, keys: coordinator.publicKeys),
            .init(id: "polisen", name: "p", role: .node, keys: polisen.publicKeys),
            .init(id: "fk", name: "f", role: .node, keys: fk.publicKeys),
        ])
        try registry.json().write(to: URL(fileURLWithPath: dir + "/registry.json"))
        agreement = try Agreement(json: Data(agreementJSON.utf8))
        agreementPath = dir + "/\(name).agreement.json"
        try agreementJSON.write(toFile: agreementPath, atomically: true, encoding: .utf8)
        let pins = SkatteverketTestNumbers.personnummer
        try ("id,pnr\n" + (5..<15).map { "B\($0),\(pins[$0])" }.joined(separator: "\n") + "\n").write(toFile: dir + "/fk.csv", atomically: true, encoding: .utf8)
        try ("id,pnr\n" + (0..<10).map { "P\($0),\(pins[$0])" }.joined(separator: "\n") + "\n").write(toFile: dir + "/polisen.csv", atomically: true, encoding: .utf8)
        try #"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr"}"#.write(toFile: dir + "/mapping.json", atomically: true, encoding: .utf8)
    }

    /// Writes the signatures of `parties` beside the agreement.
    func sign(_ parties: [PartyKeys]) throws {
        var s = AgreementSignatures(agreement: agreement)
        for p in parties { s.sign(agreement, with: p) }
        try JSONEncoder().encode(s).write(to: URL(fileURLWithPath: AgreementFiles.signaturesPath(for: agreementPath)))
    }

    /// `party`'s node configuration for the agreement, its state under `DIR/<party>-node`.
    func config(_ party: String, url: String = "http://127.0.0.1:9") -> NodeConfig {
        NodeConfig(party: party, coordinatorURL: url, coordinatorKey: dir + "/keys/coordinator.public.json", key: dir + "/keys/\(party).secret.json",
                   registry: dir + "/registry.json",
                   agreements: [.init(id: agreement.id, agreement: agreementPath, export: dir + "/\(party).csv",
                                      mapping: dir + "/mapping.json", schema: nil, state: dir + "/\(party)-node/state/\(agreement.id)")])
    }
}
