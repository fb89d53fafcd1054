/// Why a value is not a valid Swedish identity number. `code` is stable (tests and reject reports
/// count by it); `reason` names the rule in words a case officer understands.
public struct IdentifierError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case empty = "id.empty"
        case invalidCharacter = "id.invalid-character"
        case interimNumber = "id.interim-or-reserve-number"
        case separator = "id.separator"
        case length = "id.length"
        case century = "id.century"
        case referenceDateRequired = "id.reference-date-required"
        case serial000 = "id.serial-000"
        case invalidDate = "id.invalid-date"
        case invalidCoordinationDate = "id.invalid-coordination-date"
        case checkDigit = "id.check-digit"
        case organisationPlus = "id.organisation-plus"
        case sixteenPrefixOnPerson = "id.16-prefix-on-person"
        case organisationAsPerson = "id.organisation-as-person"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}
