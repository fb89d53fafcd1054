import API
import Agreements
import Foundation
import NIOCore
import ProtocolLog
import Sodium
import Wire

// Submissions (Protocols/api.md §3.3): the one place where an upload is received and accepted.
extension CoordinatorService {
    /// Receives an upload whose request `party` signed with `claimedDigest`: streamed into a
    /// private file under `incoming/` while hashed, refused above `maxUpload` (413), refused when
    /// cut off or when its BLAKE2b-256 is not the signed one; then `acceptSubmission`. Every
    /// refusal is logged and leaves no file behind.
    /// `endpoint` is the route it came by: the one-shot submission, or a standing agreement's
    /// list or check (Protocols/standing.md §1.2); the receiving and every check are the same.
    nonisolated public func receiveSubmission<Body: AsyncSequence & Sendable>(
        party: String, agreementID: String, claimedDigest: String, body: Body, endpoint: SubmissionEndpoint = .submission
    ) async throws -> SubmissionAnswer where Body.Element == ByteBuffer {
        let path = layout.newIncoming()
        let limit = maxUpload
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let out = FileHandle(forWritingAtPath: path) else { throw CoordinatorError(.internal, "cannot create a file in incoming/") }
        let hash = RequestSignature.bodyDigestState()
        var received = 0
        do {
            for try await buffer in body {
                received += buffer.readableBytes
                guard received <= limit else {
                    try? out.close()
                    throw CoordinatorError(.tooLarge, "the upload exceeds \(limit) bytes")
                }
                try buffer.withUnsafeReadableBytes { raw in
                    hash.update(raw)
                    try out.write(contentsOf: raw)
                }
            }
            try out.close()
        } catch let e as CoordinatorError {
            throw await rejectUpload(party: party, agreementID: agreementID, upload: path, e)
        } catch {
            let e = CoordinatorError(.submission, "the upload was cut off after \(received) bytes")
            throw await rejectUpload(party: party, agreementID: agreementID, upload: path, e)
        }
        let digest = hash.finalize()
        guard Hex.encode(digest) == claimedDigest else {
            let e = CoordinatorError(.submission, "the upload's BLAKE2b-256 differs from the signed digest: truncated or altered in transit (\(received) bytes received)")
            throw await rejectUpload(party: party, agreementID: agreementID, upload: path, e)
        }
        return try await acceptSubmission(party: party, agreementID: agreementID, upload: path, digest: digest, endpoint: endpoint)
    }

    /// Checks a fully received upload and stores it atomically, or removes it and logs why.
    /// `digest` is the upload's BLAKE2b-256 (api.md §2) when the caller computed it while receiving.
    public func acceptSubmission(party: String, agreementID: String, upload: String, digest: [UInt8]? = nil,
                                 endpoint: SubmissionEndpoint = .submission) throws -> SubmissionAnswer {
        let fm = FileManager.default
        defer { try? fm.removeItem(atPath: upload) }
        do {
            let a = try agreement(agreementID)
            guard a.partyIDs.contains(party) else { throw CoordinatorError(.forbidden, "'\(party)' is not a party to \(a.id)") }
            let policy = SubmissionPolicy(agreement: a, coordinator: id)
            if let kind = endpoint.standingKind {
                // Protocols/standing.md §1.2, §2: the agreement, its validity and the party's role first.
                guard a.isStanding else {
                    throw CoordinatorError(.submissionNotStanding, "agreement \(a.id) is not standing: submit with PUT /v1/agreements/\(a.id)/submission")
                }
                if let refusal = policy.checkStanding(party: party, kind: kind, day: Self.utcDay(now())) { throw refusal }
            } else if a.isStanding {
                throw CoordinatorError(.submissionStanding, "agreement \(a.id) is standing: submit a list to PUT /v1/agreements/\(a.id)/lists or a check to PUT /v1/agreements/\(a.id)/checks")
            }
            let opened = try openUpload(upload, party: party, policy: policy)
            let h = opened.header
            if let kind = endpoint.standingKind {
                return try acceptStanding(a, party: party, kind: kind, opened: opened, policy: policy, upload: upload, digest: digest)
            }
            let sid = Hex.encode(h.submissionID)
            // api.md §5.1: the same submission again (a node retrying after a lost answer) gets
            // the receipt of the event that accepted it, not a 409.
            if let answer = try acceptedAgain(a, party: party, submissionID: sid, upload: upload, digest: digest) { return answer }
            guard try !store.submissionExists(agreement: a.id, party: party, submissionID: sid) else {
                throw CoordinatorError(.conflict, "\(party) already submitted to \(a.id), or this submission id was seen before (replay)")
            }
            let rows = try readRows(opened, policy: policy, upload: upload)
            if let refusal = policy.checkSchema(h, against: try store.submissions(agreement: a.id)) { throw refusal }
            // log.md §1: a submission's hash is the BLAKE2b-256 of the file, as its request signed it.
            let hash = try digest.map(Hex.encode) ?? submissionHash(upload)
            // api.md §5.1: the file is put in place, the event logged, then the row inserted. A file
            // left by a process that died before logging has no row and is replaced.
            let file = try layout.submission(agreement: a.id, party: party)
            if fm.fileExists(atPath: file) { try fm.removeItem(atPath: file) }
            try fm.moveItem(atPath: upload, toPath: file)
            FaultPoint.submissionBeforeLog.reach()
            let time = now()
            let index: UInt64
            do {
                index = try record(acceptedEvent(a, party: party, header: h, rows: rows, hash: hash, time: time))[0]
            } catch {
                try? fm.removeItem(atPath: file)
                throw error
            }
            FaultPoint.submissionBeforeStore.reach()
            try storeWrite {
                try store.insertSubmission(SubmissionRecord(agreement: a.id, party: party, submissionID: sid, file: file, rows: rows,
                                                            schemaDigest: SubmissionPolicy.storedSchemaDigest(h), accepted: time))
            }
            FaultPoint.submissionAfterStore.reach()
            let answer = SubmissionAnswer(agreement: a.id, party: party, submissionID: sid, rows: rows, receipt: try receipt(for: index))
            startRunIfComplete(a)
            return answer
        } catch let e as CoordinatorError where e.isRefusal {
            logRefusal(LogEvent(time: now(), type: .submissionRejected, agreement: agreementID, party: party,
                                code: e.code.rawValue, reason: layout.scrub(e.body.reason)))
            throw e.by(party).markedLogged()
        }
    }

