import Sodium

/// An attribute value sealed to one recipient (Protocols/wire.md §3.2), so that the coordinator
/// that carries it cannot read it:
///
///     padded = u8 length ‖ value ‖ zero bytes, 48 bytes in all   (value ≤ 47 bytes, UTF-8)
///     box    = crypto_box_seal(padded, recipient X25519 key)     (96 bytes)
///
/// Every value, the empty one (absent) included, is padded to the same length, so neither its
/// length nor whether a row has one shows. A fresh ephemeral key per box makes equal values
/// look unrelated, so the coordinator cannot count them either.
public enum SealedAttribute {
    /// The padded plaintext's length.
    public static let paddedLength = 48
    /// The longest value that fits.
    public static let maxValueLength = paddedLength - 1
    /// One box's length on the wire.
    public static let boxLength = paddedLength + SealedBox.overhead
    /// Recipients of one sealed attribute at most.
    public static let maxRecipients = 8

    /// The padded plaintext of `value`. Precondition: at most ``maxValueLength`` bytes.
    static func pad(_ value: String) -> [UInt8] {
        let v = Array(value.utf8)
        precondition(v.count <= maxValueLength)
        return [UInt8(v.count)] + v + [UInt8](repeating: 0, count: maxValueLength - v.count)
    }

    /// Seals `value` to `recipient`. Precondition: at most ``maxValueLength`` bytes.
    public static func seal(_ value: String, to recipient: X25519.PublicKey) -> [UInt8] {
        SealedBox.seal(pad(value), to: recipient)
    }

    /// Opens one box with the recipient's key: `wire.seal-broken` when it does not open,
    /// `wire.malformed` when the padding or the UTF-8 is wrong.
    public static func open(_ box: [UInt8], with key: X25519.PrivateKey) throws -> String {
        guard box.count == boxLength else { throw WireError(.malformed, "a sealed attribute value is \(box.count) bytes, not \(boxLength)") }
        let padded: [UInt8]
        do { padded = try SealedBox.open(box, with: key) } catch {
            throw WireError(.sealBroken, "a sealed attribute value does not open with this party's key")
        }
        let n = Int(padded[0])
        guard padded.count == paddedLength, n <= maxValueLength, padded[(1 + n)...].allSatisfy({ $0 == 0 }),
              let s = String(validating: padded[1..<(1 + n)], as: UTF8.self) else {
            throw WireError(.malformed, "a sealed attribute value has broken padding or is not UTF-8")
        }
        return s
    }
}
