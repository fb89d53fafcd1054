import Foundation
import OPRF
import Parties
import Sodium

// The JSON forms of the dealer ceremony's files (Protocols/keyholder.md §2): one reader and one
// writer each, here, so that the dealer, the key holders and the nodes share one format.

extension DealtPublicKey {
    struct File: Codable {
        struct Holder: Codable { let party: String; let index: UInt16; let publicKey: String }
        let format: String
        let agreement: String
        let suite: String
        let dealer: String
        let threshold: Int
        let roundSeconds: UInt64
        let groupPublicKey: String
        let holders: [Holder]
        let caps: [String: Int]
        let signature: String
    }

    /// The file name of an agreement's dealt public key: `<agreement>.oprf-dealt.json`.
    public static func fileName(agreement: String) -> String { "\(agreement).oprf-dealt.json" }

    /// The JSON file (sorted keys, base64 fields).
    public func encoded() throws -> Data {
        let file = File(format: Self.format, agreement: agreement, suite: Self.suiteName, dealer: dealer, threshold: threshold,
                        roundSeconds: roundSeconds, groupPublicKey: b64(groupPublicKey.bytes),
                        holders: holders.map { .init(party: $0.party, index: $0.share.index, publicKey: b64($0.share.publicKey.bytes)) },
                        caps: caps, signature: b64(signature))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(file)
    }

    /// Parses the JSON file; every element must be canonical and non-identity. The signature and
    /// consistency are checked by ``verify(registry:)``, which every reader calls next.
    public init(json data: Data, source: String) throws {
        guard let file = try? JSONDecoder().decode(File.self, from: data), file.format == Self.format else {
            throw KeyHoldingError(.malformed, "\(source) is not a \(Self.format) JSON document")
        }
        guard file.suite == Self.suiteName else { throw KeyHoldingError(.malformed, "\(source): suite '\(file.suite)' is not \(Self.suiteName)") }
        func element(_ text: String, _ what: String) throws -> Element {
            guard let bytes = Data(base64Encoded: text) else { throw KeyHoldingError(.malformed, "\(source): \(what) is not base64") }
            do { return try OPRFSuite.deserializeElement(Array(bytes), what) } catch let e as OPRFError {
                throw KeyHoldingError(.malformed, "\(source): \(e.reason)")
            }
        }
        guard let signature = Data(base64Encoded: file.signature), signature.count == Ed25519.signatureLength else {
            throw KeyHoldingError(.malformed, "\(source): signature is not a base64 Ed25519 signature")
        }
        self.init(agreement: file.agreement, dealer: file.dealer, threshold: file.threshold, roundSeconds: file.roundSeconds,
                  groupPublicKey: try element(file.groupPublicKey, "groupPublicKey"),
                  holders: try file.holders.map {
                      Holder(party: $0.party, share: OPRFSharePublicKey(index: $0.index, publicKey: try element($0.publicKey, "the public key of \($0.party)")))
                  },
                  caps: file.caps, signature: Array(signature))
    }

    /// Reads and verifies a dealt public file.
    public static func load(_ path: String, registry: Registry) throws -> DealtPublicKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyHoldingError(.io, "\(path) cannot be read") }
        let dealt = try DealtPublicKey(json: data, source: path)
        try dealt.verify(registry: registry)
        return dealt
    }
}

/// One key holder's share as dealt: sealed to the key holder's X25519 key, signed by the dealer
/// (Protocols/keyholder.md §2.2).
///
/// ```
/// plaintext = I2OSP(index, 2) ‖ k_i (32) ‖ signature (64)
/// signature = Ed25519(dealer, "korskoll/v1/oprf-share" ‖ 0x00 ‖ SHA-256(dealt transcript) ‖ lp(holder) ‖ I2OSP(index, 2) ‖ pk_i)
/// sealed    = crypto_box_seal(holder's X25519 key, plaintext)
/// ```
public struct SealedShare: Sendable, Equatable {
    /// The format name of the JSON file.
    public static let format = "korskoll-oprf-share-v1"
    /// The label of the share signature.
    public static let label = "korskoll/v1/oprf-share"
    static let plaintextLength = 2 + 32 + Ed25519.signatureLength

    /// The agreement.
    public let agreement: String
    /// The key holder the share is sealed to.
    public let holder: String
    /// The dealer.
    public let dealer: String
    /// The sealed box.
    public let sealed: [UInt8]

    /// The file name of a holder's share: `<agreement>.<holder>.oprf-share.json`.
    public static func fileName(agreement: String, holder: String) -> String { "\(agreement).\(holder).oprf-share.json" }

    /// The signed message binding a share to the dealt public file.
    static func signedMessage(dealt: DealtPublicKey, holder: DealtPublicKey.Holder) -> [UInt8] {
        Array(label.utf8) + [0] + dealt.digest + lp(holder.party) + be(UInt64(holder.share.index), 2) + holder.share.publicKey.bytes
    }

