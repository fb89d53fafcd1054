import Identifiers

/// Who a person is before any register writes them down (`Protocols/synth.md` §4). Everything
/// here is a pure function of (seed, index); only the identity number needs the allocation pass.
struct PersonCore {
    enum Role: UInt8 { case head, partner, child, flatmate }

    let index: Int
    let sex: Sex
    /// The true birth date, days since 1970 (before the identity number is allocated; in the
    /// test-number pool the number's own date replaces it, §4.2).
    let birth: Int
    let immigrant: Bool
    let coordination: Bool
    var givenNames: String
    var surname: String
    let householdStart: Int
    let householdSize: Int
    let role: Role
    let address: Address
    let listed: Listing?
    let changedIdentifier: Bool
    /// Every given name in order (§4.4); in the small setting one entry, the whole string.
    var givenList: [String]
    /// The everyday name's (tilltalsnamn's) position in `givenList`.
    var everyday: Int = 0
    /// The surname before a change on `surnameChanged` (a day), when it changed (§4.5).
    var previousSurname: String?
    var surnameChanged: Int?
    /// The address before a move on `moved` (a day), when the household moved (§4.5).
    var previousAddress: Address?
    var moved: Int?

    enum Listing: String { case active = "aktiv", connected = "koppling" }

    var everydayName: String { givenList[everyday] }

    /// The given names a register writes under `policy` (§7.4).
    func given(_ policy: GivenNamePolicy) -> String {
        switch policy {
        case .all: givenNames
        case .everyday: givenList[everyday]
        case .first: givenList[0]
        }
    }

    /// The surname as a register extracted on `day` shows it, and whether that is the old one.
    func surname(on day: Int) -> (String, Bool) {
        if let previousSurname, let surnameChanged, day < surnameChanged { return (previousSurname, true) }
        return (surname, false)
    }

    func address(on day: Int) -> (Address, Bool) {
        if let previousAddress, let moved, day < moved { return (previousAddress, true) }
        return (address, false)
    }
}

/// Which given names a register writes (`Protocols/synth.md` §7.4).
enum GivenNamePolicy: Sendable { case all, everyday, first }

struct Address {
    let street: String
    let postcode: String
    let town: String

    static func draw(_ rng: inout SynthRandom) -> Address {
        let town = Tables.towns.draw(&rng)
        let prefix = rng.range(town.prefixes)
        let suffix = rng.below(100)
        let number = rng.range(1...120)
        return Address(street: "\(rng.pick(Tables.streets)) \(number)",
                       postcode: "\(prefix) \(suffix < 10 ? "0" : "")\(suffix)", town: town.name)
    }
}

/// The people of one seed.
struct People {
    let count: Int
    let seed: UInt64
    let referenceDay: Int
    let coordinationShare: Double
    let changedIdentifierRate: Double
    let listedShare: Double
    var names: NameSetting = .small

    /// Household patterns over blocks of four consecutive indices, with weights.
    private static let patterns = WeightedTable<[Int]>([
        ([4], 24), ([3, 1], 18), ([2, 2], 22), ([2, 1, 1], 16), ([1, 1, 1, 1], 12), ([1, 3], 8),
    ])

    /// Ages of household heads, by five-year band from 18, roughly Sweden's adult population.
    private static let headAgeBands = WeightedTable<Int>(
        [70, 80, 85, 80, 75, 80, 80, 75, 70, 65, 65, 55, 35, 20, 10, 3, 1].enumerated().map { ($0.offset, $0.element) })

    func household(of i: Int) -> (start: Int, size: Int, member: Int) {
        let block = i / 4
        var rng = SynthRandom(seed: seed, domain: .household, index: UInt64(block))
        let pattern = People.patterns.draw(&rng)
        var start = block * 4
        for size in pattern {
            if i < start + size {
                let clipped = min(size, count - start)
                return (start, clipped, i - start)
            }
            start += size
        }
        preconditionFailure("household pattern does not cover its block")
    }

    private func headBirth(_ head: Int) -> Int {
        var rng = SynthRandom(seed: seed, domain: .person, index: UInt64(head))
        let band = People.headAgeBands.draw(&rng)
        let ageDays = (18 + band * 5) * 365 + rng.below(5 * 365)
        return referenceDay - ageDays
    }

