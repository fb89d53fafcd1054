import Foundation
import Tabular
import Testing
import TestSupport

/// A clock the test moves by hand.
private final class Clock: @unchecked Sendable {
    var now = 100.0
}

@Suite struct ProgressReporterTests {
    @Test func terminalLineShowsPercentRateAndTimeLeft() {
        let clock = Clock()
        var written: [String] = []
        let r = ProgressReporter(label: "encoding", unit: "rows", total: 1000, terminal: true, write: { written.append($0) }, clock: { clock.now })
        clock.now += 2
        r.update(done: 250)
        #expect(written == ["\r\u{1B}[Kencoding: 250 of 1000 rows  25%, 125 rows/s, 6.0 s left"])
        // Redrawn at most four times a second.
        clock.now += 0.1
        r.update(done: 260)
        #expect(written.count == 1)
        clock.now += 18
        r.update(done: 1000)
        r.finish()
        #expect(written.last == "\r\u{1B}[Kencoding: 1000 rows in 0:20 (49 rows/s)\n")
    }

    @Test func withoutATerminalOnlyTheStageLineIsWritten() {
        let clock = Clock()
        var written: [String] = []
        let r = ProgressReporter(label: "upload", unit: "bytes", terminal: false, write: { written.append($0) }, clock: { clock.now })
        for n in stride(from: 0, through: 5000, by: 100) { clock.now += 0.5; r.update(done: n) }
        #expect(written.isEmpty)
        r.finish()
        #expect(written == ["upload: 5000 bytes in 0:26 (196 bytes/s)\n"])
    }

    @Test func timeLeftIsNilWithoutATotalOrProgress() {
        #expect(ProgressReporter.timeLeft(done: 10, total: nil, elapsed: 1) == nil)
        #expect(ProgressReporter.timeLeft(done: 0, total: 10, elapsed: 1) == nil)
        #expect(ProgressReporter.timeLeft(done: 5, total: 10, elapsed: 2) == 2)
        #expect(ProgressReporter.duration(3725) == "1:02:05")
    }

    /// The chunked line count against a plain split, on random files (seeded).
    @Test func lineCountMatchesANaiveSplit() throws {
        var g = SeededRandom()
        for round in 0..<20 {
            let seed = g.seed
            let n = Int(g.next() % 3_000_000)
            var bytes = [UInt8](repeating: 0x61, count: n)
            for i in 0..<n where g.next() % 40 == 0 { bytes[i] = 0x0A }
            let path = NSTemporaryDirectory() + "korskoll-lines-\(seed)-\(round)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let naive = bytes.isEmpty ? 0 : bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count - (bytes.last == 0x0A ? 1 : 0)
            #expect(ProgressReporter.lineCount(path: path) == naive, "seed \(seed)")
        }
    }
}

