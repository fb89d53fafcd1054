#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One append-only log file as ``LogStore`` writes it (Protocols/log.md §2.1): positioned
/// writes, a sync, and a truncation to undo a write that did not complete. The store keeps the
/// offsets, so an implementation holds no position of its own.
public protocol LogFile: AnyObject {
    /// Writes all of `bytes` at `offset`, or throws ``LogFileFailure``; when it throws, any
    /// prefix of `bytes` may have reached the file.
    func write(_ bytes: [UInt8], at offset: UInt64) throws
    /// Makes what was written durable (fsync).
    func synchronize() throws
    /// Cuts the file to `length` bytes and syncs the cut.
    func truncate(to length: UInt64) throws
    /// Releases the file; later calls are programming errors.
    func close()
}

/// Opens the log's files for writing. ``POSIXLogFiles`` is the real one; tests pass
/// ``FaultInjectingLogFiles`` to make writes fail after a given number of bytes.
public protocol LogFileOpener {
    /// Opens an existing file at `path` for positioned writes.
    func open(_ path: String) throws -> any LogFile
}

/// Why a log file operation failed: the operation and the system's `errno`. The path is left
/// out on purpose, so the reason can travel in a log event or a response without naming the
/// coordinator's file layout.
public struct LogFileFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32
    public init(operation: String, errno: Int32) { self.operation = operation; self.errno = errno }
    public var description: String { "\(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// The log files on a POSIX filesystem: `pwrite` in a loop until every byte is written (a short
/// write is continued; the one after it reports the error, e.g. ENOSPC), `fsync`, `ftruncate`.
public struct POSIXLogFiles: LogFileOpener {
    public init() {}

    public func open(_ path: String) throws -> any LogFile {
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogFileFailure(operation: "open", errno: Glibc.errno) }
        return POSIXLogFile(fd: fd)
    }
}

final class POSIXLogFile: LogFile {
    private var fd: Int32

    init(fd: Int32) { self.fd = fd }

    deinit { close() }

    func write(_ bytes: [UInt8], at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { b in pwrite(fd, b.baseAddress! + done, b.count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw LogFileFailure(operation: "write", errno: Glibc.errno)
            }
            if n == 0 { throw LogFileFailure(operation: "write", errno: EIO) }
            done += n
        }
    }

    func synchronize() throws {
        while fsync(fd) != 0 {
            if Glibc.errno != EINTR { throw LogFileFailure(operation: "fsync", errno: Glibc.errno) }
        }
    }

    func truncate(to length: UInt64) throws {
        while ftruncate(fd, off_t(length)) != 0 {
            if Glibc.errno != EINTR { throw LogFileFailure(operation: "ftruncate", errno: Glibc.errno) }
        }
        try synchronize()
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }
}

/// Real files whose writes fail on demand, for tests of the failure paths (Protocols/log.md
/// §2.1): after ``budget`` more bytes have been written through any file it opened, the write
/// stops short and throws ENOSPC, as a full disk does; with ``failSync`` every fsync throws EIO;
/// with ``failTruncate`` every truncation throws EIO.
public final class FaultInjectingLogFiles: LogFileOpener {
    /// Bytes that may still be written; `nil` writes without limit.
    public var budget: Int?
    /// Whether fsync fails.
    public var failSync = false
    /// Whether truncation fails (it works on a full disk; this models a failing device).
    public var failTruncate = false
    private let real = POSIXLogFiles()

    public init(budget: Int? = nil) { self.budget = budget }

    public func open(_ path: String) throws -> any LogFile { Faulty(real: try real.open(path), owner: self) }

    final class Faulty: LogFile {
        let real: any LogFile
        let owner: FaultInjectingLogFiles
        init(real: any LogFile, owner: FaultInjectingLogFiles) { self.real = real; self.owner = owner }

        func write(_ bytes: [UInt8], at offset: UInt64) throws {
            guard let budget = owner.budget, budget < bytes.count else {
                try real.write(bytes, at: offset)
                if let b = owner.budget { owner.budget = b - bytes.count }
                return
            }
            try real.write(Array(bytes.prefix(budget)), at: offset)
            owner.budget = 0
            throw LogFileFailure(operation: "write", errno: ENOSPC)
        }

        func synchronize() throws {
            if owner.failSync { throw LogFileFailure(operation: "fsync", errno: EIO) }
            try real.synchronize()
        }

        func truncate(to length: UInt64) throws {
            if owner.failTruncate { throw LogFileFailure(operation: "ftruncate", errno: EIO) }
            try real.truncate(to: length)
        }
        func close() { real.close() }
    }
}