    /// Seals `share` to `holder` (done by the dealer ceremony).
    static func seal(_ share: DealtShare, dealt: DealtPublicKey, holder: DealtPublicKey.Holder, to key: X25519.PublicKey,
                     dealerKey: Ed25519.PrivateKey) -> SealedShare {
        let signature = dealerKey.signature(for: signedMessage(dealt: dealt, holder: holder))
        var plaintext = be(UInt64(share.index), 2) + OPRFSuite.serializeScalar(share.keyPair.privateKey) + signature
        defer { plaintext.withUnsafeMutableBytes { Sodium.wipe($0.baseAddress!, count: $0.count) } }
        return SealedShare(agreement: dealt.agreement, holder: holder.party, dealer: dealt.dealer,
                           sealed: SealedBox.seal(plaintext, to: key))
    }

    /// A sealed share from its parts.
    public init(agreement: String, holder: String, dealer: String, sealed: [UInt8]) {
        self.agreement = agreement
        self.holder = holder
        self.dealer = dealer
        self.sealed = sealed
    }

    /// Opens the share with the holder's keys and checks it against `dealt` (already verified):
    /// the share belongs to this agreement and holder, the dealer's signature verifies, and
    /// `k_i·G` equals the published `pk_i` (Protocols/keyholder.md §2.3).
    public func open(with keys: PartyKeys, dealt: DealtPublicKey, registry: Registry) throws -> DealtShare {
        guard agreement == dealt.agreement, dealer == dealt.dealer, holder == keys.party else {
            throw KeyHoldingError(.malformed, "the share for '\(holder)' of agreement '\(agreement)' does not belong with the dealt key of '\(dealt.agreement)' for '\(keys.party)'")
        }
        guard let entry = dealt.holder(keys.party) else {
            throw KeyHoldingError(.notAHolder, "'\(keys.party)' holds no share of agreement '\(agreement)'")
        }
        var plaintext: [UInt8]
        do { plaintext = try SealedBox.open(sealed, with: keys.sealing) } catch {
            throw KeyHoldingError(.malformed, "the share of agreement '\(agreement)' does not open with '\(keys.party)''s key")
        }
        defer { plaintext.withUnsafeMutableBytes { Sodium.wipe($0.baseAddress!, count: $0.count) } }
        guard plaintext.count == Self.plaintextLength else {
            throw KeyHoldingError(.malformed, "the share of agreement '\(agreement)' is \(plaintext.count) bytes, not \(Self.plaintextLength)")
        }
        let index = UInt16(plaintext[0]) << 8 | UInt16(plaintext[1])
        guard index == entry.share.index else {
            throw KeyHoldingError(.inconsistent, "the share of '\(keys.party)' has index \(index), the dealt key says \(entry.share.index)")
        }
        let signature = Array(plaintext[34...])
        guard let dealerEntry = try? registry.entry(dealer),
              dealerEntry.keys.signing.isValidSignature(signature, for: Self.signedMessage(dealt: dealt, holder: entry)) else {
            throw KeyHoldingError(.badSignature, "the share of '\(keys.party)' for agreement '\(agreement)' is not signed by the dealer '\(dealer)'")
        }
        guard let scalar = Scalar.canonical(Array(plaintext[2..<34])), let pair = try? OPRFKeyPair(privateKey: scalar) else {
            throw KeyHoldingError(.malformed, "the share of '\(keys.party)' is not a non-zero reduced scalar")
        }
        guard pair.publicKey == entry.share.publicKey else {
            throw KeyHoldingError(.inconsistent, "the share of '\(keys.party)' does not match its published public key")
        }
        return DealtShare(index: index, keyPair: pair)
    }

    struct File: Codable { let format, agreement, holder, dealer, sealed: String }

    /// The JSON file.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(File(format: Self.format, agreement: agreement, holder: holder, dealer: dealer, sealed: b64(sealed)))
    }

    /// Parses the JSON file.
    public init(json data: Data, source: String) throws {
        guard let f = try? JSONDecoder().decode(File.self, from: data), f.format == Self.format,
              let sealed = Data(base64Encoded: f.sealed) else {
            throw KeyHoldingError(.malformed, "\(source) is not a \(Self.format) JSON document")
        }
        self.init(agreement: f.agreement, holder: f.holder, dealer: f.dealer, sealed: Array(sealed))
    }
}

func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

/// A key holder's opened share: its index and key pair `(k_i, pk_i)`; the key holder evaluates
/// with it exactly as a single VOPRF server would (Protocols/oprf.md §9.1).
public struct DealtShare: Sendable {
    /// The share's x-coordinate, 1…n.
    public let index: UInt16
    /// k_i and pk_i; the private half prints as `<redacted>`.
    public let keyPair: OPRFKeyPair
    /// A share from its parts.
    public init(index: UInt16, keyPair: OPRFKeyPair) {
        self.index = index
        self.keyPair = keyPair
    }
}
