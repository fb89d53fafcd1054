import Agreements
import Foundation

/// Builds each output's document from a run's linkage (`Protocols/results.md` §2–§3). A
/// per-record output carries only the recipient's own row numbers and the fields the agreement
/// grants; an aggregate output carries counts with cells below k suppressed. No output carries
/// an encoding, a pseudonym or another party's row.
public enum ResultBuilder {
    public static let format = "korskoll-result-v1"

    static func band(_ score: Double) -> String {
        let lo = min(0.95, (score * 20).rounded(.down) / 20)
        return String(format: "%.2f-%.2f", lo, lo + 0.05)
    }

    public static func document(output: Agreement.Output, agreement: Agreement, runID: String, submissionIDs: [String: String],
                                linkage: Linkage) throws -> [UInt8] {
        var doc: [String: Any] = [
            "format": format, "agreement": agreement.id, "agreementHash": hex(agreement.hash), "output": output.name,
            "recipient": output.recipient, "kind": output.kind.rawValue, "runID": runID,
        ]
        switch output.kind {
        case .perRecord:
            let fields = Set(output.fields ?? ["matchKind"])
            guard let p = linkage.parties.firstIndex(of: output.recipient) else {
                throw CoordinatorError(.internal, "output \(output.name): recipient \(output.recipient) has no rows in the run")
            }
            doc["submissionID"] = submissionIDs[output.recipient] ?? ""
            doc["fields"] = fields.sorted()
            var rows: [[String: Any]] = []
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
                var row: [String: Any] = ["row": i]
                if fields.contains("matchKind") { row["matchKind"] = kinds }
                if fields.contains("otherParties") { row["otherParties"] = others.sorted() }
                if fields.contains("scoreBand") {
                    row["scoreBand"] = l.exactPerson.isEmpty && l.exactOrganisation.isEmpty
                        ? (l.fuzzy.values.max().map(band) ?? "relation") : "exact"
                }
                if fields.contains("category") && !l.categories.isEmpty { row["category"] = l.categories.sorted() }
                if fields.contains("viaRepresentative") { row["viaRepresentative"] = !l.viaRepresentative.isEmpty }
                rows.append(row)
            }
            doc["rows"] = rows
            doc["matchedRows"] = rows.count
        case .aggregate:
            let k = output.k ?? 1
            doc["k"] = k
            doc["cells"] = linkage.overlapMatrix().sorted { $0.key < $1.key }.map { key, count -> [String: Any] in
                let pair = key.split(separator: "+").map(String.init)
                return count < k ? ["a": pair[0], "b": pair[1], "suppressed": true] : ["a": pair[0], "b": pair[1], "count": count]
            }
        }
        return Array(try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys]))
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

public struct CoordinatorError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case unauthenticated = "auth.failed"
        case forbidden = "auth.forbidden"
        case replay = "auth.replay"
        case badRequest = "request.invalid"
        case notFound = "not-found"
        case conflict = "conflict"
        case tooLarge = "request.too-large"
        case submission = "submission.invalid"
        case agreement = "agreement.invalid"
        case `internal` = "internal"
    }
    public let code: Code
    public let reason: String
    public init(_ code: Code, _ reason: String) { self.code = code; self.reason = reason }
    public var description: String { reason }
}
