import API
import Blinding
import CoordinatorClient
import Foundation
@testable import KeyHolder
import KeyHolding
import Node
import OPRF
import ProtocolLog
import Sodium
import Testing
import TestSupport

/// What the blocking calls saw, checked afterwards in the test's context.
private struct Seen: Sendable {
    var byPair: [[String]: [[UInt8]]] = [:]
    var wrongFirst: ThresholdBlinding.Outcome?
    var wrongOnly: KeyHoldingError?
    var swapped: ThresholdBlinding.Outcome?
}

/// The node against three real key holders on loopback (2-of-3).
@Suite struct ThresholdEvaluationTests {
    static let people = ["198001011234", "199912319876", "200002291111", "197506150000", "201010101010"]

    @Test func anyTwoOfThreeKeyHoldersGiveTheWholeKeysPseudonyms() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let services = try ["kh-a", "kh-b", "kh-c"].map { try f.service($0) }
        try await withServers(services) { urls in
            let fk = f.keys["fk"]!
            let dealt = f.dealt.publicKey
            let seen = try await offPool { () -> Seen in
                var seen = Seen()
                for pair in [["kh-a", "kh-b"], ["kh-b", "kh-c"], ["kh-c", "kh-a"]] {
                    let clients = pair.map { h in KeyHolderClient(holder: h, url: urls[["kh-a", "kh-b", "kh-c"].firstIndex(of: h)!], keys: fk) }
                    let outcome = try ThresholdBlinding(dealt: dealt, holders: clients, batchSize: 2).pseudonyms(Self.people, namespace: .person)
                    seen.byPair[pair] = outcome.pseudonyms
                }
                return seen
            }
            let reference = try Self.people.map { try OPRFPseudonym.reference(key: f.key, agreement: Fixture.agreement, namespace: .person, canonical: $0) }
            for (pair, pseudonyms) in seen.byPair {
                #expect(pseudonyms == reference, "pair \(pair), seed \(f.seed)")
            }
            #expect(Set(reference).count == reference.count && reference.allSatisfy { $0.count == 32 })
            // Each holder logged its batches: party, count, agreement, round.
            for service in services {
                let evaluated = try await Fixture.events(service).filter { $0.type == .oprfEvaluated }
                #expect(evaluated.count == 6)  // two pairs × three batches of at most 2
                #expect(evaluated.allSatisfy { $0.party == "fk" && $0.agreement == Fixture.agreement && $0.parameters?["round"] != nil })
                #expect(evaluated.map { $0.counts?["elements"] ?? 0 }.reduce(0, +) == 10)
            }
        }
    }

    @Test func personAndOrganisationPseudonymsOfEqualDigitsDiffer() throws {
        let f = try Fixture()
        defer { f.remove() }
        let person = try OPRFPseudonym.reference(key: f.key, agreement: Fixture.agreement, namespace: .person, canonical: "5560000000")
        let org = try OPRFPseudonym.reference(key: f.key, agreement: Fixture.agreement, namespace: .organisation, canonical: "5560000000")
        let other = try OPRFPseudonym.reference(key: f.key, agreement: "other-agreement", namespace: .person, canonical: "5560000000")
        #expect(person != org && person != other)
    }

    @Test func aKeyHolderAnsweringWithAWrongKeyIsNamedAndPassedOver() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let services = [try f.service("kh-a"), try f.service("kh-b"), try f.wrongKeyService("kh-c")]
        try await withServers(services) { urls in
            let fk = f.keys["fk"]!
            let dealt = f.dealt.publicKey
            let seen = try await offPool { () -> Seen in
                var seen = Seen()
                let wrong = KeyHolderClient(holder: "kh-c", url: urls[2], keys: fk)
                let a = KeyHolderClient(holder: "kh-a", url: urls[0], keys: fk)
                let b = KeyHolderClient(holder: "kh-b", url: urls[1], keys: fk)
                seen.wrongFirst = try ThresholdBlinding(dealt: dealt, holders: [wrong, a, b]).pseudonyms(Self.people, namespace: .person)
                do { _ = try ThresholdBlinding(dealt: dealt, holders: [wrong, a]).pseudonyms(Self.people, namespace: .person) } catch let e as KeyHoldingError {
                    seen.wrongOnly = e
                }
                // kh-b's server reached under kh-a's name: it answers as share 2, not kh-a's share 1.
                let swapped = KeyHolderClient(holder: "kh-a", url: urls[1], keys: fk)
                seen.swapped = try? ThresholdBlinding(dealt: dealt, holders: [swapped, a, b]).pseudonyms(Self.people, namespace: .person)
                return seen
            }
            let reference = try Self.people.map { try OPRFPseudonym.reference(key: f.key, agreement: Fixture.agreement, namespace: .person, canonical: $0) }
            #expect(seen.wrongFirst?.pseudonyms == reference, "seed \(f.seed)")
            #expect(seen.wrongFirst?.refusals.map(\.holder) == ["kh-c"])
            #expect(seen.wrongFirst?.refusals.first?.code == KeyHoldingError.Code.proofFailed.rawValue)
            #expect(seen.wrongOnly?.code == .tooFewHolders)
            #expect(seen.wrongOnly?.reason.contains("kh-c") == true)
            #expect(seen.swapped?.refusals.first?.holder == "kh-a")
            #expect(seen.swapped?.refusals.first?.code == KeyHoldingError.Code.notAHolder.rawValue)
        }
    }

    @Test func aClientForAPartyWithoutAShareIsRefused() throws {
        let f = try Fixture()
        defer { f.remove() }
        let stranger = KeyHolderClient(holder: "fk", url: "http://127.0.0.1:1", keys: f.keys["polisen"]!)
        #expect(throws: KeyHoldingError.self) { try ThresholdBlinding(dealt: f.dealt.publicKey, holders: [stranger]) }
        do { _ = try ThresholdBlinding(dealt: f.dealt.publicKey, holders: [stranger]) } catch let e as KeyHoldingError {
            #expect(e.code == .notAHolder && e.reason.contains("'fk'"))
        }
    }

    @Test func thresholdPathMatchesTheWholeKeyOnRandomIdentifiers() throws {
        // The naive reference (whole key, RFC Evaluate) beside the fast path (blind, t shares, combine).
        let f = try Fixture()
        defer { f.remove() }
        var rng = SeededRandom()
        let shares = try ["kh-a", "kh-b", "kh-c"].map { h in
            try f.dealt.shares.first { $0.holder == h }!.open(with: f.keys[h]!, dealt: f.dealt.publicKey, registry: f.registry)
        }
        let blinding = try ThresholdBlinding(dealt: f.dealt.publicKey, holders: [])
        for _ in 0..<4 {
            let ids = (0..<8).map { _ in String(UInt64.random(in: 1_000_000_000...9_999_999_999, using: &rng)) }
            let inputs = ids.map { OPRFPseudonym.input(agreement: Fixture.agreement, namespace: .organisation, canonical: $0) }
            let blinded = try OPRFClient.blind(batch: inputs, suite: .voprf)
            let pick = [shares[0], shares[1], shares[2]].shuffled(using: &rng).prefix(2)
            let answers = try pick.map { s in
                (holder: f.dealt.publicKey.holders[Int(s.index) - 1].party,
                 answer: try KeyHolderService.answer(share: s, agreement: Fixture.agreement, elements: blinded.map(\.blindedElement)))
            }
            let fast = try blinding.finish(inputs: inputs, blinded: blinded, answers: answers)
            let naive = try ids.map { try OPRFPseudonym.reference(key: f.key, agreement: Fixture.agreement, namespace: .organisation, canonical: $0) }
            #expect(fast == naive, "seed \(rng.seed)")
        }
    }
}

