import Foundation
import Testing
import TestSupport

private func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "korskoll-clk-link-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func write(_ text: String, to path: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

/// `korskoll clk link` (Protocols/matching.md §6.3): two clks files through the coordinator's
/// fuzzy linkage (§5.2).
@Suite struct ClkLinkCommandTests {
    private func clks(_ filters: [[UInt8]]) -> String {
        "{\"clks\": [" + filters.map { "\"" + Data($0).base64EncodedString() + "\"" }.joined(separator: ", ") + "]}"
    }

    private func pairs(_ path: String) throws -> [(a: Int, b: Int, score: String)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return (Int(f[0])!, Int(f[1])!, String(f[2]))
        }
    }

    /// Seeded: 30 people in both files (B's filters are A's with 8 bits flipped), 10 strangers on
    /// each side, and one lookalike in A (person 0's filter with 2 bits flipped) whose score
    /// against person 0's B row lies within the ambiguity margin of the true one.
    @Test func linkGivesTheTruePairsAndLeavesTheAmbiguousRowUnlinked() throws {
        var rng = SeededRandom()
        let seed = rng.seed
        func random() -> [UInt8] { rng.bytes(128) }
        func flipped(_ f: [UInt8], _ bits: Int) -> [UInt8] {
            var f = f
            var done = Set<Int>()
            while done.count < bits { done.insert(rng.below(1024)) }
            for b in done { f[b / 8] ^= UInt8(1 << (b % 8)) }
            return f
        }
        var a = (0..<40).map { _ in random() }
        a.append(flipped(a[0], 2))                                 // the lookalike of person 0, row 40
        var b = (0..<30).map { flipped(a[$0], 8) } + (0..<10).map { _ in random() }
        var order = Array(b.indices)
        order.shuffle(using: &rng)
        b = order.map { b[$0] }
        let rowInB = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let expected = Set((1..<30).map { "\($0),\(rowInB[$0]!)" })

        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(clks(a), to: "\(dir)/a.json")
        try write(clks(b), to: "\(dir)/b.json")
        let link = try Korskoll.run(["clk", "link", "\(dir)/a.json", "\(dir)/b.json", "--threshold", "0.9", "--output", "\(dir)/link.csv"])
        #expect(link.status == 0, "seed \(seed): \(link.stderr)")
        let linked = try pairs("\(dir)/link.csv")
        #expect(Set(linked.map { "\($0.a),\($0.b)" }) == expected, "seed \(seed)")
        #expect(linked.count == expected.count, "seed \(seed)")

        // Each link's score is its Dice as `clk match` computes it, and the links come best first.
        let none = try Korskoll.run(["clk", "match", "\(dir)/a.json", "\(dir)/b.json", "--threshold", "0.9", "--output", "\(dir)/none.csv"])
        #expect(none.status == 0, "seed \(seed)")
        let scores = Dictionary(uniqueKeysWithValues: try pairs("\(dir)/none.csv").map { ("\($0.a),\($0.b)", $0.score) })
        for l in linked { #expect(scores["\(l.a),\(l.b)"] == l.score, "seed \(seed)") }
        #expect(linked.map { Double($0.score)! } == linked.map { Double($0.score)! }.sorted(by: >), "seed \(seed)")

        // The plain greedy solver links person 0's B row to one of its two lookalikes: the
        // ambiguity rule is what holds it back.
        let greedy = try Korskoll.run(["clk", "match", "\(dir)/a.json", "\(dir)/b.json", "--threshold", "0.9", "--solve", "greedy",
                                       "--output", "\(dir)/greedy.csv"])
        #expect(greedy.status == 0, "seed \(seed)")
        #expect(try pairs("\(dir)/greedy.csv").contains { $0.b == rowInB[0]! && ($0.a == 0 || $0.a == 40) }, "seed \(seed)")
    }

    @Test func linkRefusesABadThresholdAndFiltersOfDifferentLengths() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(clks([[0xFF, 0x0F]]), to: "\(dir)/a.json")
        try write(clks([[1, 2, 3]]), to: "\(dir)/c.json")
        let bad = try Korskoll.run(["clk", "link", "\(dir)/a.json", "\(dir)/a.json", "--threshold", "1.5", "--output", "\(dir)/x.csv"])
        #expect(bad.status != 0 && bad.stderr.contains("--threshold"))
        let mismatch = try Korskoll.run(["clk", "link", "\(dir)/a.json", "\(dir)/c.json", "--threshold", "0.8", "--output", "\(dir)/x.csv"])
        #expect(mismatch.status != 0 && mismatch.stderr.contains("16-bit filters"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/x.csv"))
    }
}
