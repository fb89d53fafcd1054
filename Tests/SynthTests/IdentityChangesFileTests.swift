import Foundation
import Testing
@testable import Synth

/// Protocols/synth.md §7.5: Skatteverket's identity changes list every person with a previous
/// number, as `truth/people.csv` gives them, and leave the registers and the truth as they were.
@Suite struct IdentityChangesFileTests {
    @Test func everyPersonWithAPreviousNumberHasOneRowWithBothNumbers() throws {
        let dir = NSTemporaryDirectory() + "korskoll-identities-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = SynthConfig(people: 3_000, seed: 5)
        config.rates.rates[.idChanged] = 0.05
        let summary = try Synthesizer.run(config, out: dir)
        func lines(_ path: String) throws -> [[String]] {
            try String(contentsOfFile: "\(dir)/\(path)", encoding: .utf8).split(separator: "\n").map { $0.split(separator: $0.contains(";") ? ";" : ",", omittingEmptySubsequences: false).map(String.init) }
        }
        let changes = try lines("relations/\(Synthesizer.identityChangesRegister).csv")
        #expect(changes[0] == ["skv_lopnr", "tidigare_identitet", "identitet"])
        // people.csv: person,identity,previous_identity,… (no name holds a comma or a semicolon).
        let expected = try lines("truth/people.csv").dropFirst().filter { !$0[2].isEmpty }.map { [$0[2], $0[1]] }
        #expect(!expected.isEmpty && expected.count == summary.changedIdentifiers, "seed 5")
        #expect(changes.dropFirst().map { Array($0.dropFirst()) } == expected, "seed 5")
        #expect(changes.dropFirst().enumerated().allSatisfy { $1[0] == String(format: "SKVID-%07d", $0 + 1) })
        // Samordningsnummer (day + 60) among the previous numbers.
        #expect(expected.contains { Int($0[0].dropFirst(6).prefix(2))! > 60 }, "seed 5")
        let mapping = try String(contentsOfFile: "\(dir)/relations/\(Synthesizer.identityChangesRegister).mapping.json", encoding: .utf8)
        #expect(mapping.contains(#""previousPerson": "tidigare_identitet""#))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/registers/\(Synthesizer.identityChangesRegister).csv"))
    }
}
