import Foundation
import Testing
import TestSupport
import Sodium
@testable import ProtocolLog

/// Protocols/log.md §2.1: a batch reaches the files whole or not at all.
@Suite struct LogFaultTests {
    /// For every byte at which a write can stop (inside the entry record, inside the checkpoint
    /// record, and just past them), the commit fails with `log.storage-unavailable`, both files
    /// are byte for byte as before, the log opens again, and the next commit succeeds.
    @Test func aCommitThatFailsAfterAnyNumberOfBytesLeavesTheLogAsItWas() throws {
        let dir = TempDir()
        let files = FaultInjectingLogFiles()
        let log = try LogStore(directory: dir.path, coordinator: coordinatorName, key: coordinatorKey, files: files)
        try lawfulHistory(log)
        let entriesPath = dir.path + "/entries", checkpointsPath = dir.path + "/checkpoints"
        let event = LogEvent(time: 1_800_000_000, type: .resultFetched, agreement: facts.id, party: "fk", runID: "r1", output: "fk-rows")
        var n = 0
        while true {
            var sized = event
            sized.seq = UInt64(log.entries.count)
            let record = 4 + sized.encoded().count
            let checkpointRecord = 4 + Checkpoint(origin: log.origin, size: UInt64(log.entries.count + 1), root: [UInt8](repeating: 0, count: 32)).signed(by: coordinatorKey).utf8.count
            guard n <= record + 1 || n < record + checkpointRecord else { break }
            let entriesBefore = fingerprint(entriesPath), checkpointsBefore = fingerprint(checkpointsPath)
            let count = log.entries.count, root = log.tree.root()
            files.budget = n
            log.append(event)
            do {
                try log.commit()
                Issue.record("a commit with \(n) of \(record + checkpointRecord) bytes writable succeeded")
            } catch let e as LogError {
                #expect(e.code == .storageUnavailable, "n \(n): \(e)")
            }
            #expect(fingerprint(entriesPath) == entriesBefore, "n \(n): entries changed")
            #expect(fingerprint(checkpointsPath) == checkpointsBefore, "n \(n): checkpoints changed")
            #expect(log.entries.count == count && log.tree.root() == root, "n \(n): the failed batch is still in memory")
            let reopened = try openLog(dir)
            #expect(reopened.recovery == nil && reopened.entries.count == count, "n \(n)")
            files.budget = nil
            log.append(event)
            try log.commit()
            n += 1
        }
        #expect(n > 300)
        let report = try verifies(bundle(try openLog(dir))).get()
        #expect(report.verdict == .verified, "\(report.anomalies)")
        #expect(report.entries == 10 + n)
    }

    @Test func aFailedSyncLeavesTheLogAsItWas() throws {
        let dir = TempDir()
        let files = FaultInjectingLogFiles()
        let log = try LogStore(directory: dir.path, coordinator: coordinatorName, key: coordinatorKey, files: files)
        try lawfulHistory(log)
        let entriesBefore = fingerprint(dir.path + "/entries"), checkpointsBefore = fingerprint(dir.path + "/checkpoints")
        files.failSync = true
        log.append(bulkyEvent(time: 1_800_000_000, length: 100))
        let error = #expect(throws: LogError.self) { try log.commit() }
        #expect(error?.code == .storageUnavailable)
        #expect(fingerprint(dir.path + "/entries") == entriesBefore && fingerprint(dir.path + "/checkpoints") == checkpointsBefore)
        files.failSync = false
        log.append(bulkyEvent(time: 1_800_000_001, length: 100))
        try log.commit()
        #expect(try verifies(bundle(try openLog(dir))).get().entries == 11)
    }

    /// When even the cut back fails, the store refuses commits until it can cut back, and the
    /// next commit after that finds the files as they were.
    @Test func aFailedCutBackIsRetriedBeforeTheNextWrite() throws {
        let dir = TempDir()
        let files = FaultInjectingLogFiles()
        let log = try LogStore(directory: dir.path, coordinator: coordinatorName, key: coordinatorKey, files: files)
        try lawfulHistory(log)
        let entriesBefore = fingerprint(dir.path + "/entries")
        files.budget = 7
        files.failTruncate = true
        log.append(bulkyEvent(time: 1_800_000_000, length: 100))
        #expect(throws: LogError.self) { try log.commit() }
        #expect(fingerprint(dir.path + "/entries") != entriesBefore, "the torn bytes stay while truncation fails")
        files.budget = nil
        log.append(bulkyEvent(time: 1_800_000_001, length: 100))
        let error = #expect(throws: LogError.self) { try log.commit() }
        #expect(error?.code == .storageUnavailable && log.entries.count == 10)
        files.failTruncate = false
        log.append(bulkyEvent(time: 1_800_000_002, length: 100))
        try log.commit()
        let reopened = try openLog(dir)
        #expect(reopened.recovery == nil && reopened.entries.count == 11)
        #expect(try verifies(bundle(reopened)).get().verdict == .verified)
    }

