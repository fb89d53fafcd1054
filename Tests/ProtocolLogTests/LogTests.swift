import Foundation
import Testing
import Sodium
@testable import ProtocolLog

@Suite struct LogTests {
    @Test func aLawfulHistoryVerifiesAndIsReported() throws {
        let dir = TempDir()
        let log = try LogStore(directory: dir.path, coordinator: "coordinator", key: coordinatorKey)
        try lawfulHistory(log)
        let report = try verifies(bundle(log)).get()
        #expect(report.ok, "\(report.anomalies)")
        #expect(report.entries == 10 && report.checkpoints == 5 && report.authenticationFailures == 1)
        let section = try #require(report.agreements.first)
        #expect(section.submissions.map(\.party) == ["polisen", "fk"])
        #expect(section.releases.count == 1 && section.releases[0].recipient == "fk" && section.releases[0].fetchedAt != nil)
        #expect(section.runs.first?.finished != nil && section.deletions.count == 1)
    }

    @Test func theLogSurvivesReopeningAndReceiptsProveInclusion() throws {
        let dir = TempDir()
        do {
            let log = try LogStore(directory: dir.path, coordinator: "coordinator", key: coordinatorKey)
            try lawfulHistory(log)
        }
        let log = try LogStore(directory: dir.path, coordinator: "coordinator", key: coordinatorKey)
        #expect(log.entries.count == 10 && log.checkpoints.count == 5)
        for i in 0..<10 {
            let receipt = try log.receipt(for: UInt64(i))
            let c = try receipt.verify(origin: log.origin, key: coordinatorKey.publicKey)
            #expect(c.size == 10)
            var forged = receipt
            forged.leafHash = RFC6962.leafHash(Array("another event".utf8))
            #expect(throws: LogError.self) { try forged.verify(origin: log.origin, key: coordinatorKey.publicKey) }
        }
        // A log file cut in the middle of an entry is refused on open, not silently shortened.
        let entries = dir.path + "/entries"
        let data = try Data(contentsOf: URL(fileURLWithPath: entries))
        try data.dropLast(3).write(to: URL(fileURLWithPath: entries))
        #expect(throws: LogError.self) { try LogStore(directory: dir.path, coordinator: "coordinator", key: coordinatorKey) }
    }

    @Test func aFlippedByteAnywhereInTheBundleFailsVerification() throws {
        let dir = TempDir()
        let log = try LogStore(directory: dir.path, coordinator: "coordinator", key: coordinatorKey)
        try lawfulHistory(log)
        let bytes = bundle(log).encoded(signer: coordinatorKey)
        for position in 0..<bytes.count {
            var b = bytes
            b[position] ^= 0x01
            let decoded = try? LogBundle(decoding: b, key: coordinatorKey.publicKey)
            #expect(decoded == nil, "byte \(position) of \(bytes.count)")
        }
    }

    @Test func entriesDeletedReorderedOrInsertedByTheCoordinatorAreCaught() throws {
        let dir = TempDir()
        let log = try LogStore(directory: dir.path, coordinator: "coordinator", key: coordinatorKey)
        try lawfulHistory(log)
        let good = bundle(log)
        // The coordinator holds the bundle key, so it can re-sign the file; the checkpoints it
        // signed earlier still pin the entries.
        var deleted = good; deleted.entries.remove(at: 7)
        var reordered = good; reordered.entries.swapAt(3, 4)
        var inserted = good; inserted.entries.insert(LogEvent(time: 1, type: .resultSealed, agreement: "watch-2026", recipient: "polisen", output: "fk-rows").encoded(), at: 8)
        var appended = good; appended.entries.append(LogEvent(seq: 10, time: 1_800_000_000, type: .resultFetched, agreement: "watch-2026", party: "polisen", output: "fk-rows").encoded())
        for (name, b) in [("deleted", deleted), ("reordered", reordered), ("inserted", inserted), ("appended without checkpoint", appended)] {
            guard case .failure(let e) = verifies(b) else { Issue.record("\(name) entry went unnoticed"); continue }
            #expect(e.code == .rootMismatch, "\(name): \(e)")
        }
    }

