import API
import CoordinatorClient
import Foundation
@testable import KeyHolder
import KeyHolding
import OPRF
import Parties
import ProtocolLog
import Sodium
import Testing
import TestSupport
import Wire

private struct Answers: Sendable {
    var overCap: CoordinatorClient.Failure?
    var withinCap: EvaluateAnswer?
    var nonParty: CoordinatorClient.Failure?
    var holderAsNode: CoordinatorClient.Failure?
    var nonCanonical: CoordinatorClient.Failure?
    var identity: CoordinatorClient.Failure?
    var unknownAgreement: CoordinatorClient.Failure?
    var first: Int?
    var replay: Int?
    var replayBody: String?
}

private func failure(_ body: () throws -> Any) -> CoordinatorClient.Failure? {
    do { _ = try body(); return nil } catch let e as CoordinatorClient.Failure { return e } catch { return nil }
}

/// A blinded element of a real input, 32 bytes.
private func blindedElements(_ count: Int) throws -> [UInt8] {
    try (0..<count).flatMap { try OPRFClient.blind(Array("id-\($0)".utf8), suite: .voprf).blindedElement.bytes }
}

/// Bad requests to a real key holder on loopback: each is refused with its status and code and
/// logged in the key holder's own log.
@Suite struct RefusalTests {
    @Test func overCapReplayNonPartyAndNonCanonicalBatchesAreRefusedAndLogged() async throws {
        let f = try Fixture(caps: ["fk": 10, "polisen": 10])
        defer { f.remove() }
        let service = try f.service("kh-a")
        try await withServers([service]) { urls in
            let url = urls[0]
            let keys = f.keys
            let answers = try await offPool { () -> Answers in
                var a = Answers()
                let fk = KeyHolderClient(holder: "kh-a", url: url, keys: keys["fk"]!)
                a.overCap = failure { try fk.evaluate(agreement: Fixture.agreement, elements: try blindedElements(11)) }
                a.withinCap = try fk.evaluate(agreement: Fixture.agreement, elements: try blindedElements(6))
                a.nonParty = failure { try KeyHolderClient(holder: "kh-a", url: url, keys: keys["outsider"]!).evaluate(agreement: Fixture.agreement, elements: try blindedElements(1)) }
                a.holderAsNode = failure { try KeyHolderClient(holder: "kh-a", url: url, keys: keys["kh-b"]!).evaluate(agreement: Fixture.agreement, elements: try blindedElements(1)) }
                // Not a canonical encoding: 2^255 − 1 is above the field prime.
                a.nonCanonical = failure { try fk.evaluate(agreement: Fixture.agreement, elements: [UInt8](repeating: 0xff, count: 31) + [0x7f]) }
                a.identity = failure { try fk.evaluate(agreement: Fixture.agreement, elements: [UInt8](repeating: 0, count: 32)) }
                a.unknownAgreement = failure { try fk.evaluate(agreement: "another", elements: try blindedElements(1)) }
                // The same signed request sent twice.
                let path = KeyHolderPath.evaluate(agreement: Fixture.agreement)
                let body = try APIJSON.encode(EvaluateRequest(elements: Data(try blindedElements(1))))
                var headers = RequestSignature.sign(method: "POST", path: path, body: Array(body), party: "polisen", key: keys["polisen"]!.signing)
                headers["Content-Type"] = "application/json"
                let transport = try HTTPTransport(url: url)
                a.first = try transport.exchange(method: "POST", path: path, headers: headers, body: .bytes(body)).status
                let replay = try transport.exchange(method: "POST", path: path, headers: headers, body: .bytes(body))
                a.replay = replay.status
                a.replayBody = String(decoding: replay.body, as: UTF8.self)
                return a
            }
            #expect(answers.overCap?.status == 429 && answers.overCap?.code == "keyholder.over-cap")
            #expect(answers.withinCap?.used == 6 && answers.withinCap?.cap == 10 && answers.withinCap?.index == 1)
            #expect(answers.nonParty?.status == 403 && answers.nonParty?.code == "auth.forbidden")
            #expect(answers.holderAsNode?.status == 403)
            #expect(answers.nonCanonical?.status == 400 && answers.nonCanonical?.code == "keyholder.invalid-element")
            #expect(answers.identity?.code == "keyholder.invalid-element")
            #expect(answers.unknownAgreement?.status == 404)
            #expect(answers.first == 200)
            #expect(answers.replay == 401 && answers.replayBody?.contains("auth.replay") == true)

            let events = try await Fixture.events(service)
            let refused = events.filter { $0.type == .oprfRefused }
            #expect(refused.map { $0.code ?? "" }.sorted() == ["auth.forbidden", "auth.forbidden", "keyholder.invalid-element", "keyholder.invalid-element",
                                                                 "keyholder.over-cap", "not-found"])
            #expect(refused.first { $0.code == "keyholder.over-cap" }?.party == "fk")
            #expect(refused.first { $0.code == "keyholder.over-cap" }?.counts?["elements"] == 11)
            #expect(refused.contains { $0.party == "outsider" })
            #expect(events.contains { $0.type == .authenticationFailed && $0.code == "auth.replay" && $0.party == "polisen" })
            let evaluated = events.filter { $0.type == .oprfEvaluated }
            #expect(evaluated.map(\.party) == ["fk", "polisen"])
            // The dealer and every share's public key were logged when the share was loaded.
            let loaded = try #require(events.first { $0.type == .oprfShareLoaded })
            #expect(loaded.party == "dealer" && loaded.parameters?["index"] == "1")
            #expect(loaded.parameters?["sharePublicKeys"]?.split(separator: ",").count == 3)
            // No element, key or pseudonym in the log: every event is under 1 KiB of metadata.
            #expect(events.allSatisfy { $0.encoded().count < 1024 })
        }
    }

    @Test func unauthenticatedRefusalsBeyondTheWindowLimitAreCountedNotLoggedOneByOne() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let service = try f.service("kh-a", now: { 1_800_000_000 })
        for _ in 0..<25 {
            await #expect(throws: KeyHolderError.self) {
                try await service.authenticate(method: "POST", path: "/v1/oprf/x/evaluate", headers: { _ in nil }, bodyDigest: "")
            }
        }
        try await service.flushRefusals(force: true)
        let events = try await Fixture.events(service)
        #expect(events.filter { $0.type == .authenticationFailed }.count == 10)
        #expect(events.first { $0.type == .refusalsAggregated }?.counts == ["auth.failed": 15])
    }

    @Test func theMeterAndTheNoncesSurviveARestart() async throws {
        let f = try Fixture(caps: ["fk": 10, "polisen": 10])
        defer { f.remove() }
        let clock: @Sendable () -> UInt64 = { 1_800_000_000 }
        let first = try f.service("kh-a", now: clock)
        let share = try f.dealt.shares[0].open(with: f.keys["kh-a"]!, dealt: f.dealt.publicKey, registry: f.registry)
        let elements = try (0..<8).map { try OPRFClient.blind(Array("x\($0)".utf8), suite: .voprf).blindedElement }
        let body = try APIJSON.encode(EvaluateRequest(elements: Data(elements.flatMap(\.bytes))))
        let batch = try await first.admit(party: "fk", nonce: "n1", agreement: Fixture.agreement, body: body)
        try await first.recordEvaluated(batch)
        #expect(batch.share.index == share.index)
        // A new service over the same directory: 8 of 10 are used, and nonce n1 is spent.
        let second = try f.service("kh-a", now: clock)
        await #expect(throws: KeyHolderError.self) { try await second.admit(party: "fk", nonce: "n2", agreement: Fixture.agreement, body: body) }
        let small = try APIJSON.encode(EvaluateRequest(elements: Data(elements[0].bytes + elements[1].bytes)))
        _ = try await second.admit(party: "fk", nonce: "n3", agreement: Fixture.agreement, body: small)
        await #expect(throws: KeyHolderError.self) { try await second.admit(party: "fk", nonce: "n1", agreement: Fixture.agreement, body: small) }
        // The next round starts from zero.
        let later = try f.service("kh-a", now: { 1_800_000_000 + 86_400 })
        _ = try await later.admit(party: "fk", nonce: "n4", agreement: Fixture.agreement, body: body)
    }

    @Test func theKeyHoldersLogExportsAndVerifiesAsAProtocolLog() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let service = try f.service("kh-b")
        let body = try APIJSON.encode(EvaluateRequest(elements: Data(try blindedElements(3))))
        let batch = try await service.admit(party: "polisen", nonce: "n", agreement: Fixture.agreement, body: body)
        try await service.recordEvaluated(batch)
        // What `korskoll log export --data DIR --key K` does: open the log with the holder's key, bundle it.
        let keys = f.keys["kh-b"]!
        let store = try LogStore(directory: f.dir + "/kh-b/log", coordinator: keys.party, key: keys.signing)
        let bundle = LogBundle(origin: store.origin, logKey: keys.signing.publicKey, entries: store.entries, checkpoints: store.checkpoints)
        let decoded = try LogBundle(decoding: bundle.encoded(signer: keys.signing), key: f.registry.entry("kh-b").keys.signing)
        #expect(decoded.entries.count == store.entries.count && store.entries.count >= 2)
        // Tree, checkpoint signatures and consistency verify (the events' checks against the
        // agreements are the joint verification's, Protocols/keyholder.md §6).
        let report = try LogVerifier.verify(decoded, agreements: [], nodeCheckpoints: [])
        #expect(report.entries == store.entries.count)
    }
}
