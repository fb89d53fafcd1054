import Blinding
import Foundation
import KeyHolding
import OPRF
import Parties
import Sodium
import Wire

/// The node's pseudonym cache for one agreement (Protocols/keyholder.md §9), sealed as every
/// state file of the node is (Protocols/node.md §9.1): every identifier it
/// has had evaluated, so that a later check asks the key holders only for identifiers it has not
/// seen. Encrypted at rest under a key derived from the node's own X25519 secret; entries are
/// keyed by a keyed hash of the identifier, so even the decrypted file names no identifier.
///
/// ```
/// K_stream = HKDF-SHA-256(node X25519 secret, "korskoll/v1", "korskoll/v1/pseudonym-cache" ‖ 0x00 ‖ agreement ‖ 0x00 ‖ "stream", 32)
/// K_tag    = HKDF-SHA-256(node X25519 secret, "korskoll/v1", "korskoll/v1/pseudonym-cache" ‖ 0x00 ‖ agreement ‖ 0x00 ‖ "tag", 32)
/// tag      = BLAKE2b-256(key K_tag, namespace ‖ 0x00 ‖ canonical)
///
/// file     = "KKPC" ‖ 0x01 ‖ str16(agreement) ‖ pk (32, the dealt group public key) ‖ header (24) ‖ chunk*
/// chunk    = u32 length ‖ secretstream ciphertext of (k × (tag ‖ pseudonym)), k ≤ 1024;
///            the first chunk's additional data is every byte before `header`; the last chunk is FINAL
/// ```
public final class PseudonymCache {
    /// The HKDF label.
    public static let label = "korskoll/v1/pseudonym-cache"
    static let magic: [UInt8] = Array("KKPC".utf8) + [1]
    static let entriesPerChunk = 1024
    static let entryLength = 64

    /// The cache file.
    public let path: String
    /// The agreement.
    public let agreement: String
    private let groupPublicKey: Element
    private let streamKey: SecretBytes
    private let tagKey: SecretBytes
    private var entries: [[UInt8]: [UInt8]] = [:]

    /// The cache file of `agreement` in `directory`: `<agreement>.pseudonyms`.
    public static func path(directory: String, agreement: String) -> String { directory + "/\(agreement).pseudonyms" }

    /// Opens the cache of `agreement` in `directory`, or starts an empty one. A file that does not
    /// authenticate, is cut short, or belongs to another agreement or dealt key is
    /// ``KeyHoldingError/Code/cache``.
    public init(directory: String, agreement: String, groupPublicKey: Element, node: PartyKeys) throws {
        path = Self.path(directory: directory, agreement: agreement)
        self.agreement = agreement
        self.groupPublicKey = groupPublicKey
        // Protocols/node.md §9.1: the node's shared sealing of state files.
        func derive(_ purpose: String) -> SecretBytes {
            SealedStateFile.key(node: node, label: Self.label, agreement: agreement, purpose: purpose)
        }
        streamKey = derive("stream")
        tagKey = derive("tag")
        if let data = FileManager.default.contents(atPath: path) { try read(Array(data)) }
    }

    /// How many identifiers are cached.
    public var count: Int { entries.count }

    func tag(_ namespace: IdentifierNamespace, _ canonical: String) -> [UInt8] {
        try! BLAKE2b.hash(Array(namespace.rawValue.utf8) + [0] + Array(canonical.utf8), key: tagKey)
    }

    /// The cached pseudonym of `canonical`, if any.
    public func pseudonym(_ namespace: IdentifierNamespace, _ canonical: String) -> [UInt8]? { entries[tag(namespace, canonical)] }

    /// Caches a pseudonym.
    public func insert(_ namespace: IdentifierNamespace, _ canonical: String, pseudonym: [UInt8]) {
        entries[tag(namespace, canonical)] = pseudonym
    }

