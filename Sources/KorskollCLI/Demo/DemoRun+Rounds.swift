import Agreements
import Evaluation
import Foundation
import KeyHolding
import Sodium
import Wire
import Tabular

/// The rounds of the standing agreements (Protocols/standing.md): per round, the lists that
/// changed are replaced, the checks are submitted, and each party opens what its runs answered.
extension DemoRun {
    /// What a party submits under an agreement: a register, as a list or as a check.
    struct Plan {
        let party: String
        let register: String
        let kind: String   // "list" or "check"
    }

    /// The registers each agreement's parties send (synth.md §9.4): the police list and the
    /// decision lists stand; fk checks its whole register monthly against the police list, fk and
    /// af check their new applicants for re-entry; the agencies of the map keep their registers
    /// standing and learn, at each replacement, where their rows are tied.
    static func plan(_ a: Agreement) -> [Plan] {
        switch a.id {
        case "watchlist-fk-2026":
            return [Plan(party: "polisen", register: "polisen", kind: "list"), Plan(party: "fk", register: "fk", kind: "check")]
        case "reentry-2026":
            return [Plan(party: "ivo", register: "ivo-decisions", kind: "list"), Plan(party: "bolagsverket", register: "bolagsverket", kind: "list"),
                    Plan(party: "fk", register: "fk-decisions", kind: "list"), Plan(party: "af", register: "af-decisions", kind: "list"),
                    Plan(party: "fk", register: "fk-check", kind: "check"), Plan(party: "af", register: "af-check", kind: "check")]
        default:
            return a.partyIDs.map { Plan(party: $0, register: $0, kind: "list") }
        }
    }

    /// The agreement's name in the truth of ties (synth.md §9.4).
    static func truthName(_ a: Agreement) -> String {
        ["watchlist-fk-2026": "watchlist", "reentry-2026": "reentry", "cross-agency-map-2026": "cross-agency-map"][a.id] ?? a.id
    }

    /// Whether a submission of `plan` is run (standing.md §1.1): every check, and a list as the
    /// agreement says.
    static func isRun(_ plan: Plan, _ a: Agreement) -> Bool { plan.kind == "check" || a.runsList(of: plan.party) }

    func round(_ k: Int) throws {
        step("Round \(k) of \(rounds)" + (k == 1 ? ": every list is sent, every check runs" : ": lists that changed are replaced, the rest stand; checks run against the lists standing now"))
        let truth = try RoundTies(round: k, truth: truthDirectory(k))
        for (path, a) in agreements {
            print("  \(a.id)")
            for plan in Self.plan(a) {
                let csv = "\(registers(k))/\(plan.register).csv"
                let rows = try String(contentsOfFile: csv, encoding: .utf8).utf8.lazy.filter { $0 == 10 }.count - 1
                let digest = Hex.encode(try sha256(file: csv))
                let key = "\(a.id)/\(plan.party)/\(plan.register)"
                if plan.kind == "list" {
                    guard rows > 0 else { print("    \(pad(plan.party)) \(plan.register): no rows yet, no list"); continue }
                    guard sentLists[key] != digest else { print("    \(pad(plan.party)) \(plan.register): unchanged, its list stands"); continue }
                }
                if a.id == Self.nodeCheckAgreement && plan.party == Self.nodeCheckParty {
                    sentFiles[key] = csv
                    try nodeCheckRound(plan, a, round: k, rows: rows, truth: truth, replaced: sentLists[key] != nil)
                    sentLists[key] = digest
                    continue
                }
                let encoded = try encode(plan, a, path: path, round: k)
                let submitted = try korskoll(["node", "submit", "--coordinator-key", coordinatorPublic, "--agreement-id", a.id, "--agreement", path,
                                              "--as", plan.kind, "--submission", encoded, "--state", "\(node(plan.party))/state"] + conn(plan.party),
                                             label: "\(plan.party): node submit")
                let replaced = plan.kind == "list" && sentLists[key] != nil
                if plan.kind == "list" { sentLists[key] = digest; sentFiles[key] = csv }
                let what = plan.kind == "check" ? "check of \(rows) rows" : (replaced ? "list of \(rows) rows replaces the standing one" : "list of \(rows) rows stands")
                print("    \(pad(plan.party)) \(plan.register): \(what)" + (submitted.contains("receipt") ? "; receipt kept" : ""))
                if Self.isRun(plan, a) { try openResult(plan, a, encoded: encoded, round: k, truth: truth) }
            }
        }
        try fetchAggregates(round: k)
    }

