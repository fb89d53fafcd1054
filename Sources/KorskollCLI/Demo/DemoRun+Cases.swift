import Foundation
import Tabular

/// Case development (Protocols/standing.md §8): what came of the agencies' tied records, recorded
/// at their nodes; their signed counts per period; the coordinator's joint report.
extension DemoRun {
    static let period = "2026-H2"
    /// Outcomes the demo's case officers record, in turn, for their tied records (node.md §10).
    static let outcomeCycle: [(kind: String, amount: String?)] = [
        ("review-opened", nil), ("payment-stopped", nil), ("review-opened", nil), ("reclaimed", "48200"), ("no-action", nil),
        ("payment-stopped", nil), ("reclaimed", "112750"), ("review-opened", nil),
    ]

    func caseDevelopment() throws {
        step("Case development, \(Self.period): outcomes recorded at the nodes, signed counts, the joint report")
        let cases: [(party: String, agreement: String, output: String, register: String, outcomes: [(kind: String, amount: String?)])] = [
            ("fk", "watchlist-fk-2026", "fk-matched-rows", "fk", Self.outcomeCycle),
            ("fk", "reentry-2026", "fk-applicants", "fk-check", [("payment-stopped", nil)]),
            ("af", "reentry-2026", "af-applicants", "af-check", [("contract-ended", nil)]),
        ]
        for c in cases {
            var recorded = 0
            for k in 1...rounds {
                let csv = "\(node(c.party))/results/\(c.agreement)/round-\(k)/\(c.register)/\(c.output).csv"
                guard FileManager.default.fileExists(atPath: csv) else { continue }
                for record in try Self.tiedRecords(csv) {
                    let o = c.outcomes[recorded % c.outcomes.count]
                    try korskoll(["node", "outcome", "--state", "\(node(c.party))/state", "--key", "\(node(c.party))/keys/\(c.party).secret.json",
                                  "--agreement", c.agreement, "--record", record, "--outcome", o.kind] + (o.amount.map { ["--amount", $0] } ?? []),
                                 label: "\(c.party): node outcome")
                    recorded += 1
                }
            }
            print("  \(pad(c.party)) \(c.agreement): \(recorded) outcomes recorded at the node, about its own tied records")
        }
        // An outcome for a record that was never tied: refused at the node, in its journal.
        let never = try Self.untiedRecord(register: "\(registers(rounds))/fk.csv", results: "\(node("fk"))/results/watchlist-fk-2026")
        let refused = try korskollRefused(["node", "outcome", "--state", "\(node("fk"))/state", "--key", "\(node("fk"))/keys/fk.secret.json",
                                           "--agreement", "watchlist-fk-2026", "--record", never, "--outcome", "payment-stopped"], label: "fk: node outcome")
        guard refused.status != 0 else { throw failure("fk's node recorded an outcome for \(never), which was never tied") }
        print("  fk recorded an outcome for \(never), never tied in any result: refused, nothing stored")
        print("    " + Self.lastLine(refused.err))

        for (party, agreement) in [("fk", "watchlist-fk-2026"), ("fk", "reentry-2026"), ("af", "reentry-2026")] {
            let text = try korskoll(["node", "report", "--coordinator-key", coordinatorPublic, "--state", "\(node(party))/state",
                                     "--agreement", agreement, "--period", Self.period] + conn(party), label: "\(party): node report")
            print("  \(pad(party)) " + text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n    "))
        }
        // The node refuses to send a period twice; a node restored from a backup taken before it
        // sent does not know, and the coordinator refuses it (logged).
        let restored = "\(node("fk"))/state-restored"
        try fm.copyItem(atPath: "\(node("fk"))/state", toPath: restored)
        try fm.removeItem(atPath: "\(restored)/reports")
        let again = try korskollRefused(["node", "report", "--coordinator-key", coordinatorPublic, "--state", restored,
                                         "--agreement", "watchlist-fk-2026", "--period", Self.period] + conn("fk"), label: "fk: node report")
        guard again.status != 0 else { throw failure("the coordinator took a second report of fk for \(Self.period)") }
        print("  fk's node, restored from a backup, sent its counts for \(Self.period) again: refused by the coordinator and logged")
        print("    " + Self.lastLine(again.err))

        for agreement in ["watchlist-fk-2026", "reentry-2026"] {
            let out = "\(dir)/reports/\(agreement)-\(Self.period)"
            let text = try korskoll(["coordinator", "report", "--coordinator-url", url, "--key", coordinatorSecret, "--agreement", agreement,
                                     "--period", Self.period, "--k", "5", "--out", out], label: "coordinator report")
            print("  " + text.trimmingCharacters(in: .whitespacesAndNewlines))
            let readable = try String(contentsOfFile: out + "/report.txt", encoding: .utf8)
            print(readable.split(separator: "\n", omittingEmptySubsequences: false).map { "    | " + $0 }.joined(separator: "\n"))
        }
    }

    /// The record ids a result CSV marks tied (new or continuing), in file order.
    static func tiedRecords(_ csv: String) throws -> [String] {
        let reader = try CSVReader(path: csv)
        guard let header = try reader.next()?.fields, let id = header.firstIndex(of: "record_id") else { return [] }
        let status = header.firstIndex(of: "status")
        var out: [String] = []
        while let r = try reader.next() {
            guard id < r.fields.count else { continue }
            if let status, status < r.fields.count, r.fields[status] == "ended" { continue }
            out.append(r.fields[id])
        }
        return out
    }

    /// A record of `register` that no result under `results` (any round) names.
    static func untiedRecord(register: String, results: String) throws -> String {
        var named = Set<String>()
        let e = FileManager.default.enumerator(atPath: results)
        while let rel = e?.nextObject() as? String {
            guard rel.hasSuffix(".csv") else { continue }
            let reader = try CSVReader(path: results + "/" + rel)
            _ = try reader.next()
            while let r = try reader.next() { if let f = r.fields.first { named.insert(f) } }
        }
        let reader = try CSVReader(path: register)
        _ = try reader.next()
        while let r = try reader.next() { if let f = r.fields.first, !named.contains(f) { return f } }
        throw failure("every record of \(register) was tied")
    }
}
