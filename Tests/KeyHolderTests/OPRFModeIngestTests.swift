import Agreements
import API
import Blinding
import Foundation
import Identifiers
@testable import KeyHolder
import KeyHolding
import Matching
import Node
import OPRF
import Parties
import ProtocolLog
import Sodium
import Testing
import TestSupport
import Wire

/// An agreement in the key-holder mode over the fixture's parties and key holders.
func oprfAgreement(caps: [String: Int] = ["fk": 1000, "polisen": 1000], threshold: Int = 2) throws -> Agreement {
    let capsJSON = caps.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
    let json = """
        {"format": "korskoll-agreement-v2", "id": "\(Fixture.agreement)", "version": 1, "purpose": "test", "legalBasis": "test",
         "coordinator": "coordinator",
         "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": false},
                     {"id": "fk", "identifiers": ["person", "organisation"], "fuzzy": false}],
         "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
         "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind"]}],
         "retentionDays": 0,
         "blinding": {"oprf": {"keyHolders": ["kh-a", "kh-b", "kh-c"], "threshold": \(threshold), "caps": {\(capsJSON)}}}}
        """
    return try Agreement(json: Data(json.utf8))
}

/// What the blocking encodes produced, checked in the test's context.
private struct Encoded: Sendable {
    var summaries: [String: IngestSummary] = [:]
    var again: IngestSummary?
}

/// `node encode` in the key-holder mode (Protocols/node.md §8) against three real key holders.
@Suite struct OPRFModeIngestTests {
    static let mapping = #"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr"}"#