    /// The aggregate recipients of the standing agreements (standing.md §1.3): the police their
    /// `polisen-count` of every fk check, IVO its `ivo-count` of every re-entry check. Each asks
    /// for the runs it has not fetched yet and prints the counts of the CSVs its node wrote.
    static let aggregateRecipients = [("watchlist-fk-2026", "polisen", "polisen-count"), ("reentry-2026", "ivo", "ivo-count")]

    func fetchAggregates(round k: Int) throws {
        for (id, p, output) in Self.aggregateRecipients where agreements.contains(where: { $0.agreement.id == id }) {
            let out = "\(node(p))/results/\(id)/aggregates"
            let printed = try korskoll(["node", "results", "--all-new", "--coordinator-key", coordinatorPublic, "--agreement-id", id,
                                        "--state", "\(node(p))/state", "--out", out] + conn(p), label: "\(p): node results --all-new")
            // One line per fetched result: "run N, check C: <output> (aggregate, …): … → <csv>".
            let csvs = printed.split(separator: "\n").compactMap { line -> String? in
                guard line.contains(": \(output) "), let arrow = line.range(of: " → ") else { return nil }
                return String(line[arrow.upperBound...])
            }
            var cells: [String] = []
            for csv in csvs {
                let reader = try CSVReader(path: csv)
                _ = try reader.next()
                var parts: [String] = []
                while let r = try reader.next(), r.fields.count == 3 { parts.append("\(r.fields[0]) \(r.fields[1]) \(r.fields[2])") }
                let check = URL(fileURLWithPath: csv).deletingLastPathComponent().lastPathComponent
                cells.append("check \(check.prefix(8))…: " + parts.joined(separator: ", "))
            }
            aggregateFetches["\(p)/\(output)", default: 0] += csvs.count
            print("  \(pad(p)) fetched \(csvs.count) new \(output) (tied subject rows per reference party and tie, <k suppressed)"
                  + (cells.isEmpty ? "" : ": " + cells.joined(separator: "; ")))
        }
    }

    /// The node that runs its rounds of one agreement from its configuration file, one command a
    /// round (`node init` once, then `node check`; Protocols/node.md §7).
    static let nodeCheckParty = "fk", nodeCheckAgreement = "cross-agency-map-2026"
    var nodeConfigDir: String { "\(node(Self.nodeCheckParty))/node" }
    var nodeCheckExport: String { "\(node(Self.nodeCheckParty))/exports/\(Self.nodeCheckAgreement).csv" }

    /// `node init` for fk's map agreement: its export is the file the agency's own export job
    /// replaces each month; the linkage secret of the ceremony goes to the configuration's state.
    func nodeInit() throws {
        let p = Self.nodeCheckParty
        let (path, a) = agreement(Self.nodeCheckAgreement)
        try fm.createDirectory(atPath: "\(node(p))/exports", withIntermediateDirectories: true)
        try? fm.removeItem(atPath: nodeCheckExport)
        try fm.copyItem(atPath: "\(registers(1))/\(p).csv", toPath: nodeCheckExport)
        let mapping = try Self.mapping(for: a, party: p, from: "\(registers(1))/\(p).mapping.json", to: "\(node(p))/exports/\(a.id).mapping.json")
        let text = try korskoll(["node", "init", "--dir", nodeConfigDir, "--party", p, "--coordinator-url", url, "--coordinator-key", coordinatorPublic,
                                 "--key", "\(node(p))/keys/\(p).secret.json", "--registry", registryPath, "--agreement", path,
                                 "--export", nodeCheckExport, "--mapping", mapping, "--schema", "\(repo)/Protocols/schemas/person-v3.json"],
                                label: "\(p): node init")
        let secret = "\(nodeConfigDir)/state/\(a.id)/linkage-secret"
        if !fm.fileExists(atPath: secret) {
            try fm.createDirectory(atPath: "\(nodeConfigDir)/state/\(a.id)", withIntermediateDirectories: true)
            try fm.copyItem(atPath: "\(node(p))/\(a.id).secret", toPath: secret)
        }
        print("  \(p) runs its rounds of \(a.id) from one file: " + (text.split(separator: "\n").last.map(String.init) ?? "\(nodeConfigDir)/node.json"))
    }

