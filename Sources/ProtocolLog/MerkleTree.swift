import Sodium

/// RFC 6962 §2.1 hashing: SHA-256 with domain-separating prefixes, so a leaf can never be
/// mistaken for an interior node.
public enum RFC6962 {
    public static let hashLength = 32

    /// MTH({d}) = SHA-256(0x00 ‖ d).
    public static func leafHash(_ data: [UInt8]) -> [UInt8] {
        var s = SHA256.State()
        s.update(byte: 0)
        s.update(data)
        return s.finalize()
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var s = SHA256.State()
        s.update(byte: 1)
        s.update(left)
        s.update(right)
        return s.finalize()
    }

    /// MTH of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot = SHA256.hash([])

    /// The largest power of two strictly below n (n ≥ 2): RFC 6962's split point k.
    @inline(__always)
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}

/// An append-only Merkle tree over leaf hashes. It keeps every complete, aligned subtree
/// (levels[h][i] covers leaves i·2^h ..< (i+1)·2^h), about 2n hashes, so roots of past sizes and
/// inclusion and consistency proofs cost O(log n) hashes each (Protocols/log.md §2).
public struct MerkleTree: Sendable {
    private var levels: [[[UInt8]]] = [[]]

    public init() {}

    public var size: Int { levels[0].count }

    /// Drops every leaf from `size` on, as if they had never been appended (a batch that could
    /// not be written). Precondition: `size <= self.size`.
    public mutating func truncate(to size: Int) {
        precondition(size >= 0 && size <= self.size)
        // levels[h] holds the complete subtrees of 2^h leaves: those inside `size` stay.
        for h in levels.indices { levels[h].removeLast(levels[h].count - (size >> h)) }
        while levels.count > 1 && levels[levels.count - 1].isEmpty { levels.removeLast() }
    }

    /// Appends a leaf hash (not the leaf data).
    public mutating func append(leafHash: [UInt8]) {
        precondition(leafHash.count == RFC6962.hashLength)
        levels[0].append(leafHash)
        var h = 0
        // Completing a subtree at level h completes its parent when the index is odd.
        while levels[h].count % 2 == 0 {
            let n = levels[h].count
            let parent = RFC6962.nodeHash(levels[h][n - 2], levels[h][n - 1])
            if levels.count == h + 1 { levels.append([]) }
            levels[h + 1].append(parent)
            h += 1
        }
    }

    /// MTH(D[start ..< end]) for the ranges RFC 6962's definitions visit.
    func hash(_ start: Int, _ end: Int) -> [UInt8] {
        let n = end - start
        if n == 0 { return RFC6962.emptyRoot }
        if n & (n - 1) == 0, start % n == 0 {
            let h = n.trailingZeroBitCount
            if h < levels.count, start / n < levels[h].count { return levels[h][start / n] }
        }
        let k = RFC6962.split(n)
        return RFC6962.nodeHash(hash(start, start + k), hash(start + k, end))
    }

    /// The root of the tree's first `size` leaves.
    public func root(size: Int? = nil) -> [UInt8] {
        let n = size ?? self.size
        precondition(n <= self.size)
        return hash(0, n)
    }

    /// RFC 6962 §2.1.1: PATH(m, D[0:n]), leaf-to-root order.
    public func inclusionProof(index: Int, size: Int) -> [[UInt8]] {
        precondition(index < size && size <= self.size)
        var proof: [[UInt8]] = []
        func path(_ m: Int, _ start: Int, _ end: Int) {
            let n = end - start
            guard n > 1 else { return }
            let k = RFC6962.split(n)
            if m < k {
                path(m, start, start + k)
                proof.append(hash(start + k, end))
            } else {
                path(m - k, start + k, end)
                proof.append(hash(start, start + k))
            }
        }
        path(index, 0, size)
        return proof
    }

    /// RFC 6962 §2.1.2: PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true).
    public func consistencyProof(from m: Int, to n: Int) -> [[UInt8]] {
        precondition(m <= n && n <= self.size)
        guard m > 0, m < n else { return [] }
        var proof: [[UInt8]] = []
        func subproof(_ m: Int, _ start: Int, _ end: Int, _ complete: Bool) {
            let n = end - start
            if m == n {
                if !complete { proof.append(hash(start, end)) }
                return
            }
            let k = RFC6962.split(n)
            if m <= k {
                subproof(m, start, start + k, complete)
                proof.append(hash(start + k, end))
            } else {
                subproof(m - k, start + k, end, false)
                proof.append(hash(start, start + k))
            }
        }
        subproof(m, 0, n, true)
        return proof
    }
}
