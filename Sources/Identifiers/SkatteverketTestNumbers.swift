/// Skatteverket's official test personnummer and samordningsnummer (Protocols/identifiers.md §8): valid
/// numbers that "can never occur in production". Used to flag `test_number` and as the identity
/// pool of small synthetic populations.
public enum SkatteverketTestNumbers {
    /// The 41,129 test personnummer, 12 digits each, in the published order.
    public static let personnummer: [String] = split(personnummerData)
    /// The 2,264 test samordningsnummer, 12 digits each, in the published order.
    public static let samordningsnummer: [String] = split(samordningsnummerData)

    private static let all: Set<String> = Set(personnummer).union(samordningsnummer)

    /// True when `canonical` (12 digits) is one of the test numbers.
    public static func contains(_ canonical: String) -> Bool { all.contains(canonical) }

    private static func split(_ data: String) -> [String] {
        let utf8 = Array(data.utf8)
        precondition(utf8.count % 12 == 0, "test number data is not a multiple of 12 digits")
        return stride(from: 0, to: utf8.count, by: 12).map { String(decoding: utf8[$0..<$0 + 12], as: UTF8.self) }
    }
}