    func core(_ i: Int) -> PersonCore {
        let (start, size, member) = household(of: i)
        var home = SynthRandom(seed: seed, domain: .household, index: UInt64(start) | 1 << 40)
        let immigrant = home.chance(0.2)
        let couple = home.chance(0.7)
        let homeSurname = (immigrant ? Tables.surnameImmigrant : Tables.surnameNative).draw(&home)
        let address = Address.draw(&home)
        let headBirth = headBirth(start)

        var rng = SynthRandom(seed: seed, domain: .person, index: UInt64(i))
        _ = rng.next() // the head's age draw lives in the first value of its stream
        let role: PersonCore.Role
        let birth: Int
        if member == 0 {
            role = .head
            birth = headBirth
        } else if member == 1 && couple {
            role = .partner
            birth = min(referenceDay - 18 * 365, headBirth + rng.range(-6 * 365...6 * 365))
        } else if referenceDay - headBirth >= 22 * 365 {
            role = .child
            birth = min(referenceDay - rng.below(365), headBirth + rng.range(20 * 365...42 * 365))
        } else {
            role = .flatmate
            birth = referenceDay - rng.range(18 * 365...30 * 365)
        }
        let sex: Sex
        if role == .partner {
            var h = SynthRandom(seed: seed, domain: .person, index: UInt64(start) | 1 << 41)
            let headSex: Sex = h.chance(0.5) ? .male : .female
            sex = rng.chance(0.94) ? (headSex == .male ? .female : .male) : headSex
        } else if member == 0 {
            var h = SynthRandom(seed: seed, domain: .person, index: UInt64(start) | 1 << 41)
            sex = h.chance(0.5) ? .male : .female
        } else {
            sex = rng.chance(0.5) ? .male : .female
        }
        let nativeNames = !immigrant || (role == .child && rng.chance(0.3))
        let table: WeightedTable<String> = switch (sex, nativeNames) {
        case (.male, true): Tables.maleNative
        case (.female, true): Tables.femaleNative
        case (.male, false): Tables.maleImmigrant
        case (.female, false): Tables.femaleImmigrant
        }
        var given = table.draw(&rng)
        if rng.chance(0.35) {
            let second = table.draw(&rng)
            if second != given { given += " " + second }
        }
        var surname = homeSurname
        var ownSurname = false
        if role == .partner && rng.chance(0.35) || role == .flatmate {
            surname = (immigrant ? Tables.surnameImmigrant : Tables.surnameNative).draw(&rng)
            ownSurname = true
        }
        var doubled: Bool?   // a double surname was taken; true: hyphenated
        if role != .child && rng.chance(0.04) {
            let other = Tables.surnameNative.draw(&rng)
            if other != surname {
                let hyphen = rng.chance(0.5)
                surname = hyphen ? "\(other)-\(surname)" : "\(other) \(surname)"
                doubled = hyphen
            }
        }
        let age = (referenceDay - birth) / 365
        let coordination = role != .child && rng.chance(immigrant ? coordinationShare * 4 : coordinationShare / 4)
        var listed: PersonCore.Listing?
        if (16...70).contains(age) && rng.chance(listedShare * (sex == .male ? 1.7 : 0.3) * (immigrant ? 1.6 : 0.85)) {
            listed = rng.chance(0.45) ? .active : .connected
        }
        var core = PersonCore(index: i, sex: sex, birth: birth, immigrant: immigrant, coordination: coordination,
                              givenNames: given, surname: surname, householdStart: start, householdSize: size,
                              role: role, address: address, listed: listed,
                              changedIdentifier: rng.chance(changedIdentifierRate), givenList: [given])
        if names == .realistic {
            realisticNames(&core, nativeNames: nativeNames, ownSurname: ownSurname, doubled: doubled)
        }
        return core
    }

    /// §3.2, §4.4, §4.5: the same person, named from the realistic tables on a stream of their
    /// own (so every other value stays as in the small setting), with the changes of the last year.
    private func realisticNames(_ core: inout PersonCore, nativeNames: Bool, ownSurname: Bool, doubled: Bool?) {
        let start = core.householdStart
        var home = SynthRandom(seed: seed, domain: .names, index: UInt64(start) | 1 << 40)
        let surnames = core.immigrant ? RealisticNames.surnameImmigrant : RealisticNames.surnameNative
        let homeSurname = surnames.draw(&home)
        if home.chance(People.householdMoveRate) {
            core.moved = referenceDay - home.below(365)
            core.previousAddress = Address.draw(&home)
        }
        var rng = SynthRandom(seed: seed, domain: .names, index: UInt64(core.index))
        let table = RealisticNames.given(male: core.sex == .male, native: nativeNames)
        // More than 80% of people have more than one given name (Statistics Sweden).
        let count = [1, 2, 2, 2, 2, 3, 3, 3, 4, 2][rng.below(10)]
        var list: [String] = []
        for _ in 0..<(count * 2) where list.count < count {
            let name = table.draw(&rng)
            if !list.contains(name) { list.append(name) }
        }
        // Mostly the first is the everyday name; otherwise another (names statistics take the first when unmarked).
        let everyday = list.count > 1 && rng.chance(0.2) ? 1 + rng.below(list.count - 1) : 0
        var surname = ownSurname ? surnames.draw(&rng) : homeSurname
        if let hyphen = doubled {
            let other = RealisticNames.surnameNative.draw(&rng)
            if other != surname { surname = hyphen ? "\(other)-\(surname)" : "\(other) \(surname)" }
        }
        core.givenList = list
        core.everyday = everyday
        core.givenNames = list.joined(separator: " ")
        core.surname = surname
        let age = (referenceDay - core.birth) / 365
        // A partner who took the household's surname did so within the year at 4%; any adult changes name at 0.4% a year.
        let married = core.role == .partner && !ownSurname && rng.chance(0.04)
        if age >= 20 && (married || rng.chance(0.004)) {
            let before = married ? surnames.draw(&rng) : RealisticNames.surnameNative.draw(&rng)
            if before != surname {
                core.previousSurname = before
                core.surnameChanged = referenceDay - rng.below(365)
            }
        }
    }

    /// About 12% of Swedes move in a year; here whole households do.
    static let householdMoveRate = 0.12

    /// True when someone else in i's household is on the police list.
    func familyOfListed(_ core: PersonCore) -> Bool {
        for j in core.householdStart..<(core.householdStart + core.householdSize) where j != core.index {
            if self.core(j).listed != nil { return true }
        }
        return false
    }
}
