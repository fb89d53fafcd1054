import Blinding
import CoordinatorClient
import Foundation
import KeyHolding
import Parties

/// The key-holder mode's replacement for `IdentifierBlinder` at a node (Protocols/keyholder.md §8,
/// §9): the pseudonyms of a list of canonical identifiers, from the node's cache where it has them
/// and from t of the key holders for the rest. Identifiers must be collected before encoding,
/// since evaluation is batched over the network.
/// `@unchecked Sendable`: an ingest job carries it, and only the job's one writer thread calls it.
public final class KeyHolderBlinding: @unchecked Sendable {
    /// The threshold client.
    public let threshold: ThresholdBlinding
    /// The node's cache for this agreement.
    public let cache: PseudonymCache

    /// What one call produced.
    public struct Outcome: Sendable {
        /// One 32-byte pseudonym per identifier, in order.
        public var pseudonyms: [[UInt8]]
        /// How many identifiers were sent to the key holders (the rest came from the cache).
        public var evaluated: Int
        /// Key holders refused or passed over on the way, named.
        public var refusals: [ThresholdBlinding.Refusal]
    }

    /// Reads and verifies the dealt public file at `dealtPath` against `registry`, opens (or
    /// starts) the node's cache in `cacheDirectory`, and prepares clients for `holderURLs`
    /// (key holder id → `http://HOST:PORT`, tried in the dealt file's share order).
    public init(dealtPath: String, registry: Registry, holderURLs: [String: String], node: PartyKeys,
                cacheDirectory: String, batchSize: Int = 4096) throws {
        let dealt = try DealtPublicKey.load(dealtPath, registry: registry)
        let clients = dealt.holders.compactMap { h in holderURLs[h.party].map { KeyHolderClient(holder: h.party, url: $0, keys: node) } }
        for party in holderURLs.keys where dealt.holder(party) == nil {
            throw KeyHoldingError(.notAHolder, "'\(party)' holds no share of agreement '\(dealt.agreement)'")
        }
        threshold = try ThresholdBlinding(dealt: dealt, holders: clients, batchSize: batchSize)
        try? FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        cache = try PseudonymCache(directory: cacheDirectory, agreement: dealt.agreement, groupPublicKey: dealt.groupPublicKey, node: node)
    }

    /// The pseudonyms of `canonicals` in `namespace`; only identifiers not in the cache are evaluated.
    public func pseudonyms(_ canonicals: [String], namespace: IdentifierNamespace) throws -> Outcome {
        var refusals: [ThresholdBlinding.Refusal] = []
        let (pseudonyms, evaluated) = try cache.pseudonyms(canonicals, namespace: namespace) { missing in
            let outcome = try threshold.pseudonyms(missing, namespace: namespace)
            refusals = outcome.refusals
            return outcome.pseudonyms
        }
        return Outcome(pseudonyms: pseudonyms, evaluated: evaluated, refusals: refusals)
    }
}
