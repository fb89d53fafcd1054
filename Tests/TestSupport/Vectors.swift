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

    /// `../shared/data/<path>` beside the repository, where the project's reference data lives.
    public static func shared(_ path: String) -> URL {
        root.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data").appendingPathComponent(path)
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
