import Testing
import TestSupport
import Tabular

/// Both entry points of the one decimal writer, read back as text.
private func written(_ v: Int) -> (write: String, append: String) {
    var buffer = [UInt8](repeating: 0xFF, count: DecimalText.maxLength + 1)
    let n = buffer.withUnsafeMutableBufferPointer { DecimalText.write(v, to: $0.baseAddress!) }
    let untouched = buffer[n...].allSatisfy { $0 == 0xFF }
    var appended: [UInt8] = [0x2C]
    DecimalText.append(v, to: &appended)
    return (untouched ? String(decoding: buffer[..<n], as: UTF8.self) : "wrote past \(n) bytes",
            appended.first == 0x2C ? String(decoding: appended.dropFirst(), as: UTF8.self) : "overwrote the prefix")
}

@Suite struct DecimalTextTests {
    /// The naive reference is `String(v)`: on the edges (0, one digit, each power of ten and its
    /// neighbours, `Int.max`, `Int.min`) and on random values of every length and sign.
    @Test func writesWhatStringWrites() {
        var edges = [0, 1, 9, 10, 11, 99, 100, Int.max, Int.max - 1, Int.min, Int.min + 1, -1, -9, -10]
        var p = 1
        while p <= Int.max / 10 { p *= 10; edges += [p - 1, p, p + 1, -p, -(p - 1)] }
        for v in edges {
            let got = written(v)
            #expect(got.write == String(v) && got.append == String(v), "\(v): write \(got.write), append \(got.append)")
        }
        var rng = SeededRandom()
        for _ in 0..<20_000 {
            // A random shift: every bit length, so short numbers are as common as long ones.
            let v = Int(truncatingIfNeeded: rng.next()) >> rng.below(64)
            let got = written(v)
            #expect(got.write == String(v) && got.append == String(v), "seed \(rng.seed): \(v): write \(got.write), append \(got.append)")
        }
    }
}
