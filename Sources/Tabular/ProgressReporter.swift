import Foundation

/// Progress of one long stage (encoding, upload, a run, result mapping) for a person watching.
///
/// On a terminal it redraws one line in place with the percent done, the rate and the time
/// left, at most four times a second; when the output is not a terminal (a log file, a
/// scheduler's journal) it writes one line when the stage ends, so that logs stay short. It
/// reports counts only, never a row's content. The clock and the writer are passed in, so that
/// tests see exactly what a person would. One stage is reported from one thread at a time (the
/// upload's callback runs on the thread that sends), hence `@unchecked Sendable`.
public final class ProgressReporter: @unchecked Sendable {
    /// What is counted, plural ("rows", "bytes").
    public let unit: String
    /// The stage's name, at the start of every line.
    public let label: String
    /// The expected total, when known; without it no percent or time left is shown.
    public var total: Int?
    private let terminal: Bool
    private let write: (String) -> Void
    private let clock: () -> Double
    private let start: Double
    private var lastDraw: Double = -1
    private var drew = false
    /// Units done so far.
    public private(set) var done = 0

    /// - Parameters:
    ///   - terminal: draw in place (`isatty(2)` for standard error).
    ///   - write: writes a piece of text as is (no newline added).
    ///   - clock: seconds from any fixed origin.
    public init(label: String, unit: String, total: Int? = nil, terminal: Bool, write: @escaping (String) -> Void,
                clock: @escaping () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }) {
        self.label = label
        self.unit = unit
        self.total = total
        self.terminal = terminal
        self.write = write
        self.clock = clock
        self.start = clock()
    }

    /// Seconds since the stage began.
    public var elapsed: Double { max(clock() - start, 0) }

    /// Sets the units done (never backwards) and redraws on a terminal when due.
    public func update(done n: Int) {
        done = max(done, n)
        guard terminal else { return }
        let now = clock()
        guard lastDraw < 0 || now - lastDraw >= 0.25 else { return }
        lastDraw = now
        drew = true
        write("\r\u{1B}[K" + line())
    }

    /// Ends the stage: the final line, with a newline.
    public func finish() {
        let rate = Self.rate(done, elapsed)
        write((terminal && drew ? "\r\u{1B}[K" : "") + "\(label): \(done) \(unit) in \(Self.duration(elapsed)) (\(rate) \(unit)/s)\n")
    }

    /// The line a terminal shows now: count, percent, rate and time left.
    public func line() -> String {
        let t = elapsed
        var text = "\(label): \(done)"
        if let total, total > 0 {
            let share = min(Double(done) / Double(total), 1)
            text += " of \(total) \(unit) \(String(format: "%3.0f", share * 100))%"
        } else {
            text += " \(unit)"
        }
        text += ", \(Self.rate(done, t)) \(unit)/s"
        if let left = Self.timeLeft(done: done, total: total, elapsed: t) { text += ", \(Self.duration(left)) left" }
        return text
    }

    /// Time left at the rate so far; nil without a total or before anything was done.
    public static func timeLeft(done: Int, total: Int?, elapsed: Double) -> Double? {
        guard let total, total > 0, done > 0, elapsed > 0 else { return nil }
        return Double(max(total - done, 0)) * elapsed / Double(done)
    }

    static func rate(_ n: Int, _ t: Double) -> Int { t > 0 ? Int(Double(n) / t) : n }

    /// `m:ss`, or `h:mm:ss` from an hour on; tenths below ten seconds.
    public static func duration(_ s: Double) -> String {
        if s < 10 { return String(format: "%.1f s", s) }
        let whole = Int(s.rounded())
        let (h, m, sec) = (whole / 3600, whole / 60 % 60, whole % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, sec) : String(format: "%d:%02d", m, sec)
    }

    /// Lines in a file, counted in 1 MiB chunks without parsing: the estimate of rows in a CSV
    /// export (the header included). Nil when the file cannot be read.
    public static func lineCount(path: String) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var n = 0
        var lastByte: UInt8 = 0x0A
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { raw in for b in raw where b == 0x0A { n += 1 } }
            lastByte = chunk.last!
        }
        return lastByte == 0x0A ? n : n + 1
    }
}