    /// Opens a received upload with the coordinator's key, verifies the sender's signature and
    /// checks its header against the agreement (api.md §3.3).
    func openUpload(_ upload: String, party: String, policy: SubmissionPolicy) throws -> Submission.Opened {
        let opened: Submission.Opened
        do {
            opened = try Submission.Opened(path: upload, key: keys.sealing)
            try opened.verify(signedBy: try registry.entry(party).keys.signing)
        } catch let e as WireError { throw CoordinatorError(.submission, layout.scrub(e.reason, upload: upload)) }
        if let refusal = policy.checkHeader(opened.header, sender: party) { throw refusal }
        return opened
    }

    /// Reads an opened upload to the end, where the content hash and the counts are checked;
    /// returns its rows. `kind`: a standing agreement's list or check (nil: a one-shot submission).
    func readRows(_ opened: Submission.Opened, policy: SubmissionPolicy, upload: String, kind: StandingKind? = nil) throws -> Int {
        var rows = 0
        do {
            while let r = try opened.next() {
                if let refusal = policy.checkRecord(r, header: opened.header, row: rows, kind: kind) { throw refusal }
                rows += 1
            }
        } catch let e as WireError {
            throw CoordinatorError(.submission, layout.scrub(e.reason, upload: upload))
        }
        return rows
    }

    /// The `submission.accepted` event of an accepted submission (log.md §1).
    func acceptedEvent(_ a: Agreement, party: String, header h: Submission.Header, rows: Int, hash: String, time: UInt64,
                       kind: StandingKind? = nil) -> LogEvent {
        var parameters = ["attributes": SubmissionPolicy.sentAttributes(h)]
        if let kind { parameters["kind"] = kind.rawValue }
        return LogEvent(time: time, type: .submissionAccepted, agreement: a.id, party: party, hash: hash,
                        submissionID: Hex.encode(h.submissionID), counts: ["rows": rows, "personIDs": Int(h.personIDs),
                                                                           "organisationIDs": Int(h.organisationIDs), "clks": Int(h.clks)],
                        parameters: parameters)
    }

    /// The answer to a submission that was accepted before: same party, same submission id and
    /// the same bytes as the logged `submission.accepted` (api.md §5.1), with a receipt for that
    /// event under the latest checkpoint; nil when this submission is new.
    func acceptedAgain(_ a: Agreement, party: String, submissionID sid: String, upload: String, digest: [UInt8]?) throws -> SubmissionAnswer? {
        guard let stored = try store.submissions(agreement: a.id).first(where: { $0.party == party && $0.submissionID == sid }) else { return nil }
        return try answerAgain(a, party: party, submissionID: sid, rows: stored.rows, upload: upload, digest: digest)
    }

    /// The answer to a stored submission sent again: the receipt of its logged `submission.accepted`
    /// when the upload's bytes hash as that event says; nil otherwise (api.md §5.1).
    func answerAgain(_ a: Agreement, party: String, submissionID sid: String, rows: Int, upload: String, digest: [UInt8]?) throws -> SubmissionAnswer? {
        guard let logged = loggedEvents().last(where: { _, e in
            e.type == .submissionAccepted && e.agreement == a.id && e.party == party && e.submissionID == sid
        }) else { return nil }
        let hash = try digest.map(Hex.encode) ?? submissionHash(upload)
        guard logged.1.hash == hash else { return nil }
        return SubmissionAnswer(agreement: a.id, party: party, submissionID: sid, rows: rows, receipt: try receipt(for: logged.0))
    }

    /// Removes a refused upload and logs the refusal.
    func rejectUpload(party: String, agreementID: String, upload: String, _ error: CoordinatorError) -> CoordinatorError {
        try? FileManager.default.removeItem(atPath: upload)
        logRefusal(LogEvent(time: now(), type: .submissionRejected, agreement: agreementID, party: party, code: error.code.rawValue,
                            reason: layout.scrub(error.body.reason)))
        return error.by(party).markedLogged()
    }
}

/// The route a submission came by (Protocols/api.md §3.3, standing.md §1.2).
public enum SubmissionEndpoint: Sendable {
    /// `PUT /v1/agreements/{id}/submission`: the one submission of a v1/v2 agreement.
    case submission
    /// `PUT /v1/agreements/{id}/lists`: a standing agreement's reference or relations list.
    case list
    /// `PUT /v1/agreements/{id}/checks`: a standing agreement's subjects check.
    case check

    /// The standing kind, nil for the one-shot endpoint.
    var standingKind: StandingKind? {
        switch self {
        case .submission: nil
        case .list: .list
        case .check: .check
        }
    }
}

func submissionHash(_ path: String) throws -> String {
    do { return Hex.encode(try blake2b256(file: path)) } catch let e as WireError { throw CoordinatorError(.internal, e.reason) }
}

func fileHash(_ path: String) throws -> String {
    do { return Hex.encode(try sha256(file: path)) } catch let e as WireError { throw CoordinatorError(.internal, e.reason) }
}
