import Foundation
import OPRF
import Parties
import Sodium

/// The public result of a dealer ceremony for one agreement (Protocols/keyholder.md §2.1): the
/// group public key `pk = k·G`, each key holder's share index and share public key `pk_i`, the
/// threshold, the meter's caps, and the dealer's signature over all of it. Nodes verify every
/// key holder's answer against the `pk_i` here, never against one sent with the answer.
public struct DealtPublicKey: Sendable, Equatable {
    /// The format name of the JSON file.
    public static let format = "korskoll-oprf-dealt-v1"
    /// The label of the signed transcript (Protocols/keyholder.md §2.1).
    public static let label = "korskoll/v1/oprf-dealt"
    /// The suite every dealt key is used with: ristretto255-SHA512 in the VOPRF mode.
    public static let suiteName = "ristretto255-SHA512/VOPRF"

    /// One key holder's public share.
    public struct Holder: Sendable, Equatable {
        /// The key holder's party id (registry role `key-holder`).
        public let party: String
        /// Its share's public key and index.
        public let share: OPRFSharePublicKey
        /// A holder from its parts.
        public init(party: String, share: OPRFSharePublicKey) {
            self.party = party
            self.share = share
        }
    }

    /// The agreement the key belongs to; one key per agreement.
    public let agreement: String
    /// The party that dealt the key and deleted it.
    public let dealer: String
    /// t: how many key holders must answer.
    public let threshold: Int
    /// The meter's round length in seconds; a round is `floor(now / roundSeconds)` on the key
    /// holder's clock (Protocols/keyholder.md §4).
    public let roundSeconds: UInt64
    /// pk = k·G.
    public let groupPublicKey: Element
    /// The n key holders, in index order.
    public let holders: [Holder]
    /// The most identifiers each party of the agreement may have evaluated per round, by party;
    /// a party not listed is not a party of the agreement.
    public let caps: [String: Int]
    /// Ed25519 by the dealer over ``transcript``.
    public let signature: [UInt8]

    /// The public file's content before signing; ``signed(by:)`` adds the signature.
    public init(agreement: String, dealer: String, threshold: Int, roundSeconds: UInt64, groupPublicKey: Element,
                holders: [Holder], caps: [String: Int], signature: [UInt8] = []) {
        self.agreement = agreement
        self.dealer = dealer
        self.threshold = threshold
        self.roundSeconds = roundSeconds
        self.groupPublicKey = groupPublicKey
        self.holders = holders
        self.caps = caps
        self.signature = signature
    }

    /// The holder entry of `party`, if it holds a share.
    public func holder(_ party: String) -> Holder? { holders.first { $0.party == party } }

    /// The signed bytes (Protocols/keyholder.md §2.1):
    /// ```
    /// "korskoll/v1/oprf-dealt" ‖ 0x00 ‖ lp(agreement) ‖ lp(dealer) ‖ I2OSP(t, 2) ‖ I2OSP(roundSeconds, 8)
    ///   ‖ pk ‖ I2OSP(n, 2) ‖ n × (lp(party) ‖ I2OSP(index, 2) ‖ pk_i)
    ///   ‖ I2OSP(m, 2) ‖ m × (lp(party) ‖ I2OSP(cap, 8))          caps sorted by party id
    /// ```
    public var transcript: [UInt8] {
        var out = Array(Self.label.utf8) + [0]
        out += lp(agreement) + lp(dealer) + be(UInt64(threshold), 2) + be(roundSeconds, 8) + groupPublicKey.bytes
        out += be(UInt64(holders.count), 2)
        for h in holders { out += lp(h.party) + be(UInt64(h.share.index), 2) + h.share.publicKey.bytes }
        let sortedCaps = caps.sorted { $0.key < $1.key }
        out += be(UInt64(sortedCaps.count), 2)
        for (party, cap) in sortedCaps { out += lp(party) + be(UInt64(cap), 8) }
        return out
    }

