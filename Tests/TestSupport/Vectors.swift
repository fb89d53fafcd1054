import Foundation

/// The one loader for test vectors stored as data under `Tests/Vectors/<feature>/`.
public enum Vectors {
    /// `Tests/Vectors`, found from this file's location so tests run from any directory.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Vectors")

    /// The bytes of `Tests/Vectors/<path>`.
    public static func data(_ path: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(path))
    }

    /// Decodes `Tests/Vectors/<path>` as JSON into `T`.
    public static func load<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(T.self, from: data(path))
    }

    /// `shared/data/<path>`, where the project's reference data lives: the first `shared/data`
    /// beside the repository or beside a directory that holds it (so a worktree nested below the
    /// main checkout's parent finds it too). When none exists, the path beside the repository, so
    /// that a test's message names where the data was expected.
    public static func shared(_ path: String) -> URL {
        let repository = (root.path as NSString).deletingLastPathComponent as NSString
        var dir = repository.deletingLastPathComponent
        while true {
            let candidate = (dir as NSString).appendingPathComponent("shared/data")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return URL(fileURLWithPath: candidate).appendingPathComponent(path)
            }
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty { break }
            dir = parent
        }
        return URL(fileURLWithPath: repository.deletingLastPathComponent).appendingPathComponent("shared/data").appendingPathComponent(path)
    }
}

/// Bytes from hex in test data; a malformed vector file stops the test run loudly.
public func hex(_ text: String) -> [UInt8] {
    var out = [UInt8]()
    var chars = Array(text.utf8).makeIterator()
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: fatalError("bad hex in test vector: \(text)")
        }
    }
    while let hi = chars.next() {
        guard let lo = chars.next() else { fatalError("odd-length hex in test vector") }
        out.append(nibble(hi) << 4 | nibble(lo))
    }
    return out
}
