/// Errors of schemas and encoding. `code` is stable; `reason` names the field (and, for values,
/// the row) and what is wrong.
public struct CLKError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The schema document is not valid: a key missing, of the wrong type or out of range.
        case invalidSchema = "clk.invalid-schema"
        /// A schema feature Korskoll refuses (doubleHash).
        case unsupported = "clk.unsupported"
        /// A record has the wrong number of fields.
        case recordShape = "clk.record-shape"
        /// A value does not satisfy its feature's format.
        case invalidValue = "clk.invalid-value"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}
