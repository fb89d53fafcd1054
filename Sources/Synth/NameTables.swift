import Foundation

/// Which name tables a population draws from (`Protocols/synth.md` §3).
public enum NameSetting: String, CaseIterable, Sendable, Codable {
    /// The head of Statistics Sweden's lists at its real share and a long tail fitted to the
    /// published totals (§3.2): the default.
    case realistic
    /// The head alone (§3.1): today's tables, the stress case with far too many lookalikes.
    case small
}

/// A name table in rank order, the head's real names and then a generated tail, drawn in
/// O(log n) (`Protocols/synth.md` §3.2). The tail's names are built once, in a fixed order that
/// does not depend on the seed, and are all distinct from each other and from the head.
struct NameTable: Sendable {
    let names: [String]
    /// Running sum of expected bearers per rank.
    private let cumulative: [Double]
    let headCount: Int

    /// `head`: (name, thousands of bearers); `tail`: the fit; `space`: the tail's name generator.
    init(head: [(String, Int)], tail: TailFit, space: NameSpace) {
        headCount = head.count
        let headBearers = head.reduce(0) { $0 + Double($1.1) * 1000 }
        precondition(tail.population > headBearers, "tail population below the head")
        // §3.2: bearers(r) = M · r^-s / Σ r'^-s over the tail's ranks r = H+1 … H+K.
        var weights = [Double](repeating: 0, count: tail.distinct)
        var sum = 0.0
        for k in 0..<tail.distinct {
            weights[k] = pow(Double(head.count + k + 1), -tail.exponent)
            sum += weights[k]
        }
        let scale = (tail.population - headBearers) / sum
        var names = head.map(\.0)
        names.reserveCapacity(head.count + tail.distinct)
        var taken = Set(names)
        var candidate = 0
        while names.count < head.count + tail.distinct {
            let name = space.name(candidate)
            candidate += 1
            if taken.insert(name).inserted { names.append(name) }
        }
        self.names = names
        var total = 0.0
        var cumulative = [Double]()
        cumulative.reserveCapacity(names.count)
        for (_, w) in head { total += Double(w) * 1000; cumulative.append(total) }
        for w in weights { total += w * scale; cumulative.append(total) }
        self.cumulative = cumulative
    }

    var total: Double { cumulative[cumulative.count - 1] }

    /// Expected bearers of the name at `rank` (0-based) in the table's population.
    func bearers(_ rank: Int) -> Double { cumulative[rank] - (rank == 0 ? 0 : cumulative[rank - 1]) }

    /// One draw: one value of the stream, like `WeightedTable.draw`.
    func draw(_ rng: inout SynthRandom) -> String { names[rank(rng.unit() * total)] }

