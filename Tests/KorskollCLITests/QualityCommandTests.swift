import Foundation
import Testing
import TestSupport

/// `korskoll match quality` (Protocols/matching.md §6): a small synthetic population end to end,
/// its report, and the missed true pairs written with `--misses`.
@Suite struct QualityCommandTests {
    @Test func missesListEveryMissedTruePairWithWhatTheLinkageSaw() throws {
        let dir = NSTemporaryDirectory() + "korskoll-quality-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let synth = try Korskoll.run(["synth", "--people", "4000", "--seed", "5", "--rate", "id-missing=0.3", "--rate", "name-swap=0.2",
                                      "--rate", "id-typo-valid=0.05", "--out", "\(dir)/pop"])
        #expect(synth.status == 0, "\(synth.stderr)")
        let q = try Korskoll.run(["match", "quality", "--population", "\(dir)/pop", "--no-unblocked", "--sweep", "0.95",
                                  "--json", "\(dir)/q.json", "--misses", "\(dir)/misses.csv"])
        #expect(q.status == 0, "\(q.stderr)")
        #expect(q.stdout.contains("lone numbers (matching.md §5.2.2):") && q.stdout.contains("blocked, no lone numbers"))

        // The main run's missed true pairs, from the JSON report, are the lines of the CSV.
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/q.json"))) as! [String: Any]
        let main = (doc["runs"] as! [[String: Any]]).first { $0["label"] as? String == "exact + fuzzy, blocked" }!
        let total = main["total"] as! [String: Any]
        let missed = (total["actual"] as! Int) - (total["truePositives"] as! Int)
        let lines = try String(contentsOfFile: "\(dir)/misses.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header.prefix(6) == ["register_a", "record_a", "register_b", "record_b", "person", "problems"])
        #expect(header.contains("dice") && header.contains("key_e") && header.contains("number_rows_a"))
        #expect(lines.count - 1 == missed && missed > 0, "every missed pair once: \(missed)")
        for line in lines.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(f.count == header.count && !f[1].isEmpty && !f[3].isEmpty && f[0] != f[2] && !f[5].isEmpty, "\(line)")
        }
    }
}