    /// A crash after the entries were synced but before the checkpoint: the whole events are
    /// kept and a checkpoint over them is signed at open, so `log export` works at once.
    @Test func wholeEventsAfterTheLastCheckpointAreSignedAtOpen() throws {
        let dir = TempDir()
        try lawfulHistory(try openLog(dir))
        var w = ByteWriterForTests()
        w.frame(LogEvent(seq: 10, time: 1_800_000_000, type: .resultFetched, agreement: facts.id, party: "fk", runID: "r1", output: "fk-rows").encoded())
        let handle = try #require(FileHandle(forWritingAtPath: dir.path + "/entries"))
        try handle.seekToEnd(); try handle.write(contentsOf: w.bytes); try handle.close()
        let log = try openLog(dir)
        #expect(log.recovery == LogStore.Recovery(entryBytesDropped: 0, checkpointBytesDropped: 0, eventsCheckpointed: 1))
        #expect(log.entries.count == 11 && log.checkpoints.count == 6)
        #expect(try verifies(bundle(log)).get().verdict == .verified)
    }

    @Test func aTornCheckpointIsCutOffAtOpenAndTheRepairIsLogged() throws {
        let dir = TempDir()
        try lawfulHistory(try openLog(dir))
        let path = dir.path + "/checkpoints"
        let good = fingerprint(path), bytes = fileBytes(path)
        for cut in [1, 3, 4, 50] {
            try Data(bytes + bytes.prefix(cut)).write(to: URL(fileURLWithPath: path))
            let log = try openLog(dir)
            #expect(log.recovery == LogStore.Recovery(entryBytesDropped: 0, checkpointBytesDropped: UInt64(cut), eventsCheckpointed: 0), "cut \(cut)")
            #expect(fingerprint(path) == good, "cut \(cut)")
        }
        // The caller records the repair in the log; the verifier notes it and still verifies.
        try Data(bytes + bytes.prefix(7)).write(to: URL(fileURLWithPath: path))
        let log = try openLog(dir)
        let recovery = try #require(log.recovery)
        let index = log.append(recovery.event(time: 1_800_000_000))
        try log.commit()
        let report = try verifies(bundle(log)).get()
        #expect(report.recoveries == [index] && report.verdict == .verified)
        #expect(try openLog(dir).recovery == nil)
    }

    @Test func aTornTailReportsTheBytesItCut() throws {
        let dir = TempDir()
        try lawfulHistory(try openLog(dir))
        let path = dir.path + "/entries"
        let bytes = fileBytes(path)
        try Data(bytes + [0, 0, 1, 0, 0x7B]).write(to: URL(fileURLWithPath: path))
        #expect(try openLog(dir).recovery?.entryBytesDropped == 5)
        // A record of zeros after the last checkpoint (a crash on some filesystems) is no event.
        try Data(bytes + [0, 0, 0, 0, 0, 0]).write(to: URL(fileURLWithPath: path))
        #expect(try openLog(dir).recovery?.entryBytesDropped == 6)
        #expect(fileBytes(path) == bytes)
    }
}

@Suite struct MerkleTruncateTests {
    /// Cutting the tree back equals building it from the shorter list of leaves (the naive twin).
    @Test func aTruncatedTreeEqualsOneBuiltFromFewerLeaves() {
        for seed in UInt64(1)...20 {
            var rng = SplitMix64(seed: seed)
            let n = Int(rng.next() % 90)
            let leaves = (0..<n).map { i in RFC6962.leafHash(Array("leaf \(i) \(seed)".utf8)) }
            var tree = MerkleTree()
            for l in leaves { tree.append(leafHash: l) }
            let cut = n == 0 ? 0 : Int(rng.next() % UInt64(n + 1))
            tree.truncate(to: cut)
            var naive = MerkleTree()
            for l in leaves.prefix(cut) { naive.append(leafHash: l) }
            #expect(tree.size == cut && tree.root() == naive.root(), "seed \(seed)")
            // And it grows again as if never cut.
            for l in leaves.dropFirst(cut) { tree.append(leafHash: l) }
            var full = MerkleTree()
            for l in leaves { full.append(leafHash: l) }
            #expect(tree.root() == full.root(), "seed \(seed)")
            if n > 1 { #expect(tree.consistencyProof(from: 1, to: n) == full.consistencyProof(from: 1, to: n), "seed \(seed)") }
        }
    }
}
