import Foundation
import Testing
import TestSupport
@testable import Identifiers

/// A naive reference for Protocols/identifiers.md §7, written from the pseudo-code with regular expressions,
/// Foundation's Gregorian calendar and the textbook Luhn sum, sharing no code with `Normalizer`.
enum ReferenceNormalizer {
    static let dashes: Set<UInt32> = [0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE63, 0xFF0D]
    static let blanks: Set<UInt32> = [0x20, 0x09, 0xA0, 0x2007, 0x202F, 0x3000, 0x200B, 0xFEFF]
    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    static func preclean(_ raw: String) -> String? {
        var s = ""
        for u in raw.unicodeScalars {
            if dashes.contains(u.value) { s += "-" }
            else if u.value == 0xFF0B { s += "+" }
            else if (0xFF10...0xFF19).contains(u.value) { s += String(u.value - 0xFF10) }
            else if blanks.contains(u.value) { continue }
            else { s.unicodeScalars.append(u) }
        }
        guard !s.isEmpty, s.unicodeScalars.allSatisfy({ "0123456789-+".unicodeScalars.contains($0) }) else { return nil }
        return s
    }

    /// Standard Luhn: the checksum over all ten digits is 0 mod 10.
    static func luhn(_ ten: String) -> Bool {
        var sum = 0
        for (i, c) in ten.reversed().enumerated() {
            var d = c.wholeNumberValue!
            if i % 2 == 1 { d *= 2; if d > 9 { d -= 9 } }
            sum += d
        }
        return sum % 10 == 0
    }

    static func isRealDate(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        guard let date = calendar.date(from: DateComponents(year: y, month: m, day: d)) else { return false }
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return c.year == y && c.month == m && c.day == d
    }

    static func normalise(_ raw: String, kind: IdentifierKind, ref: CalendarDate?) -> String? {
        guard let s = preclean(raw) else { return nil }
        if kind == .org {
            if let m = s.wholeMatch(of: /16([0-9]{6})-?([0-9]{4})/) {
                let d10 = String(m.1) + String(m.2)
                if "01".contains(Array(d10)[2]) { return nil }
                return luhn(d10) ? "16" + d10 : nil
            }
            if let m = s.wholeMatch(of: /([0-9]{6})([-+]?)([0-9]{4})/), Array(s)[2] >= "2" {
                if m.2 == "+" { return nil }
                let d10 = String(m.1) + String(m.3)
                return luhn(d10) ? "16" + d10 : nil
            }
        }
        guard let m = s.wholeMatch(of: /([0-9]{2})?([0-9]{6})([-+]?)([0-9]{4})/) else { return nil }
        let yymmdd = String(m.2), last4 = String(m.4)
        let yy = Int(yymmdd.prefix(2))!, mm = Int(yymmdd.dropFirst(2).prefix(2))!, dd = Int(yymmdd.suffix(2))!
        let year: Int
        if let cc = m.1 {
            guard ["18", "19", "20"].contains(String(cc)) else { return nil }
            year = Int(cc)! * 100 + yy
        } else {
            guard let ref else { return nil }
            let base = m.3 == "+" ? ref.year - 100 : ref.year
            var y = base - 100 + 1
            while y % 100 != yy { y += 1 }
            year = y
        }
        guard (1800...2099).contains(year) else { return nil }
        if last4.hasPrefix("000") { return nil }
        if dd >= 60 {
            guard mm <= 12, dd <= 91 else { return nil }
        } else {
            guard isRealDate(year, mm, dd) else { return nil }
        }
        guard luhn(yymmdd + last4) else { return nil }
        return String(year / 100) + yymmdd + last4
    }
}

/// Near-valid strings as real exports contain them.
struct NearValidGenerator {
    let seed: UInt64
    private var rng: SplitMix64

    init(seed: UInt64) {
        self.seed = seed
        rng = SplitMix64(seed: seed)
    }

