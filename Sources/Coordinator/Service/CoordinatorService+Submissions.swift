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
    nonisolated public func receiveSubmission<Body: AsyncSequence & Sendable>(
        party: String, agreementID: String, claimedDigest: String, body: Body
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
            try await rejectUpload(party: party, agreementID: agreementID, upload: path, e)
            throw e
        } catch {
            let e = CoordinatorError(.submission, "the upload was cut off after \(received) bytes")
            try await rejectUpload(party: party, agreementID: agreementID, upload: path, e)
            throw e
        }
        let digest = hash.finalize()
        guard Hex.encode(digest) == claimedDigest else {
            let e = CoordinatorError(.submission, "the upload's BLAKE2b-256 differs from the signed digest: truncated or altered in transit (\(received) bytes received)")
            try await rejectUpload(party: party, agreementID: agreementID, upload: path, e)
            throw e
        }
        return try await acceptSubmission(party: party, agreementID: agreementID, upload: path, digest: digest)
    }

    /// Checks a fully received upload and stores it atomically, or removes it and logs why.
    /// `digest` is the upload's BLAKE2b-256 (api.md §2) when the caller computed it while receiving.
    public func acceptSubmission(party: String, agreementID: String, upload: String, digest: [UInt8]? = nil) throws -> SubmissionAnswer {
        let fm = FileManager.default
        defer { try? fm.removeItem(atPath: upload) }
        do {
            let a = try agreement(agreementID)
            guard a.partyIDs.contains(party) else { throw CoordinatorError(.forbidden, "'\(party)' is not a party to \(a.id)") }
            let policy = SubmissionPolicy(agreement: a, coordinator: id)
            let opened: Submission.Opened
            do {
                opened = try Submission.Opened(path: upload, key: keys.sealing)
                try opened.verify(signedBy: try registry.entry(party).keys.signing)
            } catch let e as WireError { throw CoordinatorError(.submission, layout.scrub(e.reason, upload: upload)) }
            let h = opened.header
            if let refusal = policy.checkHeader(h, sender: party) { throw refusal }
            let sid = Hex.encode(h.submissionID)
            guard try !store.submissionExists(agreement: a.id, party: party, submissionID: sid) else {
                throw CoordinatorError(.conflict, "\(party) already submitted to \(a.id), or this submission id was seen before (replay)")
            }
            // Read to the end: the content hash and the counts are checked there.
            var rows = 0
            do {
                while let r = try opened.next() {
                    if let refusal = policy.checkRecord(r, header: h, row: rows) { throw refusal }
                    rows += 1
                }
            } catch let e as WireError {
                throw CoordinatorError(.submission, layout.scrub(e.reason, upload: upload))
            }
            if let refusal = policy.checkSchema(h, against: try store.submissions(agreement: a.id)) { throw refusal }
            let file = try layout.submission(agreement: a.id, party: party)
            try fm.moveItem(atPath: upload, toPath: file)
            do {
                try store.insertSubmission(SubmissionRecord(agreement: a.id, party: party, submissionID: sid, file: file, rows: rows,
                                                            schemaDigest: SubmissionPolicy.storedSchemaDigest(h), accepted: now()))
            } catch {
                try? fm.removeItem(atPath: file)
                throw error
            }
            // log.md §1: a submission's hash is the BLAKE2b-256 of the file, as its request signed it.
            let hash = try digest.map(Hex.encode) ?? submissionHash(file)
            let index = try record(LogEvent(time: now(), type: .submissionAccepted, agreement: a.id, party: party, hash: hash,
                                            submissionID: sid, counts: ["rows": rows, "personIDs": Int(h.personIDs),
                                                                        "organisationIDs": Int(h.organisationIDs), "clks": Int(h.clks)],
                                            parameters: ["attributes": SubmissionPolicy.sentAttributes(h)]))[0]
            let answer = SubmissionAnswer(agreement: a.id, party: party, submissionID: sid, rows: rows, receipt: try receipt(for: index))
            startRunIfComplete(a)
            return answer
        } catch let e as CoordinatorError {
            try record(LogEvent(time: now(), type: .submissionRejected, agreement: agreementID, party: party,
                                code: e.code.rawValue, reason: e.body.reason))
            throw e
        }
    }

    /// Removes a refused upload and logs the refusal.
    func rejectUpload(party: String, agreementID: String, upload: String, _ error: CoordinatorError) throws {
        try? FileManager.default.removeItem(atPath: upload)
        try record(LogEvent(time: now(), type: .submissionRejected, agreement: agreementID, party: party, code: error.code.rawValue, reason: error.body.reason))
    }
}

func submissionHash(_ path: String) throws -> String {
    do { return Hex.encode(try blake2b256(file: path)) } catch let e as WireError { throw CoordinatorError(.internal, e.reason) }
}

func fileHash(_ path: String) throws -> String {
    do { return Hex.encode(try sha256(file: path)) } catch let e as WireError { throw CoordinatorError(.internal, e.reason) }
}
