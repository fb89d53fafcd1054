import Identifiers

/// Allocates every person's identity number, and the previous number of those whose number
/// changed (`Protocols/synth.md` §4.2). Numbers are unique: two synthetic people never share one.
///
/// Up to `poolLimit` people, numbers come only from Skatteverket's test numbers, so no real
/// person's number can appear; the person's birth date and sex then follow the chosen number.
/// Above it, numbers are generated from the birth date and sex (serial 001–999 whose third digit
/// is odd for men); such numbers can coincide with real ones and carry no real data.
final class Identities {
    static let poolLimit = 43_000

    private(set) var current: [UInt64]
    private(set) var previous: [Int: UInt64] = [:]
    let usesTestNumbers: Bool
    /// Every allocated number, sorted, in pool mode: a "valid typo" picks a neighbour from here.
    private var poolSorted: [UInt64] = []

    private var usedPersonSlots: [UInt64] = []
    private var usedCoordination: Set<UInt64> = []
    private static let firstDay = Days.from(year: 1880, month: 1, day: 1)
    private var pool: Pool?

    init(people: People, progress: (Int) -> Void) {
        current = [UInt64](repeating: 0, count: people.count)
        usesTestNumbers = people.count <= Identities.poolLimit
        if usesTestNumbers {
            pool = Pool(seed: people.seed)
        } else {
            let days = Days.from(year: 2100, month: 1, day: 1) - Identities.firstDay
            usedPersonSlots = [UInt64](repeating: 0, count: (days * 1000 + 63) / 64)
        }
        for i in 0..<people.count {
            let core = people.core(i)
            var rng = SynthRandom(seed: people.seed, domain: .identifierPool, index: UInt64(i))
            current[i] = allocate(birth: core.birth, sex: core.sex, coordination: core.coordination, rng: &rng)
            if core.changedIdentifier {
                // Half are a samordningsnummer later replaced by a personnummer, half a corrected
                // personnummer (a date or gender correction gives a new number, identifiers.md §2.5).
                let old: UInt64?
                if !core.coordination && rng.chance(0.5) {
                    old = allocate(birth: core.birth, sex: core.sex, coordination: true, rng: &rng, optional: true)
                } else {
                    old = allocate(birth: core.birth + rng.range(-40...40), sex: core.sex, coordination: false, rng: &rng, optional: true)
                }
                if let old { previous[i] = old }
            }
            if i % 262_144 == 262_143 { progress(i + 1) }
        }
        if usesTestNumbers { poolSorted = (current + previous.values).sorted() }
        usedPersonSlots = []
        usedCoordination = []
    }

    /// A different valid number near `value`: in pool mode another test number (which may be
    /// another synthetic person's, as a real clerk's slip may be), otherwise the same date with
    /// another serial and a recomputed check digit.
    func validTypo(of value: UInt64, rng: inout SynthRandom) -> UInt64 {
        if usesTestNumbers {
            var lo = 0, hi = poolSorted.count
            while lo < hi { let m = (lo + hi) / 2; if poolSorted[m] < value { lo = m + 1 } else { hi = m } }
            let step = rng.chance(0.5) ? 1 : -1
            let j = lo + step
            return poolSorted[(0..<poolSorted.count).contains(j) ? j : lo - step]
        }
        let n = PersonNumber(value: value)
        var serial = n.serial
        repeat { serial = rng.range(1...999) } while serial == n.serial
        return PersonNumber(year: n.year, month: n.month, dayField: n.dayField, serial: serial).value
    }

    private func allocate(birth: Int, sex: Sex, coordination: Bool, rng: inout SynthRandom, optional: Bool = false) -> UInt64? {
        if let pool {
            return pool.take(near: birth, sex: sex, coordination: coordination, allowOther: !optional)
        }
        let date = Days.date(birth)
        if coordination {
            // About one in twenty-five samordningsnummer has month 00 or day 60 (identifiers.md §3.2).
            var month = date.month, dayField = date.day + 60
            if rng.chance(0.04) { if rng.chance(0.5) { month = 0 } else { dayField = 60 } }
            var serial = serialDraw(sex: sex, rng: &rng)
            for _ in 0..<1000 {
                let n = PersonNumber(year: date.year, month: month, dayField: dayField, serial: serial).value
                if usedCoordination.insert(n).inserted { return n }
                serial = nextSerial(serial)
            }
            return optional ? nil : allocate(birth: birth + 1, sex: sex, coordination: true, rng: &rng)
        }
        let dayIndex = birth - Identities.firstDay
        var serial = serialDraw(sex: sex, rng: &rng)
        for _ in 0..<500 {
            let slot = dayIndex * 1000 + serial
            if usedPersonSlots[slot >> 6] & (1 << UInt64(slot & 63)) == 0 {
                usedPersonSlots[slot >> 6] |= 1 << UInt64(slot & 63)
                return PersonNumber(year: date.year, month: date.month, dayField: date.day, serial: serial).value
            }
            serial = nextSerial(serial)
        }
        // Every serial of this date and sex is taken: the next day (identifiers.md §2.7 says
        // Skatteverket does the same).
        return allocate(birth: birth + 1, sex: sex, coordination: false, rng: &rng, optional: optional)
    }

