/// What the caller asks for: a natural person's number, or an organisation's (which may be a sole
/// trader's personnummer, Protocols/identifiers.md §4.3).
public enum IdentifierKind: String, Sendable, CaseIterable {
    case person
    case org
}

/// The kind of number a canonical string turned out to be.
public enum CanonicalKind: String, Sendable {
    case personnummer
    case samordningsnummer
    case organisationsnummer
}

/// Facts about an input that are kept beside the canonical string, never inside it
/// (Protocols/identifiers.md §6): they must not change the blinded value.
public struct IdentifierFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The input had 10 digits; the century came from the reference date (§1.3).
    public static let centuryInferred = IdentifierFlags(rawValue: 1 << 0)
    /// Samordningsnummer with month 00 or day 60: part of the birth date is unknown (§3.2).
    public static let coordUnknownDate = IdentifierFlags(rawValue: 1 << 1)
    /// Samordningsnummer whose day does not exist in its month, e.g. 31 April (§3.2).
    public static let coordImpossibleDate = IdentifierFlags(rawValue: 1 << 2)
    /// One of Skatteverket's official test numbers, which never occur in production (§5.3).
    public static let testNumber = IdentifierFlags(rawValue: 1 << 3)
    /// Ten bare digits starting 07: may be a mobile phone number (§5.3).
    public static let phoneLike = IdentifierFlags(rawValue: 1 << 4)
    /// The date part lies after the reference date (§2.3); structurally valid.
    public static let futureDate = IdentifierFlags(rawValue: 1 << 5)
    /// Leading zeros restored in a numeric-typed column (§1.1).
    public static let padded = IdentifierFlags(rawValue: 1 << 6)
    /// Organisation group digit 0 or 4, which the lists do not assign (§4.1).
    public static let orgUnknownGroup = IdentifierFlags(rawValue: 1 << 7)
    /// An organisation given by its owner's personnummer or samordningsnummer (§4.3).
    public static let soleTrader = IdentifierFlags(rawValue: 1 << 8)

    static let names: [(IdentifierFlags, String)] = [
        (.centuryInferred, "century_inferred"), (.coordUnknownDate, "coord_unknown_date"),
        (.coordImpossibleDate, "coord_impossible_date"), (.testNumber, "test_number"),
        (.phoneLike, "phone_like"), (.futureDate, "future_date"), (.padded, "padded"),
        (.orgUnknownGroup, "org_unknown_group"), (.soleTrader, "sole_trader"),
    ]

    /// Flag names as Protocols/identifiers.md §6 spells them, comma-separated.
    public var description: String {
        Self.names.filter { contains($0.0) }.map(\.1).joined(separator: ",")
    }
}

/// A validated identity number in canonical form (Protocols/identifiers.md §6): the only string that is
/// blinded.
public struct NormalizedIdentifier: Hashable, Sendable {
    /// 12 ASCII digits: `YYYYMMDDNNNC` for people, `16` + 10 digits for legal persons.
    public let canonical: String
    public let kind: CanonicalKind
    public let flags: IdentifierFlags
    /// The reference date used to infer a century, when one was needed.
    public let referenceDate: CalendarDate?
}
