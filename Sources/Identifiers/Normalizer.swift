/// Normalises Swedish identity numbers to their canonical form, exactly as Protocols/identifiers.md §7
/// prescribes. Deterministic given (input, kind, reference date): the reference date is always
/// passed in, never read from the clock (§1.3).
public struct Normalizer: Sendable {
    /// The date the value was written down. Needed only for 10-digit inputs.
    public var referenceDate: CalendarDate?
    /// Restore leading zeros lost in a numeric-typed column (§1.1); off by default.
    public var padNumericColumn: Bool

    public init(referenceDate: CalendarDate?, padNumericColumn: Bool = false) {
        self.referenceDate = referenceDate
        self.padNumericColumn = padNumericColumn
    }

    /// Validates and canonicalises one raw field value.
    public func normalize(_ raw: String, as kind: IdentifierKind) -> Result<NormalizedIdentifier, IdentifierError> {
        do {
            let cleaned = try Preclean.apply(raw)
            let shape = try Shape(cleaned)
            switch kind {
            case .person: return .success(try person(shape, extra: []))
            case .org: return .success(try organisation(shape))
            }
        } catch let error as IdentifierError {
            return .failure(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    // MARK: §4 organisationsnummer

    private func organisation(_ shape: Shape) throws -> NormalizedIdentifier {
        let d = shape.digits
        let ten: ArraySlice<UInt8>
        if d.count == 12 && d[0] == 1 && d[1] == 6 {
            ten = d[2...]
            // R-16prefix: only a legal person's number may follow the 16 prefix.
            guard ten[ten.startIndex + 2] >= 2 else {
                throw IdentifierError(.sixteenPrefixOnPerson,
                    "16 is the organisationsnummer prefix, but the number after it has third digit \(ten[ten.startIndex + 2]), which makes it a person's number")
            }
        } else if d.count == 10 && d[2] >= 2 {
            ten = d[...]
        } else {
            // R-person-shaped: a sole trader is identified by the owner's own number (§4.3).
            return try person(shape, extra: .soleTrader)
        }
        guard shape.separator != UInt8(ascii: "+") else {
            throw IdentifierError(.organisationPlus, "an organisationsnummer is never written with '+'")
        }
        try Luhn.check(ten)
        var flags: IdentifierFlags = []
        if ten.first == 0 || ten.first == 4 { flags.insert(.orgUnknownGroup) }
        return NormalizedIdentifier(canonical: "16" + Shape.text(ten), kind: .organisationsnummer, flags: flags, referenceDate: nil)
    }

    // MARK: §2–§3 personnummer and samordningsnummer

    private func person(_ input: Shape, extra: IdentifierFlags) throws -> NormalizedIdentifier {
        var shape = input
        var flags = extra
        if shape.digits.count < 10, padNumericColumn, shape.separator == nil, shape.digits.count >= 7 {
            shape.digits.insert(contentsOf: repeatElement(0, count: 10 - shape.digits.count), at: 0)
            flags.insert(.padded)
        }
        let d = shape.digits
        guard d.count == 10 || d.count == 12 else {
            throw IdentifierError(.length, "has \(d.count) digits; a personnummer has 10 (YYMMDD-NNNC) or 12 (YYYYMMDDNNNC)")
        }
        let ten = d[(d.count - 10)...]
        let t = ten.startIndex
        let yy = Int(ten[t]) * 10 + Int(ten[t + 1])
        let month = Int(ten[t + 2]) * 10 + Int(ten[t + 3])
        let day = Int(ten[t + 4]) * 10 + Int(ten[t + 5])

        let year: Int
        if d.count == 12 {
            // R-century; the separator of a 12-digit form carries no information (§2.2).
            let cc = Int(d[0]) * 10 + Int(d[1])
            guard (18...20).contains(cc) else {
                throw IdentifierError(.century, cc == 16
                    ? "starts with 16, the organisationsnummer prefix, not a century (18, 19 or 20)"
                    : "century \(Shape.text(d[0...1])) is not 18, 19 or 20")
            }
            year = cc * 100 + yy
        } else {
            guard let reference = referenceDate else {
                throw IdentifierError(.referenceDateRequired,
                    "has 10 digits, and its century can only be decided from a reference date (when the value was written down)")
            }
            // §2.3: '+' from the calendar year of the 100th birthday; no separator counts as '-'.
            let base = shape.separator == UInt8(ascii: "+") ? reference.year - 100 : reference.year
            year = base - (((base - yy) % 100) + 100) % 100
            guard (1800...2099).contains(year) else {
                throw IdentifierError(.century, "the reference date puts this number in \(year), outside 1800–2099")
            }
            flags.insert(.centuryInferred)
            if shape.separator == nil && d[0] == 0 && d[1] == 7 { flags.insert(.phoneLike) }
        }

        // R-serial000.
        guard !(ten[t + 6] == 0 && ten[t + 7] == 0 && ten[t + 8] == 0) else {
            throw IdentifierError(.serial000, "birth number 000 is never issued")
        }

        let kind: CanonicalKind
        if day >= 60 {
            // R-coord (§3.2): lenient on purpose; the check digit catches typing errors.
            guard month <= 12 else {
                throw IdentifierError(.invalidCoordinationDate, "month \(Shape.two(month)) does not exist")
            }
            guard day <= 91 else {
                throw IdentifierError(.invalidCoordinationDate,
                    "day \(day) is past 91, the last coordination day (day of month + 60)")
            }
            kind = .samordningsnummer
            if month == 0 || day == 60 {
                flags.insert(.coordUnknownDate)
            } else if day - 60 > CalendarDate.days(inMonth: month, year: year) {
                flags.insert(.coordImpossibleDate)
            }
        } else {
            guard month < 20 else {
                throw IdentifierError(.organisationAsPerson,
                    "month \(month) does not exist; a third digit of 2 or more marks an organisationsnummer")
            }
            guard (1...12).contains(month) else {
                throw IdentifierError(.invalidDate, month == 0
                    ? "month 00 does not exist (only a samordningsnummer, with day 60–91, may have month 00)"
                    : "month \(month) does not exist")
            }
            guard day != 0 else { throw IdentifierError(.invalidDate, "day 00 does not exist") }
            guard day <= 31 else {
                throw IdentifierError(.invalidDate,
                    "day \(day) is neither a day of the month (01–31) nor a coordination day (60–91)")
            }
            guard day <= CalendarDate.days(inMonth: month, year: year) else {
                throw IdentifierError(.invalidDate, "\(year) has no \(day) \(CalendarDate.monthNames[month - 1])")
            }
            kind = .personnummer
        }

        try Luhn.check(ten)

        if let reference = referenceDate {
            let realDay = day >= 60 ? day - 60 : day
            let earliest = (year, max(month, 1), max(realDay, 1))
            if earliest > (reference.year, reference.month, reference.day) { flags.insert(.futureDate) }
        }
        let canonical = Shape.two(year / 100) + Shape.text(ten)
        if SkatteverketTestNumbers.contains(canonical) { flags.insert(.testNumber) }
        return NormalizedIdentifier(canonical: canonical, kind: kind, flags: flags,
                                    referenceDate: d.count == 10 ? referenceDate : nil)
    }
}

/// §2.4: Luhn with weights 2-1 over the 10-digit form (never the century).
enum Luhn {
    static func checkDigit(_ nine: ArraySlice<UInt8>) -> UInt8 {
        var sum = 0
        for (i, digit) in nine.enumerated() {
            let product = Int(digit) * (i % 2 == 0 ? 2 : 1)
            sum += product / 10 + product % 10
        }
        return UInt8((10 - sum % 10) % 10)
    }

    static func check(_ ten: ArraySlice<UInt8>) throws {
        let expected = checkDigit(ten.prefix(9))
        let actual = ten[ten.startIndex + 9]
        guard expected == actual else {
            throw IdentifierError(.checkDigit,
                "check digit \(actual) does not match the other digits (expected \(expected)): a digit is mistyped or two are swapped")
        }
    }
}