    /// The pseudonyms of `canonicals`, asking `evaluate` only for those not cached (in order, each
    /// once), caching what it returns and saving the file. Returns the pseudonyms and how many
    /// identifiers were evaluated.
    public func pseudonyms(_ canonicals: [String], namespace: IdentifierNamespace,
                           evaluate: ([String]) throws -> [[UInt8]]) throws -> (pseudonyms: [[UInt8]], evaluated: Int) {
        var missing: [String] = [], seen = Set<String>()
        for c in canonicals where pseudonym(namespace, c) == nil && seen.insert(c).inserted { missing.append(c) }
        if !missing.isEmpty {
            let fresh = try evaluate(missing)
            guard fresh.count == missing.count else {
                throw KeyHoldingError(.cache, "\(fresh.count) pseudonyms came back for \(missing.count) identifiers")
            }
            for (c, p) in zip(missing, fresh) { insert(namespace, c, pseudonym: p) }
            try save()
        }
        return (canonicals.map { pseudonym(namespace, $0)! }, missing.count)
    }

    var prefix: [UInt8] {
        var w = ByteWriter()
        w.raw(Self.magic)
        w.str16(agreement)
        w.raw(groupPublicKey.bytes)
        return w.bytes
    }

    /// Writes the whole cache to `<path>.partial` (mode 0600) and renames it over the file.
    public func save() throws {
        let all = Array(entries)
        var chunks: [[UInt8]] = []
        var i = 0
        repeat {
            let slice = all[i..<min(i + Self.entriesPerChunk, all.count)]
            var plain = [UInt8]()
            plain.reserveCapacity(slice.count * Self.entryLength)
            for (t, p) in slice {
                plain.append(contentsOf: t)
                plain.append(contentsOf: p)
            }
            i += slice.count
            chunks.append(plain)
        } while i < all.count
        let bytes = try SealedStateFile.seal(prefix: prefix, chunks: chunks, key: streamKey)
        for j in chunks.indices { chunks[j].withUnsafeMutableBytes { if let base = $0.baseAddress { Sodium.wipe(base, count: $0.count) } } }
        guard SealedStateFile.writeWhole(bytes, to: path) else { throw KeyHoldingError(.cache, "cannot write \(path)") }
    }

    func read(_ bytes: [UInt8]) throws {
        var r = ByteReader(bytes, context: path)
        do {
            guard try r.raw(Self.magic.count, "magic") == Self.magic else { throw KeyHoldingError(.cache, "\(path) is not a pseudonym cache") }
            let fileAgreement = try r.str16("agreement")
            let pk = try r.raw(32, "group public key")
            guard fileAgreement == agreement, pk == groupPublicKey.bytes else {
                throw KeyHoldingError(.cache, "\(path) belongs to agreement '\(fileAgreement)' or to another dealt key; delete it and evaluate again")
            }
            let path = self.path
            try SealedStateFile.open(bytes, prefixLength: r.offset, key: streamKey, maxChunk: Self.entriesPerChunk * Self.entryLength, context: path,
                                     cutShort: { KeyHoldingError(.cache, "\(path) is cut short (no final chunk)") }) { plain in
                guard plain.count % Self.entryLength == 0 else { throw KeyHoldingError(.cache, "\(path): a chunk is not whole entries") }
                for j in stride(from: 0, to: plain.count, by: Self.entryLength) {
                    entries[Array(plain[j..<j + 32])] = Array(plain[j + 32..<j + 64])
                }
            }
        } catch let e as KeyHoldingError { throw e } catch let e as SodiumError {
            throw KeyHoldingError(.cache, "\(path) does not authenticate under this node's key: \(e.reason)")
        } catch let e as WireError {
            throw KeyHoldingError(.cache, "\(path): \(e.reason)")
        }
    }

    /// Deletes the cache of `agreement` (when the agreement ends, Protocols/keyholder.md §9.2).
    /// Without the file, nothing is left; the key it was under is derived, never stored.
    public static func delete(directory: String, agreement: String) throws {
        for p in [path(directory: directory, agreement: agreement), path(directory: directory, agreement: agreement) + ".partial"]
        where FileManager.default.fileExists(atPath: p) {
            do { try FileManager.default.removeItem(atPath: p) } catch { throw KeyHoldingError(.cache, "cannot delete \(p): \(error)") }
        }
    }
}