    /// One round of fk's map agreement in one command: the month's export replaces the file,
    /// `node check` encodes, submits, waits and opens the result.
    func nodeCheckRound(_ plan: Plan, _ a: Agreement, round k: Int, rows: Int, truth: RoundTies, replaced: Bool) throws {
        let p = plan.party
        try fm.removeItem(atPath: nodeCheckExport)
        try fm.copyItem(atPath: "\(registers(k))/\(plan.register).csv", toPath: nodeCheckExport)
        let text = try korskoll(["node", "check", "--config", "\(nodeConfigDir)/node.json", "--agreement", a.id, "--wait", "300",
                                 "--ref-date", Self.refDate], label: "\(p): node check")
        print("    \(pad(p)) \(plan.register): list of \(rows) rows \(replaced ? "replaces the standing one" : "stands"), in one command: korskoll node check --config \(nodeConfigDir)/node.json --agreement \(a.id)")
        print("    \(pad(p)) " + (text.split(separator: "\n").last.map(String.init) ?? ""))
        guard let output = a.outputs.first(where: { $0.kind == .perRecord && $0.recipient == p }) else { return }
        let out = "\(node(p))/results/\(a.id)/round-\(k)/\(plan.register)"
        try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
        try fm.copyItem(atPath: "\(nodeConfigDir)/state/\(a.id)/results/\(output.name).csv", toPath: "\(out)/\(output.name).csv")
        try score(plan, a, csv: "\(out)/\(output.name).csv", round: k, truth: truth)
    }

    func pad(_ s: String) -> String { s.padding(toLength: 13, withPad: " ", startingAt: 0) }

