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
    /// The 1-based line the problem is on, when it is on one: for a malformed row, the line
    /// on which the row starts.
    public let line: Int?
    /// The 1-based column (field number within the row) the problem is in, when it is in one.
    public let column: Int?
    public init(_ code: Code, _ reason: String, line: Int? = nil, column: Int? = nil) {
        self.code = code; self.reason = reason; self.line = line; self.column = column
    }
    public var description: String { reason }
}

/// A streaming RFC 4180 reader: fields separated by `delimiter`, optionally double-quoted (a quote
/// inside a quoted field is doubled), records ended by LF, CRLF or a lone CR; quoted fields may
/// span lines. It reads the file in blocks, so memory stays bounded whatever the file's size, and
/// reports the 1-based line on which each record starts (Protocols/node.md §2.1).
///
/// Grammar: file = [BOM] record *(EOL record) [EOL]; EOL = CRLF / LF / CR;
/// record = field *(DELIM field); field = quoted / bare;
/// quoted = DQUOTE *(any except DQUOTE / 2DQUOTE) DQUOTE;
/// bare = *(any except DELIM, DQUOTE, CR, LF); BOM = %xEF.BB.BF (skipped, see ``byteOrderMark``).
///
/// A quote inside a bare field, or anything but DELIM or EOL after a quoted field's closing
/// quote, throws ``CSVError/Code/strayQuote`` naming the row's line and the column; the caller
/// may then ``skipRestOfLine()`` and go on with the next row.
public final class CSVReader {
    private let handle: FileHandle
    private let delimiter: UInt8
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEOF = false
    private var line = 1
    private var started = false
    private let blockSize = 1 << 20
    public let path: String
    /// Whether the file began with a UTF-8 byte order mark (skipped; Protocols/node.md §2.1).
    /// Known once the first record has been read.
    public private(set) var byteOrderMark = false
    /// The records taken from the file so far: those returned, and those abandoned for a stray
    /// quote. The node checks its row counts against it (Protocols/node.md §4.1).
    public private(set) var recordsRead = 0

    private static let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

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

    /// Whether at least `n` bytes are buffered from the current position (reading more if needed).
    private func available(_ n: Int) -> Bool {
        while buffer.count - position < n { if !fill() { return false } }
        return true
    }

    /// Protocols/node.md §2.1: skips a UTF-8 BOM and refuses a UTF-16 one, once, before the first record.
    private func start() throws {
        started = true
        if available(3), buffer[position] == 0xEF, buffer[position + 1] == 0xBB, buffer[position + 2] == 0xBF {
            position += 3
            byteOrderMark = true
        } else if available(2), (buffer[position] == 0xFF && buffer[position + 1] == 0xFE) || (buffer[position] == 0xFE && buffer[position + 1] == 0xFF) {
            throw CSVError(.notUTF8, "\(path): the file starts with a UTF-16 byte order mark (export the file as UTF-8)", line: 1)
        }
    }

    /// Consumes one line end (CR, LF or CRLF) whose first byte `c` was just read, and counts it.
    @inline(__always) private func endLine(_ c: UInt8) {
        if c == Self.cr, peek() == Self.lf { position += 1 }
        line += 1
    }

