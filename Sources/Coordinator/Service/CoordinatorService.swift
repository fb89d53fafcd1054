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
    /// Unauthenticated refusals logged one by one up to a limit per window, then counted
    /// (Protocols/log.md §1.1).
    var refusals = RefusalAggregator()
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
         now: @escaping @Sendable () -> UInt64, logFiles: any LogFileOpener = POSIXLogFiles(),
         diagnostics: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("coordinator: \($0)\n".utf8)) }) throws {
        self.id = keys.party
        self.keys = keys
        self.registry = registry
        self.layout = layout
        self.store = store
        self.maxUpload = maxUpload
        self.now = now
        self.diagnostics = diagnostics
        log = try LogStore(directory: layout.logDirectory, coordinator: keys.party, key: keys.signing, files: logFiles)
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
            logUnauthenticated(LogEvent(time: now(), type: .authenticationFailed, party: headers(RequestSignature.Header.party),
                                        parameters: ["method": method, "path": path], code: e.code.rawValue, reason: layout.scrub(e.reason)))
            throw e.markedLogged()
        } catch let e as WireError {
            logUnauthenticated(LogEvent(time: now(), type: .authenticationFailed, party: headers(RequestSignature.Header.party),
                                        parameters: ["method": method, "path": path], code: CoordinatorError.Code.unauthenticated.rawValue,
                                        reason: layout.scrub(e.reason)))
            throw CoordinatorError(.unauthenticated, e.reason).markedLogged()
        }
    }

    // MARK: the protocol log

    /// Appends the events and signs a checkpoint; returns their indices. A log that cannot be
    /// written throws `unavailable` (503, Protocols/api.md §5.2): the batch was dropped whole, and
    /// since the log is written before the store (§5.1) nothing of the request remains.
    @discardableResult
    func record(_ events: LogEvent...) throws -> [UInt64] {
        try record(events)
    }

    @discardableResult
    func record(_ events: [LogEvent]) throws -> [UInt64] {
        let indices = events.map { log.append($0) }
        do { _ = try log.commit() } catch let e as LogError {
            diagnostics("protocol log: \(e.reason)")
            if e.code == .storageUnavailable {
                throw CoordinatorError(.unavailable, "the protocol log cannot be written now; nothing was done; retry later")
            }
            throw CoordinatorError(.internal, e.reason)
        }
        return indices
    }

    /// Logs an unauthenticated refusal through the aggregator (Protocols/log.md §1.1): one by one
    /// up to the window's limit, then counted. A log that cannot be written does not change the
    /// answer (401 stays 401, api.md §5.2); the failure goes to the server's log.
    func logUnauthenticated(_ event: LogEvent) {
        let outcome = refusals.consider(code: event.code ?? "", at: now())
        var batch: [LogEvent] = []
        if let summary = outcome.summary { batch.append(summary) }
        if outcome.decision == .logIndividually { batch.append(event) }
        guard !batch.isEmpty else { return }
        do { try record(batch) } catch { diagnostics("an unauthenticated refusal was not logged: \(error)") }
    }

    /// Logs an authenticated party's refusal. A log that cannot be written does not change the
    /// answer (api.md §5.2): the refusal stands, and the failure goes to the server's log.
    func logRefusal(_ event: LogEvent) {
        do { try record(event) } catch { diagnostics("a refusal was not logged: \(error)") }
    }

    /// Writes the `refusals.aggregated` event of a window that has ended, or with `force` of the
    /// current one (at shutdown). Called on a timer (Protocols/log.md §1.1).
    public func flushRefusals(force: Bool = false) {
        guard let summary = refusals.flush(at: now(), force: force) else { return }
        do { try record(summary) } catch { diagnostics("aggregated refusals were not logged: \(error)") }
    }

    /// Logs a refusal that no service path logged yet and returns the error the client sees
    /// (Protocols/api.md §5.3): an authenticated party's refusal is logged as `request.refused`
    /// under its name; any other goes through the aggregator. The reason is scrubbed of internal
    /// paths in both the log and the answer.
    public func refuse(_ error: CoordinatorError, method: String, path: String, agreement: String?, claimedParty: String?) -> CoordinatorError {
        let reason = layout.scrub(error.reason)
        var e = CoordinatorError(error.code, reason)
        e.party = error.party
        guard error.isRefusal, !error.logged else { return error.logged ? e.markedLogged() : e }
        let event = LogEvent(time: now(), type: .requestRefused, agreement: agreement, party: error.party ?? claimedParty,
                             parameters: ["method": method, "path": path], code: error.code.rawValue, reason: reason)
        if error.party != nil {
            logRefusal(event)
        } else {
            logUnauthenticated(event)
        }
        return e.markedLogged()
    }

    /// A forbidden action by an authenticated party: logged, then thrown.
    func forbid(_ party: String, agreement: String?, _ reason: String, path: String) throws -> Never {
        logRefusal(LogEvent(time: now(), type: .authenticationFailed, agreement: agreement, party: party,
                            parameters: ["path": path], code: CoordinatorError.Code.forbidden.rawValue, reason: reason))
        throw CoordinatorError(.forbidden, reason).by(party).markedLogged()
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
