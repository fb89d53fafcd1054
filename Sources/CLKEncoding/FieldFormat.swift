import Foundation

/// The subset of Python's `strptime` that date features use: `%Y`, `%m`, `%d`, `%y`, `%%` and
/// literal text, with Python's own digit rules (`%m` and `%d` take one or two digits, `%Y` four,
/// `%y` two with 69–99 → 19xx). Any other directive is refused when the schema is read.
public struct StrptimeFormat: Sendable {
    let regex: NSRegularExpressionBox
    let order: [Character]
    let text: String

    init(_ format: String, here: String) throws {
        var pattern = "^"
        var order: [Character] = []
        var chars = Array(format).makeIterator()
        while let c = chars.next() {
            if c == "%" {
                guard let d = chars.next() else { throw CLKError(.invalidSchema, "\(here): date format '\(format)' ends with '%'") }
                switch d {
                case "Y": pattern += "([0-9]{4})"; order.append("Y")
                case "m": pattern += "(1[0-2]|0[1-9]|[1-9])"; order.append("m")
                case "d": pattern += "(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])"; order.append("d")
                case "y": pattern += "([0-9]{2})"; order.append("y")
                case "%": pattern += "%"
                default:
                    throw CLKError(.invalidSchema, "\(here): date format directive %\(d) is not supported (use %Y, %m, %d, %y)")
                }
            } else if c.isWhitespace {
                pattern += "\\s+"
            } else {
                pattern += NSRegularExpression.escapedPattern(for: String(c))
            }
        }
        guard order.contains("m"), order.contains("d"), order.contains("Y") || order.contains("y") else {
            throw CLKError(.invalidSchema, "\(here): date format '\(format)' needs a year, a month and a day")
        }
        self.regex = try NSRegularExpressionBox(pattern + "$")
        self.order = order
        self.text = format
    }

    /// Parses and re-prints as `%Y%m%d`; nil when the value does not match or is not a real date.
    func reformat(_ value: String) -> String? {
        if let fast = reformatFullWidth(value) { return fast }
        return reformatByPattern(value)
    }

    /// The fast path of ``reformat(_:)``: an ASCII value in which every directive has its full
    /// width (`%Y` four digits, `%m`, `%d`, `%y` two) and every literal is the format's own byte.
    /// The pattern's alternatives try two digits first, so where this parse succeeds the pattern
    /// reads the same fields; nil sends the value to the pattern (checked against it on random
    /// inputs in the tests).
    func reformatFullWidth(_ value: String) -> String? {
        var year = -1, month = -1, day = -1
        var utf8 = value.utf8.makeIterator()
        func digits(_ n: Int) -> Int? {
            var v = 0
            for _ in 0..<n {
                guard let b = utf8.next(), b >= 0x30, b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return v
        }
        var directive = false
        for b in text.utf8 {
            if directive {
                directive = false
                switch b {
                case UInt8(ascii: "Y"): guard let v = digits(4) else { return nil }; year = v
                case UInt8(ascii: "y"): guard let v = digits(2) else { return nil }; year = v < 69 ? 2000 + v : 1900 + v
                case UInt8(ascii: "m"): guard let v = digits(2), (1...12).contains(v) else { return nil }; month = v
                case UInt8(ascii: "d"): guard let v = digits(2), (1...31).contains(v) else { return nil }; day = v
                case UInt8(ascii: "%"): guard utf8.next() == b else { return nil }
                default: return nil
                }
            } else if b == UInt8(ascii: "%") {
                directive = true
            } else {
                // White space in the format matches a run in the value: left to the pattern.
                guard b > 0x20, b < 0x7F, utf8.next() == b else { return nil }
            }
        }
        guard utf8.next() == nil, year >= 1, month >= 1, day >= 1 else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= days else { return nil }
        return String(year) + (month < 10 ? "0" : "") + String(month) + (day < 10 ? "0" : "") + String(day)
    }

    /// The reference path of ``reformat(_:)``: the pattern built from the format.
    func reformatByPattern(_ value: String) -> String? {
        let range = NSRange(value.startIndex..., in: value)
        guard let m = regex.regex.firstMatch(in: value, range: range) else { return nil }
        var year = 1900, month = 1, day = 1
        for (i, d) in order.enumerated() {
            guard let r = Range(m.range(at: i + 1), in: value),
                  let v = Int(value[r].trimmingCharacters(in: .whitespaces)) else { return nil }
            switch d {
            case "Y": year = v
            case "y": year = v < 69 ? 2000 + v : 1900 + v
            case "m": month = v
            default: day = v
            }
        }
        guard year >= 1, (1...12).contains(month), day >= 1 else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= days else { return nil }
        return String(year) + (month < 10 ? "0" : "") + String(month) + (day < 10 ? "0" : "") + String(day)
    }
}

extension LinkageSchema.Feature {
    /// Why `value` cannot be encoded for this feature, or nil if it can: the same checks
    /// (format, then tokenising) that ``CLKEncoder/encode(_:workspace:)`` makes.
    public func problem(with value: String) -> CLKError? {
        switch formatted(value) {
        case .failure(let e): return e
        case .success(let v):
            // Of the comparisons only `numeric` can refuse a formatted value (clk.md §2.3).
            if case .numeric = comparison, case .failure(let e) = comparison.tokens(v) { return e }
            return nil
        }
    }

