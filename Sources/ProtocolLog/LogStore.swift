import Foundation
import Sodium
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The coordinator's append-only protocol log (Protocols/log.md §2): entries and signed
/// checkpoints in two append-only files under `directory`, the Merkle tree rebuilt in memory on
/// open. A checkpoint is signed after every batch (``commit()``); files are synced before a
/// checkpoint is handed out, so a receipt never names an entry that a crash could lose.
///
///     entries      = *(u32 length ‖ event JSON)
///     checkpoints  = *(u32 length ‖ signed note)
///
/// A batch is written whole or not at all (Protocols/log.md §2.1): a failed or short write is
/// cut back, and a tail that a crash tore is cut off at the next open and reported in
/// ``recovery``.
public final class LogStore {
    public let origin: String
    private let key: Ed25519.PrivateKey
    private let directory: String
    public private(set) var tree = MerkleTree()
    public private(set) var entries: [[UInt8]] = []
    /// Signed checkpoint notes, oldest first.
    public private(set) var checkpoints: [String] = []
    /// What opening the log repaired (Protocols/log.md §2.1), or `nil` when the files were whole.
    /// The caller logs it, e.g. as ``Recovery/event(time:)``.
    public private(set) var recovery: Recovery?
    private let entryFile: any LogFile
    private let checkpointFile: any LogFile
    private let lock: FileLock
    /// Bytes of the files that hold committed records; a write beyond them is undone on failure.
    private var entryLength: UInt64
    private var checkpointLength: UInt64
    /// Entries that are on disk; those after them are the batch being built.
    private var committed: Int
    private var pending: [UInt8] = []
    /// A failed write could not be cut back; the next commit cuts back first.
    private var needsCutBack = false

    /// What ``LogStore/init(directory:coordinator:key:files:)`` repaired (Protocols/log.md §2.1).
    public struct Recovery: Equatable, Sendable, CustomStringConvertible {
        /// Bytes cut from the end of `entries`: a torn record, or records after the last
        /// checkpoint that are not events in sequence.
        public var entryBytesDropped: UInt64
        /// Bytes cut from the end of `checkpoints`: a torn checkpoint record.
        public var checkpointBytesDropped: UInt64
        /// Whole events after the last checkpoint (a crash between writing them and signing),
        /// kept and covered by a checkpoint signed at open.
        public var eventsCheckpointed: Int

        public var description: String {
            "protocol log recovered at open: \(entryBytesDropped) torn entry bytes and \(checkpointBytesDropped) torn checkpoint bytes cut off, \(eventsCheckpointed) unsigned events checkpointed"
        }

        /// The `log.recovered` event that records this repair in the log itself.
        public func event(time: UInt64) -> LogEvent {
            LogEvent(time: time, type: .logRecovered, counts: [
                "entryBytesDropped": Int(entryBytesDropped), "checkpointBytesDropped": Int(checkpointBytesDropped),
                "eventsCheckpointed": eventsCheckpointed,
            ])
        }
    }

    public static func origin(coordinator: String) -> String { "korskoll/\(coordinator)" }

    /// Opens (or creates) the log in `directory`, reading back and re-verifying what is there.
    /// A torn tail that no checkpoint covers is cut off (see ``recovery``); entries that a signed
    /// checkpoint covers must be whole and match it, or the open fails.
    ///
    /// - Parameter files: how the files are written; tests pass ``FaultInjectingLogFiles``.
    public init(directory: String, coordinator: String, key: Ed25519.PrivateKey, files: any LogFileOpener = POSIXLogFiles()) throws {
        self.origin = Self.origin(coordinator: coordinator)
        self.key = key
        self.directory = directory
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let entryPath = directory + "/entries", checkpointPath = directory + "/checkpoints"
        for path in [entryPath, checkpointPath] where !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let lock = try FileLock(directory + "/lock")
        self.lock = lock
        // Held while reading and repairing, so that no commit of another store is half seen.
        try lock.lock()
        defer { lock.unlock() }
        let entryData = try Self.read(entryPath), checkpointData = try Self.read(checkpointPath)
        let (entryFrames, entryEnds) = Self.frames(entryData)
        let (checkpointFrames, checkpointEnds) = Self.frames(checkpointData)
        checkpoints = checkpointFrames.map { String(decoding: $0, as: UTF8.self) }
        let origin = self.origin, publicKey = key.publicKey
        let last = try checkpoints.last.map { try Checkpoint(verifying: $0, origin: origin, key: publicKey) }
        var covered = 0
        if let c = last {
            guard c.size <= UInt64(entryFrames.count) else {
                throw LogError(.malformed, "\(entryPath): entry \(entryFrames.count) is cut off, but the last checkpoint covers \(c.size) entries")
            }
            covered = Int(c.size)
        }
        // Protocols/log.md §2.1: after the last checkpoint, keep whole events in sequence only.
        var keep = entryFrames.count
        for i in covered..<entryFrames.count {
            guard let e = try? LogEvent(leaf: entryFrames[i]), e.seq == UInt64(i) else { keep = i; break }
        }
        entries = Array(entryFrames.prefix(keep))
        for e in entries { tree.append(leafHash: RFC6962.leafHash(e)) }
        if let c = last, c.root != tree.root(size: Int(c.size)) {
            throw LogError(.rootMismatch, "the log in \(directory) does not match its last checkpoint")
        }
        do {
            entryFile = try files.open(entryPath)
            checkpointFile = try files.open(checkpointPath)
        } catch { throw LogError(.io, "cannot open the log in \(directory): \(error)") }
        entryLength = keep == 0 ? 0 : entryEnds[keep - 1]
        checkpointLength = checkpointEnds.last ?? 0
        committed = entries.count
        let repair = Recovery(entryBytesDropped: UInt64(entryData.count) - entryLength,
                              checkpointBytesDropped: UInt64(checkpointData.count) - checkpointLength,
                              eventsCheckpointed: keep - covered)
        do {
            if repair.entryBytesDropped > 0 { try entryFile.truncate(to: entryLength) }
            if repair.checkpointBytesDropped > 0 { try checkpointFile.truncate(to: checkpointLength) }
        } catch { throw LogError(.storageUnavailable, "cannot cut a torn tail off the protocol log: \(error)") }
        if repair.eventsCheckpointed > 0 { _ = try commitLocked() }
        if repair != Recovery(entryBytesDropped: 0, checkpointBytesDropped: 0, eventsCheckpointed: 0) { recovery = repair }
    }

