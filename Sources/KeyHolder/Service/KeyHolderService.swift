import Agreements
import Foundation
import KeyHolding
import OPRF
import Parties
import ProtocolLog
import Sodium
import Wire

/// A key holder's rules, independent of HTTP (Protocols/keyholder.md): it holds one OPRF key
/// share per agreement, authenticates every request as the coordinator does (api.md §2), meters
/// each party, and appends every batch and every refusal to its own signed log.
///
/// The actor orders decisions (nonces, the meter, the log); the scalar multiplications of a
/// batch run outside it (``evaluate(_:)``), so batches of several nodes are evaluated in parallel.
public actor KeyHolderService {
    /// One agreement as this key holder serves it.
    struct Served: Sendable {
        let dealt: DealtPublicKey
        let share: DealtShare
        /// The caps in force: the agreement's when the key holder has it, else the dealt file's
        /// (Protocols/keyholder.md §4).
        let caps: [String: Int]
        /// The agreement the caps come from, if any.
        let agreement: Agreement?
    }

    /// The key holder's party id.
    public let id: String
    let registry: Registry
    let layout: KeyHolderLayout
    let log: LogStore
    var served: [String: Served]
    var meter: Meter
    var nonces: NonceBook
    /// Unauthenticated refusals beyond the per-window limit are counted, not logged one by one (log.md §1.1).
    var refusals = RefusalAggregator()
    let now: @Sendable () -> UInt64
    /// The server's log for details that must not reach a client.
    nonisolated let diagnostics: @Sendable (String) -> Void

    /// A key holder with its shares in `dataDir/shares` and its log in `dataDir/log`. Every share
    /// of this holder found there is opened and checked against its dealt public file
    /// (Protocols/keyholder.md §2.3) and logged as `oprf.share-loaded`; one that fails stops the start.
    public init(dataDir: String, keys: PartyKeys, registry: Registry,
                now: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }) throws {
        let layout = KeyHolderLayout(root: dataDir)
        try layout.prepare()
        var loaded: [(DealtPublicKey, DealtShare)] = []
        var agreements: [String: Agreement] = [:]
        for agreement in try layout.agreementsWithShares(holder: keys.party) {
            let dealtPath = layout.shares + "/" + DealtPublicKey.fileName(agreement: agreement)
            let sharePath = layout.shares + "/" + SealedShare.fileName(agreement: agreement, holder: keys.party)
            let dealt = try DealtPublicKey.load(dealtPath, registry: registry)
            guard let data = FileManager.default.contents(atPath: sharePath) else { throw KeyHoldingError(.io, "\(sharePath) cannot be read") }
            let share = try SealedShare(json: data, source: sharePath).open(with: keys, dealt: dealt, registry: registry)
            loaded.append((dealt, share))
            let agreementPath = layout.agreementFile(agreement)
            if FileManager.default.fileExists(atPath: agreementPath) {
                agreements[agreement] = try Self.loadAgreement(agreementPath, dealt: dealt, registry: registry)
            }
        }
        try self.init(layout: layout, keys: keys, registry: registry, shares: loaded, agreements: agreements, now: now)
    }

    /// A key holder serving `shares` as given. The public initialiser checks each share against
    /// its dealt file first; tests use this one directly to make a key holder that evaluates
    /// with a wrong key. `layout` is prepared here.
    init(layout: KeyHolderLayout, keys: PartyKeys, registry: Registry, shares: [(DealtPublicKey, DealtShare)],
         agreements: [String: Agreement] = [:], now: @escaping @Sendable () -> UInt64,
         diagnostics: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("key holder: \($0)\n".utf8)) }) throws {
        try layout.prepare()
        id = keys.party
        self.registry = registry
        self.layout = layout
        self.now = now
        self.diagnostics = diagnostics
        log = try LogStore(directory: layout.logDirectory, coordinator: keys.party, key: keys.signing)
        let events = log.entries.compactMap { try? LogEvent(leaf: $0) }
        meter = Meter(replaying: events)
        nonces = NonceBook(replaying: events, now: now())
        served = [:]
        let time = now()
        if let repair = log.recovery { log.append(repair.event(time: time)) }
        for (dealt, share) in shares {
            let agreement = agreements[dealt.agreement]
            let entry = Served(dealt: dealt, share: share, caps: agreement?.blinding.oprf?.caps ?? dealt.caps, agreement: agreement)
            served[dealt.agreement] = entry
            log.append(Self.shareLoadedEvent(entry, time: time))
        }
        _ = try log.commit()
    }

    /// `oprf.share-loaded` (Protocols/log.md §8): the dealer, the dealt file's digest, this
    /// holder's index, the threshold, every share's public key and the caps in force, with where
    /// they come from (`capsFrom`: `agreement` with `agreementHash`, or `dealt`).
    static func shareLoadedEvent(_ served: Served, time: UInt64) -> LogEvent {
        let dealt = served.dealt
        var parameters = [
            "index": String(served.share.index), "threshold": String(dealt.threshold), "roundSeconds": String(dealt.roundSeconds),
            "groupPublicKey": Hex.encode(dealt.groupPublicKey.bytes),
            "sharePublicKeys": dealt.holders.map { "\($0.share.index):\(Hex.encode($0.share.publicKey.bytes))" }.joined(separator: ","),
            "capsFrom": served.agreement == nil ? "dealt" : "agreement",
        ]
        if let a = served.agreement { parameters["agreementHash"] = Hex.encode(a.hash) }
        return LogEvent(time: time, type: .oprfShareLoaded, agreement: dealt.agreement, party: dealt.dealer, hash: Hex.encode(dealt.digest),
                        parties: dealt.holders.map(\.party), counts: served.caps, parameters: parameters)
    }

    /// Reads the agreement beside a dealt key (Protocols/keyholder.md §4): signed by every party,
    /// in the OPRF mode, naming the dealt file's key holders in its order and its threshold,
    /// every key holder registered as one. Its caps then replace the dealt file's.
    static func loadAgreement(_ path: String, dealt: DealtPublicKey, registry: Registry) throws -> Agreement {
        do {
            let (agreement, signatures) = try AgreementFiles.load(path)
            try signatures.verifyComplete(agreement, registry: registry)
            try agreement.checkKeyHolders(registry: registry)
            guard agreement.id == dealt.agreement, let mode = agreement.blinding.oprf else {
                throw KeyHoldingError(.malformed, "\(path) is not agreement '\(dealt.agreement)' in the OPRF blinding mode")
            }
            guard mode.keyHolders == dealt.holders.map(\.party), mode.threshold == dealt.threshold else {
                throw KeyHoldingError(.malformed, "\(path) names key holders \(mode.keyHolders) with threshold \(mode.threshold); the dealt key has \(dealt.holders.map(\.party)) with \(dealt.threshold)")
            }
            return agreement
        } catch let e as AgreementError { throw KeyHoldingError(.malformed, e.reason) }
    }

    /// The agreements this key holder serves, sorted.
    public var agreements: [String] { served.keys.sorted() }

    // MARK: authentication (api.md §2)

    /// Authenticates a request and returns the party and its nonce; a failure is logged
    /// (`auth.failed`) and thrown. The nonce is spent here: every later outcome of the request is
    /// logged with it, which is how the book is rebuilt after a restart.
    public func authenticate(method: String, path: String, headers: @Sendable (String) -> String?,
                             bodyDigest: String) throws -> (party: String, nonce: String) {
        let claimed = headers(RequestSignature.Header.party)
        do {
            let sig: RequestSignature
            do { sig = try RequestSignature(headers: headers) } catch let e as WireError { throw KeyHolderError(.unauthenticated, e.reason) }
            guard let entry = try? registry.entry(sig.party) else {
                throw KeyHolderError(.unauthenticated, "party '\(sig.party)' is not in the key holder's registry")
            }
            do { try sig.verify(method: method, path: path, key: entry.keys.signing, now: now()) } catch let e as WireError {
                throw KeyHolderError(.unauthenticated, e.reason)
            }
            guard bodyDigest == sig.bodyDigest else {
                throw KeyHolderError(.unauthenticated, "the body's BLAKE2b-256 differs from the signed \(RequestSignature.Header.digest)")
            }
            guard nonces.use(party: sig.party, nonce: sig.nonce, now: now()) else {
                throw KeyHolderError(.replay, "nonce already used: the request is a replay")
            }
            return (sig.party, sig.nonce)
        } catch let e as KeyHolderError {
            let event = LogEvent(time: now(), type: .authenticationFailed, party: claimed,
                                 parameters: ["method": method, "path": path], code: e.code.rawValue, reason: e.reason)
            if e.code == .replay {
                // A replay carries a valid signature: its party answers for it, so it is always logged.
                try record(event)
            } else {
                let outcome = refusals.consider(code: e.code.rawValue, at: now())
                var events = outcome.summary.map { [$0] } ?? []
                if outcome.decision == .logIndividually { events.append(event) }
                if !events.isEmpty {
                    for e in events { log.append(e) }
                    _ = try log.commit()
                }
            }
            throw e
        }
    }

    /// Writes the `refusals.aggregated` event of an ended window (or of the current one with
    /// `force`, at shutdown); `serve` calls it every minute (log.md §1.1).
    public func flushRefusals(force: Bool = false) throws {
        if let summary = refusals.flush(at: now(), force: force) { try record(summary) }
    }

    // MARK: the log

    /// Appends the events and signs a checkpoint.
    func record(_ events: LogEvent...) throws {
        for e in events { log.append(e) }
        _ = try log.commit()
    }

    /// The latest signed checkpoint note of the key holder's log.
    public func checkpoint() throws -> String {
        if let last = log.checkpoints.last { return last }
        return try log.commit()
    }

    /// The log's entries as stored (for tests and `log export`).
    public var logEntries: [[UInt8]] { log.entries }
}
