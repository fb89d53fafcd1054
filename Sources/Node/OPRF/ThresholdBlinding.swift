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
///
/// Speed (Protocols/keyholder.md §10): each batch's element work (blind, decoding and proof
/// verification of every answer, combination and Finalize) is split across ``workers`` threads,
/// and ``inFlight`` batches are under way at once, so the key holders' evaluation of one batch
/// overlaps the node's work on another. Combination and Finalize fold each answer's Lagrange
/// coefficient and the blind's inverse into one scalar (Protocols/oprf.md §9.4).
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
    /// Threads for the element work of one batch.
    public let workers: Int
    /// Batches under way at once (each waits for the key holders in turn).
    public let inFlight: Int

    /// Refuses a client for a party that holds no share of this agreement
    /// (``KeyHoldingError/Code/notAHolder``). `workers` and `inFlight` are at least 1.
    public init(dealt: DealtPublicKey, holders: [KeyHolderClient], batchSize: Int = 4096,
                workers: Int = ParallelBatch.defaultWorkers, inFlight: Int = 3) throws {
        for h in holders where dealt.holder(h.holder) == nil {
            throw KeyHoldingError(.notAHolder, "'\(h.holder)' holds no share of agreement '\(dealt.agreement)'")
        }
        self.dealt = dealt
        self.holders = holders
        self.batchSize = max(1, min(batchSize, EvaluateRequest.maxBatch))
        self.workers = max(1, workers)
        self.inFlight = max(1, inFlight)
    }

    /// The pseudonyms of `canonicals` (canonical identifier strings, `identifiers.md`) in `namespace`.
    /// Up to ``inFlight`` batches are under way at once; a holder refused in one batch is not asked
    /// in batches started after. On failure, the error of the earliest failing batch is thrown.
    public func pseudonyms(_ canonicals: [String], namespace: IdentifierNamespace) throws -> Outcome {
        let starts = Array(stride(from: 0, to: canonicals.count, by: batchSize))
        let pipeline = Pipeline(batches: starts.count)
        Self.onThreads(min(inFlight, starts.count)) { _ in
            while let b = pipeline.next() {
                let start = starts[b], end = min(start + batchSize, canonicals.count)
                let inputs = canonicals[start..<end].map { OPRFPseudonym.input(agreement: dealt.agreement, namespace: namespace, canonical: $0) }
                var refusals = pipeline.refusals
                do {
                    let pseudonyms = try evaluate(inputs, refusals: &refusals)
                    pipeline.finish(b, pseudonyms, refusals: refusals)
                } catch {
                    pipeline.fail(b, error, refusals: refusals)
                }
            }
        }
        return try pipeline.outcome()
    }

    /// One batch: blind, ask, verify, combine, finalise.
    func evaluate(_ inputs: [[UInt8]], refusals: inout [Refusal]) throws -> [[UInt8]] {
        let blinded: [BlindedInput]
        do { blinded = try OPRFClient.blind(batch: inputs, suite: .voprf, workers: workers) } catch let e as OPRFError {
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
            let evaluated = try ParallelBatch.map(count: blindedElements.count, workers: workers) {
                try OPRFSuite.deserializeElement(Array(bytes[$0 * width..<($0 + 1) * width]), "evaluated element \($0) from '\(holder)'")
            }
            let proof = try DLEQProof(serialized: Array(answer.proof))
            try DLEQ.verifyProof(A: .generator, B: entry.share.publicKey, C: blindedElements, D: evaluated, proof: proof,
                                 suite: .voprf, prover: "key holder '\(holder)' (share \(entry.share.index))", workers: workers)
            return evaluated
        } catch let e as OPRFError {
            throw KeyHoldingError(.proofFailed, "key holder '\(holder)': \(e.reason)")
        }
    }

    /// Combination and Finalize in one step over the first t verified answers (Protocols/oprf.md
    /// §9.4): `N[e] = Σ (λ_i·r_e⁻¹)·Z_i[e]`, then the output hash of N[e]: t scalar multiplications
    /// per identifier instead of t + 1, on ``workers`` threads, the blinds of each thread's slice
    /// inverted together (``ThresholdOPRF/inverses(_:)``).
    /// ``combineAndFinalizeReference(inputs:blinds:answers:)`` is the literal form the tests hold it to.
    func combineAndFinalize(inputs: [[UInt8]], blinds: [Scalar], answers: [(index: UInt16, evaluated: [Element])]) throws -> [[UInt8]] {
        let used = Array(answers.prefix(dealt.threshold))
        do {
            let lambdas = try ThresholdOPRF.lagrangeCoefficientsAtZero(indices: used.map(\.index))
            let slices = try ParallelBatch.perSlice(count: inputs.count, workers: workers) { range in
                // One inversion per slice for all its blinds.
                let inverses = try ThresholdOPRF.inverses(blinds[range])
                return try range.map { e in
                    let inverse = inverses[e - range.lowerBound]
                    var unblinded = Element.identity
                    for (answer, lambda) in zip(used, lambdas) {
                        unblinded = try unblinded.adding(answer.evaluated[e].multipliedAllowingIdentity(by: lambda.multiplied(by: inverse)))
                    }
                    return OPRFPseudonym.pseudonym(output: try OPRFClient.finalize(inputs[e], unblinded: unblinded))
                }
            }
            return slices.flatMap { $0 }
        } catch let e as OPRFError {
            throw KeyHoldingError(.proofFailed, "the combined evaluation is invalid: \(e.reason)")
        }
    }

    /// The reference for ``combineAndFinalize(inputs:blinds:answers:)``, on one thread and as
    /// Protocols/oprf.md §9.3 writes it: `Z[e] = Σ λ_i·Z_i[e]`, then Finalize with `r⁻¹·Z[e]`.
    func combineAndFinalizeReference(inputs: [[UInt8]], blinds: [Scalar], answers: [(index: UInt16, evaluated: [Element])]) throws -> [[UInt8]] {
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

    /// Sends the batch to each holder at once, each on its own thread (the calls block on sockets,
    /// so they keep off the threads that do the element work).
    static func askInParallel(_ holders: [KeyHolderClient], agreement: String, body: [UInt8]) -> [(String, Result<EvaluateAnswer, any Error>)] {
        let results = ResultBox(count: holders.count)
        onThreads(holders.count) { i in
            results.set(i, Result { try holders[i].evaluate(agreement: agreement, elements: body) })
        }
        return holders.indices.map { (holders[$0].holder, results.get($0)) }
    }

    /// `body(0)…body(count − 1)` at once, each on its own thread (the caller's for 0); returns when
    /// all have. Dedicated threads, not the shared pool: these bodies wait on sockets.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        let done = DispatchSemaphore(value: 0)
        for i in 1..<count {
            let thread = Thread { body(i); done.signal() }
            thread.stackSize = 1 << 20
            thread.start()
        }
        body(0)
        for _ in 1..<count { done.wait() }
    }
}

