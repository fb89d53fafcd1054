import API
import Agreements
import Blinding
import Coordinator
import CoordinatorClient
import Foundation
import Identifiers
import Node
import Parties
import ProtocolLog
import Sodium
import Testing
import TestSupport

private let agreementJSON = """
    {"format": "korskoll-agreement-v2", "id": "steps-test", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator",
     "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": false,
                  "attributes": [{"name": "category", "values": ["aktiv", "koppling"], "readers": ["fk"]}]},
                 {"id": "fk", "identifiers": ["person"], "fuzzy": false, "attributes": []}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["category", "matchKind", "otherParties"]},
                 {"name": "polisen-count", "recipient": "polisen", "kind": "aggregate", "k": 1}],
     "retentionDays": 0}
    """

private func mode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1) & 0o777
}

/// What the blocking steps saw, checked afterwards in the test's context.
private struct Seen: Sendable {
    var registered: RegisterAgreementAnswer?
    var nonLeadRelay: Result<Void, any Error>?
    var sameSecret = false
    var encoded: [Int] = []
    var uploads: [Upload.Outcome] = []
    var status: StatusAnswer?
    var fkRows: ResultOpening.Opened?
    var polisenCount: ResultOpening.Opened?
    var stolen: Result<ResultOpening.Opened, any Error>?
}

