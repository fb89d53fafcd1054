import Testing
import TestSupport
@testable import Sodium

/// Naive reference arithmetic modulo ℓ on little-endian byte strings: bit-by-bit reduction and
/// schoolbook multiplication, slow and obviously right.
private enum NaiveModL {
    /// ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let l = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")

    /// a ≥ b for equal-length little-endian numbers.
    static func greaterOrEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] { return a[i] > b[i] }
        return true
    }

    static func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = a, borrow = 0
        for i in out.indices {
            let d = Int(a[i]) - Int(i < b.count ? b[i] : 0) - borrow
            out[i] = UInt8((d + 256) & 0xFF)
            borrow = d < 0 ? 1 : 0
        }
        return out
    }

    /// x mod ℓ, 32 bytes.
    static func reduce(_ x: [UInt8]) -> [UInt8] {
        let lWide = l + [0]
        var r = [UInt8](repeating: 0, count: 33)
        for bit in stride(from: x.count * 8 - 1, through: 0, by: -1) {
            var carry: UInt8 = (x[bit / 8] >> UInt8(bit % 8)) & 1
            for i in r.indices { let next = r[i] >> 7; r[i] = r[i] << 1 | carry; carry = next }
            if greaterOrEqual(r, lWide) { r = subtract(r, lWide) }
        }
        return Array(r.prefix(32))
    }

    static func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 33), carry = 0
        for i in 0..<32 { let s = Int(a[i]) + Int(b[i]) + carry; out[i] = UInt8(s & 0xFF); carry = s >> 8 }
        out[32] = UInt8(carry)
        return reduce(out)
    }

    static func multiply(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var acc = [Int](repeating: 0, count: 64)
        for i in 0..<32 { for j in 0..<32 { acc[i + j] += Int(a[i]) * Int(b[j]) } }
        var out = [UInt8](repeating: 0, count: 64), carry = 0
        for i in 0..<64 { let s = acc[i] + carry; out[i] = UInt8(s & 0xFF); carry = s >> 8 }
        return reduce(out)
    }

    static func negate(_ a: [UInt8]) -> [UInt8] { reduce(subtract(l, a)) }
}

private func bytes(_ rng: inout SeededRandom, _ count: Int) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

private func scalarBytes(_ s: Ristretto255.Scalar) -> [UInt8] { s.secret.unsafeCopy() }

@Suite struct Ristretto255ArithmeticTests {
    @Test func scalarOperationsMatchTheNaiveReference() throws {
        var rng = SeededRandom()
        for _ in 0..<64 {
            let wideA = bytes(&rng, 64), wideB = bytes(&rng, 64)
            let a = try Ristretto255.Scalar.reduce(wideA), b = try Ristretto255.Scalar.reduce(wideB)
            let (na, nb) = (NaiveModL.reduce(wideA), NaiveModL.reduce(wideB))
            #expect(scalarBytes(a) == na, "seed \(rng.seed)")
            #expect(scalarBytes(a.adding(b)) == NaiveModL.add(na, nb), "seed \(rng.seed)")
            #expect(scalarBytes(a.multiplied(by: b)) == NaiveModL.multiply(na, nb), "seed \(rng.seed)")
            #expect(scalarBytes(a.negated()) == NaiveModL.negate(na), "seed \(rng.seed)")
            #expect(scalarBytes(a.subtracting(b)) == NaiveModL.add(na, NaiveModL.negate(nb)), "seed \(rng.seed)")
            #expect(scalarBytes(a.multiplied(by: try a.inverted())) == scalarBytes(.one), "seed \(rng.seed)")
        }
    }

    @Test func canonicalScalarsAreExactlyThoseBelowTheOrder() {
        let lMinusOne = NaiveModL.subtract(NaiveModL.l, [1])
        #expect(Ristretto255.Scalar.canonical(lMinusOne) != nil)
        #expect(Ristretto255.Scalar.canonical([UInt8](repeating: 0, count: 32)) != nil)
        #expect(Ristretto255.Scalar.canonical(NaiveModL.l) == nil)
        #expect(Ristretto255.Scalar.canonical([UInt8](repeating: 0xFF, count: 32)) == nil)
        #expect(Ristretto255.Scalar.canonical([UInt8](repeating: 0, count: 31)) == nil)
        #expect(scalarBytes(Ristretto255.Scalar(258)) == [2, 1] + [UInt8](repeating: 0, count: 30))
    }

    @Test func pointAdditionAgreesWithScalarMultiplication() throws {
        var rng = SeededRandom()
        for _ in 0..<16 {
            let a = try Ristretto255.Scalar.reduce(bytes(&rng, 64)), b = try Ristretto255.Scalar.reduce(bytes(&rng, 64))
            let aG = try Ristretto255.Point.baseMultiplied(by: a), bG = try Ristretto255.Point.baseMultiplied(by: b)
            #expect(try aG.adding(bG) == Ristretto255.Point.baseMultiplied(by: a.adding(b)), "seed \(rng.seed)")
            #expect(try aG.subtracting(bG) == Ristretto255.Point.baseMultiplied(by: a.subtracting(b)), "seed \(rng.seed)")
            #expect(try Ristretto255.Point.generator.multiplied(by: a) == aG, "seed \(rng.seed)")
            #expect(try aG.multiplied(by: b) == bG.multiplied(by: a), "seed \(rng.seed)")
        }
    }

    @Test func theIdentityIsNeutralAndReportedAsSuch() throws {
        let p = try Ristretto255.Point.baseMultiplied(by: .random())
        #expect(try p.adding(.identity) == p)
        #expect(try p.subtracting(p).isIdentity)
        #expect(Ristretto255.Point.identity.isIdentity && !p.isIdentity)
        #expect(Ristretto255.Point.isValid(Ristretto255.Point.identity.bytes))
        #expect(p.multipliedAllowingIdentity(by: .zero).isIdentity)
        #expect(Ristretto255.Point.generator.bytes == hex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))
    }

    @Test func multiplyingByZeroIsDegenerate() {
        #expect(throws: SodiumError.self) { _ = try Ristretto255.Point.baseMultiplied(by: .zero) }
        #expect(throws: SodiumError.self) { _ = try Ristretto255.Point.generator.multiplied(by: .zero) }
        #expect(throws: SodiumError.self) { _ = try Ristretto255.Scalar.zero.inverted() }
        #expect(throws: SodiumError.self) { _ = try Ristretto255.Scalar.reduce([1, 2, 3]) }
    }
}

@Suite struct Ristretto255EncodingTests {
    /// libsodium 1.0.18 ignores bit 255 when decoding; RFC 9496 §4.3.1 does not, so neither do we.
    @Test func anEncodingWithBit255SetIsRefused() throws {
        var rng = SeededRandom()
        for _ in 0..<8 {
            var bytes = try Ristretto255.Point.baseMultiplied(by: .reduce((0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) })).bytes
            bytes[31] |= 0x80
            #expect(!Ristretto255.Point.isValid(bytes), "seed \(rng.seed)")
            #expect(throws: SodiumError.self, "seed \(rng.seed)") { _ = try Ristretto255.Point(bytes: bytes) }
        }
    }
}
