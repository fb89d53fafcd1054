import Identifiers

/// The data-quality problems of real exports (`Protocols/synth.md` §6), each recorded in the truth.
public enum Corruption: String, CaseIterable, Sendable, Codable {
    case idMissing = "id-missing"
    case idTypoCaught = "id-typo-caught"
    case idTypoValid = "id-typo-valid"
    case century = "century"
    case formatMixed = "format-mixed"
    case nameVariant = "name-variant"
    case nameSwap = "name-swap"
    case marriedName = "married-name"
    case dobMissing = "dob-missing"
    case addressMoved = "address-moved"
    case idChanged = "id-changed"
    /// The same problems in a row's organisation number (rates as for persons).
    case orgIDMissing = "org-id-missing"
    case orgIDTypoCaught = "org-id-typo-caught"
    case orgFormatMixed = "org-format-mixed"
    /// Not errors but the person's life between extraction dates (§4.5): the row shows the
    /// surname before a change, or the address before a move (realistic names only).
    case surnameChanged = "surname-changed"
    case moved = "moved"

    /// The corruptions a user sets rates for; the organisation ones follow their person twins.
    public static let configurable: [Corruption] = [.idMissing, .idTypoCaught, .idTypoValid, .century, .formatMixed,
        .nameVariant, .nameSwap, .marriedName, .dobMissing, .addressMoved, .idChanged]

    /// Default rates: per register row, except `id-changed`, which is the share of people whose
    /// number changed (their rows show the old number half of the time).
    public var defaultRate: Double {
        switch self {
        case .idMissing: 0.01
        case .idTypoCaught: 0.003
        case .idTypoValid: 0.001
        case .century: 0.002
        case .formatMixed: 0.05
        case .nameVariant: 0.02
        case .nameSwap: 0.005
        case .marriedName: 0.005
        case .dobMissing: 0.01
        case .addressMoved: 0.03
        case .idChanged: 0.002
        case .orgIDMissing: Corruption.idMissing.defaultRate
        case .orgIDTypoCaught: Corruption.idTypoCaught.defaultRate
        case .orgFormatMixed: Corruption.formatMixed.defaultRate
        case .surnameChanged, .moved: 0
        }
    }
}

public struct CorruptionRates: Sendable, Equatable {
    public var rates: [Corruption: Double]
    public init(rates: [Corruption: Double] = Dictionary(uniqueKeysWithValues: Corruption.configurable.map { ($0, $0.defaultRate) })) {
        self.rates = rates
    }
    public static let none = CorruptionRates(rates: Dictionary(uniqueKeysWithValues: Corruption.configurable.map { ($0, 0) }))
    public subscript(_ c: Corruption) -> Double { rates[c] ?? 0 }
}

/// How a register writes identity numbers (`identifiers.md` §2.2, §4.2).
enum PersonStyle: CaseIterable { case tenDash, tenPlain, twelve, twelveDash }
enum OrganisationStyle: CaseIterable { case dash, plain, sixteen }

enum Render {
    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `centenarian` is whether the person turns 100 or more in the reference year (§2.3: '+').
    static func person(_ n: PersonNumber, style: PersonStyle, centenarian: Bool, losePlus: Bool = false) -> String {
        let twelve = n.canonical
        let ten = String(twelve.dropFirst(2))
        switch style {
        case .twelve: return twelve
        case .twelveDash: return String(twelve.prefix(8)) + "-" + String(twelve.suffix(4))
        case .tenDash, .tenPlain:
            if centenarian && !losePlus { return String(ten.prefix(6)) + "+" + String(ten.suffix(4)) }
            return style == .tenDash ? String(ten.prefix(6)) + "-" + String(ten.suffix(4)) : ten
        }
    }

    static func organisation(_ o: OrganisationNumber, style: OrganisationStyle, personStyle: PersonStyle, centenarian: Bool) -> String {
        if o.soleTrader { return person(PersonNumber(value: o.value), style: personStyle, centenarian: centenarian) }
        let ten = o.canonical
        switch style {
        case .dash: return String(ten.prefix(6)) + "-" + String(ten.suffix(4))
        case .plain: return ten
        case .sixteen: return "16" + ten
        }
    }

    /// One digit among the last ten replaced by another: the Luhn digit always catches it.
    static func caughtTypo(_ text: String, rng: inout SynthRandom) -> String {
        var chars = Array(text)
        let digitPositions = chars.indices.filter { chars[$0].isASCII && chars[$0].isNumber }
        let pos = digitPositions[digitPositions.count - 1 - rng.below(min(10, digitPositions.count))]
        let old = chars[pos].wholeNumberValue!
        chars[pos] = Character(String((old + 1 + rng.below(9)) % 10))
        return String(chars)
    }

    static func stripDiacritics(_ s: String) -> String {
        let map: [Character: Character] = ["å": "a", "ä": "a", "ö": "o", "Å": "A", "Ä": "A", "Ö": "O", "é": "e",
                                           "ć": "c", "í": "i", "ü": "u", "ú": "u"]
        return String(s.map { map[$0] ?? $0 })
    }

    /// A spelling variant: a known variant of one word, lost diacritics, or two letters swapped.
    static func variant(_ name: String, rng: inout SynthRandom) -> String {
        var words = name.split(separator: " ").map(String.init)
        let k = rng.below(words.count)
        let word = words[k]
        if let options = Tables.variants[word] {
            words[k] = rng.pick(options)
        } else if stripDiacritics(word) != word {
            words[k] = stripDiacritics(word)
        } else if word.count >= 4 {
            var chars = Array(word)
            let p = 1 + rng.below(chars.count - 2)
            chars.swapAt(p, p + 1)
            words[k] = String(chars)
        } else {
            words[k] = word + word.suffix(1)
        }
        return words.joined(separator: " ")
    }
}
