import Foundation
import Sodium
@testable import ProtocolLog

/// Shared by the log tests: a temporary directory, the watchlist agreement, and a lawful history.
final class TempDir {
    let path = NSTemporaryDirectory() + "korskoll-log-" + Hex.encode(Random.bytes(8))
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

let agreementHash = SHA256.hash(Array("watchlist agreement".utf8))
let facts = AgreementFacts(id: "watch-2026", hash: agreementHash, parties: ["polisen", "fk"],
                           signedBy: ["polisen", "fk"], outputs: ["fk-rows": "fk", "polisen-count": "polisen"], retentionDays: 30)
let day: UInt64 = 86_400

/// A whole linkage under the watchlist agreement, one batch (and checkpoint) per step.
func lawfulHistory(_ log: LogStore, start t: UInt64 = 1_795_000_000, release: String = "fk", output: String = "fk-rows") throws {
    let a = facts.id
    log.append(LogEvent(time: t, type: .agreementRegistered, agreement: a, hash: Hex.encode(agreementHash), parties: ["fk", "polisen"]))
    try log.commit()
    log.append(LogEvent(time: t + 10, type: .ceremonyRelayed, agreement: a, party: "polisen", recipient: "fk", hash: String(repeating: "ab", count: 32)))
    log.append(LogEvent(time: t + 20, type: .submissionAccepted, agreement: a, party: "polisen", hash: String(repeating: "01", count: 32), submissionID: "s1", counts: ["rows": 62_000]))
    try log.commit()
    log.append(LogEvent(time: t + 25, type: .authenticationFailed, party: "unknown", code: "auth.bad-signature", reason: "signature does not verify"))
    log.append(LogEvent(time: t + 30, type: .submissionAccepted, agreement: a, party: "fk", hash: String(repeating: "02", count: 32), submissionID: "s2", counts: ["rows": 1_000_000]))
    try log.commit()
    log.append(LogEvent(time: t + 40, type: .runStarted, agreement: a, runID: "r1", parties: ["fk", "polisen"], parameters: ["threshold": "0.85"]))
    log.append(LogEvent(time: t + 100, type: .runFinished, agreement: a, runID: "r1", counts: ["exact": 812, "fuzzy": 37]))
    log.append(LogEvent(time: t + 101, type: .resultSealed, agreement: a, recipient: release, hash: String(repeating: "03", count: 32), runID: "r1", output: output))
    try log.commit()
    log.append(LogEvent(time: t + 200, type: .resultFetched, agreement: a, party: release, runID: "r1", output: output))
    log.append(LogEvent(time: t + 2 * day, type: .encodingsDeleted, agreement: a, parties: ["fk", "polisen"]))
    try log.commit()
}

func bundle(_ log: LogStore) -> LogBundle {
    LogBundle(origin: log.origin, logKey: coordinatorKey.publicKey, entries: log.entries, checkpoints: log.checkpoints)
}

let coordinatorKey = Ed25519.PrivateKey.generate()

func verifies(_ b: LogBundle, nodeCheckpoints: [String] = []) -> Result<LogReport, LogError> {
    do {
        let decoded = try LogBundle(decoding: b.encoded(signer: coordinatorKey), key: coordinatorKey.publicKey)
        return .success(try LogVerifier.verify(decoded, agreements: [facts], nodeCheckpoints: nodeCheckpoints))
    } catch let e as LogError { return .failure(e) } catch { return .failure(LogError(.malformed, "\(error)")) }
}

let coordinatorName = "coordinator"

func openLog(_ dir: TempDir) throws -> LogStore {
    try LogStore(directory: dir.path, coordinator: coordinatorName, key: coordinatorKey)
}

func fileBytes(_ path: String) -> [UInt8] {
    Array(FileManager.default.contents(atPath: path) ?? Data())
}

/// A file's length and SHA-256, short enough to print when two files differ.
func fingerprint(_ path: String) -> String {
    let b = fileBytes(path)
    return "\(b.count) bytes, SHA-256 \(Hex.encode(SHA256.hash(b)))"
}

/// A long event, so that its record spans more than one filesystem page.
func bulkyEvent(time: UInt64, length: Int) -> LogEvent {
    LogEvent(time: time, type: .submissionRejected, party: "fk", code: "wire.malformed", reason: String(repeating: "x", count: length))
}
