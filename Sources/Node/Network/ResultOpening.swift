import Agreements
import CoordinatorClient
import Foundation
import Parties
import ProtocolLog
import Sodium
import Tabular
import Wire

/// Fetching, verifying and opening this party's result, and mapping its rows back to local
/// record ids (`Protocols/results.md` §4).
public enum ResultOpening {
    /// What was written: `<output>.kkr` as received, `<output>.json` (the verified document) and
    /// `<output>.csv`.
    public struct Opened: Sendable {
        public let document: ResultDocument
        public let csvPath: String
        /// Per-record outputs: matched rows per match kind.
        public let rowsByKind: [String: Int]
        /// Aggregate outputs: each cell as the CSV shows it (`<k` when suppressed).
        public let cells: [(a: String, b: String, count: String)]
    }

    /// Fetches the sealed result of `output`, keeps the fetch's receipt in the node's log book,
    /// opens it with this party's key and the coordinator's signature, checks that it is this
    /// party's document of this agreement and output, and writes it into `out`. A per-record
    /// output needs `encoded`, the directory `node encode` wrote, whose row map it is read with.
    /// With `check`, the result is that of the run of one list or check of a standing agreement
    /// (Protocols/standing.md §1.2).
    public static func fetch(client: CoordinatorClient, coordinator: PartyPublicKeys, agreementID: String, output: String,
                             encoded: String?, state: String, out: String, check: String? = nil) throws -> Opened {
        let fetched = try check.map { try client.checkResult(agreement: agreementID, submissionID: $0, output: output) }
            ?? client.result(agreement: agreementID, output: output)
        var book = try NodeLogBook(directory: state, coordinator: coordinator)
        _ = try book.keep(fetched.receipt, name: "result-\(agreementID)-\(check.map { "\($0)-" } ?? "")\(output)", consistency: client.consistency)
        // Result files hold record ids and granted categories: only this node's user reads them
        // (results.md §4): the directory is 0700 and every file 0600.
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: out)
        } catch {
            throw NodeError(.output, "cannot create \(out) with mode 0700")
        }
        let sealedPath = "\(out)/\(output).kkr"
        try write(fetched.sealed, to: sealedPath)
        let document = try SealedResult.open(path: sealedPath, key: client.keys.sealing, coordinator: coordinator.signing)
        guard let doc = try? ResultDocument.read(Data(document)), doc.format == ResultDocument.format, doc.agreement == agreementID,
              doc.recipient == client.keys.party, doc.output == output else {
            throw NodeError(.result, "the result is not a \(ResultDocument.format) document for \(client.keys.party), \(agreementID), \(output)")
        }
        try write(Data(document), to: "\(out)/\(output).json")
        let csvPath = "\(out)/\(output).csv"
        if doc.kind == "aggregate" {
            let k = doc.k.map(String.init) ?? "k"
            // results.md §4: a standing run's aggregate counts ties per reference party and tie
            // kind (§5.2), written as `party,tie,count`; a one-shot overlap matrix as `a,b,count`.
            let standing = doc.tieCounts != nil
            let cells = standing
                ? (doc.tieCounts ?? []).map { c in (a: c.party, b: c.kind, count: c.suppressed == true ? "<\(k)" : c.count.map(String.init) ?? "") }
                : (doc.cells ?? []).map { c in (a: c.a, b: c.b, count: c.suppressed == true ? "<\(k)" : c.count.map(String.init) ?? "") }
            let writer = try CSVFileWriter(path: csvPath, header: standing ? ["party", "tie", "count"] : ["a", "b", "count"])
            for c in cells { try writer.write([c.a, c.b, c.count]) }
            try writer.close()
            try restrict(csvPath)
            return Opened(document: doc, csvPath: csvPath, rowsByKind: [:], cells: cells)
        }
        guard let encoded else { throw NodeError(.result, "a per-record result needs the directory with this party's rowmap.csv (--encoded)") }
        struct Summary: Decodable { let submissionID: String }
        let summary = try? JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: encoded + "/" + Ingest.summaryFile)))
        guard summary?.submissionID == doc.submissionID else {
            throw NodeError(.result, "the result is for submission \(doc.submissionID ?? "?"), not the one in \(encoded)")
        }
        let map = try RowMap(path: encoded + "/" + Ingest.rowMapFile)
        // results.md §4: a granted `evidence` field adds an `evidence` and a `conflict` column; a
        // standing result's `ties`, a `tiedTo` and a `tieKinds` column (§5.3).
        let fields = doc.csvFields
        let opened = try openSealed(doc, encoded: encoded, key: client.keys.sealing, me: client.keys.party)
        // node.md §9.2: a standing result's rows get their status against this node's earlier
        // checks, ended rows appended; the single run of a v1/v2 agreement has no history to
        // follow (a national one-shot result holds half a million rows).
        let followed = doc.check == nil ? nil
            : try ResultHistory.follow(doc, map: map, state: state, node: client.keys, now: UInt64(Date().timeIntervalSince1970))
        let byKind = try writeRecords(doc, fields: fields, map: map, opened: opened, followed: followed, to: csvPath)
        return Opened(document: doc, csvPath: csvPath, rowsByKind: byKind, cells: [])
    }

    /// results.md §4: writes the per-record CSV `record_id,line,<fields>` (mode 0600), each row's
    /// record id from `map` and each field's value as the document gives it, merged with the
    /// sealed values `openSealed` opened for it; with `followed` (a standing result) a `status`
    /// column with each row's mark (node.md §9.2), the records that ended appended. Returns the
    /// rows per match kind.
    static func writeRecords(_ doc: ResultDocument, fields: [String], map: RowMap, opened: [[String: [String]]],
                             followed: (marks: [String: ResultHistory.Mark], ended: [(line: String, record: String)])? = nil,
                             to csvPath: String) throws -> [String: Int] {
        let writer = try CSVFileWriter(path: csvPath, header: ["record_id", "line"] + fields + (followed == nil ? [] : ["status"]))
        var byKind: [String: Int] = [:]
        for (n, r) in (doc.rows ?? []).enumerated() {
            guard map.entries.indices.contains(r.row) else { throw NodeError(.result, "result row \(r.row) is not in the row map") }
            let (line, record) = map.entries[r.row]
            try writer.write([record, line] + fields.map { f in
                guard let values = opened[n][f] else { return r.value(f) }
                let plain = r.value(f)
                return (plain.isEmpty ? values : Array(Set(values).union(plain.split(separator: ";").map(String.init))).sorted()).joined(separator: ";")
            } + (followed.map { [$0.marks[record]?.rawValue ?? ""] } ?? []))
            for k in r.matchKind ?? [] { byKind[k, default: 0] += 1 }
        }
        for e in followed?.ended ?? [] { try writer.write([e.record, e.line] + fields.map { _ in "" } + [ResultHistory.Mark.ended.rawValue]) }
        try writer.close()
        try restrict(csvPath)
        return byKind
    }

    /// results.md §4.1: opens every sealed value of `doc` with this party's key and checks that
    /// it is one the agreement (kept by `node encode` in `encoded`, its hash the document's)
    /// declares for that attribute, sealed to this party. Per row, by field: the distinct values,
    /// sorted. A box that does not open or a value outside the declared set refuses the result:
    /// no CSV is written with a value that no party agreed to.
    static func openSealed(_ doc: ResultDocument, encoded: String, key: X25519.PrivateKey, me: String) throws -> [[String: [String]]] {
        let rows = doc.rows ?? []
        guard rows.contains(where: { $0.sealed != nil }) else { return rows.map { _ in [:] } }
        let path = encoded + "/" + Ingest.agreementFile
        guard let bytes = FileManager.default.contents(atPath: path), let agreement = try? Agreement(json: bytes, source: path) else {
            throw NodeError(.result, "the result carries sealed attributes, but \(path) (the agreement node encode kept) cannot be read")
        }
        guard Hex.encode(agreement.hash) == doc.agreementHash else {
            throw NodeError(.result, "the result is for another version of agreement \(doc.agreement) than \(path)")
        }
        return try rows.map { r in
            var out: [String: [String]] = [:]
            for (name, boxes) in r.sealed ?? [:] {
                // The values any other party declares for `name`, sealed to this party.
                let allowed = Set(agreement.parties.filter { $0.id != me }.compactMap { $0.attribute(name) }
                    .filter { $0.sealedTo.contains(me) }.flatMap(\.values))
                guard !allowed.isEmpty else { throw NodeError(.result, "result row \(r.row): no party seals an attribute '\(name)' to \(me)") }
                var values = Set<String>()
                for b in boxes {
                    guard let box = Data(base64Encoded: b) else { throw NodeError(.result, "result row \(r.row): a sealed \(name) value is not base64") }
                    let v: String
                    do { v = try SealedAttribute.open(Array(box), with: key) } catch let e as WireError {
                        throw NodeError(.result, "result row \(r.row): a sealed \(name) value: \(e.reason)")
                    }
                    guard v.isEmpty || allowed.contains(v) else {
                        throw NodeError(.result, "result row \(r.row): a sealed \(name) value is not one the agreement declares (\(allowed.sorted().joined(separator: ", "))); nothing was written")
                    }
                    if !v.isEmpty { values.insert(v) }
                }
                out[name] = values.sorted()
            }
            return out
        }
    }

    /// Writes `data` to a file created 0600 (replacing an earlier fetch's).
    static func write(_ data: Data, to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw NodeError(.output, "cannot write \(path)")
        }
    }

    static func restrict(_ path: String) throws {
        do { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) } catch {
            throw NodeError(.output, "cannot make \(path) private (mode 0600)")
        }
    }
}
