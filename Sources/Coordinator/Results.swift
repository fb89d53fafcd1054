import Agreements
import Foundation
import Matching

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
        var doc: [String: JSONValue] = [
            "format": .string(format), "agreement": .string(agreement.id), "agreementHash": .string(hex(agreement.hash)),
            "output": .string(output.name), "recipient": .string(output.recipient), "kind": .string(output.kind.rawValue),
            "runID": .string(runID),
        ]
        switch output.kind {
        case .perRecord:
            let fields = Set(output.fields ?? ["matchKind"])
            guard let p = linkage.parties.firstIndex(of: output.recipient) else {
                throw CoordinatorError(.internal, "output \(output.name): recipient \(output.recipient) has no rows in the run")
            }
            doc["submissionID"] = .string(submissionIDs[output.recipient] ?? "")
            doc["fields"] = .strings(fields.sorted())
            var rows: [JSONValue] = []
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
                var row: [String: JSONValue] = ["row": .int(i)]
                if fields.contains("matchKind") { row["matchKind"] = .strings(kinds) }
                if fields.contains("otherParties") { row["otherParties"] = .strings(others.sorted()) }
                if fields.contains("scoreBand") {
                    row["scoreBand"] = .string(l.exactPerson.isEmpty && l.exactOrganisation.isEmpty
                        ? (l.fuzzy.values.max().map(band) ?? "relation") : "exact")
                }
                if fields.contains("category") && !l.categories.isEmpty { row["category"] = .strings(l.categories.sorted()) }
                if fields.contains("viaRepresentative") { row["viaRepresentative"] = .bool(!l.viaRepresentative.isEmpty) }
                rows.append(.object(row))
            }
            doc["matchedRows"] = .int(rows.count)
            doc["rows"] = .array(rows)
        case .aggregate:
            let k = output.k ?? 1
            doc["k"] = .int(k)
            doc["cells"] = .array(linkage.overlapMatrix().sorted { $0.key < $1.key }.map { key, count -> JSONValue in
                let pair = key.split(separator: "+").map(String.init)
                return .object(count < k ? ["a": .string(pair[0]), "b": .string(pair[1]), "suppressed": .bool(true)]
                                         : ["a": .string(pair[0]), "b": .string(pair[1]), "count": .int(count)])
            })
        }
        var out: [UInt8] = []
        JSONValue.object(doc).write(to: &out)
        return out
    }
}

/// The JSON of result documents, written directly: objects with their keys in byte order, no
/// white space (`results.md` §2). Foundation's `JSONSerialization` took minutes for a result of a
/// million rows.
enum JSONValue {
    case string(String), int(Int), bool(Bool), array([JSONValue]), object([String: JSONValue])

    static func strings(_ s: [String]) -> JSONValue { .array(s.map(JSONValue.string)) }

    func write(to out: inout [UInt8]) {
        switch self {
        case .string(let s): Self.write(string: s, to: &out)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (n, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(string: key, to: &out)
                out.append(UInt8(ascii: ":"))
                members[key]!.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// RFC 8259 §7: quote, backslash and control characters escaped; everything else as UTF-8.
    static func write(string s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
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
