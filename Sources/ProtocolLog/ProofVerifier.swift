/// Verification of RFC 6962 proofs, as RFC 9162 §2.1.3.2 and §2.1.4.2 describe them (the same
/// decomposition as transparency-dev/merkle). Nothing here trusts the prover: every length and
/// index is checked before use.
public enum ProofVerifier {
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    private static func inner(_ index: UInt64, _ size: UInt64) -> Int { 64 - (index ^ (size - 1)).leadingZeroBitCount }

    private static func chainInner(_ seed: [UInt8], _ proof: ArraySlice<[UInt8]>, _ index: UInt64) -> [UInt8] {
        var h = seed
        for (i, p) in proof.enumerated() { h = (index >> UInt64(i)) & 1 == 0 ? RFC6962.nodeHash(h, p) : RFC6962.nodeHash(p, h) }
        return h
    }

    private static func chainInnerRight(_ seed: [UInt8], _ proof: ArraySlice<[UInt8]>, _ index: UInt64) -> [UInt8] {
        var h = seed
        for (i, p) in proof.enumerated() where (index >> UInt64(i)) & 1 == 1 { h = RFC6962.nodeHash(p, h) }
        return h
    }

    private static func chainBorderRight(_ seed: [UInt8], _ proof: ArraySlice<[UInt8]>) -> [UInt8] {
        proof.reduce(seed) { RFC6962.nodeHash($1, $0) }
    }

    /// The root that `proof` implies for leaf `index` of a tree of `size` leaves.
    public static func rootFromInclusionProof(index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]]) throws -> [UInt8] {
        guard index < size else { throw Failure(reason: "leaf index \(index) is beyond tree size \(size)") }
        guard leafHash.count == RFC6962.hashLength else { throw Failure(reason: "leaf hash has \(leafHash.count) bytes, not 32") }
        let innerCount = inner(index, size)
        let border = (index >> UInt64(innerCount)).nonzeroBitCount
        guard proof.count == innerCount + border else {
            throw Failure(reason: "inclusion proof has \(proof.count) hashes; leaf \(index) of \(size) needs \(innerCount + border)")
        }
        let h = chainInner(leafHash, proof[0..<innerCount], index)
        return chainBorderRight(h, proof[innerCount...])
    }

    /// Throws unless `proof` shows leaf `index` under `root` of a tree of `size` leaves.
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]], root: [UInt8]) throws {
        guard try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof) == root else {
            throw Failure(reason: "inclusion proof for leaf \(index) does not lead to the root of size \(size)")
        }
    }

    /// Throws unless `proof` shows the tree of `size1` leaves with `root1` is a prefix of the tree
    /// of `size2` leaves with `root2`.
    public static func verifyConsistency(size1: UInt64, size2: UInt64, proof: [[UInt8]], root1: [UInt8], root2: [UInt8]) throws {
        guard size1 <= size2 else { throw Failure(reason: "size \(size2) is smaller than the earlier size \(size1)") }
        // As transparency-dev's vectors require: every tree extends the empty one, so a proof
        // from size 0 proves nothing and is refused rather than accepted vacuously.
        guard size1 > 0 else { throw Failure(reason: "a consistency proof from the empty tree proves nothing") }
        if size1 == size2 {
            guard proof.isEmpty else { throw Failure(reason: "equal sizes need an empty proof") }
            guard root1 == root2 else { throw Failure(reason: "two different roots for size \(size1)") }
            return
        }
        guard !proof.isEmpty else { throw Failure(reason: "empty consistency proof from \(size1) to \(size2)") }
        var innerCount = inner(size1 - 1, size2)
        let border = ((size1 - 1) >> UInt64(innerCount)).nonzeroBitCount
        let shift = size1.trailingZeroBitCount
        innerCount -= shift
        var seed = proof[0], start = 1
        if size1 == UInt64(1) << UInt64(shift) { seed = root1; start = 0 }
        guard proof.count == start + innerCount + border else {
            throw Failure(reason: "consistency proof has \(proof.count) hashes; \(size1) → \(size2) needs \(start + innerCount + border)")
        }
        let rest = proof[start...]
        let innerPart = rest.prefix(innerCount), borderPart = rest.dropFirst(innerCount)
        let mask = (size1 - 1) >> UInt64(shift)
        let hash1 = chainBorderRight(chainInnerRight(seed, innerPart, mask), borderPart)
        guard hash1 == root1 else { throw Failure(reason: "consistency proof does not lead to the root of size \(size1)") }
        let hash2 = chainBorderRight(chainInner(seed, innerPart, mask), borderPart)
        guard hash2 == root2 else { throw Failure(reason: "consistency proof does not lead to the root of size \(size2)") }
    }
}
