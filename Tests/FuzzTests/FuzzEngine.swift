import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Something a parser did that it must never do: a value that does not survive its own writer, or
/// a broken invariant. Thrown by a target's body; never an expected error.
struct FuzzFinding: Error, CustomStringConvertible {
    let what: String
    init(_ what: String) { self.what = what }
    var description: String { "finding: \(what)" }
}

/// One parser of outside input under the fuzzer (Tests/Fuzz/README.md).
struct FuzzTarget: Sendable {
    /// The name of its corpus folder, `Tests/Fuzz/<name>/`.
    let name: String
    /// Tokens of the format for the mutator.
    var dictionary: [String] = []
    /// A structure-aware repair applied to half the mutated inputs (re-sign a header, re-seal a
    /// stream), so that mutations reach the code behind a signature check.
    var repair: (@Sendable ([UInt8]) -> [UInt8])? = nil
    /// Whether an error is one the parser may throw: its module's error type.
    let expected: @Sendable (any Error) -> Bool
    /// Feeds one input to the parser; returns normally when the input was accepted (after any
    /// round trip), throws what the parser threw otherwise.
    let body: @Sendable ([UInt8]) throws -> Void
}

/// The fuzzing loop: replays each corpus entry (seeds and regressions), then runs seeded mutations
/// of them. Fails the test on a finding, an unexpected error type or an input that takes longer than
/// ``hangLimit``; a trap is caught by ``CrashReporter``, which prints the seed and the input first.
enum FuzzEngine {
    /// The corpus root, `Tests/Fuzz`, found from this file so tests run from any directory.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")
    /// Mutated inputs per target: `KORSKOLL_FUZZ_ITERATIONS`, else 2,000.
    static var iterations: Int { ProcessInfo.processInfo.environment["KORSKOLL_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 2_000 }
    /// One execution longer than this is reported as a hang (debug build, a loaded machine).
    static let hangLimit: Duration = .seconds(5)

    struct Failure { let input: [UInt8]; let what: String }

    /// The files of `Tests/Fuzz/<target>/` and of its `regressions/`, sorted by name.
    static func corpus(_ target: String) -> (seeds: [[UInt8]], regressions: [[UInt8]]) {
        func files(_ dir: URL) -> [[UInt8]] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            return names.sorted().filter { !$0.hasPrefix(".") && $0 != "regressions" }.compactMap { name in
                (try? Data(contentsOf: dir.appendingPathComponent(name))).map(Array.init)
            }
        }
        let dir = root.appendingPathComponent(target)
        return (files(dir), files(dir.appendingPathComponent("regressions")))
    }

    /// A seed per target from the run's seed, so one `KORSKOLL_TEST_SEED` repeats every target.
    static func targetSeed(_ base: UInt64, _ name: String) -> UInt64 {
        name.utf8.reduce(base ^ 0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// The targets to run: `KORSKOLL_FUZZ_TARGETS` (comma-separated names), else all.
    static func selected(_ name: String) -> Bool {
        guard let list = ProcessInfo.processInfo.environment["KORSKOLL_FUZZ_TARGETS"], !list.isEmpty else { return true }
        return list.split(separator: ",").contains { $0 == name }
    }

    static func run(_ target: FuzzTarget) {
        guard selected(target.name) else { return }
        let seed = SeededRandom().seed
        var rng = SeededRandom(seed: targetSeed(seed, target.name))
        let (seeds, regressions) = corpus(target.name)
        #expect(!seeds.isEmpty, "Tests/Fuzz/\(target.name) has no seed files")
        let pool = seeds + regressions
        let mutator = Mutator(dictionary: target.dictionary)
        var failures: [Failure] = []
        var parsed = 0, rejected = 0, executions = 0
        let clock = ContinuousClock()
        let started = clock.now
        FuzzFiles.prepare()
        defer { FuzzFiles.clean() }

        func execute(_ input: [UInt8]) {
            executions += 1
            CrashReporter.arm(target: target.name, seed: seed, input: input)
            let t0 = clock.now
            do {
                try target.body(input)
                parsed += 1
            } catch where target.expected(error) {
                rejected += 1
            } catch {
                failures.append(Failure(input: input, what: "unexpected error \(type(of: error)): \(error)"))
            }
            let took = clock.now - t0
            if took > hangLimit { failures.append(Failure(input: input, what: "one execution took \(took)")) }
        }

        for input in regressions + seeds { execute(input) }
        for _ in 0..<iterations where !pool.isEmpty {
            var input = mutator.mutate(pool.randomElement(using: &rng)!, corpus: pool, rng: &rng)
            if let repair = target.repair, Bool.random(using: &rng) { input = repair(input) }
            execute(input)
        }
        CrashReporter.disarm()
        let seconds = (clock.now - started) / .seconds(1)
        FuzzReport.line(target: target.name, seed: seed, executions: executions, parsed: parsed, rejected: rejected,
                        seconds: seconds, failures: failures.count)
        for f in failures.prefix(5) {
            let saved = FuzzReport.save(f.input, target: target.name)
            Issue.record("seed \(seed), target \(target.name): \(f.what); input (\(f.input.count) bytes, saved to \(saved)) hex \(FuzzReport.hex(f.input))")
        }
    }
}

/// The test-side reporter: one JSON line per target on standard output, which `Tests/Fuzz/run.sh`
/// collects, and the failing inputs saved for triage.
enum FuzzReport {
    static func hex(_ b: [UInt8]) -> String {
        b.prefix(256).map { String(format: "%02x", $0) }.joined() + (b.count > 256 ? "…" : "")
    }

    static func line(target: String, seed: UInt64, executions: Int, parsed: Int, rejected: Int, seconds: Double, failures: Int) {
        let json = #"{"fuzzTarget":"\#(target)","seed":\#(seed),"executions":\#(executions),"parsed":\#(parsed),"rejected":\#(rejected),"seconds":\#(String(format: "%.3f", seconds)),"failures":\#(failures)}"#
        print(json)
        fflush(nil)
    }

    /// Writes a failing input under `$TMPDIR/korskoll-fuzz-findings/<target>/`; returns the path.
    static func save(_ input: [UInt8], target: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-fuzz-findings/\(target)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let name = input.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        let url = dir.appendingPathComponent(String(name, radix: 16))
        try? Data(input).write(to: url)
        return url.path
    }
}

/// Prints the target, the seed and the input being executed when the process traps (a Swift
/// runtime trap is SIGILL or SIGTRAP; a precondition on Linux may also abort), writes the whole
/// input to `$TMPDIR/korskoll-fuzz-crash-<pid>.bin`, then lets the signal take its course. Only
/// async-signal-safe work in the handler: preformatted text, open(2) and write(2). A watchdog
/// thread aborts (and so reports) an execution that has run for ``hangAbort``: an endless loop
/// would otherwise hold the test run for ever.
enum CrashReporter {
    static let hangAbort: UInt64 = 60_000_000_000
    /// When the current execution started (uptime nanoseconds); 0 when none runs. Under `lock`.
    nonisolated(unsafe) static var startedAt: UInt64 = 0
    static let lock = NSLock()
    nonisolated(unsafe) static var header = [UInt8]()
    nonisolated(unsafe) static var crashPath = [CChar]()
    nonisolated(unsafe) static let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: Mutator.maxLength + 1)
    nonisolated(unsafe) static var length = 0
    nonisolated(unsafe) static var installed = false
    nonisolated(unsafe) static var armed = false

    static func arm(target: String, seed: UInt64, input: [UInt8]) {
        if !installed {
            installed = true
            crashPath = Array(FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-fuzz-crash-\(getpid()).bin").path.utf8CString)
            for sig in [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS] { signal(sig, CrashReporter.handle) }
            Thread.detachNewThread {
                while true {
                    sleep(1)
                    let t = CrashReporter.lock.withLock { CrashReporter.startedAt }
                    if t != 0, DispatchTime.now().uptimeNanoseconds - t > CrashReporter.hangAbort {
                        FileHandle.standardError.write(Data("\nfuzz hang: one execution has run for \(CrashReporter.hangAbort / 1_000_000_000) s\n".utf8))
                        abort()
                    }
                }
            }
        }
        let path = String(decoding: crashPath.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        header = Array("\nfuzz crash: target \(target), seed \(seed) (KORSKOLL_TEST_SEED=\(seed)), input of \(input.count) bytes written to \(path); hex of the first 256:\n".utf8)
        length = min(input.count, Mutator.maxLength + 1)
        if length > 0 { input.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: length) } }
        armed = true
        lock.withLock { startedAt = DispatchTime.now().uptimeNanoseconds }
    }

    static func disarm() {
        armed = false
        lock.withLock { startedAt = 0 }
    }

    static let handle: @convention(c) (Int32) -> Void = { sig in
        if CrashReporter.armed {
            let fd = CrashReporter.crashPath.withUnsafeBufferPointer { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
            if fd >= 0 { _ = write(fd, CrashReporter.buffer, CrashReporter.length); close(fd) }
            CrashReporter.header.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count) }
            let digits: StaticString = "0123456789abcdef"
            var pair: (UInt8, UInt8) = (0, 0)
            for i in 0..<min(CrashReporter.length, 256) {
                let b = CrashReporter.buffer[i]
                pair = (digits.utf8Start[Int(b >> 4)], digits.utf8Start[Int(b & 15)])
                withUnsafeBytes(of: &pair) { _ = write(2, $0.baseAddress, 2) }
            }
            var nl: UInt8 = 10
            _ = write(2, &nl, 1)
        }
        signal(sig, SIG_DFL)
        raise(sig)
    }
}

/// Scratch files for parsers that read a path: one directory per process, in memory when
/// `/dev/shm` is there (the sealed-stream writer syncs every file it finishes).
enum FuzzFiles {
    static let directory: URL = {
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        return base.appendingPathComponent("korskoll-fuzz-\(getpid())")
    }()

    static func prepare() { try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    static func clean() { try? FileManager.default.removeItem(at: directory) }

    /// `bytes` at `<directory>/<name>`, replacing what was there, with `mode`.
    static func write(_ bytes: [UInt8], _ name: String, mode: Int = 0o600) -> String {
        let path = directory.appendingPathComponent(name).path
        unlink(path)
        FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: mode])
        return path
    }

    /// A path at which nothing exists.
    static func fresh(_ name: String) -> String {
        let path = directory.appendingPathComponent(name).path
        unlink(path)
        return path
    }
}
