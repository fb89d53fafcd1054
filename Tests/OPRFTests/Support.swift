import OPRF
import Sodium
import TestSupport

/// A scalar drawn from a seeded generator: 64 bytes reduced modulo ℓ (uniform, reproducible).
func seededScalar(_ rng: inout SeededRandom) -> Scalar {
    var wide = [UInt8]()
    for _ in 0..<8 { withUnsafeBytes(of: rng.next()) { wide += $0 } }
    return try! Scalar.reduce(wide)
}

/// `count` seeded bytes.
func seededBytes(_ rng: inout SeededRandom, count: Int) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

/// A seeded non-identity element: HashToGroup of seeded bytes.
func seededElement(_ rng: inout SeededRandom) -> Element {
    try! OPRFSuite.voprf.hashToGroup(seededBytes(&rng, count: 16))
}

/// The code of an `OPRFError` thrown by `body`, or nil when it returns or throws something else.
func oprfErrorCode(_ body: () throws -> Void) -> OPRFError.Code? {
    do { try body() } catch let error as OPRFError { return error.code } catch { return nil }
    return nil
}
