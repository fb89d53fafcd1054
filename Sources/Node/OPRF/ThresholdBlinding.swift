import API
import Blinding
import CoordinatorClient
import Foundation
import KeyHolding
import OPRF
import Sodium

/// The OPRF pseudonym of a canonical identifier in the key-holder mode (Protocols/keyholder.md §8):
/// ```
/// input     = "korskoll/v1/oprf-id" ‖ 0x00 ‖ agreement ‖ 0x00 ‖ namespace ‖ 0x00 ‖ canonical
/// pseudonym = first 32 bytes of Finalize(input, …)     (RFC 9497 output, SHA-512, 64 bytes)
/// ```
/// It takes the place of `IdentifierBlinder`'s keyed BLAKE2b value, with the same length, so
/// submissions and the coordinator's join are unchanged. The namespace in the input keeps a
/// person's and an organisation's pseudonyms apart even for equal digit strings.
public enum OPRFPseudonym {
    /// The input's label.
    public static let label = "korskoll/v1/oprf-id"
    /// Bytes of a pseudonym (the same as `IdentifierBlinder.outputLength`).
    public static let length = 32

    /// The OPRF input of `canonical` in `namespace` under `agreement`.
    public static func input(agreement: String, namespace: IdentifierNamespace, canonical: String) -> [UInt8] {
        Array(label.utf8) + [0] + Array(agreement.utf8) + [0] + Array(namespace.rawValue.utf8) + [0] + Array(canonical.utf8)
    }

    /// The pseudonym of a Finalize output.
    public static func pseudonym(output: [UInt8]) -> [UInt8] { Array(output.prefix(length)) }

    /// The pseudonym computed directly with the whole key `k` (RFC 9497 Evaluate): the reference
    /// that the tests hold the threshold path to. Nobody holds `k` in operation.
    public static func reference(key: Scalar, agreement: String, namespace: IdentifierNamespace, canonical: String) throws -> [UInt8] {
        pseudonym(output: try OPRFServer.evaluate(privateKey: key, input: input(agreement: agreement, namespace: namespace, canonical: canonical), suite: .voprf))
    }
}