/// Every network step of a node, called as a library against the real coordinator on loopback:
/// registration, the key ceremony, encoding, upload with receipt, waiting for the run, opening
/// the result and mapping it back to record ids, and the privacy officer's verification.
@Suite struct NetworkStepsTests {
    @Test func aWholeRoundRunsThroughTheLibraryWithoutTheCommandLine() async throws {
        let dir = NSTemporaryDirectory() + "korskoll-steps-" + Hex.encode(Random.bytes(8))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let coordinator = try PartyKeys.generate(party: "coordinator")
        let polisen = try PartyKeys.generate(party: "polisen"), fk = try PartyKeys.generate(party: "fk")
        let registry = try Registry(entries: [
            .init(id: "coordinator", name: "c", role: .coordinator, keys: coordinator.publicKeys),
            .init(id: "polisen", name: "p", role: .node, keys: polisen.publicKeys),
            .init(id: "fk", name: "f", role: .node, keys: fk.publicKeys),
        ])
        let agreement = try Agreement(json: Data(agreementJSON.utf8))
        var signatures = AgreementSignatures(agreement: agreement)
        signatures.sign(agreement, with: polisen)
        signatures.sign(agreement, with: fk)
        let signatureData = try JSONEncoder().encode(signatures)
        let service = try CoordinatorService(dataDir: dir + "/coordinator", keys: coordinator, registry: registry)
        let pins = SkatteverketTestNumbers.personnummer
        // polisen lists people 0–9; fk has people 5–14: rows B5…B9 are fk's matches.
        // The police's category travels sealed to fk (issue 16 findings 4, 5).
        let exports = ["polisen": (0..<10).map { "P\($0),\(pins[$0]),\($0 % 2 == 0 ? "aktiv" : "koppling")" }, "fk": (5..<15).map { "B\($0),\(pins[$0]),x" }]
        let mappings = ["polisen": try ColumnMapping(json: Data(#"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr", "attributes": {"category": "kat"}}"#.utf8)),
                        "fk": try ColumnMapping(json: Data(#"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr"}"#.utf8))]

        try await withServer(service) { port in
            let url = "http://127.0.0.1:\(port)"
            let clients = ["polisen": CoordinatorClient(url: url, keys: polisen), "fk": CoordinatorClient(url: url, keys: fk)]
            // The steps block on sockets: they run off the pool, and what they saw is checked here,
            // in the test's own context.
            let seen = try await offPool { () -> Seen in
                var seen = Seen()
                seen.registered = try clients["fk"]!.registerAgreement(document: Data(agreementJSON.utf8), signatures: signatureData)
                try KeyCeremony.relay(agreement: agreement, registry: registry, client: clients["polisen"]!)
                seen.nonLeadRelay = Result { try KeyCeremony.relay(agreement: agreement, registry: registry, client: clients["fk"]!) }
                var secrets: [String: SecretBytes] = [:]
                for (party, client) in clients { secrets[party] = try KeyCeremony.receive(agreement: agreement, registry: registry, client: client) }
                seen.sameSecret = secrets["fk"]! == secrets["polisen"]!
                for (party, keys) in [("polisen", polisen), ("fk", fk)] {
                    try ("id,pnr,kat\n" + exports[party]!.joined(separator: "\n") + "\n").write(toFile: "\(dir)/\(party).csv", atomically: true, encoding: .utf8)
                    var job = IngestJob(input: "\(dir)/\(party).csv", mapping: mappings[party]!, schema: nil,
                                        keys: LinkageKeys(agreementID: agreement.id, linkageSecret: secrets[party]!), party: keys,
                                        coordinator: coordinator.publicKeys, referenceDate: CalendarDate(iso: "2026-11-01")!,
                                        output: "\(dir)/\(party)-encoded", threads: 1, createdAt: UInt64(Date().timeIntervalSince1970))
                    job.agreement = agreement
                    job.sealingKeys = ["fk": fk.sealing.publicKey]
                    seen.encoded.append(try Ingest.run(job).rowsSubmitted)
                    seen.uploads.append(try Upload.run(client: clients[party]!, coordinator: coordinator.publicKeys, agreementID: agreement.id,
                                                       submissionDirectory: "\(dir)/\(party)-encoded", stateDirectory: "\(dir)/\(party)-state"))
                }
                seen.status = try RunWait.status(client: clients["fk"]!, agreementID: agreement.id, seconds: 30)
                seen.fkRows = try ResultOpening.fetch(client: clients["fk"]!, coordinator: coordinator.publicKeys, agreementID: agreement.id,
                                                      output: "fk-rows", encoded: "\(dir)/fk-encoded", state: "\(dir)/fk-state", out: "\(dir)/fk-results")
                seen.polisenCount = try ResultOpening.fetch(client: clients["polisen"]!, coordinator: coordinator.publicKeys, agreementID: agreement.id,
                                                            output: "polisen-count", encoded: nil, state: "\(dir)/polisen-state", out: "\(dir)/polisen-results")
                seen.stolen = Result {
                    try ResultOpening.fetch(client: clients["polisen"]!, coordinator: coordinator.publicKeys, agreementID: agreement.id,
                                            output: "fk-rows", encoded: nil, state: "\(dir)/polisen-state", out: "\(dir)/stolen")
                }
                return seen
            }
            #expect(seen.registered?.registered == true && seen.registered?.agreement == "steps-test")
            // Only the lead may relay.
            #expect((try? seen.nonLeadRelay?.get()) == nil)
            #expect(seen.sameSecret)
            #expect(seen.encoded == [10, 10])
            #expect(seen.uploads.map(\.rows) == [10, 10] && seen.uploads.allSatisfy { $0.logSize > $0.receiptIndex })
            #expect(seen.status?.run.state == .finished && seen.status?.missing == [])
            #expect(seen.fkRows?.rowsByKind == ["exact-person": 5])
            let csv = try String(contentsOfFile: "\(dir)/fk-results/fk-rows.csv", encoding: .utf8).split(separator: "\n").map(String.init)
            // A one-shot (v2) result has no history, so no status column (node.md §9.2 is standing only).
            #expect(csv.first == "record_id,line,category,matchKind,otherParties")
            #expect(Set(csv.dropFirst().map { String($0.split(separator: ",")[0]) }) == ["B5", "B6", "B7", "B8", "B9"])
            // Opened at fk from the boxes: each row's own category.
            #expect(Set(csv.dropFirst().map { l in let c = l.split(separator: ","); return "\(c[0])=\(c[2])" })
                    == ["B5=koppling", "B6=aktiv", "B7=koppling", "B8=aktiv", "B9=koppling"])
            // Result files carry record ids and granted categories: 0600 in a 0700 directory (issue 16 finding 8).
            #expect(try mode("\(dir)/fk-results") == 0o700)
            for f in ["fk-rows.kkr", "fk-rows.json", "fk-rows.csv"] { #expect(try mode("\(dir)/fk-results/\(f)") == 0o600, "\(f)") }
            #expect(seen.polisenCount?.cells.map { "\($0.a)+\($0.b)=\($0.count)" } == ["polisen+fk=5"])
            // Another party's output is refused with 403.
            #expect(throws: CoordinatorClient.Failure.self) { try seen.stolen?.get() }
            if case .failure(let e as CoordinatorClient.Failure)? = seen.stolen { #expect(e.status == 403) }
        }
        // The privacy officer verifies the whole log, with fk's kept checkpoints and result.
        let store = try LogStore(directory: dir + "/coordinator/log", coordinator: "coordinator", key: coordinator.signing)
        let bundle = LogBundle(origin: store.origin, logKey: coordinator.signing.publicKey, entries: store.entries, checkpoints: store.checkpoints)
        let report = try OfficerVerification.verify(
            bundle: bundle.encoded(signer: coordinator.signing), registry: registry, agreements: [(agreement, signatures)],
            nodeCheckpoints: [try Data(contentsOf: URL(fileURLWithPath: "\(dir)/fk-state/checkpoints.json"))],
            recipient: .init(keys: fk, paths: ["\(dir)/fk-results/fk-rows.kkr"]))
        #expect(report.nodeCheckpointsChecked > 0 && report.resultsChecked == 1)
        #expect(report.agreements.first?.submissions.count == 2)
        #expect(report.agreements.first?.submissions.first { $0.party == "polisen" }?.attributes == ["category>fk"])
        #expect(report.anomalies.allSatisfy { $0.code != "field-not-granted" }, "\(report.anomalies)")
        // The refused fetch is in the log; no release went anywhere it should not.
        #expect(!report.anomalies.contains { $0.code == "result-not-logged" || $0.code == "unauthorised-release" }, "\(report.anomalies)")
    }
}
