import Foundation
import Parties
import Sodium

/// Errors of agreements. `code` is stable; `reason` names the key or party at fault.
public struct AgreementError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case malformed = "agreement.malformed"
        case unsigned = "agreement.unsigned"
        case badSignature = "agreement.bad-signature"
        case unknownParty = "agreement.unknown-party"
        /// The agreement's file cannot be read.
        case io = "agreement.io"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// A linkage agreement (Protocols/agreements.md §1). The document's bytes are what every party
/// signs; its identity is their SHA-256.
public struct Agreement: Sendable, Equatable {
    public static let format = "korskoll-agreement-v1"

    public struct Party: Codable, Sendable, Equatable {
        public var id: String
        /// Identifier kinds the party submits: "person", "organisation".
        public var identifiers: [String]
        /// Whether it submits CLKs under the agreement's schema.
        public var fuzzy: Bool
    }

    public struct Output: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case perRecord = "per-record", aggregate }
        /// Name of the output, unique in the agreement.
        public var name: String
        public var recipient: String
        public var kind: Kind
        /// Per-record: which facts the recipient may see ("matchKind", "score", "otherParties", "category").
        public var fields: [String]?
        /// Aggregate: cells below k are suppressed.
        public var k: Int?
    }

    public struct Match: Codable, Sendable, Equatable {
        public var exact: [String]
        /// Hex SHA-256 of the CLK schema; nil without fuzzy matching.
        public var schemaDigest: String?
        public var threshold: Double?
        /// The keyed blocking scheme of fuzzy matching (Protocols/blocking.md); nil compares every pair.
        public var blocking: String?
    }

    struct Document: Codable {
        var format: String
        var id: String
        var version: Int
        var purpose: String
        var legalBasis: String
        var coordinator: String
        var parties: [Party]
        var match: Match
        var outputs: [Output]
        var retentionDays: Int
    }

    public let bytes: [UInt8]
    public let hash: [UInt8]
    public let id: String
    public let version: Int
    public let purpose: String
    public let legalBasis: String
    public let coordinator: String
    public let parties: [Party]
    public let match: Match
    public let outputs: [Output]
    /// Encodings are deleted at most this many days after the run finishes.
    public let retentionDays: Int

    public var partyIDs: [String] { parties.map(\.id) }

    public init(json data: Data, source: String = "agreement") throws {
        let doc: Document
        do { doc = try JSONDecoder().decode(Document.self, from: data) } catch {
            throw AgreementError(.malformed, "\(source) is not a \(Self.format) document: \(error)")
        }
        func bad(_ why: String) -> AgreementError { AgreementError(.malformed, "\(source): \(why)") }
        guard doc.format == Self.format else { throw bad("format must be \(Self.format)") }
        guard !doc.parties.isEmpty, Set(doc.partyIDs).count == doc.parties.count else { throw bad("parties must be listed once each") }
        for o in doc.outputs {
            guard doc.partyIDs.contains(o.recipient) else { throw bad("output '\(o.name)' goes to '\(o.recipient)', who is not a party") }
            if o.kind == .aggregate { guard let k = o.k, k >= 1 else { throw bad("aggregate output '\(o.name)' needs k ≥ 1") } }
        }
        guard Set(doc.outputs.map(\.name)).count == doc.outputs.count else { throw bad("output names must be unique") }
        guard doc.retentionDays >= 0 else { throw bad("retentionDays must not be negative") }
        if let b = doc.match.blocking { guard b == "korskoll-blocking-v1" else { throw bad("match.blocking '\(b)' is not a known scheme (korskoll-blocking-v1)") } }
        bytes = Array(data)
        hash = SHA256.hash(bytes)
        id = doc.id; version = doc.version; purpose = doc.purpose; legalBasis = doc.legalBasis
        coordinator = doc.coordinator; parties = doc.parties; match = doc.match; outputs = doc.outputs
        retentionDays = doc.retentionDays
    }

    /// The message a party signs: "korskoll/v1/agreement" ‖ 0x00 ‖ SHA-256(document).
    public var signedMessage: [UInt8] { Array("korskoll/v1/agreement".utf8) + [0] + hash }

    public func signature(by keys: PartyKeys) -> [UInt8] { keys.signing.signature(for: signedMessage) }
}

extension Agreement.Document {
    var partyIDs: [String] { parties.map(\.id) }
}

/// The signatures beside an agreement (`<id>.signatures.json`, Protocols/agreements.md §2).
public struct AgreementSignatures: Codable, Sendable, Equatable {
    public static let format = "korskoll-agreement-signatures-v1"
    public struct Entry: Codable, Sendable, Equatable {
        public var party: String
        public var signature: String
    }
    public var format = AgreementSignatures.format
    public var agreementHash: String
    public var signatures: [Entry]

    public init(agreement: Agreement) {
        agreementHash = Hex.encode(agreement.hash)
        signatures = []
    }

    public init(agreementHash: String, signatures: [Entry]) {
        self.agreementHash = agreementHash
        self.signatures = signatures
    }

    /// Adds (or replaces) `keys.party`'s signature.
    public mutating func sign(_ agreement: Agreement, with keys: PartyKeys) {
        signatures.removeAll { $0.party == keys.party }
        signatures.append(Entry(party: keys.party, signature: Data(agreement.signature(by: keys)).base64EncodedString()))
        signatures.sort { $0.party < $1.party }
    }

    /// Throws unless every party of the agreement has a valid signature under its registered key.
    public func verifyComplete(_ agreement: Agreement, registry: Registry, parties: [String]? = nil) throws {
        guard agreementHash == Hex.encode(agreement.hash) else {
            throw AgreementError(.badSignature, "the signatures are for another version of agreement \(agreement.id)")
        }
        for party in parties ?? agreement.partyIDs {
            let entry: Registry.Entry
            do { entry = try registry.entry(party) } catch { throw AgreementError(.unknownParty, "agreement \(agreement.id): party '\(party)' is not in the registry") }
            guard let s = signatures.first(where: { $0.party == party }) else {
                throw AgreementError(.unsigned, "agreement \(agreement.id) is not signed by \(party)")
            }
            guard let sig = Data(base64Encoded: s.signature), entry.keys.signing.isValidSignature(Array(sig), for: agreement.signedMessage) else {
                throw AgreementError(.badSignature, "agreement \(agreement.id): \(party)'s signature does not verify under its registered key")
            }
        }
    }
}
