import API
import Foundation
import KeyHolding
import OPRF
import ProtocolLog
import Sodium

/// A batch that passed every check and is counted by the meter; ``KeyHolderService/evaluate(_:)``
/// turns it into an answer.
public struct AdmittedBatch: Sendable {
    let agreement: String
    let party: String
    let nonce: String
    let round: UInt64
    let usedAfter: Int
    let cap: Int
    let share: DealtShare
    let elements: [Element]
}

extension KeyHolderService {
    /// Checks an authenticated batch request (Protocols/keyholder.md §4): the agreement is served,
    /// the caller is one of its parties, the body is a batch of 1…65535 canonical non-identity
    /// elements, and the batch fits under the caller's cap for the current round. The batch is
    /// counted before it is evaluated. Every refusal is logged as `oprf.refused` and thrown.
    public func admit(party: String, nonce: String, agreement: String, body: Data) throws -> AdmittedBatch {
        let time = now()
        func refuse(_ code: KeyHolderError.Code, _ reason: String, round: UInt64? = nil, elements: Int? = nil) throws -> Never {
            var parameters = ["nonce": nonce]
            if let round { parameters["round"] = String(round) }
            try record(LogEvent(time: time, type: .oprfRefused, agreement: agreement, party: party,
                                counts: elements.map { ["elements": $0] }, parameters: parameters, code: code.rawValue, reason: reason))
            throw KeyHolderError(code, reason)
        }
        guard let served = served[agreement] else {
            try refuse(.notFound, "this key holder holds no share for agreement '\(agreement)'")
        }
        guard let cap = served.caps[party] else {
            try refuse(.forbidden, "'\(party)' is not a party of agreement '\(agreement)'")
        }
        let round = Meter.round(now: time, roundSeconds: served.dealt.roundSeconds)
        guard let request = try? APIJSON.decode(EvaluateRequest.self, from: body) else {
            try refuse(.badRequest, "expected {\"elements\": base64}", round: round)
        }
        let bytes = Array(request.elements)
        let width = OPRFSuite.elementLength
        guard !bytes.isEmpty, bytes.count % width == 0 else {
            try refuse(.badRequest, "the batch is \(bytes.count) bytes, not a positive multiple of \(width)", round: round)
        }
        let count = bytes.count / width
        guard count <= EvaluateRequest.maxBatch else {
            try refuse(.badRequest, "a batch of \(count) elements exceeds \(EvaluateRequest.maxBatch)", round: round, elements: count)
        }
        let elements: [Element]
        do {
            // Protocols/oprf.md §5: every element from a peer goes through DeserializeElement; the
            // batch is decoded on every core (§8.4), and the first bad element is the one named.
            elements = try ParallelBatch.map(count: count) { i in
                try OPRFSuite.deserializeElement(Array(bytes[i * width..<(i + 1) * width]), "element \(i)")
            }
        } catch let e as OPRFError {
            try refuse(.invalidElement, e.reason, round: round, elements: count)
        }
        let key = Meter.Key(agreement: agreement, party: party, round: round)
        switch meter.decide(key, count: count, cap: cap) {
        case .rejected(let reason):
            try refuse(.overCap, reason, round: round, elements: count)
        case .accepted(let usedAfter):
            meter.record(key, count: count)
            return AdmittedBatch(agreement: agreement, party: party, nonce: nonce, round: round, usedAfter: usedAfter, cap: cap,
                                 share: served.share, elements: elements)
        }
    }

    /// BlindEvaluate of the VOPRF mode under the batch's share: `k_i·B[j]` for every element and
    /// one batched DLEQ proof under `pk_i` (Protocols/oprf.md §7.2). Runs outside the actor, on
    /// every core (Protocols/oprf.md §8.4).
    public nonisolated static func evaluate(_ batch: AdmittedBatch) throws -> EvaluateAnswer {
        try answer(share: batch.share, agreement: batch.agreement, elements: batch.elements, round: batch.round,
                   used: batch.usedAfter, cap: batch.cap)
    }

    /// The answer to a batch under `share`: what ``evaluate(_:)`` computes, callable on its own
    /// (the benchmark times it, with `workers: 1` for the one-thread rate).
    public nonisolated static func answer(share: DealtShare, agreement: String, elements: [Element], round: UInt64 = 0,
                                          used: Int = 0, cap: Int = 0, workers: Int = ParallelBatch.defaultWorkers) throws -> EvaluateAnswer {
        let (evaluated, proof) = try OPRFServer.blindEvaluate(keyPair: share.keyPair, blindedElements: elements, suite: .voprf, workers: workers)
        var out = Data(capacity: evaluated.count * OPRFSuite.elementLength)
        for e in evaluated { out.append(contentsOf: e.bytes) }
        return EvaluateAnswer(agreement: agreement, index: share.index, evaluated: out, proof: Data(proof.serialized),
                              round: round, used: used, cap: cap)
    }

    /// Logs an evaluated batch as `oprf.evaluated` (party, agreement, round, count, the party's
    /// total for the round and its cap, the request's nonce).
    public func recordEvaluated(_ batch: AdmittedBatch) throws {
        try record(LogEvent(time: now(), type: .oprfEvaluated, agreement: batch.agreement, party: batch.party,
                            counts: ["elements": batch.elements.count, "used": batch.usedAfter, "cap": batch.cap],
                            parameters: ["round": String(batch.round), "nonce": batch.nonce, "index": String(batch.share.index)]))
    }

    /// Logs a batch that was admitted but could not be evaluated (an internal failure).
    public func recordFailed(_ batch: AdmittedBatch, _ reason: String) throws {
        try record(LogEvent(time: now(), type: .oprfRefused, agreement: batch.agreement, party: batch.party,
                            counts: ["elements": batch.elements.count],
                            parameters: ["round": String(batch.round), "nonce": batch.nonce],
                            code: KeyHolderError.Code.internal.rawValue, reason: reason))
    }
}
