import Agreements
import Foundation
import Matching
import Wire

extension ResultBuilder {
    /// The reference parties a standing run's subject rows may be tied to (standing.md §1): every
    /// party holding the reference role, the submitter itself excepted.
    static func referenceParties(_ agreement: Agreement, _ run: StandingRun) -> Set<String> {
        Set(agreement.parties(in: .reference)).subtracting([run.submitter])
    }

    /// results.md §5.1: a standing run's per-record document lists exactly the subject rows with
    /// at least one tie, each field drawn from the ties alone: a row that appears only in a
    /// relations list, or only at a party that keeps no reference list, is not in it.
    static func standingPerRecord(output: Agreement.Output, agreement: Agreement, runID: String, linkage: Linkage,
                                  run: StandingRun) throws -> [UInt8] {
        guard output.recipient == run.submitter else {
            throw CoordinatorError(.internal, "output \(output.name) answers \(output.recipient), but this run answers \(run.submitter)'s submission")
        }
        guard linkage.parties.contains(run.submitter) else {
            throw CoordinatorError(.internal, "output \(output.name): recipient \(output.recipient) has no rows in the run")
        }
        let fields = Set(output.fields ?? ["matchKind"])
        let byRow = linkage.ties(of: run.submitter, reference: referenceParties(agreement, run))
        let p = linkage.parties.firstIndex(of: run.submitter)!
        var rows: [ResultDocument.Row] = []
        rows.reserveCapacity(byRow.count)
        for i in byRow.keys.sorted() {
            let ties = byRow[i]!
            var entries: [ResultDocument.Tie] = []
            // The row's attributes: those of the distinct reference rows its ties reached.
            var reached: [String: Set<Int>] = [:]
            for t in ties {
                reached[t.party, default: []].formUnion(t.rows)
                let a = linkage.attributes(of: t, for: run.submitter)
                let plain = a.plain.filter { fields.contains($0.key) }
                let sealed = a.sealed.filter { fields.contains($0.key) }.mapValues { $0.map { Data($0).base64EncodedString() } }
                entries.append(ResultDocument.Tie(party: t.party, kind: t.kind.rawValue, attributes: plain.isEmpty ? nil : plain,
                                                  sealed: sealed.isEmpty ? nil : sealed))
            }
            var categories = Set<String>(), boxes: [String: [[UInt8]]] = [:]
            for (party, reachedRows) in reached {
                let a = linkage.attributes(of: party, rows: Array(reachedRows), for: run.submitter)
                categories.formUnion(a.plain["category"] ?? [])
                for (name, b) in a.sealed { boxes[name, default: []].append(contentsOf: b) }
            }
            var l = RowLinks()
            l.sealed = boxes.mapValues { $0.sorted { $0.lexicographicallyPrecedes($1) } }
            let tied = Set(ties.map(\.party))
            l.evidence = linkage.link(p, i).evidence.filter { tied.contains($0.key) }
            let kinds = Set(ties.map(\.kind)).sorted()
            let best = ties.compactMap(\.score).max()
            let scoreBand = kinds.contains(.directExact) ? "exact" : best.map(band) ?? "relation"
            rows.append(ResultDocument.Row(
                row: i,
                matchKind: fields.contains("matchKind") ? kinds.map(\.rawValue) : nil,
                otherParties: fields.contains("otherParties") ? tied.sorted() : nil,
                scoreBand: fields.contains("scoreBand") ? scoreBand : nil,
                category: fields.contains("category") && !categories.isEmpty ? categories.sorted() : nil,
                viaRepresentative: fields.contains("viaRepresentative") ? kinds.contains(.viaRepresentative) : nil,
                sealed: sealedFields(l, granted: fields),
                evidence: fields.contains("evidence") ? evidence(l, withParties: fields.contains("otherParties")) : nil,
                ties: fields.contains("ties") ? entries : nil))
        }
        return ResultDocument(agreement: agreement.id, agreementHash: hex(agreement.hash), output: output.name, recipient: output.recipient,
                              kind: output.kind.rawValue, runID: runID, submissionID: run.checkID, fields: fields.sorted(),
                              matchedRows: rows.count, rows: rows, check: run.checkID, lists: run.lists).encoded
    }

    /// results.md §5.2: a standing run's aggregate counts the subject rows tied to each
    /// reference party of the run, per tie kind; a count below k is suppressed.
    static func standingAggregate(output: Agreement.Output, agreement: Agreement, runID: String, linkage: Linkage,
                                  run: StandingRun) -> [UInt8] {
        let k = output.k ?? 1
        let reference = referenceParties(agreement, run)
        var counts: [String: [Tie.Kind: Int]] = [:]
        for party in linkage.parties where reference.contains(party) { counts[party] = [:] }
        for (_, ties) in linkage.ties(of: run.submitter, reference: reference) {
            for t in ties { counts[t.party]![t.kind, default: 0] += 1 }
        }
        let cells = counts.keys.sorted().flatMap { party in
            Tie.Kind.allCases.map { kind -> ResultDocument.TieCount in
                let n = counts[party]![kind] ?? 0
                return n < k ? ResultDocument.TieCount(party: party, kind: kind.rawValue, suppressed: true)
                             : ResultDocument.TieCount(party: party, kind: kind.rawValue, count: n)
            }
        }
        return ResultDocument(agreement: agreement.id, agreementHash: hex(agreement.hash), output: output.name, recipient: output.recipient,
                              kind: output.kind.rawValue, runID: runID, k: k, check: run.checkID, lists: run.lists, tieCounts: cells).encoded
    }
}