    deinit {
        entryFile.close()
        checkpointFile.close()
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LogError(.io, "cannot read \(path)") }
        return Array(data)
    }

    /// The whole records at the start of `bytes` and the offset where each ends; a record cut
    /// off (or with an impossible length) ends the list.
    static func frames(_ bytes: [UInt8]) -> (frames: [[UInt8]], ends: [UInt64]) {
        var r = ByteReader(bytes, context: "log")
        var out: [[UInt8]] = [], ends: [UInt64] = []
        while r.remaining > 0, let frame = try? r.bytes32("record", max: 1 << 24) {
            out.append(frame)
            ends.append(UInt64(bytes.count - r.remaining))
        }
        return (out, ends)
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
    ///
    /// If any write or sync fails, both files are cut back to where they were, the batch is
    /// dropped (``entries`` and ``tree`` are as before it) and ``LogError/Code/storageUnavailable``
    /// is thrown: the request that made the batch failed and may be retried (Protocols/log.md §2.1).
    @discardableResult
    public func commit() throws -> String {
        try lock.lock()
        defer { lock.unlock() }
        return try commitLocked()
    }

    private func commitLocked() throws -> String {
        if needsCutBack {
            do {
                try entryFile.truncate(to: entryLength)
                try checkpointFile.truncate(to: checkpointLength)
                needsCutBack = false
            } catch {
                dropBatch()
                throw LogError(.storageUnavailable, "the protocol log cannot cut back an earlier failed write: \(error)")
            }
        }
        let note = Checkpoint(origin: origin, size: UInt64(tree.size), root: tree.root()).signed(by: key)
        var w = ByteWriter()
        w.bytes32(Array(note.utf8))
        let batch = entries.count - committed
        do {
            if !pending.isEmpty {
                try entryFile.write(pending, at: entryLength)
                try entryFile.synchronize()
            }
            try checkpointFile.write(w.bytes, at: checkpointLength)
            try checkpointFile.synchronize()
        } catch {
            do {
                try entryFile.truncate(to: entryLength)
                try checkpointFile.truncate(to: checkpointLength)
            } catch { needsCutBack = true }
            dropBatch()
            throw LogError(.storageUnavailable, "cannot append to the protocol log (\(error)); the batch of \(batch) events was not logged")
        }
        entryLength += UInt64(pending.count)
        checkpointLength += UInt64(w.bytes.count)
        pending.removeAll(keepingCapacity: true)
        committed = entries.count
        checkpoints.append(note)
        return note
    }

    /// Forgets the events appended since the last commit.
    private func dropBatch() {
        entries.removeLast(entries.count - committed)
        tree.truncate(to: committed)
        pending.removeAll(keepingCapacity: true)
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

/// An exclusive `flock` on `DIR/lock`, held by a store while it opens (and repairs) the log and
/// while it commits, so that a second store on the same directory (`log export` beside a running
/// coordinator) never reads a half-written batch as a torn tail and cuts it off.
final class FileLock {
    private let fd: Int32

    init(_ path: String) throws {
        fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LogError(.io, "cannot open the log's lock file: \(LogFileFailure(operation: "open", errno: Glibc.errno))") }
    }

    deinit { Glibc.close(fd) }

    func lock() throws {
        while flock(fd, LOCK_EX) != 0 {
            if Glibc.errno != EINTR { throw LogError(.io, "cannot lock the log: \(LogFileFailure(operation: "flock", errno: Glibc.errno))") }
        }
    }

    func unlock() { _ = flock(fd, LOCK_UN) }
}
