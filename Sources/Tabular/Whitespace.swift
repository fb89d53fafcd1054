import Foundation

extension String {
    /// Exactly `trimmingCharacters(in: .whitespaces)`, without Foundation's bridging in the usual
    /// case where the value neither starts nor ends with a white-space scalar.
    public func trimmingWhitespace() -> String {
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) {
            return self
        }
        if let first = unicodeScalars.first, let last = unicodeScalars.last,
           !first.properties.isWhitespace, !last.properties.isWhitespace {
            return self
        }
        return trimmingCharacters(in: .whitespaces)
    }
}
