import Foundation
import Sodium
import Wire

/// The coordinator's append-only protocol log (Protocols/log.md §2): entries and signed
/// checkpoints in two append-only files under `directory`, the Merkle tree rebuilt in memory on
/// open. A checkpoint is signed after every batch (``commit()``); files are synced before a
/// checkpoint is handed out, so a receipt never names an entry that a crash could lose.
///
///     entries      = *(u32 length ‖ event JSON)
///     checkpoints  = *(u32 length ‖ signed note)
public final class LogStore {
    public let origin: String
    private let key: Ed25519.PrivateKey
    private let directory: String
    public private(set) var tree = MerkleTree()
    public private(set) var entries: [[UInt8]] = []
    /// Signed checkpoint notes, oldest first.
    public private(set) var checkpoints: [String] = []
    private var entryFile: FileHandle
    private var checkpointFile: FileHandle
    private var pending: [UInt8] = []

    public static func origin(coordinator: String) -> String { "korskoll/\(coordinator)" }

    /// Opens (or creates) the log in `directory`, reading back and re-verifying what is there.
    public init(directory: String, coordinator: String, key: Ed25519.PrivateKey) throws {
        self.origin = Self.origin(coordinator: coordinator)
        self.key = key
        self.directory = directory
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let entryPath = directory + "/entries", checkpointPath = directory + "/checkpoints"
        for path in [entryPath, checkpointPath] where !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        entries = try Self.frames(entryPath, what: "entry")
        checkpoints = try Self.frames(checkpointPath, what: "checkpoint").map { String(decoding: $0, as: UTF8.self) }
        for e in entries { tree.append(leafHash: RFC6962.leafHash(e)) }
        guard let ef = FileHandle(forWritingAtPath: entryPath), let cf = FileHandle(forWritingAtPath: checkpointPath) else {
            throw LogError(.io, "cannot open the log in \(directory)")
        }
        entryFile = ef
        checkpointFile = cf
        try entryFile.seekToEnd()
        try checkpointFile.seekToEnd()
        if let last = checkpoints.last {
            let c = try Checkpoint(verifying: last, origin: origin, key: key.publicKey)
            guard c.size <= UInt64(tree.size), c.root == tree.root(size: Int(c.size)) else {
                throw LogError(.rootMismatch, "the log in \(directory) does not match its last checkpoint")
            }
        }
    }

    deinit {
        try? entryFile.close()
        try? checkpointFile.close()
    }

    static func frames(_ path: String, what: String) throws -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LogError(.io, "cannot read \(path)") }
        var r = ByteReader(Array(data), context: path)
        var out: [[UInt8]] = []
        while r.remaining > 0 {
            do { out.append(try r.bytes32(what, max: 1 << 24)) } catch {
                throw LogError(.malformed, "\(path): \(what) \(out.count) is cut off (\(r.remaining) bytes remain)")
            }
        }
        return out
    }

    /// Appends an event (its `seq` is set to its index) and returns that index. Not durable until
    /// ``commit()``.
    @discardableResult
    public func append(_ event: LogEvent) -> UInt64 {
        var e = event
        e.seq = UInt64(entries.count)
        let leaf = e.encoded()
        entries.append(leaf)
        tree.append(leafHash: RFC6962.leafHash(leaf))
        var w = ByteWriter()
        w.bytes32(leaf)
        pending.append(contentsOf: w.bytes)
        return e.seq
    }

    /// Ends a batch: writes and syncs the entries, signs a checkpoint of the whole log and stores
    /// it. Returns the signed note.
    @discardableResult
    public func commit() throws -> String {
        do {
            try entryFile.write(contentsOf: pending)
            try entryFile.synchronize()
        } catch { throw LogError(.io, "cannot write the log: \(error.localizedDescription)") }
        pending.removeAll(keepingCapacity: true)
        let note = Checkpoint(origin: origin, size: UInt64(tree.size), root: tree.root()).signed(by: key)
        var w = ByteWriter()
        w.bytes32(Array(note.utf8))
        do {
            try checkpointFile.write(contentsOf: w.bytes)
            try checkpointFile.synchronize()
        } catch { throw LogError(.io, "cannot write a checkpoint: \(error.localizedDescription)") }
        checkpoints.append(note)
        return note
    }

    /// A receipt for entry `index` under the latest checkpoint (Protocols/log.md §4).
    public func receipt(for index: UInt64) throws -> Receipt {
        guard let note = checkpoints.last else { throw LogError(.malformed, "no checkpoint yet") }
        let c = try Checkpoint(verifying: note, origin: origin, key: key.publicKey)
        guard index < c.size else { throw LogError(.malformed, "entry \(index) is not under the latest checkpoint yet") }
        return Receipt(checkpoint: note, index: index, leafHash: RFC6962.leafHash(entries[Int(index)]),
                       proof: tree.inclusionProof(index: Int(index), size: Int(c.size)))
    }
}
