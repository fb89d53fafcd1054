import Agreements
import API
import ArgumentParser
import Blinding
import CoordinatorClient
import Foundation
import KeyHolder
import KeyHolding
import Node
import OPRF
import Parties
import Sodium

/// `korskoll keyholder`: the key-holder mode (Protocols/keyholder.md).
struct KeyHolderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyholder", abstract: "Deal, serve and measure the key holders' threshold OPRF (Protocols/keyholder.md).",
        subcommands: [Serve.self, Deal.self, Bench.self])

    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve metered VOPRF evaluation of this key holder's shares (DATA/shares), logging to DATA/log.")

        @Option(help: "Data directory: shares/ (dealt files), log/, port.") var data: String
        @Option(help: "HOST:PORT to listen on (port 0 picks a free one; the port is written to DATA/port).") var listen = "127.0.0.1:8450"
        @Option(help: "The key holder's secret key file.") var key: String
        @Option(help: "The party registry.") var registry: String

        func run() throws {
            let parts = listen.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--listen must be HOST:PORT") }
            let host = String(parts[0])
            let (keys, reg) = try loadKeysAndRegistry(key: key, registry: registry)
            guard (try? reg.entry(keys.party))?.role == .keyHolder else {
                throw failure("\(keys.party) is not registered as a key-holder in \(registry)")
            }
            let service: KeyHolderService
            do { service = try KeyHolderService(dataDir: data, keys: keys, registry: reg) } catch let e as KeyHoldingError { throw failure(e.reason) }
            let dataDir = data
            try runBlocking {
                let agreements = await service.agreements
                // Closes each window of folded unauthenticated refusals (log.md §1.1).
                Task {
                    while true {
                        try? await Task.sleep(for: .seconds(60))
                        try? await service.flushRefusals()
                    }
                }
                try await KeyHolderServer.run(service: service, host: host, port: port) { actual in
                    try? Data("\(actual)\n".utf8).write(to: URL(fileURLWithPath: KeyHolderLayout(root: dataDir).portFile), options: .atomic)
                    printError("key holder \(keys.party) listening on \(host):\(actual), shares of \(agreements.isEmpty ? "no agreement" : agreements.joined(separator: ", ")), data in \(dataDir)")
                }
            }
        }
    }

    struct Deal: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dealer ceremony: make an agreement's OPRF key, split it t-of-n, seal each share to its key holder, publish the public keys, delete the key.",
            discussion: "Writes <agreement>.oprf-dealt.json and one <agreement>.<holder>.oprf-share.json per holder into --out (Protocols/keyholder.md §3).")

        @Option(help: "The agreement (<name>.agreement.json, OPRF blinding mode): the key holders, threshold and caps come from it (Protocols/agreements.md §4).") var agreement: String?
        @Option(name: .customLong("agreement-id"), help: "The agreement the key is for, without --agreement (one key per agreement).") var agreementID: String?
        @Option(help: "Key holders, comma-separated, in share order (registry role key-holder); without --agreement.") var holders: String?
        @Option(help: "How many key holders must answer (t); without --agreement.") var threshold: Int?
        @Option(help: "Caps per round: party=N,… for every party of the agreement; without --agreement.") var caps: String?
        @Option(name: .customLong("round-seconds"), help: "Length of a metering round in seconds.") var roundSeconds: UInt64 = 86_400
        @Option(help: "The party registry.") var registry: String
        @Option(help: "The dealer's secret key file.") var key: String
        @Option(help: "Directory to write the dealt files into.") var out: String

        func validate() throws {
            guard roundSeconds >= 1 else { throw ValidationError("--round-seconds must be at least 1") }
            if agreement != nil {
                guard agreementID == nil, holders == nil, threshold == nil, caps == nil else {
                    throw ValidationError("--agreement gives the id, key holders, threshold and caps; do not give --agreement-id, --holders, --threshold or --caps with it")
                }
                return
            }
            guard agreementID != nil, holders != nil, let threshold, let caps else {
                throw ValidationError("give --agreement, or all of --agreement-id, --holders, --threshold and --caps")
            }
            guard threshold >= 1 else { throw ValidationError("--threshold must be at least 1") }
            guard (try? Self.parseCaps(caps)) != nil else { throw ValidationError("--caps must be party=N,… with whole numbers N") }
        }

        static func parseCaps(_ text: String) throws -> [String: Int] {
            var out: [String: Int] = [:]
            for item in text.split(separator: ",") {
                let kv = item.split(separator: "=")
                guard kv.count == 2, let n = Int(kv[1]), n >= 0 else { throw ValidationError("--caps item '\(item)'") }
                out[String(kv[0])] = n
            }
            return out
        }

        func run() throws {
            let (dealer, reg) = try loadKeysAndRegistry(key: key, registry: registry)
            var id = agreementID ?? "", holderList = holders?.split(separator: ",").map(String.init) ?? []
            var t = threshold ?? 0, capMap = try caps.map(Self.parseCaps) ?? [:]
            if let agreement {
                do {
                    let a = try AgreementFiles.load(agreement).0
                    try a.checkKeyHolders(registry: reg)
                    guard let mode = a.blinding.oprf else { throw failure("--agreement \(agreement): agreement \(a.id) uses the keyed-hash blinding; nothing to deal") }
                    id = a.id; holderList = mode.keyHolders; t = mode.threshold; capMap = mode.caps
                } catch let e as AgreementError { throw failure("--agreement \(e.reason)") }
            }
            do {
                let dealt = try DealerCeremony.deal(agreement: id, holders: holderList, threshold: t, caps: capMap, roundSeconds: roundSeconds,
                                                    dealer: dealer, registry: reg)
                for path in try DealerCeremony.write(dealt, to: out) { print("wrote \(path)") }
                print("dealt \(t)-of-\(dealt.shares.count) key for \(id) by \(dealer.party) (digest \(Hex.encode(dealt.publicKey.digest).prefix(16))…); the key itself was never written and is wiped")
            } catch let e as KeyHoldingError { throw failure(e.reason) }
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure key-holder evaluation and node-side blind/finalise rates next to bare crypto_scalarmult_ristretto255 (JSON).")

        @Option(help: "Identifiers per measured batch.") var count = 4096
        @Option(help: "Worker threads for the multi-thread rates (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            guard (1...EvaluateRequest.maxBatch).contains(count) else { throw ValidationError("--count must be 1…\(EvaluateRequest.maxBatch)") }
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let report = try KeyHolderBenchmark.run(count: count, threads: threads)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}

private func loadKeysAndRegistry(key: String, registry: String) throws -> (PartyKeys, Registry) {
    do {
        return (try KeyFiles.loadSecret(URL(fileURLWithPath: key)), try Registry.load(URL(fileURLWithPath: registry)))
    } catch let e as KeyError { throw failure(e.reason) }
}

/// The benchmark of `korskoll keyholder bench` (Protocols/keyholder.md §10): each rate beside the
/// bare scalar-multiplication rate of the same run and the bound its operation count gives.
enum KeyHolderBenchmark {
    struct Rate: Codable {
        /// What was timed.
        let operation: String
        /// Variable-base scalar multiplications per identifier.
        let scalarMultsPerItem: Int
        let perSecond: Double
        /// scalarmultPerSecond / scalarMultsPerItem.
        let boundPerSecond: Double
        /// bound / measured: 1.0 is the bound, above it is slower.
        let slowdownVsBound: Double
        /// Every libsodium group and hash operation per identifier, not only the multiplications.
        let operations: Operations
        /// The bound those operations give at the primitives' rates of this run:
        /// 1 / Σ (count / rate) (× threads for the multi-thread rates).
        let boundAllOpsPerSecond: Double
        /// boundAllOps / measured.
        let slowdownVsAllOpsBound: Double
    }

    /// One identifier's operations (Protocols/keyholder.md §10).
    struct Operations: Codable {
        var scalarMults = 0, hashToGroup = 0, decodes = 0, hashToScalar = 0, adds = 0, outputHashes = 0

        /// Seconds per identifier at `rates` (one thread).
        func seconds(at r: PrimitiveRates) -> Double {
            Double(scalarMults) / r.scalarMult + Double(hashToGroup) / r.hashToGroup + Double(decodes) / r.decode
                + Double(hashToScalar) / r.hashToScalar + Double(adds) / r.add + Double(outputHashes) / r.outputHash
        }
    }

    /// Each primitive's rate on one thread, per second, measured in the run.
    struct PrimitiveRates: Codable {
        /// crypto_scalarmult_ristretto255.
        var scalarMult: Double
        /// HashToGroup: expand_message_xmd (SHA-512) and crypto_core_ristretto255_from_hash.
        var hashToGroup: Double
        /// DeserializeElement: crypto_core_ristretto255_is_valid_point and the identity check.
        var decode: Double
        /// HashToScalar of a composite weight's 145-byte transcript: expand_message_xmd and
        /// crypto_core_ristretto255_scalar_reduce.
        var hashToScalar: Double
        /// crypto_core_ristretto255_add.
        var add: Double
        /// Finalize's output hash (SHA-512 of the input, the element and the label).
        var outputHash: Double

        func faster(_ o: PrimitiveRates) -> PrimitiveRates {
            PrimitiveRates(scalarMult: max(scalarMult, o.scalarMult), hashToGroup: max(hashToGroup, o.hashToGroup), decode: max(decode, o.decode),
                           hashToScalar: max(hashToScalar, o.hashToScalar), add: max(add, o.add), outputHash: max(outputHash, o.outputHash))
        }
        var rounded: PrimitiveRates {
            PrimitiveRates(scalarMult: scalarMult.rounded(), hashToGroup: hashToGroup.rounded(), decode: decode.rounded(),
                           hashToScalar: hashToScalar.rounded(), add: add.rounded(), outputHash: outputHash.rounded())
        }
    }

    struct Report: Codable {
        let count: Int
        let threshold: Int
        let libsodium: String
        /// Bare crypto_scalarmult_ristretto255 on one thread.
        let scalarmultPerSecond: Double
        /// Every primitive the operations use, bare, on one thread.
        let primitivesPerSecond: PrimitiveRates
        /// One thread each; the bound is scalarmultPerSecond / mults.
        let rates: [Rate]
        /// Worker threads of the multi-thread rates.
        let threads: Int
        /// Bare crypto_scalarmult_ristretto255 on `threads` threads at once, measured.
        let scalarmultPerSecondParallel: Double
        /// `threads` threads each; the bound is scalarmultPerSecond × threads / mults.
        let parallelRates: [Rate]
    }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func run(count: Int, threads: Int, threshold t: Int = 2, holders n: Int = 3) throws -> Report {
        // Bare crypto_scalarmult_ristretto255 on distinct points and scalars, on one thread and on all.
        let points = try (0..<count).map { _ in try Element.baseMultiplied(by: .random()) }
        let scalars = (0..<count).map { _ in Scalar.random() }
        for i in 0..<min(count, 64) { _ = try points[i].multiplied(by: scalars[i]) }  // warm up
        func bareRate() throws -> Double { Double(count) / (try time { for i in 0..<count { _ = try points[i].multiplied(by: scalars[i]) } }) }
        func bareParallelRate() throws -> Double {
            Double(count) / (try time {
                _ = try ParallelBatch.perSlice(count: count, workers: threads) { range in for i in range { _ = try points[i].multiplied(by: scalars[i]) } }
            })
        }
        // Measured before and after the operations; the faster of the two is the bound, so a
        // moment of load on a shared machine does not loosen it.
        let suite = OPRFSuite.voprf
        let transcripts = (0..<count).map { i in (0..<145).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) } }
        let pointBytes = points.map(\.bytes)
        func primitiveRates() throws -> PrimitiveRates {
            func rate(_ body: (Int) throws -> Void) throws -> Double { Double(count) / (try time { for i in 0..<count { try body(i) } }) }
            return PrimitiveRates(
                scalarMult: try bareRate(),
                hashToGroup: try rate { _ = try suite.hashToGroup(transcripts[$0]) },
                decode: try rate { _ = try OPRFSuite.deserializeElement(pointBytes[$0]) },
                hashToScalar: try rate { _ = try suite.hashToScalar(transcripts[$0]) },
                add: try rate { _ = try points[$0].adding(points[($0 + 1) % count]) },
                outputHash: try rate { _ = try OPRFClient.finalize(transcripts[$0], unblinded: points[$0]) })
        }
        var primitives = try primitiveRates()
        var bare = primitives.scalarMult
        var bareParallel = try bareParallelRate()

        let key = Scalar.random()
        let shares = try ThresholdOPRF.split(key, threshold: t, count: n)
        let dealt = DealtPublicKey(agreement: "bench", dealer: "bench", threshold: t, roundSeconds: 86_400,
                                   groupPublicKey: try Element.baseMultiplied(by: key),
                                   holders: shares.map { .init(party: "holder-\($0.index)", share: $0.publicShare) }, caps: [:])
        let canonicals = (0..<count).map { String(format: "19%010d", $0) }
        let inputs = canonicals.map { OPRFPseudonym.input(agreement: "bench", namespace: .person, canonical: $0) }

        /// Times blind, one key holder's answer, and verify + combine + finalise with `workers` threads.
        func measure(workers: Int) throws -> (blind: Double, evaluate: Double, finish: Double) {
            var blinded: [BlindedInput] = []
            let blindSeconds = try time { blinded = try OPRFClient.blind(batch: inputs, suite: .voprf, workers: workers) }
            let elements = blinded.map(\.blindedElement)
            var answers: [(holder: String, answer: EvaluateAnswer)] = []
            let evalSeconds = try time {
                let s = shares[0]
                answers.append(("holder-1", try KeyHolderService.answer(share: DealtShare(index: s.index, keyPair: s.keyPair), agreement: "bench",
                                                                       elements: elements, workers: workers)))
            }
            for s in shares[1..<t] {
                answers.append(("holder-\(s.index)", try KeyHolderService.answer(share: DealtShare(index: s.index, keyPair: s.keyPair), agreement: "bench",
                                                                                 elements: elements, workers: workers)))
            }
            let blinding = try ThresholdBlinding(dealt: dealt, holders: [], workers: workers)
            var pseudonyms: [[UInt8]] = []
            let finishSeconds = try time { pseudonyms = try blinding.finish(inputs: inputs, blinded: blinded, answers: answers) }
            // The benchmark's own check: the threshold path gives the whole key's pseudonym.
            for e in Set([0, count / 2, count - 1]) {
                guard try pseudonyms[e] == OPRFPseudonym.reference(key: key, agreement: "bench", namespace: .person, canonical: canonicals[e]) else {
                    throw failure("benchmark self-check: the combined pseudonym of identifier \(e) differs from the whole key's (\(workers) workers)")
                }
            }
            return (blindSeconds, evalSeconds, finishSeconds)
        }
        func rates(_ seconds: (blind: Double, evaluate: Double, finish: Double), bound scalarmults: Double, threads: Int) -> [Rate] {
            func rate(_ name: String, _ seconds: Double, _ ops: Operations) -> Rate {
                let measured = Double(count) / seconds, bound = scalarmults / Double(ops.scalarMults)
                let allOps = Double(threads) / ops.seconds(at: primitives)
                return Rate(operation: name, scalarMultsPerItem: ops.scalarMults, perSecond: measured.rounded(), boundPerSecond: bound.rounded(),
                            slowdownVsBound: (bound / measured * 100).rounded() / 100, operations: ops,
                            boundAllOpsPerSecond: allOps.rounded(), slowdownVsAllOpsBound: (allOps / measured * 100).rounded() / 100)
            }
            return [
                // r·HashToGroup(x): one multiplication and one hash to the group.
                rate("node-blind", seconds.blind, Operations(scalarMults: 1, hashToGroup: 1)),
                // k_i·B and d_i·C_i of the proof's composite, the weight d_i, the composite's sum.
                rate("keyholder-evaluate", seconds.evaluate, Operations(scalarMults: 2, hashToScalar: 1, adds: 1)),
                // per answer: decode Z_i, its weight d_i, d_i·C_i and d_i·D_i into the two sums
                // (verify); then (λ_i·r⁻¹)·Z_i summed (combine and finalise folded, Protocols/oprf.md
                // §9.4) and the output hash: 3t multiplications.
                // Adds: the two composite sums and the combination each start from the identity.
                rate("node-verify-combine-finalise", seconds.finish,
                     Operations(scalarMults: 3 * t, decodes: t, hashToScalar: t, adds: 3 * t, outputHashes: 1)),
            ]
        }
        // More threads than cores do not raise the bound.
        let cores = min(threads, ProcessInfo.processInfo.activeProcessorCount)
        let single = try measure(workers: 1)
        let parallel = try measure(workers: threads)
        primitives = primitives.faster(try primitiveRates())
        bare = primitives.scalarMult
        bareParallel = max(bareParallel, try bareParallelRate())
        return Report(count: count, threshold: t, libsodium: Sodium.version, scalarmultPerSecond: bare.rounded(),
                      primitivesPerSecond: primitives.rounded,
                      rates: rates(single, bound: bare, threads: 1), threads: threads, scalarmultPerSecondParallel: bareParallel.rounded(),
                      parallelRates: rates(parallel, bound: bare * Double(cores), threads: cores))
    }
}
