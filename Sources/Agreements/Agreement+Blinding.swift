import Parties

extension Agreement {
    /// How identifiers are blinded under an agreement (Protocols/agreements.md §4): with the keyed
    /// hash under the shared linkage secret, or with a threshold OPRF evaluated by key holders
    /// (Protocols/keyholder.md). Downstream of the node nothing differs: pseudonyms have the
    /// same length and the coordinator joins them the same way.
    public enum Blinding: Sendable, Equatable, Codable {
        /// Keyed BLAKE2b under the agreement's linkage secret (Protocols/derivations.md §2); the default.
        case keyedHash
        /// RFC 9497 VOPRF whose key is dealt t-of-n to `keyHolders` (Protocols/keyholder.md).
        case oprf(OPRFMode)

        /// The JSON string of the keyed-hash mode.
        public static let keyedHashName = "keyed-hash"

        public init(from decoder: Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                guard name == Self.keyedHashName else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "blinding '\(name)' is not \"keyed-hash\" or {\"oprf\": …}"))
                }
                self = .keyedHash
                return
            }
            struct Wrapper: Codable { var oprf: OPRFMode }
            self = .oprf(try Wrapper(from: decoder).oprf)
        }

        public func encode(to encoder: Encoder) throws {
            switch self {
            case .keyedHash:
                var c = encoder.singleValueContainer()
                try c.encode(Self.keyedHashName)
            case .oprf(let mode):
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(mode, forKey: .oprf)
            }
        }
        enum Key: String, CodingKey { case oprf }

        /// The OPRF mode's parameters, or nil in the keyed-hash mode.
        public var oprf: OPRFMode? { if case .oprf(let m) = self { return m } else { return nil } }
    }

    /// The key-holder mode's parameters (Protocols/agreements.md §4).
    public struct OPRFMode: Sendable, Equatable, Codable {
        /// The key holders' party ids, in share order (registry role `key-holder`, not parties).
        public var keyHolders: [String]
        /// t: how many key holders must answer; 1 ≤ t ≤ n.
        public var threshold: Int
        /// The most identifiers each party may have evaluated per round by each key holder
        /// (Protocols/keyholder.md §4); a party without a cap cannot evaluate.
        public var caps: [String: Int]

        public init(keyHolders: [String], threshold: Int, caps: [String: Int]) {
            self.keyHolders = keyHolders; self.threshold = threshold; self.caps = caps
        }
    }

    /// Protocols/agreements.md §4: the structural rules of the OPRF mode. Key holders are listed
    /// once, at most 255, none a party; 1 ≤ t ≤ n; caps name parties only, each at least 1, and
    /// every party that sends identifiers has one.
    static func checkBlinding(_ blinding: Blinding, parties: [Party], _ bad: (String) -> AgreementError) throws {
        guard let m = blinding.oprf else { return }
        let ids = Set(parties.map(\.id))
        guard !m.keyHolders.isEmpty, m.keyHolders.count <= 255, Set(m.keyHolders).count == m.keyHolders.count else {
            throw bad("blinding.oprf.keyHolders must list 1 to 255 distinct key holders")
        }
        for h in m.keyHolders where ids.contains(h) {
            throw bad("blinding.oprf: key holder '\(h)' is also a party of the agreement; a key holder holds no data in it")
        }
        guard (1...m.keyHolders.count).contains(m.threshold) else {
            throw bad("blinding.oprf.threshold \(m.threshold) must be 1 to \(m.keyHolders.count) (the number of key holders)")
        }
        for (p, cap) in m.caps.sorted(by: { $0.key < $1.key }) {
            guard ids.contains(p) else { throw bad("blinding.oprf.caps names '\(p)', who is not a party") }
            guard cap >= 1 else { throw bad("blinding.oprf.caps: party \(p) has cap \(cap); at least 1") }
        }
        for p in parties where !p.identifiers.isEmpty && m.caps[p.id] == nil {
            throw bad("blinding.oprf.caps has no cap for party \(p.id), which sends identifiers")
        }
    }

    /// Protocols/agreements.md §4: in the OPRF mode every key holder is registered with the role
    /// `key-holder`. Throws ``AgreementError/Code/unknownParty`` naming the first that is not.
    public func checkKeyHolders(registry: Registry) throws {
        guard let m = blinding.oprf else { return }
        for h in m.keyHolders {
            guard let e = try? registry.entry(h) else { throw AgreementError(.unknownParty, "agreement \(id): key holder '\(h)' is not in the registry") }
            guard e.role == .keyHolder else {
                throw AgreementError(.unknownParty, "agreement \(id): key holder '\(h)' is registered as \(e.role.rawValue), not key-holder")
            }
        }
    }
}
