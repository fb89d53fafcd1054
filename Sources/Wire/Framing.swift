import Foundation
import Sodium

/// Errors of the wire formats. `code` is stable; `reason` names the field and what is wrong, and
/// never contains key material or identifiers.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The bytes do not follow the grammar: wrong magic, a length over its cap, trailing bytes.
        case malformed = "wire.malformed"
        /// A format version this build does not read.
        case unsupportedVersion = "wire.unsupported-version"
        /// The seal does not open with this key, or a chunk was altered, reordered or cut off.
        case sealBroken = "wire.seal-broken"
        /// The signature does not verify under the named party's key.
        case badSignature = "wire.bad-signature"
        /// The body does not match the header's content hash or counts.
        case contentMismatch = "wire.content-mismatch"
        /// A file cannot be read or written.
        case io = "wire.io"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// Appends big-endian integers and length-prefixed strings (Protocols/wire.md §1).
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    public mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((v >> UInt32(s)) & 0xFF)) } }
    public mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((v >> UInt64(s)) & 0xFF)) } }
    public mutating func raw(_ v: [UInt8]) { bytes.append(contentsOf: v) }
    public mutating func raw(_ v: ArraySlice<UInt8>) { bytes.append(contentsOf: v) }

    /// str8: u8 length ‖ UTF-8. Precondition: at most 255 bytes (callers validate first).
    public mutating func str8(_ s: String) {
        let b = Array(s.utf8)
        precondition(b.count <= 0xFF, "str8 longer than 255 bytes")
        u8(UInt8(b.count)); raw(b)
    }

    /// str16: u16 length ‖ UTF-8. Precondition: at most 65,535 bytes.
    public mutating func str16(_ s: String) {
        let b = Array(s.utf8)
        precondition(b.count <= 0xFFFF, "str16 longer than 65535 bytes")
        u16(UInt16(b.count)); raw(b)
    }

    /// bytes32: u32 length ‖ bytes.
    public mutating func bytes32(_ b: [UInt8]) {
        precondition(b.count <= Int(UInt32.max))
        u32(UInt32(b.count)); raw(b)
    }
}

/// Reads what ``ByteWriter`` writes, checking every length against what remains, so a
/// truncated or oversized input is an error naming the field, never a crash.
public struct ByteReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int
    private let context: String

    public init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.offset = 0
        self.context = context
    }

    public var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ field: String) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else {
            throw WireError(.malformed, "\(context): \(field) needs \(n) bytes at offset \(offset), \(remaining) remain")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    public mutating func u8(_ field: String) throws -> UInt8 { try take(1, field).first! }
    public mutating func u16(_ field: String) throws -> UInt16 { try take(2, field).reduce(0) { $0 << 8 | UInt16($1) } }
    public mutating func u32(_ field: String) throws -> UInt32 { try take(4, field).reduce(0) { $0 << 8 | UInt32($1) } }
    public mutating func u64(_ field: String) throws -> UInt64 { try take(8, field).reduce(0) { $0 << 8 | UInt64($1) } }
    public mutating func raw(_ n: Int, _ field: String) throws -> [UInt8] { Array(try take(n, field)) }

    public mutating func str8(_ field: String) throws -> String { try utf8(take(Int(u8(field)), field), field) }
    public mutating func str16(_ field: String) throws -> String { try utf8(take(Int(u16(field)), field), field) }

    /// bytes32 with a cap: a length over `max` is rejected before anything is read.
    public mutating func bytes32(_ field: String, max: Int) throws -> [UInt8] {
        let n = Int(try u32(field))
        guard n <= max else { throw WireError(.malformed, "\(context): \(field) claims \(n) bytes; at most \(max) are allowed") }
        return try raw(n, field)
    }

    private func utf8(_ b: ArraySlice<UInt8>, _ field: String) throws -> String {
        guard let s = String(validating: b, as: UTF8.self) else {
            throw WireError(.malformed, "\(context): \(field) is not UTF-8")
        }
        return s
    }

    /// Trailing bytes are an error: every byte must belong to a field.
    public func expectEnd() throws {
        guard remaining == 0 else { throw WireError(.malformed, "\(context): \(remaining) trailing bytes after the last field") }
    }
}

/// BLAKE2b-256 of a file, read in 1 MiB blocks: the digest a request signature covers for an
/// uploaded file (api.md §2) and the hash the log records for a submission (log.md §1).
public func blake2b256(file path: String) throws -> [UInt8] {
    guard let h = FileHandle(forReadingAtPath: path) else { throw WireError(.io, "cannot read \(path)") }
    defer { try? h.close() }
    let state = try! BLAKE2b.State(outputLength: 32)
    while let block = try h.read(upToCount: 1 << 20), !block.isEmpty { block.withUnsafeBytes { state.update($0) } }
    return state.finalize()
}

/// SHA-256 of a file, read in 1 MiB blocks (the hash the log records for results).
public func sha256(file path: String) throws -> [UInt8] {
    guard let h = FileHandle(forReadingAtPath: path) else { throw WireError(.io, "cannot read \(path)") }
    defer { try? h.close() }
    var state = SHA256.State()
    while let block = try h.read(upToCount: 1 << 20), !block.isEmpty { state.update(Array(block)) }
    return state.finalize()
}
