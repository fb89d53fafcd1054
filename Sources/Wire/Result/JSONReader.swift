import Foundation

/// A strict RFC 8259 reader over UTF-8 bytes: one value, surrounded by white space only; strings
/// must be valid UTF-8 without unescaped control characters; nesting stops at 512 levels. It is
/// the fast path for result documents (`results.md` §2), whose rows Foundation's decoders took
/// seconds per million to read; `JSONReaderTests` checks it against `JSONSerialization`, and
/// ``JSONValue/write(to:)`` is its writer (round trip in `ResultDocumentTests`).
public struct JSONReader {
    /// Where and why the bytes are not one JSON value.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let offset: Int
        public let reason: String
        public var description: String { "JSON at byte \(offset): \(reason)" }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var p = 0
    private var depth = 0

    /// Reads exactly one JSON value from `data`.
    public static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            var r = JSONReader(bytes: raw.bindMemory(to: UInt8.self))
            r.skipSpace()
            let v = try r.value()
            r.skipSpace()
            guard r.p == r.bytes.count else { throw r.fail("content after the value") }
            return v
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func fail(_ reason: String) -> Failure { Failure(offset: p, reason: reason) }

    private mutating func skipSpace() {
        while p < bytes.count, bytes[p] == 0x20 || bytes[p] == 0x0A || bytes[p] == 0x0D || bytes[p] == 0x09 { p += 1 }
    }

    private mutating func value() throws -> JSONValue {
        guard p < bytes.count else { throw fail("unexpected end") }
        switch bytes[p] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard p + n <= bytes.count else { throw fail("unexpected end") }
        for i in 0..<n where bytes[p + i] != word.utf8Start[i] { throw fail("expected \(word)") }
        p += n
    }

    private mutating func nest() throws {
        depth += 1
        guard depth <= 512 else { throw fail("nested deeper than 512 levels") }
    }

    private mutating func object() throws -> JSONValue {
        try nest()
        p += 1
        var out: [String: JSONValue] = [:]
        skipSpace()
        if p < bytes.count, bytes[p] == UInt8(ascii: "}") { p += 1; depth -= 1; return .object(out) }
        while true {
            skipSpace()
            guard p < bytes.count, bytes[p] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try string()
            skipSpace()
            guard p < bytes.count, bytes[p] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            p += 1
            skipSpace()
            out[key] = try value()
            skipSpace()
            guard p < bytes.count else { throw fail("unexpected end") }
            if bytes[p] == UInt8(ascii: ",") { p += 1; continue }
            guard bytes[p] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
            p += 1
            depth -= 1
            return .object(out)
        }
    }

    private mutating func array() throws -> JSONValue {
        try nest()
        p += 1
        var out: [JSONValue] = []
        skipSpace()
        if p < bytes.count, bytes[p] == UInt8(ascii: "]") { p += 1; depth -= 1; return .array(out) }
        while true {
            skipSpace()
            out.append(try value())
            skipSpace()
            guard p < bytes.count else { throw fail("unexpected end") }
            if bytes[p] == UInt8(ascii: ",") { p += 1; continue }
            guard bytes[p] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
            p += 1
            depth -= 1
            return .array(out)
        }
    }

    private mutating func string() throws -> String {
        p += 1
        let start = p
        var ascii = true
        // Fast path: no escapes.
        while p < bytes.count {
            let b = bytes[p]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<p])
                p += 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else { throw Failure(offset: start, reason: "a string that is not UTF-8") }
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail("a control character inside a string") }
            if b >= 0x80 { ascii = false }
            p += 1
        }
        // Slow path: unescape into bytes.
        var out = Array(bytes[start..<p])
        while true {
            guard p < bytes.count else { throw fail("a string that never ends") }
            let b = bytes[p]
            if b == UInt8(ascii: "\"") { p += 1; break }
            if b < 0x20 { throw fail("a control character inside a string") }
            if b != UInt8(ascii: "\\") { out.append(b); p += 1; continue }
            guard p + 1 < bytes.count else { throw fail("a string that never ends") }
            let e = bytes[p + 1]
            p += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard p + 1 < bytes.count, bytes[p] == UInt8(ascii: "\\"), bytes[p + 1] == UInt8(ascii: "u") else {
                        throw fail("a lone high surrogate")
                    }
                    p += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("a high surrogate without its low half") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw fail("a lone low surrogate")
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: throw fail("an unknown escape")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw Failure(offset: start, reason: "a string that is not UTF-8") }
        return s
    }

    private mutating func hex4() throws -> UInt32 {
        guard p + 4 <= bytes.count else { throw fail("a short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[p]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw fail("a bad \\u escape")
            }
            v = v << 4 | d
            p += 1
        }
        return v
    }

    private mutating func number() throws -> JSONValue {
        let start = p
        func digits() -> Int { let s = p; while p < bytes.count, (48...57).contains(bytes[p]) { p += 1 }; return p - s }
        if bytes[p] == UInt8(ascii: "-") { p += 1 }
        guard p < bytes.count else { throw fail("a number without digits") }
        if bytes[p] == UInt8(ascii: "0") { p += 1 } else if digits() == 0 { throw fail("a number without digits") }
        var integral = true
        if p < bytes.count, bytes[p] == UInt8(ascii: ".") {
            p += 1; integral = false
            guard digits() > 0 else { throw fail("a fraction without digits") }
        }
        if p < bytes.count, bytes[p] == UInt8(ascii: "e") || bytes[p] == UInt8(ascii: "E") {
            p += 1; integral = false
            if p < bytes.count, bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-") { p += 1 }
            guard digits() > 0 else { throw fail("an exponent without digits") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<p]), as: UTF8.self)
        if integral, let i = Int(text) { return .int(i) }
        // A number beyond Double (1e999) is refused, not read as an infinity that no JSON can hold.
        guard let d = Double(text), d.isFinite else { throw Failure(offset: start, reason: "a number out of range") }
        return .double(d)
    }
}
