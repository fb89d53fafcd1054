import Foundation
import Sodium

/// The party registry (Keys/README.md §3): who exists, their role, and their public keys. The
/// coordinator accepts signatures only from keys listed here.
public struct Registry: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let id: String
        public let name: String
        public let role: PartyRole
        public let keys: PartyPublicKeys

        public init(id: String, name: String, role: PartyRole, keys: PartyPublicKeys) {
            self.id = id
            self.name = name
            self.role = role
            self.keys = keys
        }
    }

    public static let format = "korskoll-registry-v1"
    public private(set) var entries: [Entry]

    public init(entries: [Entry] = []) throws {
        self.entries = []
        for entry in entries { try add(entry) }
    }

    /// Adds a party; ids and keys must be unique, since a key shared by two parties would make
    /// their signatures indistinguishable.
    public mutating func add(_ entry: Entry) throws {
        try PartyID.validate(entry.id)
        guard entry.id == entry.keys.party else {
            throw KeyError(.mismatch, "registry entry '\(entry.id)' carries the keys of party '\(entry.keys.party)'")
        }
        if entries.contains(where: { $0.id == entry.id }) {
            throw KeyError(.duplicate, "party '\(entry.id)' is already in the registry")
        }
        if entries.contains(where: { $0.keys.signing == entry.keys.signing || $0.keys.sealing == entry.keys.sealing }) {
            throw KeyError(.duplicate, "party '\(entry.id)' reuses a public key already registered for another party")
        }
        entries.append(entry)
    }

    /// The entry for `id`.
    public func entry(_ id: String) throws -> Entry {
        guard let e = entries.first(where: { $0.id == id }) else {
            throw KeyError(.unknownParty, "party '\(id)' is not in the registry: add it with `korskoll keys register --registry REGISTRY --public \(id).public.json --role node --name NAME` (--role coordinator for the coordinator)")
        }
        return e
    }

    /// The entry whose Ed25519 key is `key`, if any.
    public func entry(signingKey key: Ed25519.PublicKey) -> Entry? {
        entries.first { $0.keys.signing == key }
    }

    // MARK: JSON

    struct File: Codable {
        struct Party: Codable {
            let id: String
            let name: String
            let role: String
            let ed25519: String
            let x25519: String
        }
        let format: String
        let parties: [Party]
    }

    public init(json data: Data, source: String = "registry") throws {
        guard let file = try? JSONDecoder().decode(File.self, from: data), file.format == Registry.format else {
            throw KeyError(.malformed, "\(source) is not a \(Registry.format) JSON document")
        }
        var entries: [Entry] = []
        for (i, p) in file.parties.enumerated() {
            guard let role = PartyRole(rawValue: p.role) else {
                throw KeyError(.malformed, "\(source): party \(i + 1) ('\(p.id)') has role '\(p.role)'; roles are \(PartyRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let where_ = "\(source): party '\(p.id)'"
            entries.append(Entry(id: p.id, name: p.name, role: role, keys: PartyPublicKeys(
                party: p.id,
                signing: try Ed25519.PublicKey(bytes: KeyFiles.decode(p.ed25519, field: "ed25519", length: Ed25519.publicKeyLength, path: where_)),
                sealing: try X25519.PublicKey(bytes: KeyFiles.decode(p.x25519, field: "x25519", length: X25519.publicKeyLength, path: where_)))))
        }
        try self.init(entries: entries)
    }

    public func json() throws -> Data {
        try KeyFiles.encoder.encode(File(format: Registry.format, parties: entries.map {
            File.Party(id: $0.id, name: $0.name, role: $0.role.rawValue,
                       ed25519: Data($0.keys.signing.bytes).base64EncodedString(),
                       x25519: Data($0.keys.sealing.bytes).base64EncodedString())
        }))
    }

    public static func load(_ url: URL) throws -> Registry {
        guard let data = try? Data(contentsOf: url) else {
            throw KeyError(.unreadable, "registry \(url.path) cannot be read")
        }
        return try Registry(json: data, source: url.path)
    }
}
