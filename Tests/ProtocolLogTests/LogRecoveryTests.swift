import Foundation
import Testing
import Sodium
@testable import ProtocolLog

@Suite struct LogRecoveryTests {
    /// A crash in the middle of an append leaves part of a record that no checkpoint covers; the
    /// store cuts it off at open and says so, instead of refusing to start.
    @Test func aTornTailThatNoCheckpointCoversIsCutBackAtOpen() throws {
        let dir = TempDir()
        try lawfulHistory(try openLog(dir))
        let entriesPath = dir.path + "/entries"
        let good = fileBytes(entriesPath), goodPrint = fingerprint(entriesPath)
        var w = ByteWriterForTests()
        w.frame(LogEvent(seq: 10, time: 1_800_000_000, type: .resultFetched, agreement: facts.id, party: "fk", runID: "r1", output: "fk-rows").encoded())
        for cut in 1..<w.bytes.count {
            try Data(good + w.bytes.prefix(cut)).write(to: URL(fileURLWithPath: entriesPath))
            let log = try openLog(dir)
            #expect(log.entries.count == 10, "cut \(cut)")
            #expect(log.recovery?.entryBytesDropped == UInt64(cut), "cut \(cut)")
            #expect(fingerprint(entriesPath) == goodPrint, "cut \(cut)")
        }
        let log = try openLog(dir)
        log.append(LogEvent(time: 1_800_000_000, type: .resultFetched, agreement: facts.id, party: "fk", runID: "r1", output: "fk-rows"))
        try log.commit()
        let report = try verifies(bundle(try openLog(dir))).get()
        #expect(report.entries == 11)
    }
}

/// u32 big-endian length ‖ bytes, as the entries file frames a record (Protocols/log.md §2).
struct ByteWriterForTests {
    var bytes: [UInt8] = []
    mutating func frame(_ b: [UInt8]) {
        let n = UInt32(b.count)
        bytes += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + b
    }
}

@Suite struct FullDiskTests {
    /// A disk that fills up mid-append (a real short write on a 64 KiB tmpfs) leaves the entries
    /// file as it was; once space is freed the log takes the next batch and still verifies.
    @Test(.enabled(if: SmallFilesystem.canMount, "mounting a 64 KiB tmpfs failed here (needs root or CAP_SYS_ADMIN): the full-disk test cannot run"))
    func aFullDiskLeavesTheLogAsItWas() throws {
        let fs = try #require(SmallFilesystem())
        let dir = fs.path + "/log"
        let entriesPath = dir + "/entries", checkpointsPath = dir + "/checkpoints"
        do {
            let log = try LogStore(directory: dir, coordinator: coordinatorName, key: coordinatorKey)
            try lawfulHistory(log)
            let entriesBefore = fingerprint(entriesPath), checkpointsBefore = fingerprint(checkpointsPath)
            let filler = fs.fill()
            // Bigger than a page, so the write fills the entries file's last page and then fails.
            log.append(bulkyEvent(time: 1_800_000_000, length: 9_000))
            let error = #expect(throws: LogError.self) { try log.commit() }
            #expect(error?.code == .storageUnavailable)
            #expect(fingerprint(entriesPath) == entriesBefore, "a failed append changed the entries file")
            #expect(fingerprint(checkpointsPath) == checkpointsBefore, "a failed append changed the checkpoints file")
            #expect(log.entries.count == 10)
            try FileManager.default.removeItem(atPath: filler)
            log.append(bulkyEvent(time: 1_800_000_001, length: 9_000))
            try log.commit()
        }
        let reopened = try LogStore(directory: dir, coordinator: coordinatorName, key: coordinatorKey)
        #expect(reopened.entries.count == 11)
        let report = try verifies(bundle(reopened)).get()
        #expect(report.entries == 11)
    }
}
