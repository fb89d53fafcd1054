import Agreements
import CoordinatorClient
import Foundation
import Parties
import Sodium
import Wire

/// The key ceremony (`Protocols/api.md` §3.2): the agreement's lead makes a fresh 32-byte
/// linkage secret and seals it (X25519) to every party's registered key together with its
/// signature over the agreement hash, the recipient and the secret; the coordinator relays the
/// blobs and cannot open them. Each party then fetches its blob, checks the lead's signature and
/// keeps the secret.
public enum KeyCeremony {
    /// The signature's label (api.md §3.2).
    public static let label = "korskoll/v1/linkage-secret"
    /// Bytes of a linkage secret.
    public static let secretLength = 32

    /// `label ‖ 0x00 ‖ agreement hash ‖ recipient ‖ 0x00 ‖ secret`: what the lead signs.
    static func message(agreementHash: [UInt8], recipient: String, secret: [UInt8]) -> [UInt8] {
        Array(label.utf8) + [0] + agreementHash + Array(recipient.utf8) + [0] + secret
    }

    /// One party's blob: `seal(recipient, secret ‖ Ed25519(lead, message))`.
    static func blob(secret: SecretBytes, for recipient: Registry.Entry, agreement: Agreement, lead: PartyKeys) -> [UInt8] {
        let bytes = secret.unsafeCopy()
        let signature = lead.signing.signature(for: message(agreementHash: agreement.hash, recipient: recipient.id, secret: bytes))
        return SealedBox.seal(bytes + signature, to: recipient.keys.sealing)
    }

    /// The lead's half: makes the secret and relays one blob per party. Precondition checked:
    /// the client's party is the agreement's first party.
    public static func relay(agreement: Agreement, registry: Registry, client: CoordinatorClient) throws {
        guard agreement.parties.first?.id == client.keys.party else {
            throw NodeError(.ceremony, "the lead of \(agreement.id) is \(agreement.parties.first?.id ?? "?"), not \(client.keys.party)")
        }
        let secret = SecretBytes.random(count: secretLength)
        for p in agreement.partyIDs {
            let to = try registryEntry(p, registry)
            try client.relayCeremonyBlob(agreement: agreement.id, party: p, blob: blob(secret: secret, for: to, agreement: agreement, lead: client.keys))
        }
    }

    /// Every party's half: fetches its blob, opens it and checks the lead's signature.
    public static func receive(agreement: Agreement, registry: Registry, client: CoordinatorClient) throws -> SecretBytes {
        let blob = try client.ceremonyBlob(agreement: agreement.id)
        return try open(blob: blob, agreement: agreement, registry: registry, keys: client.keys)
    }

    /// Opens a blob sealed to `keys` and checks that the agreement's lead signed it for this party.
    public static func open(blob: [UInt8], agreement: Agreement, registry: Registry, keys: PartyKeys) throws -> SecretBytes {
        let opened: [UInt8]
        do { opened = try SealedBox.open(blob, with: keys.sealing) } catch {
            throw NodeError(.ceremony, "the ceremony blob does not open with \(keys.party)'s key")
        }
        guard opened.count == secretLength + Ed25519.signatureLength, let leadID = agreement.parties.first?.id else {
            throw NodeError(.ceremony, "the ceremony blob has the wrong length")
        }
        let secret = SecretBytes(Array(opened.prefix(secretLength)))
        let signature = Array(opened.suffix(Ed25519.signatureLength))
        let leadKey = try registryEntry(leadID, registry).keys.signing
        guard leadKey.isValidSignature(signature, for: message(agreementHash: agreement.hash, recipient: keys.party, secret: secret.unsafeCopy())) else {
            throw NodeError(.ceremony, "the ceremony blob is not signed by the lead \(leadID) for \(keys.party) under this agreement: refused")
        }
        return secret
    }

    /// Writes a linkage secret to `path` with mode 0600.
    public static func write(_ secret: SecretBytes, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(secret.unsafeCopy()), attributes: [.posixPermissions: 0o600]) else {
            throw NodeError(.io, "cannot write the linkage secret to \(path)")
        }
    }

    static func registryEntry(_ party: String, _ registry: Registry) throws -> Registry.Entry {
        do { return try registry.entry(party) } catch let e as KeyError { throw NodeError(.ceremony, e.reason) }
    }
}
