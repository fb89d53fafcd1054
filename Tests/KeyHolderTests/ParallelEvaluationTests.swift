import API
import CoordinatorClient
import Foundation
@testable import KeyHolder
import KeyHolding
@testable import Node
import OPRF
import Sodium
import Testing
import TestSupport

/// What the blocking calls of the parallel wrong-key test saw.
private struct ParallelSeen: Sendable {
    var wrongFirst: ThresholdBlinding.Outcome?
    var wrongOnly: KeyHoldingError?
}

/// The node's threshold evaluation split across threads and with several batches in flight
/// (Protocols/keyholder.md §10, oprf.md §8.4, §9.4), held to the whole key's pseudonyms.
@Suite struct ParallelEvaluationTests {
    static func ids(_ n: Int, _ rng: inout SeededRandom) -> [String] {
        (0..<n).map { _ in String(UInt64.random(in: 190_000_000_000...209_999_999_999, using: &rng)) }
    }

    static func shares(_ f: Fixture) throws -> [DealtShare] {
        try ["kh-a", "kh-b", "kh-c"].map { h in
            try f.dealt.shares.first { $0.holder == h }!.open(with: f.keys[h]!, dealt: f.dealt.publicKey, registry: f.registry)
        }
    }

    /// Batch sizes that do not divide evenly by the worker counts: the parallel blind, key-holder
    /// answer, verification and folded combine+finalise give the whole key's pseudonyms, and
    /// the same as the one-thread literal combination (λ_i·Z_i summed, then r⁻¹).
    @Test func parallelPathGivesTheWholeKeysPseudonymsForUnevenBatchSizes() throws {
        let f = try Fixture()
        defer { f.remove() }
        var rng = SeededRandom()
        let shares = try Self.shares(f)
        for size in [1, 2, 7, 4097] {
            let ids = Self.ids(size, &rng)
            let inputs = ids.map { OPRFPseudonym.input(agreement: Fixture.agreement, namespace: .person, canonical: $0) }
            let workers = [3, 4][size % 2]
            let blinded = try OPRFClient.blind(batch: inputs, suite: .voprf, workers: workers)
            let pick = shares.shuffled(using: &rng).prefix(2)
            let answers = try pick.map { s in
                (holder: f.dealt.publicKey.holders[Int(s.index) - 1].party,
                 answer: try KeyHolderService.answer(share: s, agreement: Fixture.agreement, elements: blinded.map(\.blindedElement), workers: workers))
            }
            let blinding = try ThresholdBlinding(dealt: f.dealt.publicKey, holders: [], workers: workers)
            let fast = try blinding.finish(inputs: inputs, blinded: blinded, answers: answers)
            let naive = try ids.map { try OPRFPseudonym.reference(key: f.key, agreement: Fixture.agreement, namespace: .person, canonical: $0) }
            #expect(fast == naive, "seed \(rng.seed) size \(size) workers \(workers)")
            let verified = try answers.map { (index: $0.answer.index,
                                              evaluated: try blinding.verify($0.answer, from: $0.holder, blindedElements: blinded.map(\.blindedElement))) }
            let literal = try ThresholdBlinding(dealt: f.dealt.publicKey, holders: [], workers: 1)
                .combineAndFinalizeReference(inputs: inputs, blinds: blinded.map(\.blind), answers: verified)
            #expect(literal == fast, "seed \(rng.seed) size \(size)")
        }
    }

    /// Several batches in flight at once, against three real key holders of which the first
    /// answers with a wrong key: every batch's answer from it is refused by its proof, it is named
    /// once, and the pseudonyms are still the whole key's, in order.
    @Test func aWrongKeyHolderIsNamedWhenItSitsInParallelBatches() async throws {
        let f = try Fixture(caps: ["fk": 100_000, "polisen": 100_000])
        defer { f.remove() }
        var rng = SeededRandom()
        let ids = Self.ids(301, &rng)
        let services = [try f.service("kh-a"), try f.service("kh-b"), try f.wrongKeyService("kh-c")]
        try await withServers(services) { urls in
            let fk = f.keys["fk"]!
            let dealt = f.dealt.publicKey
            let seen = try await offPool { () -> ParallelSeen in
                var seen = ParallelSeen()
                let wrong = KeyHolderClient(holder: "kh-c", url: urls[2], keys: fk)
                let a = KeyHolderClient(holder: "kh-a", url: urls[0], keys: fk)
                let b = KeyHolderClient(holder: "kh-b", url: urls[1], keys: fk)
                seen.wrongFirst = try ThresholdBlinding(dealt: dealt, holders: [wrong, a, b], batchSize: 40, workers: 3, inFlight: 3)
                    .pseudonyms(ids, namespace: .person)
                do {
                    _ = try ThresholdBlinding(dealt: dealt, holders: [wrong, a], batchSize: 40, workers: 3, inFlight: 3).pseudonyms(ids, namespace: .person)
                } catch let e as KeyHoldingError { seen.wrongOnly = e }
                return seen
            }
            let reference = try ids.map { try OPRFPseudonym.reference(key: f.key, agreement: Fixture.agreement, namespace: .person, canonical: $0) }
            #expect(seen.wrongFirst?.pseudonyms == reference, "seed \(rng.seed)")
            #expect(seen.wrongFirst?.refusals.map(\.holder) == ["kh-c"])
            #expect(seen.wrongFirst?.refusals.first?.code == KeyHoldingError.Code.proofFailed.rawValue)
            #expect(seen.wrongOnly?.code == .tooFewHolders)
            #expect(seen.wrongOnly?.reason.contains("kh-c") == true)
            // kh-a was asked in each of the first call's eight batches (of at most 40) and evaluated all 301.
            let evaluated = try await Fixture.events(services[0]).filter { $0.type == .oprfEvaluated }.map { $0.counts?["elements"] ?? 0 }
            #expect(evaluated.prefix(8).reduce(0, +) == 301 && evaluated.allSatisfy { $0 <= 40 })
        }
    }
}