/// The node's side of threshold evaluation (Protocols/keyholder.md §8): blind a batch, ask t of
/// the n key holders in parallel, verify every answer's proof against that holder's share public
/// key from the dealt file (never from the answer), combine with Lagrange coefficients in the
/// exponent, finalise. A holder whose answer fails is named in ``Outcome/refusals`` and the next
/// holder is asked instead; fewer than t good answers is an error naming every refusal.
public struct ThresholdBlinding: Sendable {
    /// A key holder that refused, or whose answer was refused.
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        /// The key holder's party id.
        public let holder: String
        /// `keyholding.proof-failed`, `keyholding.not-a-holder`, or the key holder's own code.
        public let code: String
        /// Why, naming the holder.
        public let reason: String
        public var description: String { "\(holder): \(code): \(reason)" }
    }

    /// Pseudonyms in the order of the identifiers, and what was refused on the way.
    public struct Outcome: Sendable {
        /// One 32-byte pseudonym per identifier.
        public var pseudonyms: [[UInt8]]
        /// Key holders that refused or failed, in the order it happened.
        public var refusals: [Refusal]
    }

    /// The dealt public file of the agreement (already verified).
    public let dealt: DealtPublicKey
    /// The key holders the node can reach, in the order it prefers them.
    public let holders: [KeyHolderClient]
    /// Identifiers per request (at most 65535).
    public let batchSize: Int

    /// Refuses a client for a party that holds no share of this agreement
    /// (``KeyHoldingError/Code/notAHolder``).
    public init(dealt: DealtPublicKey, holders: [KeyHolderClient], batchSize: Int = 4096) throws {
        for h in holders where dealt.holder(h.holder) == nil {
            throw KeyHoldingError(.notAHolder, "'\(h.holder)' holds no share of agreement '\(dealt.agreement)'")
        }
        self.dealt = dealt
        self.holders = holders
        self.batchSize = max(1, min(batchSize, EvaluateRequest.maxBatch))
    }

    /// The pseudonyms of `canonicals` (canonical identifier strings, `identifiers.md`) in `namespace`.
    public func pseudonyms(_ canonicals: [String], namespace: IdentifierNamespace) throws -> Outcome {
        var outcome = Outcome(pseudonyms: [], refusals: [])
        outcome.pseudonyms.reserveCapacity(canonicals.count)
        var start = 0
        while start < canonicals.count {
            let end = min(start + batchSize, canonicals.count)
            let inputs = canonicals[start..<end].map { OPRFPseudonym.input(agreement: dealt.agreement, namespace: namespace, canonical: $0) }
            outcome.pseudonyms += try evaluate(inputs, refusals: &outcome.refusals)
            start = end
        }
        return outcome
    }

    /// One batch: blind, ask, verify, combine, finalise.
    func evaluate(_ inputs: [[UInt8]], refusals: inout [Refusal]) throws -> [[UInt8]] {
        let blinded: [BlindedInput]
        do { blinded = try OPRFClient.blind(batch: inputs, suite: .voprf) } catch let e as OPRFError {
            throw KeyHoldingError(.tooFewHolders, "an identifier cannot be blinded: \(e.reason)")
        }
        let elements = blinded.map(\.blindedElement)
        var body = [UInt8]()
        body.reserveCapacity(elements.count * OPRFSuite.elementLength)
        for e in elements { body += e.bytes }
        var good: [(index: UInt16, evaluated: [Element])] = []
        var untried = holders.filter { h in !refusals.contains { $0.holder == h.holder } }
        while good.count < dealt.threshold {
            let ask = Array(untried.prefix(dealt.threshold - good.count))
            guard !ask.isEmpty else {
                throw KeyHoldingError(.tooFewHolders, "\(good.count) of the \(dealt.threshold) key holders needed answered acceptably for agreement '\(dealt.agreement)'"
                                      + (refusals.isEmpty ? "" : "; refused: " + refusals.map(\.description).joined(separator: "; ")))
            }
            untried.removeFirst(ask.count)
            for answer in Self.askInParallel(ask, agreement: dealt.agreement, body: body) {
                switch answer.1 {
                case .success(let a):
                    do { good.append((a.index, try verify(a, from: answer.0, blindedElements: elements))) } catch let e as KeyHoldingError {
                        refusals.append(Refusal(holder: answer.0, code: e.code.rawValue, reason: e.reason))
                    }
                case .failure(let e as CoordinatorClient.Failure):
                    refusals.append(Refusal(holder: answer.0, code: e.code, reason: e.reason))
                case .failure(let e):
                    refusals.append(Refusal(holder: answer.0, code: KeyHoldingError.Code.holderRefused.rawValue, reason: "\(e)"))
                }
            }
        }
        return try combineAndFinalize(inputs: inputs, blinds: blinded.map(\.blind), answers: good)
    }

    /// The last step on its own, for a batch already blinded and answered: verifies each answer
    /// (``verify(_:from:blindedElements:)``), combines the first t and finalises. Throws the
    /// first refusal. The benchmark times it; ``pseudonyms(_:namespace:)`` does the same per batch.
    public func finish(inputs: [[UInt8]], blinded: [BlindedInput], answers: [(holder: String, answer: EvaluateAnswer)]) throws -> [[UInt8]] {
        let elements = blinded.map(\.blindedElement)
        let verified = try answers.map { (index: $0.answer.index, evaluated: try verify($0.answer, from: $0.holder, blindedElements: elements)) }
        guard verified.count >= dealt.threshold else {
            throw KeyHoldingError(.tooFewHolders, "\(verified.count) answers for a threshold of \(dealt.threshold)")
        }
        return try combineAndFinalize(inputs: inputs, blinds: blinded.map(\.blind), answers: verified)
    }

    /// Checks one answer against the dealt file: it is for this agreement, carries the index the
    /// dealt file gives its holder, has one canonical element per input, and its proof verifies
    /// under that holder's published `pk_i` (Protocols/oprf.md §9.3).
    func verify(_ answer: EvaluateAnswer, from holder: String, blindedElements: [Element]) throws -> [Element] {
        guard let entry = dealt.holder(holder) else {
            throw KeyHoldingError(.notAHolder, "'\(holder)' holds no share of agreement '\(dealt.agreement)'")
        }
        guard answer.agreement == dealt.agreement, answer.index == entry.share.index else {
            throw KeyHoldingError(.notAHolder, "'\(holder)' answered as share \(answer.index) of '\(answer.agreement)'; the dealt file gives it share \(entry.share.index) of '\(dealt.agreement)'")
        }
        let bytes = Array(answer.evaluated), width = OPRFSuite.elementLength
        guard bytes.count == blindedElements.count * width else {
            throw KeyHoldingError(.proofFailed, "'\(holder)' answered \(bytes.count / width) elements for \(blindedElements.count)")
        }
        do {
            let evaluated = try (0..<blindedElements.count).map {
                try OPRFSuite.deserializeElement(Array(bytes[$0 * width..<($0 + 1) * width]), "evaluated element \($0) from '\(holder)'")
            }
            let proof = try DLEQProof(serialized: Array(answer.proof))
            try DLEQ.verifyProof(A: .generator, B: entry.share.publicKey, C: blindedElements, D: evaluated, proof: proof,
                                 suite: .voprf, prover: "key holder '\(holder)' (share \(entry.share.index))")
            return evaluated
        } catch let e as OPRFError {
            throw KeyHoldingError(.proofFailed, "key holder '\(holder)': \(e.reason)")
        }
    }

    /// `Z[e] = Σ λ_i·Z_i[e]` over the first t verified answers, then Finalize (Protocols/oprf.md §9.3).
    func combineAndFinalize(inputs: [[UInt8]], blinds: [Scalar], answers: [(index: UInt16, evaluated: [Element])]) throws -> [[UInt8]] {
        let used = Array(answers.prefix(dealt.threshold))
        do {
            let lambdas = try ThresholdOPRF.lagrangeCoefficientsAtZero(indices: used.map(\.index))
            return try inputs.indices.map { e in
                var sum = Element.identity
                for (answer, lambda) in zip(used, lambdas) { sum = try sum.adding(answer.evaluated[e].multipliedAllowingIdentity(by: lambda)) }
                return OPRFPseudonym.pseudonym(output: try OPRFClient.finalize(inputs[e], blind: blinds[e], evaluatedElement: sum))
            }
        } catch let e as OPRFError {
            throw KeyHoldingError(.proofFailed, "the combined evaluation is invalid: \(e.reason)")
        }
    }

    /// Sends the batch to each holder at once, each on its own thread (the calls block on sockets).
    static func askInParallel(_ holders: [KeyHolderClient], agreement: String, body: [UInt8]) -> [(String, Result<EvaluateAnswer, any Error>)] {
        let results = ResultBox(count: holders.count)
        DispatchQueue.concurrentPerform(iterations: holders.count) { i in
            results.set(i, Result { try holders[i].evaluate(agreement: agreement, elements: body) })
        }
        return holders.indices.map { (holders[$0].holder, results.get($0)) }
    }
}

/// Answers filled in from several threads.
private final class ResultBox: @unchecked Sendable {
    private var results: [Result<EvaluateAnswer, any Error>?]
    private let lock = NSLock()
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<EvaluateAnswer, any Error>) { lock.withLock { results[i] = r } }
    func get(_ i: Int) -> Result<EvaluateAnswer, any Error> { lock.withLock { results[i]! } }
}