    /// `node encode` of one register for one agreement and round; the encoded directory.
    func encode(_ plan: Plan, _ a: Agreement, path: String, round k: Int, suffix: String = "") throws -> String {
        let p = plan.party
        let encoded = "\(node(p))/\(a.id)/round-\(k)/\(plan.register)\(suffix)"
        try fm.createDirectory(atPath: "\(node(p))/\(a.id)/round-\(k)", withIntermediateDirectories: true)
        let mapping = try Self.mapping(for: a, party: p, from: "\(registers(k))/\(plan.register).mapping.json",
                                       to: "\(node(p))/\(a.id)/\(plan.register).mapping.json")
        var args = ["node", "encode", "--input", "\(registers(k))/\(plan.register).csv", "--mapping", mapping,
                    "--schema", "\(repo)/Protocols/schemas/person-v3.json", "--agreement", path, "--registry", registryPath,
                    "--linkage-secret-file", "\(node(p))/\(a.id).secret", "--key", "\(node(p))/keys/\(p).secret.json",
                    "--coordinator", coordinatorPublic, "--ref-date", Self.refDate, "--out", encoded]
        if let b = a.match.blocking { args += ["--blocking", b] }
        if a.blinding.oprf != nil {
            args += ["--dealt", "\(dealtDir)/\(DealtPublicKey.fileName(agreement: a.id))", "--key-holders", keyHolderList(keyHolderURLs),
                     "--pseudonym-cache", "\(node(p))/pseudonyms"]
        }
        try korskoll(args, label: "\(p): node encode \(plan.register)")
        if a.blinding.oprf != nil,
           let s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: encoded + "/summary.json"))) as? [String: Any] {
            print("    \(pad(p)) identifiers blinded by 2 of 3 key holders: \(s["pseudonymsEvaluated"] ?? "?") evaluated, the rest from its pseudonym cache")
        }
        return encoded
    }

    /// Waits for the run of the party's last submission, opens its per-record result and scores
    /// it against the truth of ties to the reference lists that stood for the run.
    func openResult(_ plan: Plan, _ a: Agreement, encoded: String, round k: Int, truth: RoundTies) throws {
        let p = plan.party
        guard let output = a.outputs.first(where: { $0.kind == .perRecord && $0.recipient == p }) else { return }
        try korskoll(["node", "status", "--standing", "--agreement-id", a.id, "--state", "\(node(p))/state", "--wait", "300"] + conn(p),
                     label: "\(p): node status")
        let out = "\(node(p))/results/\(a.id)/round-\(k)/\(plan.register)"
        try korskoll(["node", "results", "--standing", "--coordinator-key", coordinatorPublic, "--agreement-id", a.id, "--output", output.name,
                      "--encoded", encoded, "--state", "\(node(p))/state", "--out", out] + conn(p), label: "\(p): node results")
        if p == "fk" { fkResults.append("\(out)/\(output.name).kkr") }
        try score(plan, a, csv: "\(out)/\(output.name).csv", round: k, truth: truth)
    }

    /// Prints and keeps what a party learned from one result CSV, scored against the truth of
    /// ties to the reference parties whose lists stood for the run.
    func score(_ plan: Plan, _ a: Agreement, csv: String, round k: Int, truth: RoundTies) throws {
        let p = plan.party
        let marks = try Self.marks(csv)
        // The truth: ties of these rows to the rows of the reference lists as they stood for this
        // run (a list sent in an earlier round stands with that round's rows).
        var standingRecords: [String: Set<String>] = [:]
        for (key, file) in sentFiles {
            let parts = key.split(separator: "/")
            guard parts[0] == Substring(a.id), parts[1] != Substring(p), a.roles(of: String(parts[1])).contains(.reference) else { continue }
            standingRecords[String(parts[1]), default: []].formUnion(try Self.recordIDs(file))
        }
        let standing = Set(standingRecords.keys)
        // Ties through a representative in the truth use Bolagsverket's relations (synth.md §9.4):
        // where the agreement has none, ties through the representatives in the parties' own rows
        // are counted apart, not scored.
        let relations = !a.parties(in: .relations).isEmpty
        let base = plan.register.hasSuffix("-check") ? String(plan.register.dropLast(6)) : plan.register
        let truePairs = Set(truth.ties.compactMap { t -> TieScoring.Pair? in
            let party = String(t.referenceRegister.split(separator: "-")[0])
            guard t.agreement == Self.truthName(a), t.register == base, standingRecords[party]?.contains(t.referenceRecordID) == true else { return nil }
            return TieScoring.Pair(recordID: t.recordID, party: party)
        })
        let (predicted, viaOwnRows) = try Self.tiedPairs(csv, representatives: relations)
        let q = TieScoring.score(predicted: predicted, truth: truePairs).total
        let learned = "\(marks.tied) tied rows (new \(marks.new), continuing \(marks.continuing)), \(marks.ended) ended"
            + (viaOwnRows > 0 ? ", \(viaOwnRows) of them only through a representative in the parties' own rows" : "")
        let line = String(format: "%@ learned %@; ties to %@: precision %.2f%%, recall %.2f%% (%d true, %d false, %d missed)",
                          p, learned, standing.isEmpty ? "no list yet" : standing.sorted().joined(separator: "+"), q.precision * 100, q.recall * 100,
                          q.truePositives, q.predicted - q.truePositives, q.actual - q.truePositives)
        print("    \(pad(p)) " + line)
        report.append("round \(k) · \(a.id) · \(plan.register): " + line)
    }

    /// The (record, reference party) pairs a result CSV ties (rows not ended), from its
    /// `tieKinds` column; ties only through a representative count when `representatives`, else
    /// the rows tied so alone are counted apart.
    static func tiedPairs(_ csv: String, representatives: Bool) throws -> (Set<TieScoring.Pair>, Int) {
        let reader = try CSVReader(path: csv)
        guard let header = try reader.next()?.fields, let id = header.firstIndex(of: "record_id"),
              let kinds = header.firstIndex(of: "tieKinds") else { return ([], 0) }
        let status = header.firstIndex(of: "status")
        var pairs = Set<TieScoring.Pair>(), viaOnly = 0
        while let r = try reader.next() {
            guard id < r.fields.count, kinds < r.fields.count else { continue }
            if let status, status < r.fields.count, r.fields[status] == "ended" { continue }
            var kept = false
            for entry in r.fields[kinds].split(separator: ";") {
                let parts = entry.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, representatives || parts[1].hasPrefix("direct") else { continue }
                pairs.insert(TieScoring.Pair(recordID: r.fields[id], party: String(parts[0])))
                kept = true
            }
            if !kept && !r.fields[kinds].isEmpty { viaOnly += 1 }
        }
        return (pairs, viaOnly)
    }

    /// The record ids (first column) of a register file, in the delimiter its mapping names.
    static func recordIDs(_ csv: String) throws -> Set<String> {
        struct Mapping: Decodable { let delimiter: String }
        let mapping = try JSONDecoder().decode(Mapping.self, from: Data(contentsOf: URL(fileURLWithPath: String(csv.dropLast(4)) + ".mapping.json")))
        let reader = try CSVReader(path: csv, delimiter: mapping.delimiter.utf8.first ?? UInt8(ascii: ","))
        _ = try reader.next()
        var out = Set<String>()
        while let r = try reader.next() { if let f = r.fields.first { out.insert(f) } }
        return out
    }

    /// The node's marks in a result CSV (standing.md §6): rows tied (new or continuing) and rows
    /// that ended, from its `status` column.
    static func marks(_ csv: String) throws -> (tied: Int, new: Int, continuing: Int, ended: Int) {
        let reader = try CSVReader(path: csv)
        guard let header = try reader.next()?.fields else { return (0, 0, 0, 0) }
        let status = header.firstIndex(of: "status")
        var n = 0, c = 0, e = 0
        while let r = try reader.next() {
            guard let status, status < r.fields.count else { n += 1; continue }
            switch r.fields[status] { case "continuing": c += 1; case "ended": e += 1; default: n += 1 }
        }
        return (n + c, n, c, e)
    }
}
