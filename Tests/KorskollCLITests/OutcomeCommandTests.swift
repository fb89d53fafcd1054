import Foundation
import Node
import Parties
import ProtocolLog
import Testing

@Suite(.serialized) struct OutcomeCommandTests {
    @Test func nodeOutcomeRefusesARecordNeverTiedWithAReasonAndKeepsGoodFileRows() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-outcome-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Korskoll.run(["keys", "generate", "--party", "fk", "--out", dir]).status == 0)
        let keyFile = dir + "/fk.secret.json"
        let keys = try KeyFiles.loadSecret(URL(fileURLWithPath: keyFile))
        let state = dir + "/state"
        _ = try ResultHistory(state: state, agreement: "watch", output: "fk-rows", node: keys)
            .record(check: "c1", time: 1_790_000_000, submitted: ["B5", "B6"], tied: ["B5": ["polisen"]])
        let base = ["node", "outcome", "--state", state, "--key", keyFile, "--agreement", "watch"]

        let never = try Korskoll.run(base + ["--record", "B6", "--outcome", "payment-stopped"])
        #expect(never.status != 0 && never.stderr.contains("never tied"), "\(never.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state + "/outcomes/watch.csv"))
        #expect(NodeLogBook.journal(state: state).map(\.type) == [.outcomeRefused])

        let noAmount = try Korskoll.run(base + ["--record", "B5", "--outcome", "reclaimed"])
        #expect(noAmount.status != 0 && noAmount.stderr.contains("needs an amount"), "\(noAmount.stderr)")

        let good = try Korskoll.run(base + ["--record", "B5", "--outcome", "reclaimed", "--amount", "4200", "--date", "2026-09-01"])
        #expect(good.status == 0 && good.stdout.contains("recorded 1 outcome"), "\(good.stderr)")

        let csv = dir + "/outcomes.csv"
        try "record,outcome,amount,date\nB5,review-opened,,2026-09-02\nB6,no-action,,2026-09-02\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let file = try Korskoll.run(base + ["--file", csv])
        #expect(file.status != 0 && file.stderr.contains("line 3 refused") && file.stdout.contains("recorded 2 outcomes") == false
                && file.stdout.contains("recorded 1 outcome"), "\(file.stdout) \(file.stderr)")
        let stored = try String(contentsOfFile: state + "/outcomes/watch.csv", encoding: .utf8).split(separator: "\n")
        #expect(stored.count == 3 && stored[0] == "recorded_at,record_id,outcome,amount_sek,date")
    }
}
