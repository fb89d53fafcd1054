import API
import Agreements
import Foundation
import Parties
import ProtocolLog
import Sodium
import Wire

/// The coordinator's rules, independent of HTTP (Protocols/api.md). Every decision the privacy
/// officer must be able to check is appended to the protocol log, and a checkpoint is signed
/// after each request's batch of events.
///
/// The actor orders the coordinator's decisions; it holds no SQL (`CoordinatorStore`), no file
/// names (`FileLayout`) and no acceptance rule (`SubmissionPolicy`). Its work is split by concern
/// into extensions: agreements and ceremony, submissions, runs, results, retention.
public actor CoordinatorService {
    /// The coordinator's party id.
    public let id: String
    let keys: PartyKeys
    let registry: Registry
    let layout: FileLayout
    let store: any CoordinatorStore
    let log: LogStore
    /// The largest submission accepted, in bytes.
    public let maxUpload: Int
    /// Agreements whose run is under way in this process.
    var running: Set<String> = []
    let now: @Sendable () -> UInt64
    /// The server's log for details that must not reach a client (unexpected errors).
    let diagnostics: @Sendable (String) -> Void

    /// A coordinator with its SQLite store, files and protocol log in `dataDir`.
    /// - Parameters:
    ///   - maxUpload: the largest submission accepted, in bytes (413 above).
    ///   - now: the clock, Unix seconds.
    public init(dataDir: String, keys: PartyKeys, registry: Registry, maxUpload: Int = 4 << 30,
                now: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }) throws {
        let layout = FileLayout(root: dataDir)
        try layout.prepare()
        try self.init(layout: layout, store: SQLiteStore(path: layout.database), keys: keys, registry: registry,
                      maxUpload: maxUpload, now: now)
    }

    /// A coordinator over any store (tests use `MemoryStore`); `layout` must be prepared.
    init(layout: FileLayout, store: any CoordinatorStore, keys: PartyKeys, registry: Registry, maxUpload: Int = 4 << 30,
         now: @escaping @Sendable () -> UInt64,
         diagnostics: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("coordinator: \($0)\n".utf8)) }) throws {
        self.id = keys.party
        self.keys = keys
        self.registry = registry
        self.layout = layout
        self.store = store
        self.maxUpload = maxUpload
        self.now = now
        self.diagnostics = diagnostics
        log = try LogStore(directory: layout.logDirectory, coordinator: keys.party, key: keys.signing)
    }

    // MARK: authentication (api.md §2)

    /// Authenticates a request and returns the party; a failure is logged and thrown.
    /// - Parameter bodyDigest: the body's BLAKE2b-256 hex when the body was read first; nil when
    ///   the body is streamed and checked against the signed digest later.
    public func authenticate(method: String, path: String, headers: @Sendable (String) -> String?, bodyDigest: String?) throws -> String {
        do {
            let sig = try RequestSignature(headers: headers)
            guard let entry = try? registry.entry(sig.party) else {
                throw CoordinatorError(.unauthenticated, "party '\(sig.party)' is not in the coordinator's registry")
            }
            do { try sig.verify(method: method, path: path, key: entry.keys.signing, now: now()) } catch let e as WireError {
                throw CoordinatorError(.unauthenticated, e.reason)
            }
            if let bodyDigest, bodyDigest != sig.bodyDigest {
                throw CoordinatorError(.unauthenticated, "the body's BLAKE2b-256 differs from the signed \(RequestSignature.Header.digest)")
            }
            guard try store.useNonce(party: sig.party, nonce: sig.nonce, now: now()) else {
                throw CoordinatorError(.replay, "nonce already used: the request is a replay")
            }
            return sig.party
        } catch let e as CoordinatorError {
            try record(LogEvent(time: now(), type: .authenticationFailed, party: headers(RequestSignature.Header.party),
                                parameters: ["method": method, "path": path], code: e.code.rawValue, reason: e.reason))
            throw e
        } catch let e as WireError {
            try record(LogEvent(time: now(), type: .authenticationFailed, party: headers(RequestSignature.Header.party),
                                parameters: ["method": method, "path": path], code: CoordinatorError.Code.unauthenticated.rawValue, reason: e.reason))
            throw CoordinatorError(.unauthenticated, e.reason)
        }
    }

    // MARK: the protocol log

    /// Appends the events and signs a checkpoint; returns their indices.
    @discardableResult
    func record(_ events: LogEvent...) throws -> [UInt64] {
        let indices = events.map { log.append($0) }
        _ = try log.commit()
        return indices
    }

    /// A forbidden action by an authenticated party: logged, then thrown.
    func forbid(_ party: String, agreement: String?, _ reason: String, path: String) throws -> Never {
        try record(LogEvent(time: now(), type: .authenticationFailed, agreement: agreement, party: party,
                            parameters: ["path": path], code: CoordinatorError.Code.forbidden.rawValue, reason: reason))
        throw CoordinatorError(.forbidden, reason)
    }

    /// The receipt (Protocols/log.md §4) for the event at `index`, as the API carries it.
    func receipt(for index: UInt64) throws -> ReceiptMessage {
        let r = try log.receipt(for: index)
        return ReceiptMessage(checkpoint: r.checkpoint, index: r.index, leafHash: r.leafHash, proof: r.proof)
    }

    // MARK: public log (api.md §3.8)

    /// The latest signed checkpoint note.
    public func checkpoint() throws -> String {
        if let last = log.checkpoints.last { return last }
        return try log.commit()
    }

    /// A consistency proof between two tree sizes, base64 hashes.
    public func consistency(from first: UInt64, to second: UInt64) throws -> ConsistencyAnswer {
        guard first <= second, second <= UInt64(log.tree.size) else { throw CoordinatorError(.badRequest, "sizes must satisfy 0 ≤ first ≤ second ≤ \(log.tree.size)") }
        return ConsistencyAnswer(proof: log.tree.consistencyProof(from: Int(first), to: Int(second)).map { Data($0).base64EncodedString() })
    }
}

/// A sealed result as fetched (api.md §3.6): the file's bytes and the receipt for the fetch.
public struct FetchedResult: Sendable {
    /// The sealed result file.
    public let sealed: Data
    /// The receipt for the `result.fetched` event.
    public let receipt: ReceiptMessage
}
