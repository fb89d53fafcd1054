import Foundation

/// Problems with a CSV file as a whole (as opposed to a bad value in one row).
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unreadable = "csv.unreadable"
        case notUTF8 = "csv.not-utf8"
        case unterminatedQuote = "csv.unterminated-quote"
        case strayQuote = "csv.stray-quote"
        case empty = "csv.empty"
        case io = "csv.io"
    }
    public let code: Code
    public let reason: String
    /// The 1-based line the problem is on, when it is on one.
    public let line: Int?
    public init(_ code: Code, _ reason: String, line: Int? = nil) { self.code = code; self.reason = reason; self.line = line }
    public var description: String { reason }
}

/// A streaming RFC 4180 reader: fields separated by `delimiter`, optionally double-quoted (a quote
/// inside a quoted field is doubled), records ended by LF or CRLF; quoted fields may span lines.
/// It reads the file in blocks, so memory stays bounded whatever the file's size, and reports the
/// 1-based line on which each record starts.
///
/// Grammar: file = record *(EOL record) [EOL]; record = field *(DELIM field);
/// field = quoted / bare; quoted = DQUOTE *(any except DQUOTE / 2DQUOTE) DQUOTE;
/// bare = *(any except DELIM, DQUOTE, CR, LF).
public final class CSVReader {
    private let handle: FileHandle
    private let delimiter: UInt8
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEOF = false
    private var line = 1
    private let blockSize = 1 << 20
    public let path: String

    public init(path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CSVError(.unreadable, "\(path) cannot be opened for reading")
        }
        self.handle = handle
        self.delimiter = delimiter
        self.path = path
    }

    deinit { try? handle.close() }

    private func fill() -> Bool {
        if atEOF { return false }
        let data = handle.readData(ofLength: blockSize)
        if data.isEmpty { atEOF = true; return false }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        buffer.append(contentsOf: data)
        return true
    }

    @inline(__always) private func peek() -> UInt8? {
        if position >= buffer.count && !fill() { return nil }
        return buffer[position]
    }

    /// The next record and the line it starts on, or nil at the end of the file.
    public func next() throws -> (line: Int, fields: [String])? {
        guard peek() != nil else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var wasQuoted = false
        while true {
            guard let c = peek() else {
                if quoted { throw CSVError(.unterminatedQuote, "\(path): line \(startLine): a quoted field is never closed", line: startLine) }
                fields.append(try decode(field, line: startLine))
                return (startLine, fields)
            }
            position += 1
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if peek() == UInt8(ascii: "\"") { field.append(c); position += 1 } else { quoted = false }
                } else {
                    if c == UInt8(ascii: "\n") { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case delimiter:
                fields.append(try decode(field, line: startLine))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            case UInt8(ascii: "\""):
                guard field.isEmpty, !wasQuoted else {
                    throw CSVError(.strayQuote, "\(path): line \(line): a '\"' inside an unquoted field (quote the whole field and double the quote)", line: line)
                }
                quoted = true
                wasQuoted = true
            case UInt8(ascii: "\r") where peek() == UInt8(ascii: "\n"):
                continue
            case UInt8(ascii: "\n"):
                line += 1
                fields.append(try decode(field, line: startLine))
                return (startLine, fields)
            default:
                field.append(c)
            }
        }
    }

    /// Recovers after a ``CSVError/Code/strayQuote``: skips to the start of the next line, so one
    /// malformed row does not cost its neighbours.
    public func skipRestOfLine() {
        while let c = peek() {
            position += 1
            if c == UInt8(ascii: "\n") { line += 1; return }
        }
    }

    private func decode(_ bytes: [UInt8], line: Int) throws -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw CSVError(.notUTF8, "\(path): line \(line): bytes that are not UTF-8 (export the file as UTF-8)", line: line)
        }
        return s
    }
}

/// Writes RFC 4180 CSV, quoting only where needed.
public enum CSVWriter {
    public static func line(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\n"
    }
}

/// Writes CSV rows to a file through a 1 MiB buffer, quoting only where needed (RFC 4180).
public final class CSVFileWriter {
    public let path: String
    private let handle: FileHandle
    private let delimiter: UInt8
    private var buffer: [UInt8] = []
    public private(set) var rows = 0

    /// Creates `path` (it must not exist) and writes `header`.
    public init(path: String, header: [String], delimiter: UInt8 = UInt8(ascii: ",")) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw CSVError(.io, "cannot create \(path)")
        }
        self.path = path
        self.handle = handle
        self.delimiter = delimiter
        buffer.reserveCapacity(1 << 20)
        try write(header)
        rows = 0
    }

    public func write(_ fields: [String]) throws {
        for (k, field) in fields.enumerated() {
            if k > 0 { buffer.append(delimiter) }
            let utf8 = field.utf8
            if utf8.contains(where: { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                buffer.append(0x22)
                for b in utf8 { if b == 0x22 { buffer.append(0x22) }; buffer.append(b) }
                buffer.append(0x22)
            } else {
                buffer.append(contentsOf: utf8)
            }
        }
        buffer.append(0x0A)
        rows += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        do { try handle.write(contentsOf: buffer) } catch { throw CSVError(.io, "cannot write \(path): \(error)") }
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() throws {
        try flush()
        try handle.close()
    }
}
