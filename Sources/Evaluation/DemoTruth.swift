import Agreements
import Foundation
import Tabular

/// The demo's ground truth (`truth/` of `korskoll synth`) and what it checks against it.
public struct DemoTruth {
    public struct Row: Sendable { public let person: Int?; public let organisation: Int? }
    public var rows: [String: [String: Row]] = [:]          // register → record id → truth
    public var identityStrings = Set<String>()               // every true number in every written form
    public var soleTraderOwner: [Int: Int] = [:]             // organisation → owner (their number is the owner's)

    /// Reads `truth/` as `korskoll synth` wrote it.
    public init(directory: String) throws {
        let reader = try CSVReader(path: directory + "/rows.csv")
        _ = try reader.next()
        while let r = try reader.next() {
            rows[r.fields[0], default: [:]][r.fields[1]] = Row(person: Int(r.fields[2]), organisation: Int(r.fields[3]))
        }
        let people = try CSVReader(path: directory + "/people.csv")
        _ = try people.next()
        var personOfNumber: [String: Int] = [:]
        while let r = try people.next() {
            personOfNumber[r.fields[1]] = Int(r.fields[0])
            for n in [r.fields[1], r.fields[2]] where n.count == 12 {
                identityStrings.insert(n)
                identityStrings.insert(String(n.dropFirst(2)))
            }
        }
        let orgs = try CSVReader(path: directory + "/organisations.csv")
        _ = try orgs.next()
        while let r = try orgs.next() {
            identityStrings.insert(r.fields[1])
            if r.fields[1].count == 10 { identityStrings.insert("16" + r.fields[1]) }
            if r.fields[1].count == 12, let o = Int(r.fields[0]), let owner = personOfNumber[r.fields[1]] { soleTraderOwner[o] = owner }
        }
    }

    /// Precision and recall counts, as `match quality` keeps them.
    public typealias Quality = Counts

    /// Row-level precision and recall of a per-record result: a row truly matches when its person
    /// or organisation is in another party's export (or, with relations, one of its organisation's
    /// representatives as the parties' own rows record them).
    public func evaluate(resultCSV: String, party: String, agreement: Agreement, relations: Bool) throws -> Quality {
        var persons: [String: Set<Int>] = [:], orgs: [String: Set<Int>] = [:]
        var reps: [Int: Set<Int>] = [:]
        for p in agreement.partyIDs {
            for (_, r) in rows[p] ?? [:] {
                if let x = r.person { persons[p, default: []].insert(x) }
                if let o = r.organisation { orgs[p, default: []].insert(o) }
                if let x = r.person, let o = r.organisation { reps[o, default: []].insert(x) }
            }
        }
        let others = agreement.partyIDs.filter { $0 != party }
        var actual = Set<String>()
        for (record, r) in rows[party] ?? [:] {
            let hit = others.contains { q in
                if let x = r.person, persons[q]?.contains(x) == true { return true }
                if let o = r.organisation, orgs[q]?.contains(o) == true { return true }
                // A sole trader's number is its owner's: the exact join links them (node.md §2.2).
                if let o = r.organisation, let owner = soleTraderOwner[o], persons[q]?.contains(owner) == true { return true }
                if let x = r.person, orgs[q]?.contains(where: { soleTraderOwner[$0] == x }) == true { return true }
                if relations, let o = r.organisation {
                    for rep in reps[o] ?? [] where rep != r.person { if persons[q]?.contains(rep) == true { return true } }
                }
                return false
            }
            if hit { actual.insert(record) }
        }
        let reader = try CSVReader(path: resultCSV)
        _ = try reader.next()
        var q = Quality()
        q.actual = actual.count
        while let r = try reader.next() {
            q.predicted += 1
            if actual.contains(r.fields[0]) { q.truePositives += 1 }
        }
        return q
    }

    /// Every file under `directory`, searched for the true identity numbers in 10- and 12-digit
    /// forms, with or without a separator. Returns (files, bytes, hits).
    public func scanForIdentifiers(_ directory: String) throws -> (Int, Int, [String]) {
        var files = 0, bytes = 0
        var hits: [String] = []
        let e = FileManager.default.enumerator(atPath: directory)
        while let rel = e?.nextObject() as? String {
            let path = directory + "/" + rel
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            files += 1
            bytes += data.count
            // Digits with at most one '-' or '+' inside, as maximal runs.
            var run: [UInt8] = []
            func flush() {
                let digits = run.filter { $0 >= 48 && $0 <= 57 }
                if digits.count == 10 || digits.count == 12 {
                    let s = String(decoding: digits, as: UTF8.self)
                    if identityStrings.contains(s) { hits.append("\(rel): \(s.prefix(4))…") }
                }
                run.removeAll(keepingCapacity: true)
            }
            for b in data {
                if b >= 48 && b <= 57 { run.append(b) }
                else if (b == 45 || b == 43) && !run.isEmpty && !run.contains(45) && !run.contains(43) { run.append(b) }
                else if !run.isEmpty { flush() }
            }
            flush()
        }
        return (files, bytes, hits)
    }
}
