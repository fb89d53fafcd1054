import Foundation
import OPRF
import Parties
import Sodium

/// The dealer ceremony (Protocols/keyholder.md §3): one party makes an agreement's OPRF key,
/// splits it t-of-n, seals each share to its key holder with its signature, publishes the group
/// public key and every share public key, and keeps nothing. A dealer rather than a distributed
/// key generation: see Protocols/keyholder.md §3.1.
public enum DealerCeremony {
    /// The ceremony's output: the public file for everyone, and one sealed share per key holder.
    public struct Dealt: Sendable {
        /// The signed public file.
        public let publicKey: DealtPublicKey
        /// One sealed share per holder, in index order.
        public let shares: [SealedShare]
    }

    /// Deals a fresh key for `agreement` to `holders` (in that order: holder i gets share i).
    /// Every holder must be registered as a `key-holder`, distinct, and not one of the capped
    /// parties; 1 ≤ t ≤ n ≤ 255. The key and the polynomial live only inside this call:
    /// their `SecretBytes` are wiped when it returns. `randomScalar` draws the key and the
    /// coefficients; only tests pass a seeded one.
    public static func deal(agreement: String, holders: [String], threshold: Int, caps: [String: Int],
                            roundSeconds: UInt64 = 86_400, dealer: PartyKeys, registry: Registry,
                            randomScalar: () throws -> Scalar = { Scalar.random() }) throws -> Dealt {
        guard threshold >= 1, threshold <= holders.count, holders.count <= 255 else {
            throw KeyHoldingError(.invalidCeremony, "--threshold \(threshold) of \(holders.count) holders: need 1 ≤ t ≤ n ≤ 255")
        }
        guard Set(holders).count == holders.count else { throw KeyHoldingError(.invalidCeremony, "--holders names a key holder twice") }
        guard !caps.isEmpty else { throw KeyHoldingError(.invalidCeremony, "no party of the agreement has a cap") }
        var sealingKeys: [X25519.PublicKey] = []
        for h in holders {
            guard let entry = try? registry.entry(h), entry.role == .keyHolder else {
                throw KeyHoldingError(.notAHolder, "--holders: '\(h)' is not registered as a key-holder")
            }
            sealingKeys.append(entry.keys.sealing)
        }
        for (party, cap) in caps {
            guard (try? registry.entry(party)) != nil, cap >= 0, !holders.contains(party) else {
                throw KeyHoldingError(.invalidCeremony, "--caps: party '\(party)' is not registered, is a key holder, or has a negative cap")
            }
        }
        // Protocols/keyholder.md §3: the key exists only here, and is wiped when `key` is released.
        var shares: [OPRFKeyShare] = []
        var groupPublicKey = Element.generator
        do {
            let key = try randomScalar()
            groupPublicKey = try Element.baseMultiplied(by: key)
            shares = try ThresholdOPRF.split(key, threshold: threshold, count: holders.count, randomScalar: randomScalar)
        } catch let e as OPRFError { throw KeyHoldingError(.invalidCeremony, e.reason) }
        let dealt = DealtPublicKey(
            agreement: agreement, dealer: dealer.party, threshold: threshold, roundSeconds: roundSeconds, groupPublicKey: groupPublicKey,
            holders: zip(holders, shares).map { DealtPublicKey.Holder(party: $0, share: $1.publicShare) }, caps: caps
        ).signed(by: dealer.signing)
        try dealt.checkShape()
        try dealt.checkConsistency()
        let sealed = zip(dealt.holders, shares).enumerated().map { i, pair in
            SealedShare.seal(DealtShare(index: pair.1.index, keyPair: pair.1.keyPair), dealt: dealt, holder: pair.0,
                             to: sealingKeys[i], dealerKey: dealer.signing)
        }
        return Dealt(publicKey: dealt, shares: sealed)
    }

    /// Writes the public file and each sealed share into `directory` (created if needed; files
    /// are never overwritten). Returns the paths written.
    public static func write(_ dealt: Dealt, to directory: String) throws -> [String] {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        let files = [(DealtPublicKey.fileName(agreement: dealt.publicKey.agreement), try dealt.publicKey.encoded())]
            + (try dealt.shares.map { (SealedShare.fileName(agreement: $0.agreement, holder: $0.holder), try $0.encoded()) })
        for (name, data) in files {
            let path = directory + "/" + name
            guard !FileManager.default.fileExists(atPath: path) else { throw KeyHoldingError(.io, "\(path) exists; a ceremony never overwrites a file") }
            guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o644]) else {
                throw KeyHoldingError(.io, "cannot write \(path)")
            }
            written.append(path)
        }
        return written
    }
}
