/// Integers as ASCII decimal, exactly as `String(v)` writes them, without building a `String`:
/// the one decimal writer of the project's byte outputs (positional n-gram prefixes of CLKs,
/// row maps, candidate pairs).
public enum DecimalText {
    /// The most bytes one `Int` takes: `"-9223372036854775808"`.
    public static let maxLength = 20

    /// Writes `v` in decimal (a leading `-` when negative) at `out`, which must have room for
    /// ``maxLength`` bytes; returns the number of bytes written.
    @inlinable @inline(__always)
    public static func write(_ v: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var start = 0
        if v < 0 { out[0] = 0x2D; start = 1 }
        let magnitude = v.magnitude
        var digits = 1, rest = magnitude / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var x = magnitude
        for d in stride(from: start + digits - 1, through: start, by: -1) { out[d] = UInt8(truncatingIfNeeded: 48 + x % 10); x /= 10 }
        return start + digits
    }

    /// Appends `v` in decimal to `out`.
    @inlinable
    public static func append(_ v: Int, to out: inout [UInt8]) {
        if v >= 0 && v < 10 { out.append(UInt8(truncatingIfNeeded: 48 + v)); return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buffer in
            let n = write(v, to: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress!, count: n))
        }
    }
}
