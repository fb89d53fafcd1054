import Agreements
import Foundation
import Parties
import Sodium
import Wire

/// The privacy officer's check of a recipient's sealed result against the log and the agreement
/// (`Protocols/log.md` §6): it opens under the recipient's key with the coordinator's signature,
/// its hash is the one the log's `result.sealed` event holds, and it carries only what the
/// agreement grants.
public enum ResultAudit {
    /// One problem found: a stable code and a reason naming the file's part.
    public struct Problem: Equatable, Sendable {
        public let code: String
        public let reason: String
    }

    /// Checks the sealed result at `path`; no problem means it passed.
    public static func check(path: String, keys: PartyKeys, coordinator: Ed25519.PublicKey, report: LogReport,
                             agreements: [String: Agreement]) -> [Problem] {
        func problem(_ code: String, _ reason: String) -> Problem { Problem(code: code, reason: reason) }
        let document: [UInt8]
        do { document = try SealedResult.open(path: path, key: keys.sealing, coordinator: coordinator) } catch let e as WireError {
            return [problem("result-unopenable", e.reason)]
        } catch { return [problem("result-unopenable", "the file does not open as a sealed result")] }
        let json: JSONValue, doc: ResultDocument
        do {
            json = try JSONReader.parse(Data(document))
            doc = try ResultDocument(json: json)
        } catch {
            return [problem("result-malformed", "not a \(ResultDocument.format) document")]
        }
        guard doc.recipient == keys.party else { return [problem("result-foreign", "sealed to \(keys.party) but names recipient \(doc.recipient)")] }
        guard let a = agreements[doc.agreement], let o = a.outputs.first(where: { $0.name == doc.output }) else {
            return [problem("result-unknown", "output \(doc.output) of \(doc.agreement) is not in the agreements given")]
        }
        var problems: [Problem] = []
        if o.recipient != doc.recipient { problems.append(problem("unauthorised-release", "output \(doc.output) is for \(o.recipient), not \(doc.recipient)")) }
        let hash = (try? Data(contentsOf: URL(fileURLWithPath: path))).map { Hex.encode(SHA256.hash(Array($0))) }
        let logged = report.agreements.first { $0.id == doc.agreement }?.releases.filter { $0.output == doc.output && $0.recipient == doc.recipient } ?? []
        if !logged.contains(where: { $0.hash == hash && $0.runID == doc.runID }) {
            problems.append(problem("result-not-logged", "no result.sealed event of \(doc.agreement)/\(doc.output) for \(doc.recipient) carries this file's hash"))
        }
        return problems + contents(doc, json: json, output: o)
    }

    /// What the document carries against what output `o` grants (log.md §6.1): an aggregate no
    /// count below k (`cells`, and a standing run's `tieCounts`, results.md §5.2) and no rows; a
    /// per-record row only granted members, and a tie only granted attributes (results.md §5.1).
    static func contents(_ doc: ResultDocument, json: JSONValue, output o: Agreement.Output) -> [Problem] {
        func problem(_ code: String, _ reason: String) -> Problem { Problem(code: code, reason: reason) }
        var problems: [Problem] = []
        if o.kind == .aggregate {
            let k = o.k ?? 1
            for cell in doc.cells ?? [] {
                if let n = cell.count, n < k { problems.append(problem("small-count", "cell \(cell.a)+\(cell.b) shows \(n), below k = \(k)")) }
            }
            for c in doc.tieCounts ?? [] {
                if let n = c.count, n < k { problems.append(problem("small-count", "tie count \(c.party) \(c.kind) shows \(n), below k = \(k)")) }
            }
            if doc.rows != nil { problems.append(problem("result-rows-in-aggregate", "an aggregate output carries rows")) }
        } else {
            // Members are checked on the JSON itself, so a member the typed document does not know is seen too.
            // results.md §2.1: `sealed` carries granted attributes only, by name.
            let granted = Set(o.fields ?? ["matchKind"])
            let allowed = granted.union(["row", "sealed"])
            for row in json["rows"]?.array ?? [] {
                let sealedNames = Set(row["sealed"]?.object?.keys.map { "sealed." + $0 } ?? [])
                let tieNames = (row["ties"]?.array ?? []).flatMap { t in
                    (t["attributes"]?.object?.keys.map { $0 } ?? []) + (t["sealed"]?.object?.keys.map { $0 } ?? [])
                }
                let extra = Set(row.object?.keys.map { $0 } ?? []).subtracting(allowed)
                    .union(sealedNames.subtracting(granted.map { "sealed." + $0 }))
                    .union(Set(tieNames).subtracting(granted).map { "ties." + $0 })
                if !extra.isEmpty {
                    problems.append(problem("field-not-granted", "row \(row["row"]?.int.map(String.init) ?? "?") carries \(extra.sorted().joined(separator: ", ")), which the agreement does not grant"))
                    break
                }
            }
        }
        return problems
    }
}