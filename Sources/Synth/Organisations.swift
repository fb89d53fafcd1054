/// Organisations and their representatives (`Protocols/synth.md` §5).
struct Organisation {
    enum Kind: String, CaseIterable, Sendable {
        case assistance = "personlig-assistans", careHome = "omsorgsboende", staffing = "bemanning"
        case construction = "bygg", cleaning = "stad", restaurant = "restaurang", consulting = "konsult", retail = "handel"

        var isCare: Bool { self == .assistance || self == .careHome }
        var suffixWord: String {
            switch self {
            case .assistance: "Assistans"
            case .careHome: "Omsorg"
            case .staffing: "Bemanning"
            case .construction: "Bygg"
            case .cleaning: "Städ"
            case .restaurant: "Restaurang"
            case .consulting: "Konsult"
            case .retail: "Handel"
            }
        }
    }
    enum Form: String { case aktiebolag = "AB", handelsbolag = "HB", forening = "ek. för.", soleTrader = "enskild firma" }
    enum Role: String { case chair = "ordforande", board = "ledamot", deputy = "suppleant", owner = "innehavare", partner = "delagare" }

    let index: Int
    let kind: Kind
    let form: Form
    let number: OrganisationNumber
    let name: String
    var representatives: [(person: Int, role: Role)]
    var crimeTied: Bool
    let employees: Int
    var permitRevoked: Bool
    var successorOf: Int?
}

struct Organisations {
    private(set) var all: [Organisation] = []
    private(set) var byKind: [Organisation.Kind: [Int]] = [:]
    /// The affine bijection that gives legal persons their serials (§5.1): index · a + b.
    private var numberMix = (a: 0, b: 0)

    private static let kinds = WeightedTable<Organisation.Kind>([
        (.assistance, 12), (.careHome, 20), (.staffing, 50), (.construction, 140), (.cleaning, 80),
        (.restaurant, 80), (.consulting, 300), (.retail, 318),
    ])

    /// Share of each kind closely tied to organised crime: 83 of 699 assistance providers in the
    /// reports; lower elsewhere.
    private static func crimeShare(_ kind: Organisation.Kind) -> Double {
        switch kind {
        case .assistance: 83.0 / 699.0
        case .careHome: 0.05
        case .staffing: 0.08
        case .construction, .cleaning: 0.06
        case .restaurant: 0.04
        case .consulting, .retail: 0.005
        }
    }

    /// Builds `count` organisations. Representatives are adults drawn from `people`; a crime-tied
    /// organisation's first representative is a listed person or (a straw man) one of their family.
    init(count: Int, people: People, identities: Identities, listed: [Int], listedFamily: [Int]) {
        let seed = people.seed
        // An affine bijection over the 80,000,000 serials whose third digit is ≥ 2 keeps numbers unique.
        let space = 80_000_000
        var mixRng = SynthRandom(seed: seed, domain: .orgIdentifier, index: 0)
        var a = 0
        repeat { a = mixRng.range(1_000_001...space - 1) } while gcd(a, space) != 1
        let b = mixRng.below(space)
        numberMix = (a, b)

        func adult(_ rng: inout SynthRandom) -> Int {
            for _ in 0..<64 {
                let i = rng.below(people.count)
                let age = (people.referenceDay - people.core(i).birth) / 365
                if (20...80).contains(age) { return i }
            }
            return rng.below(people.count)
        }

        all.reserveCapacity(count)
        var soleOwners = Set<Int>()   // a person has one sole-trader number: their own
        for j in 0..<count {
            var rng = SynthRandom(seed: seed, domain: .organisation, index: UInt64(j))
            let kind = Organisations.kinds.draw(&rng)
            let soleShare = kind.isCare ? 0.08 : 0.35
            var form: Organisation.Form = rng.chance(soleShare) ? .soleTrader
                : rng.chance(0.85) ? .aktiebolag : rng.chance(0.75) ? .handelsbolag : .forening
            let crime = !listed.isEmpty && rng.chance(Organisations.crimeShare(kind))
            let first: Int
            if crime {
                first = rng.chance(0.7) || listedFamily.isEmpty ? rng.pick(listed) : rng.pick(listedFamily)
            } else {
                first = adult(&rng)
            }
            if form == .soleTrader && !soleOwners.insert(first).inserted { form = .aktiebolag }
            var reps: [(Int, Organisation.Role)]
            switch form {
            case .soleTrader: reps = [(first, .owner)]
            case .handelsbolag: reps = [(first, .partner), (adult(&rng), .partner)]
            case .aktiebolag, .forening:
                reps = [(first, .chair)]
                for _ in 0..<rng.below(3) { reps.append((adult(&rng), .board)) }
                if rng.chance(0.5) { reps.append((adult(&rng), .deputy)) }
            }
            // The same person twice on one board is not a thing.
            var seen = Set<Int>()
            reps = reps.filter { seen.insert($0.0).inserted }
            let serial8 = Organisations.serial8(j, mix: numberMix)
            let number: OrganisationNumber
            let name: String
            let word = rng.pick(Tables.companyWords)
            switch form {
            case .soleTrader:
                number = OrganisationNumber(owner: PersonNumber(value: identities.current[first]))
                let owner = people.core(first)
                name = "\(owner.surname)s \(kind.suffixWord)"
            case .aktiebolag:
                number = OrganisationNumber(group: 5, serial8: serial8)
                name = rng.chance(0.3) ? "\(people.core(first).surname)s \(kind.suffixWord) AB" : "\(word) \(kind.suffixWord) AB"
            case .handelsbolag:
                number = OrganisationNumber(group: 9, serial8: serial8)
                name = "\(people.core(reps[0].0).surname) & \(people.core(reps[reps.count - 1].0).surname) \(kind.suffixWord) HB"
            case .forening:
                number = OrganisationNumber(group: 7, serial8: serial8)
                name = "\(word) \(kind.suffixWord) ekonomisk förening"
            }
            let employees = form == .soleTrader ? (rng.chance(0.3) ? rng.range(1...3) : 0)
                : kind == .assistance || kind == .careHome || kind == .staffing ? rng.range(5...120) : rng.range(0...40)
            let revoked = kind.isCare && rng.chance(crime ? 0.4 : 0.015)
            all.append(Organisation(index: j, kind: kind, form: form, number: number, name: name,
                                    representatives: reps.map { (person: $0.0, role: $0.1) }, crimeTied: crime,
                                    employees: employees, permitRevoked: revoked, successorOf: nil))
            byKind[kind, default: []].append(j)
        }
        linkSuccessors(seed: seed)
    }