    /// Validates a value against the format and returns the string that is tokenised
    /// (Protocols/clk.md §2.2): the missing-value replacement, a re-printed integer or date, or the
    /// value unchanged. `reason` names the problem; the caller adds row and field.
    func formatted(_ value: String) -> Result<String, CLKError> {
        if let missing = missingValue, value == missing.sentinel { return .success(missing.replaceWith) }
        guard let format else { return .success(value) }
        func bad(_ why: String) -> Result<String, CLKError> { .failure(CLKError(.invalidValue, why)) }
        if case .ascii = format.encoding, !value.unicodeScalars.allSatisfy(\.isASCII) {
            return bad("is not ASCII, as the schema's encoding requires")
        }
        switch format {
        case .string(_, let pattern, let caseRule, let minLength, let maxLength):
            if let pattern {
                return pattern.fullMatch(value) ? .success(value) : bad("does not match the pattern '\(pattern.pattern)'")
            }
            let length = value.unicodeScalars.count
            if let minLength, length < minLength { return bad("is \(length) characters long; at least \(minLength) are required") }
            if let maxLength, length > maxLength { return bad("is \(length) characters long; at most \(maxLength) are allowed") }
            if caseRule == "upper", value.uppercased() != value { return bad("is not in upper case") }
            if caseRule == "lower", value.lowercased() != value { return bad("is not in lower case") }
            return .success(value)
        case .integer(_, let minimum, let maximum):
            guard let v = PythonInt.parse(value) else { return bad("is not an integer") }
            if let minimum, v < minimum { return bad("is below the minimum \(minimum)") }
            if let maximum, v > maximum { return bad("is above the maximum \(maximum)") }
            return .success(String(v))
        case .date(_, let format):
            guard let v = format.reformat(value) else { return bad("is not a date in the format '\(format.text)'") }
            return .success(v)
        case .enumeration(_, let values):
            return values.contains(value) ? .success(value) : bad("is not one of the schema's enum values")
        }
    }
}

/// Python's `int(s, 10)` for the inputs exports contain: surrounding white space, an optional
/// sign, ASCII digits with single underscores between them.
enum PythonInt {
    static func parse(_ s: String) -> Int? {
        var t = Substring(s.trimmingCharacters(in: .whitespacesAndNewlines))
        var negative = false
        if t.first == "+" || t.first == "-" { negative = t.first == "-"; t = t.dropFirst() }
        guard let first = t.first, first.isASCII, first.isNumber, let last = t.last, last.isASCII, last.isNumber,
              !t.contains("__") else { return nil }
        let digits = t.filter { $0 != "_" }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(digits) else { return nil }
        return negative ? -v : v
    }
}