    mutating func next() -> UInt64 { rng.next() }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    static func luhnDigit(_ nine: String) -> Int {
        var sum = 0
        for (i, c) in nine.enumerated() {
            let p = c.wholeNumberValue! * (i % 2 == 0 ? 2 : 1)
            sum += p / 10 + p % 10
        }
        return (10 - sum % 10) % 10
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    mutating func reference() -> CalendarDate {
        CalendarDate(year: int(1990...2030), month: int(1...12), day: int(1...28))!
    }

    mutating func value() -> String {
        var year = int(1880...2030)
        if chance(5) { year = [1900, 2000, 1800, 2100, 1904][int(0...4)] }
        var month = chance(90) ? int(1...12) : int(0...13)
        var day = chance(85) ? int(1...31) : int(0...99)
        if chance(5) { month = 2; day = 29 }
        if chance(15) { day = min(day, 31) + 60 }
        if chance(3) { month = 0; day = 60 + int(0...31) }
        let serial = chance(2) ? 0 : int(1...999)
        let isOrg = chance(15)
        var nine = isOrg
            ? "\(int(0...9))\(int(0...9))\(int(2...9))\(int(0...9))" + String(format: "%05d", int(0...99999))
            : Self.two(year % 100) + Self.two(month) + Self.two(day) + String(format: "%03d", serial)
        if chance(2) { nine = String(nine.prefix(2)) + "0" + String(nine.dropFirst(3)) }
        var check = Self.luhnDigit(nine)
        if chance(15) { check = int(0...9) }
        var digits = nine + String(check)
        if isOrg && chance(40) { digits = "16" + digits }
        else if !isOrg && chance(40) { digits = Self.two(chance(90) ? year / 100 : int(10...29)) + digits }
        else if chance(3) { digits = "16" + digits }
        if chance(3) { digits.removeLast() }
        if chance(3) { digits += "\(int(0...9))" }
        var chars = Array(digits)
        // Separator: usually right, sometimes wrong or doubled.
        let sepChar: Character = chance(70) ? "-" : "+"
        if chance(75), chars.count >= 4 {
            let at = chance(90) ? chars.count - 4 : int(0...chars.count)
            chars.insert(sepChar, at: at)
            if chance(3) { chars.insert("-", at: int(0...chars.count)) }
        }
        var s = String(chars)
        // Unicode that exports carry.
        if chance(8) { s = s.replacingOccurrences(of: "-", with: ["\u{2013}", "\u{2212}", "\u{2011}", "\u{FF0D}", "\u{00AF}"][int(0...4)]) }
        if chance(3) { s = s.replacingOccurrences(of: "+", with: "\u{FF0B}") }
        if chance(5) {
            s = String(s.unicodeScalars.map { u -> Character in
                (0x30...0x39).contains(u.value) && chance(50) ? Character(Unicode.Scalar(u.value - 0x30 + 0xFF10)!) : Character(u)
            })
        }
        if chance(2) { s = s.replacingOccurrences(of: "5", with: "\u{0665}") }
        if chance(10) {
            let blanks = [" ", "\t", "\u{00A0}", "\u{2007}", "\u{202F}", "\u{3000}", "\u{200B}", "\u{FEFF}", "\u{2009}"]
            var a = Array(s)
            a.insert(Character(blanks[int(0...blanks.count - 1)]), at: int(0...a.count))
            s = String(a)
        }
        if chance(2) { s = String(s.prefix(s.count - 3)) + "T" + String(s.suffix(3)) }
        if chance(1) { s = ["", " ", "\t", "SE556016068001", "abc", "070-1234567"][int(0...5)] }
        return s
    }
}

@Suite struct ReferenceCrossCheck {
    @Test(arguments: [IdentifierKind.person, .org])
    func normalizerAgreesWithNaiveReferenceOnGeneratedStrings(_ kind: IdentifierKind) {
        var gen = NearValidGenerator(seed: kind == .person ? 1 : 2)
        var disagreements: [String] = []
        var valid = 0
        let count = 30_000
        for _ in 0..<count {
            let raw = gen.value()
            let ref: CalendarDate? = gen.chance(95) ? gen.reference() : nil
            let expected = ReferenceNormalizer.normalise(raw, kind: kind, ref: ref)
            let actual = try? Normalizer(referenceDate: ref).normalize(raw, as: kind).get().canonical
            if expected != actual {
                disagreements.append("\(raw.unicodeScalars.map { $0.isASCII ? String($0) : "U+\(String($0.value, radix: 16))" }.joined()) ref \(ref?.description ?? "-"): reference \(expected ?? "invalid"), normalizer \(actual ?? "invalid")")
            }
            if actual != nil { valid += 1 }
        }
        #expect(disagreements.isEmpty, "seed \(gen.seed): \(disagreements.count) disagreements, e.g. \(disagreements.prefix(5))")
        // The generator must exercise both outcomes substantially, or the comparison proves little.
        #expect(valid > count / 5 && valid < count * 4 / 5, "seed \(gen.seed): valid \(valid) of \(count)")
    }
}
