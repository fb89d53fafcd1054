/// How alike the generated people's names are, beside Statistics Sweden's published figures
/// (`Protocols/synth.md` §8.1): `korskoll synth --summary` prints them.
public struct NameFigures: Codable, Sendable, Equatable {
    public var names: String
    /// Σp² over surnames: the chance that two people drawn at random share a surname,
    /// Σ n(n−1) / (N(N−1)) over the generated people's surnames.
    public var surnameSumP2: Double
    /// The same over everyday given names, within each sex.
    public var givenSumP2Men: Double
    public var givenSumP2Women: Double
    /// Share of people whose (everyday given name, surname, birth date) another person also has.
    public var sharedNameAndBirthDate: Double
    public var distinctSurnames: Int
    public var distinctGivenNames: Int
    /// Σp² from the published counts of the head names alone (the tables' weights over
    /// Sweden's population): a lower bound for the real value.
    public var publishedHeadSurnameSumP2: Double
    public var publishedHeadGivenSumP2Men: Double
    public var publishedHeadGivenSumP2Women: Double
    /// Σp² of the fitted model (head and tail at their expected shares); realistic only.
    public var modelSurnameSumP2: Double?
    public var modelGivenSumP2Men: Double?
    public var modelGivenSumP2Women: Double?

    /// Counts the names as people are written.
    struct Counter {
        private var surnames: [UInt64: Int] = [:]
        private var givenMen: [UInt64: Int] = [:]
        private var givenWomen: [UInt64: Int] = [:]
        private var triples: [UInt64] = []
        private var men = 0, women = 0

        mutating func add(_ core: PersonCore, birth: Int, male: Bool) {
            let given = core.everydayName
            surnames[fnv1a(core.surname), default: 0] += 1
            if male { givenMen[fnv1a(given), default: 0] += 1; men += 1 } else { givenWomen[fnv1a(given), default: 0] += 1; women += 1 }
            triples.append(fnv1a("\(given)\u{1F}\(core.surname)\u{1F}\(birth)"))
        }

        func figures(_ setting: NameSetting) -> NameFigures {
            var sorted = triples
            sorted.sort()
            var shared = 0, k = 0
            while k < sorted.count {
                var j = k + 1
                while j < sorted.count && sorted[j] == sorted[k] { j += 1 }
                if j - k > 1 { shared += j - k }
                k = j
            }
            let realistic = setting == .realistic
            func mixture(_ a: NameTable, _ wa: Double, _ b: NameTable, _ wb: Double) -> Double {
                NameFigures.modelSumP2([(a, wa), (b, wb)])
            }
            return NameFigures(
                names: setting.rawValue,
                surnameSumP2: NameFigures.pairShare(surnames), givenSumP2Men: NameFigures.pairShare(givenMen),
                givenSumP2Women: NameFigures.pairShare(givenWomen),
                sharedNameAndBirthDate: Double(shared) / Double(max(1, triples.count)),
                distinctSurnames: surnames.count, distinctGivenNames: givenMen.count + givenWomen.count,
                publishedHeadSurnameSumP2: NameFigures.headSumP2([Tables.surnameNativeText, Tables.surnameImmigrantText], RealisticNames.population),
                publishedHeadGivenSumP2Men: NameFigures.headSumP2([Tables.maleNativeText, Tables.maleImmigrantText], RealisticNames.men),
                publishedHeadGivenSumP2Women: NameFigures.headSumP2([Tables.femaleNativeText, Tables.femaleImmigrantText], RealisticNames.women),
                modelSurnameSumP2: realistic ? mixture(RealisticNames.surnameNative, 0.8, RealisticNames.surnameImmigrant, 0.2) : nil,
                modelGivenSumP2Men: realistic ? mixture(RealisticNames.maleNative, 0.8, RealisticNames.maleImmigrant, 0.2) : nil,
                modelGivenSumP2Women: realistic ? mixture(RealisticNames.femaleNative, 0.8, RealisticNames.femaleImmigrant, 0.2) : nil)
        }
    }

    /// Σ n(n−1) / (N(N−1)).
    static func pairShare(_ counts: [UInt64: Int]) -> Double {
        var pairs = 0.0, total = 0.0
        for (_, n) in counts { pairs += Double(n) * Double(n - 1); total += Double(n) }
        return total > 1 ? pairs / (total * (total - 1)) : 0
    }

    /// Σ (bearers / population)² over the head tables' published counts.
    static func headSumP2(_ texts: [String], _ population: Double) -> Double {
        texts.flatMap { Tables.parse($0) }.reduce(0) { $0 + pow2(Double($1.1) * 1000 / population) }
    }

    /// Σp² of tables mixed with weights (their names taken as disjoint).
    static func modelSumP2(_ tables: [(NameTable, Double)]) -> Double {
        var sum = 0.0
        for (t, w) in tables {
            let total = t.total
            for r in 0..<t.names.count { sum += pow2(w * t.bearers(r) / total) }
        }
        return sum
    }

    private static func pow2(_ x: Double) -> Double { x * x }
}

/// FNV-1a, 64 bits, over the UTF-8 bytes: a fixed hash for counting (not for secrets).
func fnv1a(_ s: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}