    /// The next record and the line it starts on, or nil at the end of the file.
    public func next() throws -> (line: Int, fields: [String])? {
        if !started { try start() }
        guard peek() != nil else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        /// The current field was quoted and its closing quote has been read.
        var closed = false
        func stray(_ what: String) -> CSVError {
            recordsRead += 1
            return CSVError(.strayQuote, "\(path): line \(startLine), column \(fields.count + 1): \(what) (quote the whole field and double each quote inside it)",
                            line: startLine, column: fields.count + 1)
        }
        while true {
            guard let c = peek() else {
                if quoted { throw CSVError(.unterminatedQuote, "\(path): line \(startLine): a quoted field is never closed", line: startLine) }
                fields.append(try decode(field, line: startLine))
                recordsRead += 1
                return (startLine, fields)
            }
            position += 1
            if quoted {
                if c == Self.quote {
                    if peek() == Self.quote { field.append(c); position += 1 } else { quoted = false; closed = true }
                } else {
                    // A line break inside the field is kept as written and counted as a line.
                    if c == Self.lf || (c == Self.cr && peek() != Self.lf) { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case delimiter:
                fields.append(try decode(field, line: startLine))
                field.removeAll(keepingCapacity: true)
                closed = false
            case Self.cr, Self.lf:
                endLine(c)
                fields.append(try decode(field, line: startLine))
                recordsRead += 1
                return (startLine, fields)
            case Self.quote:
                guard field.isEmpty, !closed else { throw stray("a '\"' inside an unquoted field") }
                quoted = true
            default:
                // `"Ann"a` is not guessed to be `Anna`: the row is rejected.
                guard !closed else { throw stray("text after the closing quote of a quoted field") }
                field.append(c)
            }
        }
    }

    /// Recovers after a ``CSVError/Code/strayQuote``: skips to the start of the next line (after
    /// the next CR, LF or CRLF), so one malformed row does not cost its neighbours.
    public func skipRestOfLine() {
        while let c = peek() {
            position += 1
            if c == Self.lf || c == Self.cr { endLine(c); return }
        }
    }

    private func decode(_ bytes: [UInt8], line: Int) throws -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw CSVError(.notUTF8, "\(path): line \(line): bytes that are not UTF-8 (export the file as UTF-8)", line: line)
        }
        return s
    }
}

/// Protocols/node.md §6: how every CSV cell Korskoll writes is encoded. A cell that begins with
/// `=`, `+`, `-`, `@`, tab or CR gets a leading `'` and is quoted, so that a spreadsheet shows it
/// as text and never runs it as a formula (OWASP, CSV injection): values from one agency reach
/// another's result files. Other cells are quoted only when they hold the delimiter, a quote, CR
/// or LF (RFC 4180); a quote inside a quoted cell is doubled.
public enum CSVCell {
    /// Whether a cell beginning with this byte could be read as a formula.
    @inlinable @inline(__always) public static func startsFormula(_ first: UInt8) -> Bool {
        first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 || first == 0x09 || first == 0x0D
    }

    /// Appends one encoded cell (without delimiter or line end) to `out`. Inlinable, so that a
    /// caller in another module gets a specialised copy (the generic one cost the row map writer
    /// a metadata lookup per cell).
    @inlinable @inline(__always)
    public static func append<Bytes: Collection>(_ field: Bytes, delimiter: UInt8 = UInt8(ascii: ","), to out: inout [UInt8])
    where Bytes.Element == UInt8 {
        let neutralise = field.first.map(startsFormula) ?? false
        guard neutralise || field.contains(where: { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            out.append(contentsOf: field)
            return
        }
        out.append(0x22)
        if neutralise { out.append(0x27) }
        for b in field { if b == 0x22 { out.append(0x22) }; out.append(b) }
        out.append(0x22)
    }
}

/// Writes one CSV line (comma-separated, LF-ended), each cell encoded by ``CSVCell``.
public enum CSVWriter {
    public static func line(_ fields: [String]) -> String {
        var out: [UInt8] = []
        for (k, field) in fields.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            CSVCell.append(field.utf8, to: &out)
        }
        out.append(0x0A)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes CSV rows to a file through a 1 MiB buffer, each cell encoded by ``CSVCell``
/// (RFC 4180 quoting and formula neutralisation, Protocols/node.md §6).
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

    /// Appends one row.
    public func write(_ fields: [String]) throws {
        for (k, field) in fields.enumerated() {
            if k > 0 { buffer.append(delimiter) }
            CSVCell.append(field.utf8, delimiter: delimiter, to: &buffer)
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
