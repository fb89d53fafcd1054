import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Sodium

/// A 64 KiB tmpfs mounted for one test, so that a write can really run out of space. Mounting
/// needs root (or CAP_SYS_ADMIN); ``canMount`` tries once and says why not.
final class SmallFilesystem {
    let path: String

    init?(size: String = "64k") {
        path = NSTemporaryDirectory() + "korskoll-tmpfs-" + Hex.encode(Random.bytes(6))
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path]) == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            return nil
        }
    }

    deinit {
        _ = Self.run("/usr/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Whether a tmpfs can be mounted here (tried once per test process).
    static let canMount: Bool = SmallFilesystem() != nil

    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return -1 }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Fills the filesystem with a file of zeros until a write fails; returns the filler's path.
    func fill() -> String {
        let filler = path + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0)
        defer { close(fd) }
        let page = [UInt8](repeating: 0, count: 512)
        while page.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        return filler
    }
}