    /// The rank whose interval of the running sum holds `x` (binary search).
    func rank(_ x: Double) -> Int {
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

/// A fitted tail (`Protocols/synth.md` §3.2): the bearers of the category in Sweden, how many
/// distinct names the tail holds, and the power-law exponent.
struct TailFit: Sendable {
    let population: Double
    let distinct: Int
    let exponent: Double
}

/// Swedish-looking names built from parts (§3.3): tiers in order, each the product of its part
/// lists, walked through an affine permutation so that neighbouring ranks differ in every part.
struct NameSpace: Sendable {
    let tiers: [[[String]]]

    func name(_ index: Int) -> String {
        var k = index
        for tier in tiers {
            let size = tier.reduce(1) { $0 * $1.count }
            if k < size { return Self.capitalised(Self.compose(tier, Self.permute(k, size))) }
            k -= size
        }
        preconditionFailure("name space exhausted at \(index)")
    }

    var capacity: Int { tiers.reduce(0) { $0 + $1.reduce(1) { $0 * $1.count } } }

    /// x ↦ (a·x + c) mod n with a coprime to n: a bijection of 0..<n.
    static func permute(_ x: Int, _ n: Int) -> Int {
        var a = 40_503 % n
        if a == 0 { a = 1 }
        while gcd(a, n) != 1 { a += 1 }
        return (a * x + 7919) % n
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    static func compose(_ parts: [[String]], _ x: Int) -> String {
        var x = x
        var out = ""
        for list in parts {
            out += list[x % list.count]
            x /= list.count
        }
        return out
    }

    static func capitalised(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
}

/// The realistic tables (`Protocols/synth.md` §3.2): Tables' heads with the fitted tails.
enum RealisticNames {
    /// Sweden's population at the end of 2021, by sex (Statistics Sweden); 80% of households are
    /// of Nordic origin in the model (§4.1), so 80% of bearers are in the native tables.
    static let population = 10_452_326.0
    static let men = 5_247_000.0
    static let women = 5_205_000.0
    static let surnameExponent = 1.2
    static let givenExponent = 1.32

    static let surnameNative = NameTable(head: Tables.parse(Tables.surnameNativeText),
                                         tail: TailFit(population: 0.8 * population, distinct: 525_000, exponent: surnameExponent),
                                         space: NameParts.nativeSurnames)
    static let surnameImmigrant = NameTable(head: Tables.parse(Tables.surnameImmigrantText),
                                            tail: TailFit(population: 0.2 * population, distinct: 225_000, exponent: surnameExponent),
                                            space: NameParts.immigrantSurnames)
    static let maleNative = NameTable(head: Tables.parse(Tables.maleNativeText),
                                      tail: TailFit(population: 0.8 * men, distinct: 152_971, exponent: givenExponent),
                                      space: NameParts.nativeGiven(male: true))
    static let femaleNative = NameTable(head: Tables.parse(Tables.femaleNativeText),
                                        tail: TailFit(population: 0.8 * women, distinct: 182_492, exponent: givenExponent),
                                        space: NameParts.nativeGiven(male: false))
    static let maleImmigrant = NameTable(head: Tables.parse(Tables.maleImmigrantText),
                                         tail: TailFit(population: 0.2 * men, distinct: 101_980, exponent: givenExponent),
                                         space: NameParts.immigrantGiven(male: true))
    static let femaleImmigrant = NameTable(head: Tables.parse(Tables.femaleImmigrantText),
                                           tail: TailFit(population: 0.2 * women, distinct: 121_661, exponent: givenExponent),
                                           space: NameParts.immigrantGiven(male: false))

    static func given(male: Bool, native: Bool) -> NameTable {
        switch (male, native) {
        case (true, true): maleNative
        case (false, true): femaleNative
        case (true, false): maleImmigrant
        case (false, false): femaleImmigrant
        }
    }
}

/// The parts the tails are built from (§3.3).
enum NameParts {
    static let nature = [
        "lind", "berg", "sjö", "ek", "björk", "al", "ask", "hag", "holm", "gran", "sand", "dahl", "fors", "nord",
        "söder", "wester", "öster", "hög", "lill", "stor", "ahl", "asp", "bäck", "blom", "borg", "brand", "bro",
        "eng", "falk", "fager", "fjäll", "flod", "frid", "glad", "grön", "gull", "hall", "hed", "hell", "hult",
        "hjort", "kvarn", "lejon", "lilje", "löv", "malm", "mos", "myr", "ny", "ram", "ros", "rud", "rönn",
        "skog", "sten", "strand", "sund", "svan", "tall", "tor", "wall", "wik", "wid", "åker", "ång", "alm",
        "hammar", "lund", "kron", "silfver", "gyllen", "ljung", "lönn", "palm", "pil", "sol", "stjern", "varg",
        "ör", "bjur", "dun", "ed", "fal", "gus", "hag", "is", "kull", "lag", "mal", "norr", "rosen", "sjögren",
        "sköld", "tham", "ung", "vass", "vinter", "berge", "dal", "ekel", "fröje", "hassel", "lager", "nyl",
    ]
    static let endings = [
        "berg", "ström", "qvist", "kvist", "lund", "gren", "dahl", "dal", "holm", "man", "mark", "by", "bäck",
        "hed", "sten", "feldt", "stedt", "borg", "gård", "vall", "näs", "fors", "blad", "stam", "rot", "stad",
        "hage", "ling", "bom", "skog", "strand", "lind", "hall", "hammar", "löf", "vik", "quist", "sund",
        "torp", "ander", "ell", "in", "ius", "é", "er", "eus", "ros", "ling", "ry", "nér",
    ]
    static let links = ["e", "a", "en", "er"]
    static let patronyms = [
        "alf", "alvar", "arne", "arvid", "axel", "bengt", "birger", "bo", "bror", "dag", "einar", "elof", "emil",
        "erland", "folke", "gunnar", "gustav", "göran", "halvar", "harald", "helge", "hilding", "holger", "ingvar",
        "ivar", "jon", "knut", "konrad", "lennart", "lars", "ludvig", "mats", "olof", "otto", "ragnar", "rune",
        "sigvard", "sixten", "sten", "sune", "torsten", "ture", "valter", "verner", "vilhelm", "åke", "östen",
        "adolf", "albert", "algot", "anton", "august", "björn", "edvin", "egon", "evert", "filip", "fritiof",
        "gerhard", "gösta", "hjalmar", "ingemar", "isak", "josef", "kjell", "leif", "manne", "nils", "oskar",
    ]
    static let nativeSurnames = NameSpace(tiers: [
        [nature, endings],
        [patronyms, ["sson", "son"]],
        [nature, links, endings],
        [nature, nature, endings],
    ])

    static let syllables = ["ka", "ra", "mi", "ha", "sa", "lo", "ne", "to", "ba", "da", "zu", "fa", "ji", "ko", "ma",
                            "ni", "pe", "ri", "se", "ta", "wa", "ya", "vo", "li", "na", "ho", "ke", "bi", "du", "go"]
    static let foreignEndings = ["", "i", "ani", "zadeh", "pour", "ian", "oglu", "er", "can", "ović", "ić", "ski",
                                 "enko", "ov", "nen", "la", "ez", "ed", "ar", "ud", "ow", "ak", "im", "yan"]
    static let immigrantSurnames = NameSpace(tiers: [
        [syllables, syllables, foreignEndings],
        [syllables, syllables, syllables, foreignEndings],
    ])

    static let nordicStems = [
        "alv", "arn", "bjarn", "ed", "eg", "frid", "gud", "hal", "hjal", "ing", "kjel", "lud", "os", "rag", "sig",
        "sten", "tor", "ulv", "val", "vig", "ber", "dag", "ev", "fol", "gun", "har", "hel", "hil", "ivar", "jar",
        "kol", "lei", "mal", "ned", "od", "rut", "sol", "tyr", "ulf", "vid", "ylv", "ås", "ös", "ale", "bo", "es",
        "fre", "gis", "hå", "ir", "jo", "kä", "lo", "mär", "ny", "ro", "sva", "tu", "ve", "ölm",
    ]
    static let maleEndings = ["e", "ar", "ir", "mar", "mund", "ulf", "vald", "vin", "bert", "fred", "gard", "björn",
                              "olf", "rik", "ald", "ian", "an", "o", "as", "us", "el", "ard", "ger", "vard", "sten"]
    static let femaleEndings = ["a", "ina", "ine", "ild", "ny", "borg", "run", "veig", "frid", "lin", "elle", "ie",
                                "is", "da", "dis", "gerd", "hild", "laug", "ma", "na", "rid", "sa", "ve", "ja", "tina"]
    static func nativeGiven(male: Bool) -> NameSpace {
        let end = male ? maleEndings : femaleEndings
        return NameSpace(tiers: [[nordicStems, end], [nordicStems, syllables, end], [nordicStems, syllables, syllables, end]])
    }

    static func immigrantGiven(male: Bool) -> NameSpace {
        let end = male ? ["an", "ir", "im", "ad", "o", "ar", "ed", "ul", "er", "us"]
                       : ["a", "ia", "ina", "e", "ah", "ira", "iye", "ana", "el", "ija"]
        return NameSpace(tiers: [[syllables, syllables, end], [syllables, syllables, syllables, end]])
    }
}