/// What the node's two checks saw.
private struct Checks: Sendable {
    var first: KeyHolderBlinding.Outcome?
    var second: KeyHolderBlinding.Outcome?
}

/// The node's whole key-holder path: dealt file, key holders on loopback, cache.
@Suite struct KeyHolderBlindingTests {
    @Test func aLaterCheckAsksTheKeyHoldersOnlyForNewIdentifiers() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let services = try ["kh-a", "kh-b", "kh-c"].map { try f.service($0) }
        try await withServers(services) { urls in
            let f2 = f
            let checks = try await offPool { () -> Checks in
                let make = {
                    try KeyHolderBlinding(dealtPath: f2.dir + "/dealt/" + DealtPublicKey.fileName(agreement: Fixture.agreement), registry: f2.registry,
                                          holderURLs: ["kh-a": urls[0], "kh-b": urls[1], "kh-c": urls[2]], node: f2.keys["fk"]!,
                                          cacheDirectory: f2.dir + "/fk-cache")
                }
                var checks = Checks()
                checks.first = try make().pseudonyms(["198001011234", "199912319876", "200002291111"], namespace: .person)
                // A new process: the cache is read back from disk.
                checks.second = try make().pseudonyms(["199912319876", "197506150000", "198001011234"], namespace: .person)
                return checks
            }
            #expect(checks.first?.evaluated == 3 && checks.second?.evaluated == 1)
            #expect(checks.second?.pseudonyms[0] == checks.first?.pseudonyms[1] && checks.second?.pseudonyms[2] == checks.first?.pseudonyms[0])
            let expected = try OPRFPseudonym.reference(key: f.key, agreement: Fixture.agreement, namespace: .person, canonical: "197506150000")
            #expect(checks.second?.pseudonyms[1] == expected, "seed \(f.seed)")
            // The first two key holders counted 3 + 1 identifiers; the third was not needed.
            let used = try await Fixture.events(services[0]).filter { $0.type == .oprfEvaluated }.map { $0.counts?["elements"] ?? 0 }
            #expect(used == [3, 1])
            #expect(try await Fixture.events(services[2]).filter { $0.type == .oprfEvaluated }.isEmpty)
        }
    }
}
