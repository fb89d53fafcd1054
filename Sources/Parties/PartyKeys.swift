import Foundation
import Sodium

/// The role a party plays (DESIGN.md "Parties and trust").
public enum PartyRole: String, Codable, Sendable, CaseIterable {
    case node
    case coordinator
    case keyHolder = "key-holder"
    case privacyOfficer = "privacy-officer"
}

/// Errors of party keys and the registry; `reason` names the file and what is wrong with it and
/// never contains key material.
public struct KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidPartyID = "keys.invalid-party-id"
        case fileExists = "keys.file-exists"
        case unreadable = "keys.unreadable"
        case loosePermissions = "keys.loose-permissions"
        case malformed = "keys.malformed"
        case wrongLength = "keys.wrong-length"
        case mismatch = "keys.mismatch"
        case duplicate = "keys.duplicate"
        case unknownParty = "keys.unknown-party"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// A party identifier: lower-case ASCII letters, digits and '-', 1–63 characters, starting with a
/// letter or digit (e.g. `forsakringskassan`, `polisen`). It appears in file names and in signed
/// documents, so it is kept to a set that needs no escaping anywhere.
public enum PartyID {
    public static func validate(_ id: String) throws {
        let bytes = Array(id.utf8)
        let ok = (1...63).contains(bytes.count)
            && bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && bytes[0] != 45
        guard ok else {
            throw KeyError(.invalidPartyID,
                "party id '\(id)' must be 1–63 characters of a–z, 0–9 and '-', not starting with '-'")
        }
    }
}

/// A party's public keys: what the registry lists and what others verify and seal to.
public struct PartyPublicKeys: Hashable, Sendable {
    public let party: String
    public let signing: Ed25519.PublicKey
    public let sealing: X25519.PublicKey

    public init(party: String, signing: Ed25519.PublicKey, sealing: X25519.PublicKey) {
        self.party = party
        self.signing = signing
        self.sealing = sealing
    }

    /// A short fingerprint to compare by telephone when keys are distributed (Keys/README.md):
    /// the first 16 bytes of SHA-256(ed25519 ‖ x25519), hex in groups of four.
    public var fingerprint: String {
        let digest = SHA256.hash(signing.bytes + sealing.bytes)
        let hex = Hex.encode(digest.prefix(16))
        return stride(from: 0, to: hex.count, by: 4).map { i -> String in
            let start = hex.index(hex.startIndex, offsetBy: i)
            return String(hex[start..<hex.index(start, offsetBy: 4)])
        }.joined(separator: ":")
    }
}

/// A party's secret keys: Ed25519 for signing and X25519 for opening sealed boxes.
public struct PartyKeys: Sendable {
    public let party: String
    public let signing: Ed25519.PrivateKey
    public let sealing: X25519.PrivateKey

    public init(party: String, signing: Ed25519.PrivateKey, sealing: X25519.PrivateKey) {
        self.party = party
        self.signing = signing
        self.sealing = sealing
    }

    /// Fresh keys from the CSPRNG.
    public static func generate(party: String) throws -> PartyKeys {
        try PartyID.validate(party)
        return PartyKeys(party: party, signing: .generate(), sealing: .generate())
    }

    public var publicKeys: PartyPublicKeys {
        PartyPublicKeys(party: party, signing: signing.publicKey, sealing: sealing.publicKey)
    }
}