/// The batches of one ``ThresholdBlinding/pseudonyms(_:namespace:)`` call, shared by the threads
/// that have them in flight: which batch is next, the pseudonyms of each, the refusals so far
/// (each holder once), and the earliest failure.
private final class Pipeline: @unchecked Sendable {
    private let lock = NSLock()
    private var nextBatch = 0
    private var results: [[[UInt8]]?]
    private var shared: [ThresholdBlinding.Refusal] = []
    private var failure: (batch: Int, error: any Error)?

    init(batches: Int) { results = Array(repeating: nil, count: batches) }

    /// The next batch to start, or nil when all have started or one has failed.
    func next() -> Int? {
        lock.withLock {
            guard failure == nil, nextBatch < results.count else { return nil }
            defer { nextBatch += 1 }
            return nextBatch
        }
    }

    /// The refusals so far.
    var refusals: [ThresholdBlinding.Refusal] { lock.withLock { shared } }

    private func merge(_ refusals: [ThresholdBlinding.Refusal]) {
        for r in refusals where !shared.contains(where: { $0.holder == r.holder }) { shared.append(r) }
    }

    func finish(_ batch: Int, _ pseudonyms: [[UInt8]], refusals: [ThresholdBlinding.Refusal]) {
        lock.withLock {
            results[batch] = pseudonyms
            merge(refusals)
        }
    }

    func fail(_ batch: Int, _ error: any Error, refusals: [ThresholdBlinding.Refusal]) {
        lock.withLock {
            merge(refusals)
            if failure == nil || batch < failure!.batch { failure = (batch, error) }
        }
    }

    func outcome() throws -> ThresholdBlinding.Outcome {
        try lock.withLock {
            if let failure { throw failure.error }
            var out = ThresholdBlinding.Outcome(pseudonyms: [], refusals: shared)
            out.pseudonyms.reserveCapacity(results.reduce(0) { $0 + ($1?.count ?? 0) })
            for r in results { out.pseudonyms += r! }
            return out
        }
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
