import Identifiers

/// Days since 1970-01-01 in the proleptic Gregorian calendar (Hinnant's civil algorithms).
enum Days {
    static func from(_ d: CalendarDate) -> Int { from(year: d.year, month: d.month, day: d.day) }

    static func from(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func date(_ n: Int) -> CalendarDate {
        let z = n + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return CalendarDate(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)!
    }

    static func iso(_ n: Int) -> String { date(n).description }
}

enum Sex: UInt8 { case female = 0, male = 1 }

/// A Swedish personal identity number held as its 12 canonical digits (`identifiers.md`).
struct PersonNumber: Hashable {
    let value: UInt64

    var century: Int { Int(value / 10_000_000_000) }
    var yymmdd: Int { Int(value / 10_000 % 1_000_000) }
    var year: Int { Int(value / 100_000_000) }
    var month: Int { Int(value / 1_000_000 % 100) }
    var dayField: Int { Int(value / 10_000 % 100) }
    var serial: Int { Int(value / 10 % 1000) }
    var isCoordination: Bool { dayField >= 60 }
    var sex: Sex { serial % 2 == 1 ? .male : .female }

    /// The birth date the number states, when it states one (`identifiers.md` §3.3: a
    /// samordningsnummer's day is day + 60; month 00 or day 60 says nothing).
    var statedBirth: CalendarDate? {
        CalendarDate(year: year, month: month, day: isCoordination ? dayField - 60 : dayField)
    }

    /// The number for a date field (day, or day + 60) and a serial, with its Luhn digit (§2.4).
    init(year: Int, month: Int, dayField: Int, serial: Int) {
        let nine = (year % 100) * 10_000_000 + month * 100_000 + dayField * 1000 + serial
        value = UInt64(year * 100_000_000 + month * 1_000_000 + dayField * 10_000 + serial * 10 + Luhn.checkDigit(nine, digits: 9))
    }

    init(value: UInt64) { self.value = value }

    init?(canonical: String) {
        guard canonical.utf8.count == 12, let v = UInt64(canonical) else { return nil }
        value = v
    }

    var canonical: String { Render.pad(Int(value), 12) }
}

enum Luhn {
    /// The check digit over `digits` decimal digits of `number`, weights 2-1 from the left.
    static func checkDigit(_ number: Int, digits: Int) -> Int {
        var sum = 0
        var n = number
        // From the right the last digit of the payload gets weight 2 when the payload's length is odd.
        var weightTwo = true
        for _ in 0..<digits {
            let d = n % 10
            n /= 10
            let p = weightTwo ? d * 2 : d
            sum += p > 9 ? p - 9 : p
            weightTwo.toggle()
        }
        return (10 - sum % 10) % 10
    }
}

/// An organisation number (10 digits) or a sole trader's personal number (12 digits).
struct OrganisationNumber: Hashable {
    let value: UInt64
    let soleTrader: Bool

    /// A legal person's number: group digit, an 8-digit serial whose first digit pair is ≥ 20
    /// (`identifiers.md` §4.1), and the Luhn digit over all ten.
    init(group: Int, serial8: Int) {
        let nine = group * 100_000_000 + serial8
        value = UInt64(nine * 10 + Luhn.checkDigit(nine, digits: 9))
        soleTrader = false
    }

    init(owner: PersonNumber) { value = owner.value; soleTrader = true }

    var canonical: String {
        let digits = soleTrader ? 12 : 10
        let s = String(value)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
