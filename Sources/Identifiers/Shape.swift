/// §1.1 pre-cleaning (rules R-preclean, R-charset).
enum Preclean {
    /// Maps dash and plus look-alikes and full-width digits, deletes blanks, and rejects anything
    /// that is then not ASCII `0-9`, `-` or `+`. The table is the spec's, character for character.
    static func apply(_ raw: String) throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        for scalar in raw.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x30...0x39, 0x2B, 0x2D: out.append(UInt8(v))
            case 0x20, 0x09, 0xA0, 0x2007, 0x202F, 0x3000, 0x200B, 0xFEFF: continue
            case 0x2010...0x2015, 0x2212, 0xFE63, 0xFF0D: out.append(UInt8(ascii: "-"))
            case 0xFF0B: out.append(UInt8(ascii: "+"))
            case 0xFF10...0xFF19: out.append(UInt8(v - 0xFF10) + UInt8(ascii: "0"))
            default:
                if looksInterim(raw) {
                    throw IdentifierError(.interimNumber,
                        "is an interim or reserve number (a letter among the last four characters); these are not personnummer and are kept out of this namespace")
                }
                throw IdentifierError(.invalidCharacter, "contains \(describe(scalar)); only the digits 0–9, '-' and '+' are allowed")
            }
        }
        guard !out.isEmpty else { throw IdentifierError(.empty, "is empty") }
        return out
    }

    /// §5.1: birth date (6 or 8 digits), an optional '-', then four characters that start with one
    /// or two letters, e.g. `880527-T281`, `20000101-TF10`.
    static func looksInterim(_ raw: String) -> Bool {
        let chars = raw.unicodeScalars.filter { !($0.properties.isWhitespace || $0.value == 0x200B || $0.value == 0xFEFF) }
        guard chars.count >= 10 else { return false }
        let tail = Array(chars.suffix(4))
        var head = Array(chars.dropLast(4))
        if let last = head.last, last == "-" || (0x2010...0x2015).contains(last.value) || last.value == 0x2212 { head.removeLast() }
        func isDigit(_ s: Unicode.Scalar) -> Bool { (0x30...0x39).contains(s.value) }
        func isLetter(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic }
        guard head.count == 6 || head.count == 8, head.allSatisfy(isDigit), isLetter(tail[0]) else { return false }
        let rest = tail.dropFirst().drop(while: isLetter)
        return rest.count >= 2 && rest.allSatisfy(isDigit)
    }

    static func describe(_ scalar: Unicode.Scalar) -> String {
        let code = "U+" + String(String(scalar.value, radix: 16, uppercase: true).reversed().padded(to: 4).reversed())
        if scalar.properties.numericType != nil && !(0x30...0x39).contains(scalar.value) {
            return "'\(Character(scalar))' (\(code)), a digit from another script"
        }
        if scalar.isASCII && scalar.value >= 0x21 && scalar.value < 0x7F { return "'\(Character(scalar))'" }
        if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
            || scalar.properties.isWhitespace {
            return "the invisible character \(code)"
        }
        return "'\(Character(scalar))' (\(code))"
    }
}

private extension Array where Element == Character {
    func padded(to n: Int) -> [Character] { self + Array(repeating: "0", count: Swift.max(0, n - count)) }
}

/// §1.2 grammar, framing only: digits with at most one separator, which must stand directly
/// before the last four digits.
struct Shape {
    var digits: [UInt8]
    let separator: UInt8?

    init(_ cleaned: [UInt8]) throws {
        var digits = [UInt8]()
        digits.reserveCapacity(12)
        var separator: UInt8?
        var separatorPosition = -1
        for byte in cleaned {
            if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                guard separator == nil else {
                    throw IdentifierError(.separator, "has more than one separator ('-' or '+')")
                }
                separator = byte
                separatorPosition = digits.count
            } else {
                digits.append(byte - UInt8(ascii: "0"))
            }
        }
        if let separator {
            guard separatorPosition == digits.count - 4, separatorPosition > 0 else {
                throw IdentifierError(.separator,
                    "has a '\(Character(Unicode.Scalar(separator)))' that is not directly before the last four digits")
            }
        }
        self.digits = digits
        self.separator = separator
    }

    static func text(_ digits: some Collection<UInt8>) -> String {
        String(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
