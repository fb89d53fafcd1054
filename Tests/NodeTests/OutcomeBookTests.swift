import API
import Foundation
import Parties
import ProtocolLog
import Testing
@testable import Node

@Suite struct OutcomeBookTests {
    /// A state with a history in which `tied` were tied in one check of agreement "watch".
    func stateWithTies(_ tied: [String], node: PartyKeys) throws -> String {
        let state = scratchState()
        _ = try ResultHistory(state: state, agreement: "watch", output: "fk-rows", node: node)
            .record(check: "c1", time: 1_785_000_000, submitted: Set(tied + ["untied"]), tied: Dictionary(uniqueKeysWithValues: tied.map { ($0, ["polisen"]) }))
        return state
    }

    @Test func anOutcomeForARecordNeverTiedIsRefusedJournaledAndStoresNothing() throws {
        let node = try PartyKeys.generate(party: "fk")
        let state = try stateWithTies(["a"], node: node)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let book = OutcomeBook(state: state, agreement: "watch", node: node)
        for record in ["untied", "never-seen"] {
            let done = try book.record([.init(record: record, outcome: "payment-stopped", amount: nil, date: "2026-08-01")], now: 1_785_000_000)
            #expect(done.recorded.isEmpty && done.refused.count == 1 && done.refused[0].error.code == .outcome)
        }
        #expect(!FileManager.default.fileExists(atPath: book.path))
        let journal = NodeLogBook.journal(state: state)
        #expect(journal.count == 2 && journal.allSatisfy { $0.type == .outcomeRefused && $0.code == "node.outcome" })
        // The journal names no record id.
        #expect(!journal.contains { ($0.reason ?? "").contains("untied") || ($0.reason ?? "").contains("never-seen") })
    }

    @Test func aCSVWithBadRowsKeepsItsGoodRows() throws {
        let node = try PartyKeys.generate(party: "fk")
        let state = try stateWithTies(["a", "b"], node: node)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let csv = state + "/in.csv"
        try """
            record,outcome,amount,date
            a,review-opened,,2026-08-01
            b,reclaimed,12500,2026-09-30
            b,reclaimed,,2026-09-30
            c,no-action,,2026-08-01
            a,fined,,2026-08-01
            a,permit-revoked,,2026-02-30
            a,no-action
            b,payment-stopped,,

            """.write(toFile: csv, atomically: true, encoding: .utf8)
        let parsed = try OutcomeBook.inputs(csv: csv)
        #expect(parsed.malformed.map(\.line) == [8])
        let book = OutcomeBook(state: state, agreement: "watch", node: node)
        let done = try book.record(parsed.inputs.map(\.input), now: 1_790_000_000)
        #expect(done.refused.map { parsed.inputs[$0.index].line } == [4, 5, 6, 7])
        let stored = try book.entries()
        #expect(stored.map(\.record) == ["a", "b", "b"])
        #expect(stored.map(\.outcome) == [.reviewOpened, .reclaimed, .paymentStopped])
        #expect(stored[1].amountSEK == 12500 && stored[2].date == "2026-09-21")
    }

    /// node.md §10: the book is read back under the rules it was written by, so a line edited
    /// at rest (an amount past the cap, an amount on a kind without one, a bad day) is refused
    /// rather than summed into a report (two amounts of Int.max would trap the sum).
    @Test func aBookLineEditedAtRestIsRefusedWhenRead() throws {
        let node = try PartyKeys.generate(party: "fk")
        let state = try stateWithTies(["a"], node: node)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let book = OutcomeBook(state: state, agreement: "watch", node: node)
        _ = try book.record([.init(record: "a", outcome: "reclaimed", amount: "5000", date: "2026-08-01")], now: 1_785_000_000)
        let good = try String(contentsOfFile: book.path, encoding: .utf8)
        #expect(try book.entries().count == 1)
        for line in ["1785000000,a,reclaimed,\(Int.max),2026-08-01", "1785000000,a,reclaimed,-5,2026-08-01", "1785000000,a,reclaimed,,2026-08-01",
                     "1785000000,a,no-action,7,2026-08-01", "1785000000,a,no-action,,2026-13-01", "1785000000,a,no-action,,../../x"] {
            try (good + line + "\n").write(toFile: book.path, atomically: true, encoding: .utf8)
            #expect(throws: NodeError.self, "\(line)") { try book.entries() }
        }
    }
}