    /// Hex SHA-256 of ``transcript``: the dealt key's id in logs and share signatures.
    public var digest: [UInt8] { SHA256.hash(transcript) }

    /// This content signed by the dealer's key.
    public func signed(by key: Ed25519.PrivateKey) -> DealtPublicKey {
        DealtPublicKey(agreement: agreement, dealer: dealer, threshold: threshold, roundSeconds: roundSeconds,
                       groupPublicKey: groupPublicKey, holders: holders, caps: caps, signature: key.signature(for: transcript))
    }

    /// Checks everything a reader must check before using the file (Protocols/keyholder.md §2.3):
    /// the dealer is registered and signed it; 1 ≤ t ≤ n; indices are 1…n in order and holders
    /// distinct; every holder is registered as a `key-holder`; and every share public key lies on
    /// one polynomial of degree t−1 whose value at 0 is the group public key.
    public func verify(registry: Registry) throws {
        guard let dealerEntry = try? registry.entry(dealer) else {
            throw KeyHoldingError(.badSignature, "the dealer '\(dealer)' of agreement '\(agreement)' is not in the registry")
        }
        guard dealerEntry.keys.signing.isValidSignature(signature, for: transcript) else {
            throw KeyHoldingError(.badSignature, "the dealt key of agreement '\(agreement)' is not signed by its dealer '\(dealer)'")
        }
        try checkShape()
        for h in holders {
            guard let entry = try? registry.entry(h.party), entry.role == .keyHolder else {
                throw KeyHoldingError(.notAHolder, "'\(h.party)' holds share \(h.share.index) of agreement '\(agreement)' but is not registered as a key-holder")
            }
        }
        try checkConsistency()
    }

    /// Threshold, indices, holder and cap sanity.
    func checkShape() throws {
        guard threshold >= 1, threshold <= holders.count, holders.count <= 255 else {
            throw KeyHoldingError(.malformed, "agreement '\(agreement)': threshold \(threshold) of \(holders.count) holders")
        }
        guard roundSeconds >= 1 else { throw KeyHoldingError(.malformed, "agreement '\(agreement)': roundSeconds must be at least 1") }
        for (i, h) in holders.enumerated() where h.share.index != UInt16(i + 1) {
            throw KeyHoldingError(.malformed, "agreement '\(agreement)': holder '\(h.party)' has index \(h.share.index), expected \(i + 1)")
        }
        guard Set(holders.map(\.party)).count == holders.count else {
            throw KeyHoldingError(.malformed, "agreement '\(agreement)': a key holder holds two shares")
        }
        for (party, cap) in caps where cap < 0 || holders.contains(where: { $0.party == party }) {
            throw KeyHoldingError(.malformed, "agreement '\(agreement)': party '\(party)' has cap \(cap) or is also a key holder")
        }
    }

    /// Every share lies on the polynomial the first t shares fix, and that polynomial passes
    /// through pk at 0: `Σ λ_i·pk_i = pk` for the first t shares, and for the first t−1 shares
    /// together with each later one (Protocols/keyholder.md §2.3).
    func checkConsistency() throws {
        let shares = holders.map(\.share)
        let t = threshold
        var sets = [Array(shares.prefix(t))]
        for j in t..<shares.count { sets.append(Array(shares.prefix(t - 1)) + [shares[j]]) }
        for set in sets {
            let combined = try ThresholdOPRF.combine(set.map(\.publicKey), indices: set.map(\.index))
            guard combined == groupPublicKey else {
                throw KeyHoldingError(.inconsistent, "agreement '\(agreement)': shares \(set.map(\.index)) do not combine to the group public key")
            }
        }
    }
}

/// `I2OSP(len(s), 2) ‖ s` for a UTF-8 string (ids are far below 2^16 bytes).
func lp(_ s: String) -> [UInt8] { let b = Array(s.utf8); return be(UInt64(b.count), 2) + b }

/// `I2OSP(value, width)`: big-endian.
func be(_ value: UInt64, _ width: Int) -> [UInt8] { (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
