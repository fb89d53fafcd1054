import Foundation
import Testing
import Sodium
import TestSupport
@testable import ProtocolLog

/// RFC 6962 §2.1 read literally: MTH by recursion over the leaf data, PATH and PROOF likewise.
enum NaiveRFC6962 {
    static func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
        if d.isEmpty { return SHA256.hash([]) }
        if d.count == 1 { return SHA256.hash([0] + d.first!) }
        var k = 1
        while k * 2 < d.count { k *= 2 }
        return SHA256.hash([1] + mth(d.prefix(k)) + mth(d.dropFirst(k)))
    }

    static func path(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [[UInt8]] {
        if d.count <= 1 { return [] }
        var k = 1
        while k * 2 < d.count { k *= 2 }
        return m < k ? path(m, d.prefix(k)) + [mth(d.dropFirst(k))] : path(m - k, d.dropFirst(k)) + [mth(d.prefix(k))]
    }

    static func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
        if m == d.count { return b ? [] : [mth(d)] }
        var k = 1
        while k * 2 < d.count { k *= 2 }
        return m <= k ? subproof(m, d.prefix(k), b) + [mth(d.dropFirst(k))] : subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
    }
}

private struct InclusionVector: Decodable { let leafIdx: UInt64; let treeSize: UInt64; let root: String?; let leafHash: String?; let proof: [String]?; let desc: String; let wantErr: Bool }
private struct ConsistencyVector: Decodable { let size1: UInt64; let size2: UInt64; let root1: String?; let root2: String?; let proof: [String]?; let desc: String; let wantErr: Bool }

private func b64(_ s: String?) -> [UInt8] { s.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? [] }

private func files(_ kind: String) throws -> [URL] {
    let root = Vectors.root.appendingPathComponent("log/merkle/\(kind)")
    let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
    return e.compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
}

@Suite struct MerkleTests {
    @Test func verifierAcceptsExactlyTheInclusionVectorsWithoutWantErr() throws {
        let all = try files("inclusion")
        #expect(all.count > 50)
        for url in all {
            let v = try JSONDecoder().decode(InclusionVector.self, from: Data(contentsOf: url))
            let ok = (try? ProofVerifier.verifyInclusion(index: v.leafIdx, size: v.treeSize, leafHash: b64(v.leafHash),
                                                        proof: (v.proof ?? []).map(b64), root: b64(v.root))) != nil
            #expect(ok == !v.wantErr, "\(url.lastPathComponent): \(v.desc)")
        }
    }

    @Test func verifierAcceptsExactlyTheConsistencyVectorsWithoutWantErr() throws {
        let all = try files("consistency")
        #expect(all.count > 50)
        for url in all {
            let v = try JSONDecoder().decode(ConsistencyVector.self, from: Data(contentsOf: url))
            let ok = (try? ProofVerifier.verifyConsistency(size1: v.size1, size2: v.size2, proof: (v.proof ?? []).map(b64),
                                                          root1: b64(v.root1), root2: b64(v.root2))) != nil
            #expect(ok == !v.wantErr, "\(url.deletingLastPathComponent().lastPathComponent)/\(url.lastPathComponent): \(v.desc)")
        }
    }

    @Test func incrementalTreeEqualsTheLiteralDefinition() {
        var rng = SeededRandom()
        let leaves = (0..<70).map { i in Array("leaf \(i)".utf8) + rng.bytes(i % 5) }
        var tree = MerkleTree()
        #expect(tree.root() == SHA256.hash([]))
        for (n, leaf) in leaves.enumerated() {
            tree.append(leafHash: RFC6962.leafHash(leaf))
            #expect(tree.root() == NaiveRFC6962.mth(leaves[0...n]), "seed \(rng.seed), size \(n + 1)")
        }
        for size in 1...leaves.count {
            #expect(tree.root(size: size) == NaiveRFC6962.mth(leaves.prefix(size)), "seed \(rng.seed), size \(size)")
            for index in 0..<size {
                let proof = tree.inclusionProof(index: index, size: size)
                #expect(proof == NaiveRFC6962.path(index, leaves.prefix(size)), "seed \(rng.seed), index \(index) of \(size)")
                #expect(throws: Never.self) {
                    try ProofVerifier.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: RFC6962.leafHash(leaves[index]), proof: proof, root: tree.root(size: size))
                }
            }
            for m in 1...size {
                let proof = tree.consistencyProof(from: m, to: size)
                #expect(proof == (m == size ? [] : NaiveRFC6962.subproof(m, leaves.prefix(size), true)), "seed \(rng.seed), \(m) to \(size)")
                #expect(throws: Never.self) {
                    try ProofVerifier.verifyConsistency(size1: UInt64(m), size2: UInt64(size), proof: proof, root1: tree.root(size: m), root2: tree.root(size: size))
                }
            }
        }
    }
}