    /// Re-entry: a barred (crime-tied, permit revoked) provider's first representative turns up as
    /// the chair of another care provider that has a clean record (§5.3).
    private mutating func linkSuccessors(seed: UInt64) {
        let barred = all.indices.filter { all[$0].crimeTied && all[$0].permitRevoked }
        var candidates = all.indices.filter { all[$0].kind.isCare && !all[$0].crimeTied && !all[$0].permitRevoked && all[$0].form != .soleTrader }
        for j in barred {
            var rng = SynthRandom(seed: seed, domain: .successor, index: UInt64(j))
            guard !candidates.isEmpty else { break }
            let k = rng.below(candidates.count)
            let s = candidates.remove(at: k)
            let person = all[j].representatives[0].person
            all[s].representatives.removeAll { $0.person == person }
            if !all[s].representatives.isEmpty { all[s].representatives[0].role = .board }
            all[s].representatives.insert((person: person, role: .chair), at: 0)
            all[s].crimeTied = true
            all[s].successorOf = j
        }
    }
}

extension Organisations {
    /// The 8-digit serial of legal person `j` (§5.1): unique for every j below 8·10⁷.
    static func serial8(_ j: Int, mix: (a: Int, b: Int)) -> Int {
        let space = 80_000_000
        let x = Int((UInt64(j) &* UInt64(mix.a) &+ UInt64(mix.b)) % UInt64(space))
        return (x / 8_000_000) * 10_000_000 + (2 + x / 1_000_000 % 8) * 1_000_000 + x % 1_000_000
    }

    /// A company founded in a later round (synth.md §9.3): an aktiebolag with the next index and
    /// number, `chair` first, then `board`; a successor carries its barred chair's tie to crime.
    mutating func found(kind: Organisation.Kind, chair: Int, board: [Int], successorOf: Int?, crimeTied: Bool,
                        rng: inout SynthRandom) -> Int {
        let j = all.count
        var seen: Set<Int> = [chair]
        let reps = [(person: chair, role: Organisation.Role.chair)]
            + board.filter { seen.insert($0).inserted }.map { (person: $0, role: Organisation.Role.board) }
        let employees = kind == .assistance || kind == .careHome || kind == .staffing ? rng.range(5...120) : rng.range(1...40)
        all.append(Organisation(index: j, kind: kind, form: .aktiebolag,
                                number: OrganisationNumber(group: 5, serial8: Organisations.serial8(j, mix: numberMix)),
                                name: "\(rng.pick(Tables.companyWords)) \(kind.suffixWord) AB", representatives: reps,
                                crimeTied: crimeTied, employees: employees, permitRevoked: false, successorOf: successorOf))
        byKind[kind, default: []].append(j)
        return j
    }

    /// IVO revoked the organisation's permit (synth.md §9.2).
    mutating func revoke(_ j: Int) { all[j].permitRevoked = true }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