    @Test func aReplacedCheckpointIsCaught() throws {
        let dir = TempDir()
        let log = try LogStore(directory: dir.path, coordinator: "coordinator", key: coordinatorKey)
        try lawfulHistory(log)
        var foreign = bundle(log)
        foreign.checkpoints[2] = Checkpoint(origin: log.origin, size: 5, root: log.tree.root(size: 5)).signed(by: Ed25519.PrivateKey.generate())
        guard case .failure(let e1) = verifies(foreign) else { Issue.record("checkpoint signed by another key accepted"); return }
        #expect(e1.code == .badSignature)
        var wrongRoot = bundle(log)
        wrongRoot.checkpoints[2] = Checkpoint(origin: log.origin, size: 5, root: log.tree.root(size: 4)).signed(by: coordinatorKey)
        guard case .failure(let e2) = verifies(wrongRoot) else { Issue.record("checkpoint over another root accepted"); return }
        #expect(e2.code == .rootMismatch)
        var shrinking = bundle(log)
        shrinking.checkpoints.swapAt(1, 2)
        guard case .failure(let e3) = verifies(shrinking) else { Issue.record("checkpoints out of order accepted"); return }
        #expect(e3.code == .inconsistent)
    }

    @Test func aForkShownToTwoNodesIsDetected() throws {
        let dirA = TempDir(), dirB = TempDir()
        // The coordinator keeps two histories under one key: the lawful one for node fk, and one
        // where it released the rows to polisen, shown to polisen.
        let honest = try LogStore(directory: dirA.path, coordinator: "coordinator", key: coordinatorKey)
        let forked = try LogStore(directory: dirB.path, coordinator: "coordinator", key: coordinatorKey)
        try lawfulHistory(honest)
        try lawfulHistory(forked, release: "polisen", output: "polisen-count")

        // fk saw the honest checkpoints, one after another, each with a consistency proof.
        var fkBook = CheckpointBook(origin: honest.origin)
        var previousSize = 0
        for note in honest.checkpoints {
            let c = try Checkpoint(verifying: note, origin: honest.origin, key: coordinatorKey.publicKey)
            try fkBook.accept(note, proof: honest.tree.consistencyProof(from: previousSize, to: Int(c.size)), key: coordinatorKey.publicKey)
            previousSize = Int(c.size)
        }
        // When fk is later shown the forked history's latest checkpoint, no proof can connect it.
        let forkNote = try #require(forked.checkpoints.last)
        #expect(throws: LogError.self) {
            try fkBook.accept(forkNote, proof: forked.tree.consistencyProof(from: 6, to: 10), key: coordinatorKey.publicKey)
        }
        #expect(throws: LogError.self) {
            try fkBook.accept(forkNote, proof: honest.tree.consistencyProof(from: 6, to: 10), key: coordinatorKey.publicKey)
        }
        // The privacy officer, given the honest export and polisen's receipts, sees the fork too.
        guard case .failure(let e) = verifies(bundle(honest), nodeCheckpoints: [forkNote]) else { Issue.record("fork not detected"); return }
        #expect(e.code == .inconsistent)
        #expect(try verifies(bundle(honest), nodeCheckpoints: fkBook.notes).get().nodeCheckpointsChecked == 5)
    }

    @Test func aResultForAPartyTheAgreementDoesNotNameIsAnAnomaly() throws {
        let dir = TempDir()
        let log = try LogStore(directory: dir.path, coordinator: "coordinator", key: coordinatorKey)
        try lawfulHistory(log, release: "polisen", output: "fk-rows")
        let report = try verifies(bundle(log)).get()
        #expect(!report.ok)
        #expect(report.anomalies.map(\.code) == ["unauthorised-release", "unauthorised-release"])
    }

    @Test func runsBeforeEverySubmissionAndMissedRetentionAreAnomalies() throws {
        let dir = TempDir()
        let log = try LogStore(directory: dir.path, coordinator: "coordinator", key: coordinatorKey)
        let t: UInt64 = 1_795_000_000
        log.append(LogEvent(time: t, type: .agreementRegistered, agreement: facts.id, hash: Hex.encode(agreementHash)))
        log.append(LogEvent(time: t + 1, type: .submissionAccepted, agreement: facts.id, party: "polisen"))
        log.append(LogEvent(time: t + 2, type: .runStarted, agreement: facts.id, runID: "r1"))
        log.append(LogEvent(time: t + 3, type: .runFinished, agreement: facts.id, runID: "r1"))
        log.append(LogEvent(time: t + 31 * day, type: .authenticationFailed, reason: "late caller"))
        try log.commit()
        let report = try verifies(bundle(log)).get()
        #expect(report.anomalies.map(\.code) == ["run-early", "retention-missed"])
    }
}