    private func serialDraw(sex: Sex, rng: inout SynthRandom) -> Int {
        let s = rng.range(0...499) * 2 + (sex == .male ? 1 : 0)
        return s == 0 ? 2 : min(s, 999)
    }

    private func allocate(birth: Int, sex: Sex, coordination: Bool, rng: inout SynthRandom) -> UInt64 {
        allocate(birth: birth, sex: sex, coordination: coordination, rng: &rng, optional: false)!
    }

    /// The next serial of the same parity, skipping 000 (never issued).
    private func nextSerial(_ s: Int) -> Int {
        let n = s + 2
        return n > 999 ? (s % 2 == 1 ? 1 : 2) : n
    }
}

/// Skatteverket's test numbers (`identifiers.md` §8), split by kind and sex and sorted by the date
/// they state; `take` returns the unused number nearest a wanted birth date.
private final class Pool {
    private struct Lane {
        var numbers: [UInt64]
        var days: [Int]
        var nextFree: [Int]   // union–find towards higher indices
        var prevFree: [Int]   // union–find towards lower indices
        var remaining: Int

        init(_ numbers: [UInt64], seed: UInt64) {
            let keyed = numbers.map { n -> (Int, UInt64, UInt64) in
                let p = PersonNumber(value: n)
                let day = p.statedBirth.map { Days.from($0) } ?? Days.from(year: p.year, month: max(1, p.month), day: 1)
                return (day, SynthRandom.mix(n ^ seed), n)
            }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            self.numbers = keyed.map(\.2)
            days = keyed.map(\.0)
            nextFree = Array(0...numbers.count)
            prevFree = Array(0..<numbers.count)
            remaining = numbers.count
        }

        mutating func find(_ table: WritableKeyPath<Lane, [Int]>, _ i: Int) -> Int {
            var r = i
            while r >= 0 && r < numbers.count && self[keyPath: table][r] != r { r = self[keyPath: table][r] }
            var j = i
            while j >= 0 && j < numbers.count && self[keyPath: table][j] != j {
                let n = self[keyPath: table][j]; self[keyPath: table][j] = r; j = n
            }
            return r
        }

        mutating func take(near day: Int) -> UInt64? {
            guard remaining > 0 else { return nil }
            var lo = 0, hi = days.count
            while lo < hi { let m = (lo + hi) / 2; if days[m] < day { lo = m + 1 } else { hi = m } }
            let right = find(\.nextFree, min(lo, numbers.count))
            let left = find(\.prevFree, min(lo, numbers.count) - 1)
            let pick: Int
            if right >= numbers.count { pick = left }
            else if left < 0 { pick = right }
            else { pick = day - days[left] <= days[right] - day ? left : right }
            nextFree[pick] = pick + 1
            prevFree[pick] = pick - 1
            remaining -= 1
            return numbers[pick]
        }
    }

    private var lanes: [Lane]   // person female, person male, coordination female, coordination male

    init(seed: UInt64) {
        // The published list repeats a few numbers: each is used once.
        func split(_ all: [String]) -> ([UInt64], [UInt64]) {
            let numbers = Set(all.compactMap { PersonNumber(canonical: $0) }).sorted { $0.value < $1.value }
            return (numbers.filter { $0.sex == .female }.map(\.value), numbers.filter { $0.sex == .male }.map(\.value))
        }
        let (pf, pm) = split(SkatteverketTestNumbers.personnummer)
        let (cf, cm) = split(SkatteverketTestNumbers.samordningsnummer)
        lanes = [Lane(pf, seed: seed), Lane(pm, seed: seed), Lane(cf, seed: seed), Lane(cm, seed: seed)]
    }

    /// The nearest free number of the wanted kind and sex; when that lane is empty, the other sex,
    /// then the other kind (the person's sex and birth date follow the number).
    func take(near day: Int, sex: Sex, coordination: Bool, allowOther: Bool) -> UInt64? {
        let first = (coordination ? 2 : 0) + Int(sex.rawValue)
        let order = allowOther ? [first, first ^ 1, first ^ 2, first ^ 3] : [first, first ^ 1]
        for lane in order { if let n = lanes[lane].take(near: day) { return n } }
        return nil
    }
}