    @Test func twoNodesInOPRFModeAreJoinedByTheCoordinatorsLinkage() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let agreement = try oprfAgreement()
        let coordinator = try PartyKeys.generate(party: "coordinator")
        let pins = Array(SkatteverketTestNumbers.personnummer.prefix(12))
        // polisen lists pins 0..<6, fk has 3..<12: three people in common.
        let exports = ["polisen": Array(pins[0..<6]), "fk": Array(pins[3..<12])]
        for (p, ids) in exports {
            let csv = "id,pnr\n" + ids.enumerated().map { "\(p)-\($0.offset),\($0.element)" }.joined(separator: "\n") + "\n"
            try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(f.dir)/\(p).csv"))
        }
        let services = try ["kh-a", "kh-b", "kh-c"].map { try f.service($0) }
        let mapping = try ColumnMapping(json: Data(Self.mapping.utf8))
        try await withServers(services) { urls in
            let holderURLs = Dictionary(uniqueKeysWithValues: zip(["kh-a", "kh-b", "kh-c"], urls))
            let dir = f.dir, registry = f.registry, keys = f.keys
            let encoded = try await offPool { () -> Encoded in
                var out = Encoded()
                func encode(_ p: String, out name: String) throws -> IngestSummary {
                    var job = IngestJob(input: "\(dir)/\(p).csv", mapping: mapping, schema: nil,
                                        keys: LinkageKeys(agreementID: agreement.id, linkageSecret: SecretBytes.random(count: 32)),
                                        party: keys[p]!, coordinator: coordinator.publicKeys, referenceDate: CalendarDate(year: 2026, month: 1, day: 1)!,
                                        output: "\(dir)/\(name)", threads: 2, createdAt: 1_795_000_000)
                    job.agreement = agreement
                    job.keyHolderBlinding = try KeyHolderBlinding(dealtPath: "\(dir)/dealt/\(DealtPublicKey.fileName(agreement: agreement.id))",
                                                                  registry: registry, holderURLs: holderURLs, node: keys[p]!,
                                                                  cacheDirectory: "\(dir)/cache-\(p)")
                    return try Ingest.run(job)
                }
                // Each node has its own linkage secret here: the pseudonyms cannot come from it.
                for p in ["polisen", "fk"] { out.summaries[p] = try encode(p, out: "\(p)-out") }
                out.again = try encode("fk", out: "fk-again")
                return out
            }
            #expect(encoded.summaries["polisen"]?.pseudonymsEvaluated == 6)
            #expect(encoded.summaries["fk"]?.pseudonymsEvaluated == 9)
            #expect(encoded.summaries["fk"]?.blinding == "oprf" && encoded.summaries["fk"]?.keyHolderRefusals == [])
            // A later check is served from the node's cache: nothing goes to the key holders.
            #expect(encoded.again?.pseudonymsEvaluated == 0 && encoded.again?.rowsSubmitted == 9)

            // The coordinator opens both submissions and links them as in a run.
            var rows: [PartyRows] = []
            var persons: [String: Set<[UInt8]>] = [:]
            for p in agreement.partyIDs {
                let opened = try Submission.Opened(path: "\(dir)/\(p)-out/\(Ingest.submissionFile)", key: coordinator.sealing)
                try opened.verify(signedBy: keys[p]!.signing.publicKey)
                rows.append(try PartyRows(opened: opened))
                let again = try Submission.Opened(path: "\(dir)/\(p)-out/\(Ingest.submissionFile)", key: coordinator.sealing)
                try again.verify(signedBy: keys[p]!.signing.publicKey)
                while let r = try again.next() { persons[p, default: []].insert(r.person!) }
            }
            let linkage = try Linkage(rows, exact: ["person"], threshold: nil, fuzzyParties: [])
            #expect(linkage.links[0].count == 3 && linkage.links[1].count == 3, "seed \(f.seed)")
            // The pseudonyms are the whole key's OPRF, which no single party holds.
            let reference = Set(try exports["fk"]!.map { try OPRFPseudonym.reference(key: f.key, agreement: agreement.id, namespace: .person, canonical: $0) })
            #expect(persons["fk"] == reference, "seed \(f.seed)")
        }
    }

    @Test func fewerThanTKeyHoldersStopTheEncodeAndWriteNothing() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let agreement = try oprfAgreement()
        let coordinator = try PartyKeys.generate(party: "coordinator")
        let pin = SkatteverketTestNumbers.personnummer[0]
        try Data("id,pnr\nr1,\(pin)\n".utf8).write(to: URL(fileURLWithPath: "\(f.dir)/fk.csv"))
        let mapping = try ColumnMapping(json: Data(Self.mapping.utf8))
        try await withServers([try f.service("kh-a")]) { urls in
            let dir = f.dir, registry = f.registry, keys = f.keys
            let error = try await offPool { () -> NodeError? in
                var job = IngestJob(input: "\(dir)/fk.csv", mapping: mapping, schema: nil,
                                    keys: LinkageKeys(agreementID: agreement.id, linkageSecret: SecretBytes.random(count: 32)),
                                    party: keys["fk"]!, coordinator: coordinator.publicKeys, referenceDate: CalendarDate(year: 2026, month: 1, day: 1)!,
                                    output: "\(dir)/out", threads: 1, createdAt: 1_795_000_000)
                job.agreement = agreement
                job.keyHolderBlinding = try KeyHolderBlinding(dealtPath: "\(dir)/dealt/\(DealtPublicKey.fileName(agreement: agreement.id))",
                                                              registry: registry, holderURLs: ["kh-a": urls[0]], node: keys["fk"]!,
                                                              cacheDirectory: "\(dir)/cache")
                do { _ = try Ingest.run(job); return nil } catch let e as NodeError { return e }
            }
            #expect(error?.code == .keyHolders, "\(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: "\(f.dir)/out"))
        }
    }

    @Test func anAgreementsCapsReplaceTheDealtCaps() async throws {
        let f = try Fixture()
        defer { f.remove() }
        // The dealt file allows 1000; the agreement beside the share allows polisen 3.
        let agreement = try oprfAgreement(caps: ["fk": 1000, "polisen": 3])
        let shares = KeyHolderLayout(root: f.dir + "/kh-b").shares
        try Data(agreement.bytes).write(to: URL(fileURLWithPath: shares + "/\(agreement.id).agreement.json"))
        var sigs = AgreementSignatures(agreement: agreement)
        for p in agreement.partyIDs { sigs.sign(agreement, with: f.keys[p]!) }
        try JSONEncoder().encode(sigs).write(to: URL(fileURLWithPath: shares + "/\(agreement.id).signatures.json"))
        let service = try f.service("kh-b")
        let loaded = try await Fixture.events(service).first { $0.type == .oprfShareLoaded }
        #expect(loaded?.counts?["polisen"] == 3 && loaded?.parameters?["capsFrom"] == "agreement")
        let elements = try (0..<4).flatMap { i in try OPRFClient.blind(Array("x\(i)".utf8), suite: .voprf).blindedElement.bytes }
        let body = try APIJSON.encode(EvaluateRequest(elements: Data(elements)))
        await #expect(throws: KeyHolderError.self) {
            _ = try await service.admit(party: "polisen", nonce: "n1", agreement: agreement.id, body: body)
        }
        let refused = try await Fixture.events(service).last
        #expect(refused?.type == .oprfRefused && refused?.code == "keyholder.over-cap")
    }

    @Test func anAgreementThatDisagreesWithTheDealtKeyStopsTheStart() throws {
        let f = try Fixture()
        defer { f.remove() }
        let agreement = try oprfAgreement(threshold: 3)
        let shares = KeyHolderLayout(root: f.dir + "/kh-a").shares
        try Data(agreement.bytes).write(to: URL(fileURLWithPath: shares + "/\(agreement.id).agreement.json"))
        var sigs = AgreementSignatures(agreement: agreement)
        for p in agreement.partyIDs { sigs.sign(agreement, with: f.keys[p]!) }
        try JSONEncoder().encode(sigs).write(to: URL(fileURLWithPath: shares + "/\(agreement.id).signatures.json"))
        #expect(throws: KeyHoldingError.self) { _ = try f.service("kh-a") }
    }
}
