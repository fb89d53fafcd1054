import Agreements
import Foundation
import GRDB
import Matching
import Parties
import ProtocolLog
import Sodium
import Wire

/// The coordinator's state and rules, independent of HTTP (`Protocols/api.md`). Every decision
/// that the privacy officer must be able to check is appended to the protocol log, and a
/// checkpoint is signed after each request's batch of events.
public actor CoordinatorService {
    public let id: String
    let keys: PartyKeys
    let registry: Registry
    let dataDir: String
    let store: Store
    let log: LogStore
    public let maxUpload: Int
    var running: Set<String> = []
    var now: () -> UInt64

    public init(dataDir: String, keys: PartyKeys, registry: Registry, maxUpload: Int = 4 << 30,
                now: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }) throws {
        self.id = keys.party
        self.keys = keys
        self.registry = registry
        self.dataDir = dataDir
        self.maxUpload = maxUpload
        self.now = now
        let fm = FileManager.default
        for sub in ["submissions", "results", "log", "incoming"] {
            try fm.createDirectory(atPath: "\(dataDir)/\(sub)", withIntermediateDirectories: true)
        }
        // Half-received uploads of a previous process are never kept (api.md §3.4).
        for f in (try? fm.contentsOfDirectory(atPath: "\(dataDir)/incoming")) ?? [] { try? fm.removeItem(atPath: "\(dataDir)/incoming/\(f)") }
        store = try Store(path: "\(dataDir)/coordinator.sqlite")
        log = try LogStore(directory: "\(dataDir)/log", coordinator: keys.party, key: keys.signing)
    }

    // MARK: authentication (api.md §2)

    /// Authenticates a request; a failure is logged and thrown.
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

    // MARK: agreements (api.md §3.1)

    func agreement(_ id: String) throws -> Agreement {
        guard let row = try store.pool.read({ db in try Row.fetchOne(db, sql: "SELECT document FROM agreements WHERE id = ?", arguments: [id]) }) else {
            throw CoordinatorError(.notFound, "agreement \(id) is not registered")
        }
        return try Agreement(json: row["document"] as Data, source: "agreement \(id)")
    }

    public func registerAgreement(party: String, document: Data, signatures: Data) throws -> JSONObject {
        let a: Agreement
        let sigs: AgreementSignatures
        do {
            a = try Agreement(json: document)
            sigs = try JSONDecoder().decode(AgreementSignatures.self, from: signatures)
            try sigs.verifyComplete(a, registry: registry)
        } catch let e as AgreementError {
            throw CoordinatorError(.agreement, e.reason)
        } catch let e as KeyError {
            throw CoordinatorError(.agreement, e.reason)
        } catch is DecodingError {
            throw CoordinatorError(.agreement, "signatures are not a korskoll-agreement-signatures-v1 document")
        }
        guard a.coordinator == id else { throw CoordinatorError(.agreement, "agreement \(a.id) names coordinator '\(a.coordinator)', not '\(id)'") }
        guard a.partyIDs.contains(party) else { try forbid(party, agreement: a.id, "party '\(party)' is not a party to agreement \(a.id)", path: "/v1/agreements") }
        if let existing = try? agreement(a.id) {
            guard existing.hash == a.hash else { throw CoordinatorError(.conflict, "agreement \(a.id) is registered with other content") }
            return JSONObject(["agreement": a.id, "hash": hex(a.hash), "registered": false])
        }
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO agreements (id, hash, document, signatures, registered) VALUES (?, ?, ?, ?, ?)",
                           arguments: [a.id, hex(a.hash), document, signatures, Int64(now())])
        }
        try record(LogEvent(time: now(), type: .agreementRegistered, agreement: a.id, party: party, hash: hex(a.hash),
                            parties: sigs.signatures.map(\.party).sorted()))
        return JSONObject(["agreement": a.id, "hash": hex(a.hash), "registered": true])
    }

    // MARK: key ceremony (api.md §3.2)

    /// The lead party (the agreement's first) relays the linkage secret sealed to each node.
    public func putCeremony(party: String, agreementID: String, to recipient: String, blob: Data) throws {
        let a = try agreement(agreementID)
        guard a.parties.first?.id == party else {
            try forbid(party, agreement: a.id, "only the lead party '\(a.parties.first?.id ?? "")' relays the key ceremony of \(a.id)", path: "ceremony")
        }
        guard a.partyIDs.contains(recipient) else { throw CoordinatorError(.badRequest, "'\(recipient)' is not a party to \(a.id)") }
        guard blob.count <= 4096 else { throw CoordinatorError(.tooLarge, "a ceremony blob is at most 4096 bytes") }
        try store.pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO ceremony (agreement, party, blob) VALUES (?, ?, ?)", arguments: [a.id, recipient, blob])
        }
        try record(LogEvent(time: now(), type: .ceremonyRelayed, agreement: a.id, party: party, recipient: recipient,
                            hash: Hex.encode(SHA256.hash(Array(blob)))))
    }

    public func getCeremony(party: String, agreementID: String) throws -> Data {
        let a = try agreement(agreementID)
        guard a.partyIDs.contains(party) else { try forbid(party, agreement: a.id, "'\(party)' is not a party to \(a.id)", path: "ceremony") }
        guard let row = try store.pool.read({ db in try Row.fetchOne(db, sql: "SELECT blob FROM ceremony WHERE agreement = ? AND party = ?", arguments: [a.id, party]) }) else {
            throw CoordinatorError(.notFound, "no key-ceremony blob for \(party) under \(a.id) yet")
        }
        return row["blob"]
    }

    // MARK: submissions (api.md §3.3)

    public func incomingPath() -> String { "\(dataDir)/incoming/\(Hex.encode(Random.bytes(16))).part" }

    /// Checks a fully received upload and stores it atomically, or removes it and logs why.
    /// `digest` is the upload's BLAKE2b-256 (api.md §2) when the caller computed it while receiving.
    public func acceptSubmission(party: String, agreementID: String, upload: String, digest: [UInt8]? = nil) throws -> JSONObject {
        let fm = FileManager.default
        defer { try? fm.removeItem(atPath: upload) }
        do {
            let a = try agreement(agreementID)
            guard a.partyIDs.contains(party) else { throw CoordinatorError(.forbidden, "'\(party)' is not a party to \(a.id)") }
            let opened: Submission.Opened
            do {
                opened = try Submission.Opened(path: upload, key: keys.sealing)
                try opened.verify(signedBy: try registry.entry(party).keys.signing)
            } catch let e as WireError { throw CoordinatorError(.submission, e.reason) }
            let h = opened.header
            guard h.agreementID == a.id else { throw CoordinatorError(.submission, "the submission is for agreement \(h.agreementID), not \(a.id)") }
            guard h.party == party else { throw CoordinatorError(.submission, "the submission names party \(h.party), but \(party) sent it") }
            guard h.recipient == id else { throw CoordinatorError(.submission, "the submission is sealed for \(h.recipient), not \(id)") }
            if let digest = a.match.schemaDigest, h.clkBytes > 0, Hex.encode(h.schemaDigest) != digest {
                throw CoordinatorError(.submission, "the submission's CLK schema digest differs from the agreement's")
            }
            guard h.blocking == (a.match.blocking ?? "") else {
                throw CoordinatorError(.submission, "the submission's blocking scheme '\(h.blocking)' differs from the agreement's '\(a.match.blocking ?? "")'")
            }
            let sid = Hex.encode(h.submissionID)
            let dup = try store.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT agreement FROM submissions WHERE submission_id = ? OR (agreement = ? AND party = ?)", arguments: [sid, a.id, party])
            }
            guard dup == nil else { throw CoordinatorError(.conflict, "\(party) already submitted to \(a.id), or this submission id was seen before (replay)") }
            // Read to the end: the content hash and the counts are checked there.
            var rows = 0
            do { while try opened.next() != nil { rows += 1 } } catch let e as WireError { throw CoordinatorError(.submission, e.reason) }
            if let other = try store.pool.read({ db in try Row.fetchOne(db, sql: "SELECT party FROM submissions WHERE agreement = ? LIMIT 1", arguments: [a.id]) }),
               let otherFile = try store.pool.read({ db in try String.fetchOne(db, sql: "SELECT file FROM submissions WHERE agreement = ? LIMIT 1", arguments: [a.id]) }),
               let first = try? Submission.Opened(path: otherFile, key: keys.sealing),
               first.header.clkBytes > 0 && h.clkBytes > 0 && first.header.schemaDigest != h.schemaDigest {
                throw CoordinatorError(.submission, "the CLK schema differs from the one \(other["party"] as String) used")
            }
            let dir = "\(dataDir)/submissions/\(a.id)"
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let file = "\(dir)/\(party).kks"
            try fm.moveItem(atPath: upload, toPath: file)
            do {
                try store.pool.write { db in
                    try db.execute(sql: "INSERT INTO submissions (agreement, party, submission_id, file, rows, accepted) VALUES (?, ?, ?, ?, ?, ?)",
                                   arguments: [a.id, party, sid, file, rows, Int64(now())])
                }
            } catch {
                try? fm.removeItem(atPath: file)
                throw error
            }
            // log.md §1: a submission's hash is the BLAKE2b-256 of the file, as its request signed it.
            let hash = try digest.map(Hex.encode) ?? submissionHash(file)
            let index = try record(LogEvent(time: now(), type: .submissionAccepted, agreement: a.id, party: party, hash: hash,
                                            submissionID: sid, counts: ["rows": rows, "personIDs": Int(h.personIDs),
                                                                        "organisationIDs": Int(h.organisationIDs), "clks": Int(h.clks)]))[0]
            let receipt = try log.receipt(for: index)
            startRunIfComplete(a)
            return JSONObject(["agreement": a.id, "party": party, "submissionID": sid, "rows": rows, "receipt": try receiptJSON(receipt)])
        } catch let e as CoordinatorError {
            try record(LogEvent(time: now(), type: .submissionRejected, agreement: agreementID, party: party,
                                code: e.code.rawValue, reason: e.reason))
            throw e
        }
    }

    public func rejectUpload(party: String, agreementID: String, upload: String, _ error: CoordinatorError) throws {
        try? FileManager.default.removeItem(atPath: upload)
        try record(LogEvent(time: now(), type: .submissionRejected, agreement: agreementID, party: party, code: error.code.rawValue, reason: error.reason))
    }

    // MARK: runs (api.md §3.5)

    func startRunIfComplete(_ a: Agreement) {
        guard !running.contains(a.id) else { return }
        let submitted = (try? store.pool.read { db in try String.fetchAll(db, sql: "SELECT party FROM submissions WHERE agreement = ?", arguments: [a.id]) }) ?? []
        guard Set(submitted) == Set(a.partyIDs) else { return }
        let state = try? store.pool.read { db in try String.fetchOne(db, sql: "SELECT state FROM runs WHERE agreement = ?", arguments: [a.id]) }
        guard state == nil || state == "running" else { return }
        running.insert(a.id)
        Task { await self.run(a, restarted: state == "running") }
    }

    /// Restarts runs that a previous process left unfinished, and starts complete ones.
    public func resume() throws {
        let ids = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM agreements") }
        for id in ids { startRunIfComplete(try agreement(id)) }
        try enforceRetention()
    }

    func setProgress(_ agreementID: String, _ text: String) {
        try? store.pool.writeWithoutTransaction { db in try db.execute(sql: "UPDATE runs SET progress = ? WHERE agreement = ?", arguments: [text, agreementID]) }
    }

    func run(_ a: Agreement, restarted: Bool) async {
        let runID = Hex.encode(Random.bytes(8))
        do {
            try markRunStarted(a.id, runID: runID)
            var parameters = ["threshold": a.match.threshold.map { String($0) } ?? "none", "exact": a.match.exact.joined(separator: ",")]
            if restarted { parameters["restart"] = "true" }
            try record(LogEvent(time: now(), type: .runStarted, agreement: a.id, runID: runID, parties: a.partyIDs, parameters: parameters))
            let byParty = try submissionFiles(a.id)
            let sealing = keys.sealing, registry = registry
            let order = a.partyIDs
            let progress: @Sendable (String) -> Void = { [weak self] text in Task { await self?.setProgress(a.id, text) } }
            // The matching itself runs off the actor.
            let linkage = try await Task.detached {
                // Each submission is opened, verified and read on its own thread, two at a time.
                let slots = LoadSlots(count: order.count)
                DispatchQueue.concurrentPerform(iterations: min(order.count, max(1, ProcessInfo.processInfo.activeProcessorCount))) { worker in
                    var i = worker
                    while i < order.count {
                        let p = order[i]
                        slots.set(i, Result {
                            let opened = try Submission.Opened(path: byParty[p]!.0, key: sealing)
                            try opened.verify(signedBy: try registry.entry(p).keys.signing)
                            return try PartyRows(opened: opened)
                        })
                        i += max(1, ProcessInfo.processInfo.activeProcessorCount)
                    }
                }
                let rows = try slots.values()
                progress("matching")
                return try Linkage(rows, exact: Set(a.match.exact), threshold: a.match.threshold,
                                   fuzzyParties: Set(a.parties.filter(\.fuzzy).map(\.id)),
                                   blocking: a.match.blocking != nil, progress: progress)
            }.value
            let sids = byParty.mapValues(\.1)
            var sealed: [(Agreement.Output, String, String)] = []
            let dir = "\(dataDir)/results/\(a.id)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // The outputs are built and sealed in parallel, then logged in the agreement's order.
            let outputs = a.outputs, signer = keys.signing
            let files = try await Task.detached {
                let slots = SealSlots(count: outputs.count)
                DispatchQueue.concurrentPerform(iterations: outputs.count) { i in
                    let output = outputs[i]
                    slots.set(i, Result {
                        let doc = try ResultBuilder.document(output: output, agreement: a, runID: runID, submissionIDs: sids, linkage: linkage)
                        let file = "\(dir)/\(output.name).kkr"
                        try? FileManager.default.removeItem(atPath: file)
                        try SealedResult.seal(document: doc, signer: signer, recipient: try registry.entry(output.recipient).keys.sealing, to: file)
                        return file
                    })
                }
                return try slots.values()
            }.value
            for (output, file) in zip(outputs, files) { sealed.append((output, file, try fileHash(file))) }
            try saveResults(a.id, runID: runID, sealed: sealed.map { ($0.0.name, $0.0.recipient, $0.1, $0.2) }, counts: linkage.counts)
            _ = log.append(LogEvent(time: now(), type: .runFinished, agreement: a.id, runID: runID, parties: a.partyIDs, counts: linkage.counts))
            for (o, _, hash) in sealed {
                _ = log.append(LogEvent(time: now(), type: .resultSealed, agreement: a.id, recipient: o.recipient, hash: hash, runID: runID, output: o.name))
            }
            _ = try log.commit()
        } catch {
            let reason = (error as? CoordinatorError)?.reason ?? (error as? WireError)?.reason ?? "\(error)"
            markRunFailed(a.id, reason: reason)
            _ = try? record(LogEvent(time: now(), type: .runFinished, agreement: a.id, runID: runID, code: "run.failed", reason: reason))
        }
        running.remove(a.id)
        try? enforceRetention()
    }

    func markRunStarted(_ id: String, runID: String) throws {
        let t = Int64(now())
        try store.pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO runs (agreement, run_id, state, progress, started) VALUES (?, ?, 'running', 'loading submissions', ?)",
                           arguments: [id, runID, t])
        }
    }

    func submissionFiles(_ id: String) throws -> [String: (String, String)] {
        let files = try store.pool.read { db in try Row.fetchAll(db, sql: "SELECT party, file, submission_id FROM submissions WHERE agreement = ?", arguments: [id]) }
        var byParty: [String: (String, String)] = [:]
        for r in files { byParty[r["party"]] = (r["file"], r["submission_id"]) }
        return byParty
    }

    func saveResults(_ id: String, runID: String, sealed: [(String, String, String, String)], counts: [String: Int]) throws {
        let t = Int64(now())
        let countsJSON = String(decoding: try JSONSerialization.data(withJSONObject: counts, options: [.sortedKeys]), as: UTF8.self)
        try store.pool.write { db in
            for (output, recipient, file, hash) in sealed {
                try db.execute(sql: "INSERT OR REPLACE INTO results (agreement, output, recipient, run_id, file, hash) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [id, output, recipient, runID, file, hash])
            }
            try db.execute(sql: "UPDATE runs SET state = 'finished', progress = 'done', finished = ?, counts = ? WHERE agreement = ?",
                           arguments: [t, countsJSON, id])
        }
    }

    func markRunFailed(_ id: String, reason: String) {
        let t = Int64(now())
        try? store.pool.write { db in
            try db.execute(sql: "UPDATE runs SET state = 'failed', progress = 'failed', error = ?, finished = ? WHERE agreement = ?",
                           arguments: [reason, t, id])
        }
    }

    public func status(party: String, agreementID: String) throws -> JSONObject {
        let a = try agreement(agreementID)
        guard a.partyIDs.contains(party) else { try forbid(party, agreement: a.id, "'\(party)' is not a party to \(a.id)", path: "status") }
        return JSONObject(try store.pool.read { db in
            let submitted = try String.fetchAll(db, sql: "SELECT party FROM submissions WHERE agreement = ?", arguments: [a.id])
            var out: [String: Any] = ["agreement": a.id, "parties": a.partyIDs, "submitted": submitted.sorted(),
                                      "missing": Set(a.partyIDs).subtracting(submitted).sorted()]
            if let r = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE agreement = ?", arguments: [a.id]) {
                var run: [String: Any] = ["runID": r["run_id"] as String, "state": r["state"] as String, "progress": r["progress"] as String]
                if let e: String = r["error"] { run["error"] = e }
                out["run"] = run
            } else { out["run"] = ["state": "waiting"] }
            out["results"] = try String.fetchAll(db, sql: "SELECT output FROM results WHERE agreement = ? AND recipient = ?", arguments: [a.id, party])
            return out
        })
    }

    // MARK: results (api.md §3.6)

    public func fetchResult(party: String, agreementID: String, output: String) throws -> FetchedResult {
        let a = try agreement(agreementID)
        guard let o = a.outputs.first(where: { $0.name == output }) else { throw CoordinatorError(.notFound, "agreement \(a.id) has no output \(output)") }
        guard o.recipient == party else {
            try forbid(party, agreement: a.id, "output \(output) of \(a.id) is for \(o.recipient); \(party) may not fetch it", path: "results/\(output)")
        }
        guard let r = try store.pool.read({ db in try Row.fetchOne(db, sql: "SELECT file, run_id FROM results WHERE agreement = ? AND output = ?", arguments: [a.id, output]) }) else {
            throw CoordinatorError(.notFound, "output \(output) of \(a.id) is not ready")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: r["file"] as String))
        let index = try record(LogEvent(time: now(), type: .resultFetched, agreement: a.id, party: party, runID: r["run_id"], output: output))[0]
        return FetchedResult(sealed: data, receipt: JSONObject(try receiptJSON(try log.receipt(for: index))))
    }

    // MARK: retention (api.md §3.7)

    public func enforceRetention() throws {
        let rows = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT s.agreement, s.party, s.file, r.finished, r.state FROM submissions s JOIN runs r ON r.agreement = s.agreement WHERE s.deleted IS NULL AND r.state = 'finished'")
        }
        var byAgreement: [String: [(String, String)]] = [:]
        for r in rows {
            let a = try agreement(r["agreement"])
            let finished: Int64 = r["finished"]
            if UInt64(finished) + UInt64(a.retentionDays) * 86_400 <= now() { byAgreement[a.id, default: []].append((r["party"], r["file"])) }
        }
        for (id, subs) in byAgreement {
            for (_, file) in subs { try? FileManager.default.removeItem(atPath: file) }
            try store.pool.write { db in
                try db.execute(sql: "UPDATE submissions SET deleted = ? WHERE agreement = ?", arguments: [Int64(now()), id])
            }
            try record(LogEvent(time: now(), type: .encodingsDeleted, agreement: id, parties: subs.map(\.0).sorted(), reason: "retention"))
        }
    }

    // MARK: log (api.md §3.8)

    public func checkpoint() throws -> String {
        if let last = log.checkpoints.last { return last }
        return try log.commit()
    }

    public func consistency(from first: UInt64, to second: UInt64) throws -> [String] {
        guard first <= second, second <= UInt64(log.tree.size) else { throw CoordinatorError(.badRequest, "sizes must satisfy 0 ≤ first ≤ second ≤ \(log.tree.size)") }
        return log.tree.consistencyProof(from: Int(first), to: Int(second)).map { Data($0).base64EncodedString() }
    }

    func receiptJSON(_ r: Receipt) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as! [String: Any]
    }

}

func submissionHash(_ path: String) throws -> String {
    do { return Hex.encode(try blake2b256(file: path)) } catch let e as WireError { throw CoordinatorError(.internal, e.reason) }
}

func fileHash(_ path: String) throws -> String {
    do { return Hex.encode(try sha256(file: path)) } catch let e as WireError { throw CoordinatorError(.internal, e.reason) }
}

/// A JSON object handed from the actor to the HTTP layer, which only serialises it.
public struct JSONObject: @unchecked Sendable {
    public let value: [String: Any]
    init(_ value: [String: Any]) { self.value = value }
}

/// A sealed result as fetched (api.md §3.6): the file's bytes and the receipt for the fetch.
public struct FetchedResult: Sendable {
    public let sealed: Data
    public let receipt: JSONObject
}

/// Results of work done in parallel, one slot per item: the load of a run's submissions, the
/// sealing of its outputs.
final class Slots<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    /// The values in item order, or the first item's error.
    func values() throws -> [T] { try slots.map { try $0!.get() } }
}
typealias LoadSlots = Slots<PartyRows>
typealias SealSlots = Slots<String>
