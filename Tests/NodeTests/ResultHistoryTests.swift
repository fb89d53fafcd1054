import Foundation
import Parties
import Sodium
import Testing
import TestSupport
import Wire
@testable import Node

/// A fresh scratch state directory.
func scratchState() -> String {
    let dir = NSTemporaryDirectory() + "korskoll-history-" + Hex.encode(Random.bytes(8))
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// The naive reference of Protocols/standing.md §6: for each record of a check, scan the earlier
/// checks backwards for the last one that submitted it.
func naiveMarks(_ steps: [(submitted: Set<String>, tied: Set<String>)], at i: Int) -> [String: ResultHistory.Mark] {
    var out: [String: ResultHistory.Mark] = [:]
    for r in steps[i].submitted {
        var before = false
        for j in stride(from: i - 1, through: 0, by: -1) where steps[j].submitted.contains(r) {
            before = steps[j].tied.contains(r)
            break
        }
        if steps[i].tied.contains(r) { out[r] = before ? .continuing : .new } else if before { out[r] = .ended }
    }
    return out
}

@Suite struct ResultHistoryTests {
    @Test func rowsGoNewThenContinuingThenEndedAndAnUnsubmittedRowStaysAsItWas() throws {
        let state = scratchState()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let node = try PartyKeys.generate(party: "fk")
        func open() throws -> ResultHistory { try ResultHistory(state: state, agreement: "watch", output: "fk-rows", node: node) }
        let m1 = try open().record(check: "c1", time: 10, submitted: ["a", "b", "c"], tied: ["a": ["polisen"], "b": ["polisen"]])
        #expect(m1 == ["a": .new, "b": .new])
        // b is not submitted in check 2: it stays tied; a continues; c is tied for the first time.
        let m2 = try open().record(check: "c2", time: 20, submitted: ["a", "c"], tied: ["a": ["polisen"], "c": ["ivo"]])
        #expect(m2 == ["a": .continuing, "c": .new])
        // Check 3 submits all again: a ended, b continues (tied when last submitted), c continues.
        let m3 = try open().record(check: "c3", time: 30, submitted: ["a", "b", "c"], tied: ["b": ["polisen"], "c": ["ivo"]])
        #expect(m3 == ["a": .ended, "b": .continuing, "c": .continuing])
        let h = try open()
        #expect(h.checks.map(\.id) == ["c1", "c2", "c3"])
        #expect(h.wasTied("a") && h.wasTied("c") && !h.wasTied("z"))
        #expect(h.tiedRecords(in: 0..<25) == ["polisen": 2, "ivo": 1])
        // The same check opened again gives its marks and changes nothing; other rows are refused.
        #expect(try h.record(check: "c2", time: 40, submitted: ["a", "c"], tied: ["a": ["polisen"], "c": ["ivo"]]) == m2)
        #expect(throws: NodeError.self) { try h.record(check: "c2", time: 40, submitted: ["a", "c"], tied: ["a": ["polisen"]]) }
        #expect(try open().checks.count == 3)
    }

    @Test func marksAgreeWithTheNaiveReplayOnSeededSequences() throws {
        let node = try PartyKeys.generate(party: "fk")
        for round in 0..<20 {
            var rng = SeededRandom(seed: round == 0 ? nil : UInt64(round))
            let state = scratchState()
            defer { try? FileManager.default.removeItem(atPath: state) }
            var steps: [(submitted: Set<String>, tied: Set<String>)] = []
            for i in 0..<(2 + rng.below(6)) {
                let submitted = Set((0..<12).filter { _ in rng.below(3) != 0 }.map { "r\($0)" })
                let tied = Set(submitted.filter { _ in rng.below(2) == 0 })
                steps.append((submitted, tied))
                // Reopened from disk every check, as `node results` does.
                let h = try ResultHistory(state: state, agreement: "watch", output: "fk-rows", node: node)
                let marks = try h.record(check: "c\(i)", time: UInt64(i), submitted: submitted,
                                         tied: Dictionary(uniqueKeysWithValues: tied.map { ($0, ["polisen"]) }))
                #expect(marks == naiveMarks(steps, at: i), "seed \(rng.seed), check \(i)")
            }
        }
    }

    @Test func theHistoryFileNamesNoRecordInClearAndOpensOnlyUnderItsNodesKeyAndWhole() throws {
        let state = scratchState()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let node = try PartyKeys.generate(party: "fk")
        _ = try ResultHistory(state: state, agreement: "watch", output: "fk-rows", node: node)
            .record(check: "c1", time: 1, submitted: ["record-4711"], tied: ["record-4711": ["polisen"]])
        let path = ResultHistory.path(state: state, agreement: "watch", output: "fk-rows")
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(file.range(of: Data("record-4711".utf8)) == nil)
        let other = try PartyKeys.generate(party: "fk")
        #expect(throws: NodeError.self) { try ResultHistory(state: state, agreement: "watch", output: "fk-rows", node: other) }
        try file.dropLast(5).write(to: URL(fileURLWithPath: path))
        #expect(throws: NodeError.self) { try ResultHistory(state: state, agreement: "watch", output: "fk-rows", node: node) }
    }
}

/// node.md §9.1 as an attacker at rest would try it: a history moved to another agreement's or
/// output's path is refused by its named prefix, and with the prefix rewritten to match, by the
/// first chunk's authentication (the agreement is in the key, the output in the additional data).
@Suite struct ResultHistorySwapTests {
    @Test func aHistoryMovedToAnotherAgreementOrOutputIsRefused() throws {
        let state = scratchState()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let node = try PartyKeys.generate(party: "fk")
        for (agreement, output) in [("watch", "fk-rows"), ("map", "fk-rows"), ("watch", "fk-other")] {
            _ = try ResultHistory(state: state, agreement: agreement, output: output, node: node)
                .record(check: "c-\(agreement)-\(output)", time: 1, submitted: ["r1"], tied: ["r1": ["polisen"]])
        }
        let source = try Data(contentsOf: URL(fileURLWithPath: ResultHistory.path(state: state, agreement: "watch", output: "fk-rows")))
        for (agreement, output) in [("map", "fk-rows"), ("watch", "fk-other")] {
            let target = ResultHistory.path(state: state, agreement: agreement, output: output)
            try source.write(to: URL(fileURLWithPath: target))
            #expect(throws: NodeError.self, "\(agreement)/\(output), prefix kept") { try ResultHistory(state: state, agreement: agreement, output: output, node: node) }
            // The same body under the target's own prefix.
            var w = ByteWriter()
            w.raw(ResultHistory.magic)
            w.str16("watch")
            w.str16("fk-rows")
            let oldPrefix = w.bytes.count
            var v = ByteWriter()
            v.raw(ResultHistory.magic)
            v.str16(agreement)
            v.str16(output)
            try Data(v.bytes + Array(source.dropFirst(oldPrefix))).write(to: URL(fileURLWithPath: target))
            #expect(throws: NodeError.self, "\(agreement)/\(output), prefix rewritten") { try ResultHistory(state: state, agreement: agreement, output: output, node: node) }
        }
    }
}

/// Protocols/node.md §9.1: the file keys from a fixed node secret (the vector in the spec).
@Suite struct SealedStateFileVectorTests {
    @Test func fileKeysFollowTheDerivationInTheSpec() throws {
        let secret = SecretBytes(count: 32) { b in for i in 0..<32 { b[i] = UInt8(i + 1) } }
        let node = PartyKeys(party: "fk", signing: .generate(), sealing: try X25519.PrivateKey(secret: secret))
        let history = SealedStateFile.key(node: node, label: ResultHistory.label, agreement: "watch", purpose: "stream").unsafeCopy()
        let cache = SealedStateFile.key(node: node, label: PseudonymCache.label, agreement: "watch", purpose: "stream").unsafeCopy()
        #expect(Hex.encode(history) == "bf61100c9b866f7d7b0987b7709aadc1f9c1d9878890b5ab1233f16f93af5b64")
        #expect(Hex.encode(cache) == "7a2fe8e903ff686fba7fe3190b0be7d058703a8c7c94ea934f58e405224e9d23")
        #expect(history != cache)
    }
}
