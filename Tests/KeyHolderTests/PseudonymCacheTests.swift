import Blinding
import Foundation
import KeyHolding
import Node
import OPRF
import Parties
import Sodium
import Testing
import TestSupport

/// The node's encrypted pseudonym cache (Protocols/keyholder.md §9).
@Suite struct PseudonymCacheTests {
    static func directory() throws -> String {
        let dir = NSTemporaryDirectory() + "korskoll-cache-" + Hex.encode(Random.bytes(8))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A stand-in for the key holders that is deterministic and counts what it was asked:
    /// BLAKE2b of the identifier, which the test can recognise in a file.
    final class Evaluator: @unchecked Sendable {
        var asked: [String] = []
        func evaluate(_ ids: [String]) -> [[UInt8]] {
            asked += ids
            return ids.map { try! BLAKE2b.hash(Array($0.utf8)) }
        }
    }

    @Test func cachedIdentifiersAreNotEvaluatedAgain() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let node = try PartyKeys.generate(party: "fk")
        let pk = try Element.baseMultiplied(by: .random())
        let evaluator = Evaluator()
        let cache = try PseudonymCache(directory: dir, agreement: "a1", groupPublicKey: pk, node: node)
        let first = try cache.pseudonyms(["111", "222", "111"], namespace: .person, evaluate: evaluator.evaluate)
        #expect(first.evaluated == 2 && evaluator.asked == ["111", "222"])
        #expect(first.pseudonyms[0] == first.pseudonyms[2])
        // Reopened from disk: only the new identifier is evaluated; organisation is its own namespace.
        let reopened = try PseudonymCache(directory: dir, agreement: "a1", groupPublicKey: pk, node: node)
        #expect(reopened.count == 2)
        let second = try reopened.pseudonyms(["222", "333", "111"], namespace: .person, evaluate: evaluator.evaluate)
        #expect(second.evaluated == 1 && evaluator.asked == ["111", "222", "333"])
        #expect(second.pseudonyms[0] == first.pseudonyms[1] && second.pseudonyms[2] == first.pseudonyms[0])
        let org = try reopened.pseudonyms(["111"], namespace: .organisation, evaluate: evaluator.evaluate)
        #expect(org.evaluated == 1)
    }

    @Test func theCacheFileHoldsNoIdentifierOrPseudonymInClear() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let node = try PartyKeys.generate(party: "fk")
        let pk = try Element.baseMultiplied(by: .random())
        var rng = SeededRandom()
        let ids = (0..<3000).map { _ in String(format: "%012llu", UInt64.random(in: 190_000_000_000...209_999_999_999, using: &rng)) }
        let evaluator = Evaluator()
        let cache = try PseudonymCache(directory: dir, agreement: "a1", groupPublicKey: pk, node: node)
        let result = try cache.pseudonyms(ids, namespace: .person, evaluate: evaluator.evaluate)
        let file = try Data(contentsOf: URL(fileURLWithPath: PseudonymCache.path(directory: dir, agreement: "a1")))
        func contains(_ needle: [UInt8]) -> Bool { file.range(of: Data(needle)) != nil }
        for (id, p) in zip(ids.prefix(50), result.pseudonyms.prefix(50)) {
            #expect(!contains(Array(id.utf8)), "seed \(rng.seed)")
            #expect(!contains(Array(p.prefix(8))), "seed \(rng.seed)")
        }
        #expect(FileManager.default.fileExists(atPath: PseudonymCache.path(directory: dir, agreement: "a1") + ".partial") == false)
        let mode = (try FileManager.default.attributesOfItem(atPath: PseudonymCache.path(directory: dir, agreement: "a1"))[.posixPermissions] as? Int ?? 0) & 0o777
        #expect(mode == 0o600)
    }

    @Test func aCacheOpensOnlyUnderItsNodesKeyAndWhole() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let node = try PartyKeys.generate(party: "fk")
        let pk = try Element.baseMultiplied(by: .random())
        let cache = try PseudonymCache(directory: dir, agreement: "a1", groupPublicKey: pk, node: node)
        _ = try cache.pseudonyms((0..<2000).map(String.init), namespace: .person, evaluate: Evaluator().evaluate)
        let path = PseudonymCache.path(directory: dir, agreement: "a1")
        // Another node's key.
        let other = try PartyKeys.generate(party: "fk")
        #expect(throws: KeyHoldingError.self) { try PseudonymCache(directory: dir, agreement: "a1", groupPublicKey: pk, node: other) }
        // Another dealt key.
        #expect(throws: KeyHoldingError.self) { try PseudonymCache(directory: dir, agreement: "a1", groupPublicKey: .generator, node: node) }
        // Cut short (the final chunk dropped) and altered.
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        for corrupt in [Array(bytes.prefix(bytes.count - 100)), { var b = bytes; b[b.count / 2] ^= 1; return b }()] {
            try Data(corrupt).write(to: URL(fileURLWithPath: path))
            do { _ = try PseudonymCache(directory: dir, agreement: "a1", groupPublicKey: pk, node: node); Issue.record("a corrupt cache opened") } catch let e as KeyHoldingError {
                #expect(e.code == .cache)
            }
        }
        // Deleted when the agreement ends.
        try PseudonymCache.delete(directory: dir, agreement: "a1")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try PseudonymCache(directory: dir, agreement: "a1", groupPublicKey: pk, node: node).count == 0)
    }
}
