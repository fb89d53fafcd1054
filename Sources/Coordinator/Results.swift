import Agreements
import Foundation
import Matching
import Wire

/// Builds each output's document from a run's linkage (`Protocols/results.md` §2–§3). A
/// per-record output carries only the recipient's own row numbers and the fields the agreement
/// grants; an aggregate output carries counts with cells below k suppressed. No output carries
/// an encoding, a pseudonym or another party's row.
public enum ResultBuilder {
    public static let format = ResultDocument.format

    static func band(_ score: Double) -> String {
        let lo = min(0.95, (score * 20).rounded(.down) / 20)
        return String(format: "%.2f-%.2f", lo, lo + 0.05)
    }

    /// `standing` is the run's subject and lists in a standing agreement (standing.md §1.1), nil
    /// for the single run of a v1/v2 agreement.
    public static func document(output: Agreement.Output, agreement: Agreement, runID: String, submissionIDs: [String: String],
                                linkage: Linkage, standing: StandingRun? = nil) throws -> [UInt8] {
        // results.md §5: a standing run answers about its subject rows' ties to reference rows.
        if let standing {
            switch output.kind {
            case .perRecord: return try standingPerRecord(output: output, agreement: agreement, runID: runID, linkage: linkage, run: standing)
            case .aggregate: return standingAggregate(output: output, agreement: agreement, runID: runID, linkage: linkage, run: standing)
            }
        }
        switch output.kind {
        case .perRecord:
            let fields = Set(output.fields ?? ["matchKind"])
            guard let p = linkage.parties.firstIndex(of: output.recipient) else {
                throw CoordinatorError(.internal, "output \(output.name): recipient \(output.recipient) has no rows in the run")
            }
            var rows: [ResultDocument.Row] = []
            rows.reserveCapacity(linkage.links[p].count)
            for i in linkage.links[p].keys.sorted() {
                let l = linkage.link(p, i)
                var kinds: [String] = []
                if !l.exactPerson.isEmpty { kinds.append("exact-person") }
                if !l.exactOrganisation.isEmpty { kinds.append("exact-organisation") }
                if !l.fuzzy.isEmpty { kinds.append("fuzzy") }
                var others = l.exactPerson.union(l.exactOrganisation).union(l.fuzzy.keys)
                if fields.contains("viaRepresentative") && !l.viaRepresentative.isEmpty {
                    kinds.append("via-representative")
                    others.formUnion(l.viaRepresentative)
                }
                guard !kinds.isEmpty else { continue }
                let scoreBand = l.exactPerson.isEmpty && l.exactOrganisation.isEmpty ? (l.fuzzy.values.max().map(band) ?? "relation") : "exact"
                rows.append(ResultDocument.Row(
                    row: i,
                    matchKind: fields.contains("matchKind") ? kinds : nil,
                    otherParties: fields.contains("otherParties") ? others.sorted() : nil,
                    scoreBand: fields.contains("scoreBand") ? scoreBand : nil,
                    category: fields.contains("category") && !l.categories.isEmpty ? l.categories.sorted() : nil,
                    viaRepresentative: fields.contains("viaRepresentative") ? !l.viaRepresentative.isEmpty : nil,
                    sealed: sealedFields(l, granted: fields),
                    evidence: fields.contains("evidence") ? evidence(l, withParties: fields.contains("otherParties")) : nil))
            }
            return ResultDocument(agreement: agreement.id, agreementHash: hex(agreement.hash), output: output.name, recipient: output.recipient,
                                  kind: output.kind.rawValue, runID: runID, submissionID: submissionIDs[output.recipient] ?? "",
                                  fields: fields.sorted(), matchedRows: rows.count, rows: rows).encoded
        case .aggregate:
            let k = output.k ?? 1
            let cells = linkage.overlapMatrix().sorted { $0.key < $1.key }.map { key, count -> ResultDocument.Cell in
                let pair = key.split(separator: "+").map(String.init)
                return count < k ? ResultDocument.Cell(a: pair[0], b: pair[1], count: nil, suppressed: true)
                                 : ResultDocument.Cell(a: pair[0], b: pair[1], count: count, suppressed: nil)
            }
            return ResultDocument(agreement: agreement.id, agreementHash: hex(agreement.hash), output: output.name, recipient: output.recipient,
                                  kind: output.kind.rawValue, runID: runID, k: k, cells: cells).encoded
        }
    }
}

extension ResultBuilder {
    /// results.md §2.2: the evidence of each exact-person or fuzzy link, one entry per party,
    /// sorted by party; the party named only when `otherParties` is granted. Nil when the row's
    /// links are organisation or relation links only.
    static func evidence(_ l: RowLinks, withParties: Bool) -> [ResultDocument.Evidence]? {
        guard !l.evidence.isEmpty else { return nil }
        return l.evidence.sorted { $0.key < $1.key }.map { party, e in
            ResultDocument.Evidence(party: withParties ? party : nil, matchKind: e.matchKind, name: e.name?.rawValue,
                                    birthDate: e.birthDate?.rawValue, scoreBand: e.dice.map(band), conflict: e.conflict,
                                    givenNames: e.givenNames?.rawValue, address: e.address?.rawValue)
        }
    }

    /// results.md §2.1: the boxes sealed to the recipient for each granted field that names a
    /// sealed attribute of a linked row, base64; nil when there are none. The coordinator cannot
    /// open them; it only moves them.
    static func sealedFields(_ l: RowLinks, granted: Set<String>) -> [String: [String]]? {
        let out = l.sealed.filter { granted.contains($0.key) && !$0.value.isEmpty }
            .mapValues { $0.map { Data($0).base64EncodedString() } }
        return out.isEmpty ? nil : out
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
