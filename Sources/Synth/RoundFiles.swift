import Foundation
import Tabular

/// The files of a round (`Protocols/synth.md` §9.4).
extension Rounds {
    static let decisionMapping = #"{"format": "korskoll-mapping-v1", "delimiter": ",", "recordId": "beslut_id", "person": "personnummer", "organisation": "organisationsnummer", "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodelsedatum"}, "attributes": {"decision": "decision", "decided": "decided"}}"#
    static let tiesHeader = ["agreement", "register", "recordId", "referenceRegister", "referenceRecordId", "kind"]
    static let reentriesHeader = ["register", "recordId", "barredRegister", "barredRecordId", "decision", "kind"]
    /// The registers whose new rows make a subjects check each round.
    static let checked = ["fk", "af"]

    /// Writes round `k` into `dir`. Round 1's seven registers and truth are there already; it
    /// gains the decision lists and the checks, and their rows in `truth/rows.csv`.
    func write(round k: Int, dir: String) throws {
        let fm = FileManager.default
        let registers = dir + "/registers", truth = dir + "/truth"
        let table = tablesInOrder()
        if k == 1 {
            guard let handle = FileHandle(forWritingAtPath: truth + "/rows.csv") else { throw SynthError("cannot append to \(truth)/rows.csv") }
            handle.seekToEndOfFile()
            var text = ""
            for t in table where !Synthesizer.registerIDs.contains(t.id) { for r in t.rows { text += CSVWriter.line(truthRow(t, r)) } }
            handle.write(Data(text.utf8))
            handle.closeFile()
        } else {
            try fm.createDirectory(atPath: registers, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: truth, withIntermediateDirectories: true)
            for t in table where Synthesizer.registerIDs.contains(t.id) { try write(t, rows: t.rows[...], to: "\(registers)/\(t.id).csv") }
            try Synthesizer.writeMappings(registers, scaleAgencies: 0)
            let first = URL(fileURLWithPath: dir).deletingLastPathComponent().appendingPathComponent("round-1/truth").path
            for file in ["people.csv", "family.csv"] { try fm.copyItem(atPath: "\(first)/\(file)", toPath: "\(truth)/\(file)") }
            try writeOrganisations(truth)
            let rows = try CSVFileWriter(path: truth + "/rows.csv", header: ["register", "record_id", "person", "organisation", "corruptions"])
            for t in table { for r in t.rows { try rows.write(truthRow(t, r)) } }
            try rows.close()
        }
        for t in table where !Synthesizer.registerIDs.contains(t.id) {
            try write(t, rows: t.rows[...], to: "\(registers)/\(t.id).csv")
            try Data((Rounds.decisionMapping + "\n").utf8).write(to: URL(fileURLWithPath: "\(registers)/\(t.id).mapping.json"))
        }
        for id in Rounds.checked {
            let t = tableNamed(id)
            try write(t, rows: t.checkRows, to: "\(registers)/\(id)-check.csv")
            try fm.copyItem(atPath: "\(registers)/\(id).mapping.json", toPath: "\(registers)/\(id)-check.mapping.json")
        }
        setCounts(round: k, registers: Dictionary(uniqueKeysWithValues: table.map { ($0.id, $0.rows.count) }),
                  checks: Dictionary(uniqueKeysWithValues: Rounds.checked.map { ($0, tableNamed($0).checkRows.count) }))
    }

    private func truthRow(_ t: Table, _ r: KeptRow) -> [String] {
        [t.id, r.record, r.person.map(String.init) ?? "", r.organisation.map(String.init) ?? "", r.corruptions]
    }

    private func write(_ t: Table, rows: ArraySlice<KeptRow>, to path: String) throws {
        let csv = try CSVFileWriter(path: path, header: t.header, delimiter: t.delimiter.asciiValue!)
        for r in rows { try csv.write(r.fields) }
        try csv.close()
    }

    /// `truth/organisations.csv` and `truth/representatives.csv` as the round stands: the
    /// companies founded since round 1 at the end, permits revoked since marked.
    private func writeOrganisations(_ truth: String) throws {
        let orgTruth = try CSVFileWriter(path: truth + "/organisations.csv", header: [
            "organisation", "number", "name", "kind", "form", "employees", "crime_tied", "permit_revoked", "successor_of"])
        let repTruth = try CSVFileWriter(path: truth + "/representatives.csv", header: ["organisation", "person", "role"])
        for o in organisationsNow {
            try orgTruth.write([String(o.index), o.number.canonical, o.name, o.kind.rawValue, o.form.rawValue, String(o.employees),
                                o.crimeTied ? "1" : "", o.permitRevoked ? "1" : "", o.successorOf.map(String.init) ?? ""])
            for rep in o.representatives { try repTruth.write([String(o.index), String(rep.person), rep.role.rawValue]) }
        }
        try orgTruth.close()
        try repTruth.close()
    }

    /// `truth/ties.csv` and `truth/reentries.csv`; returns the number of re-entries.
    func writeTruth(_ ties: [RoundTruth.Tie], dir: String) throws -> Int {
        let out = try CSVFileWriter(path: dir + "/ties.csv", header: Rounds.tiesHeader)
        let reentries = try CSVFileWriter(path: dir + "/reentries.csv", header: Rounds.reentriesHeader)
        for t in ties {
            try out.write([t.agreement, t.register, t.record, t.referenceRegister, t.referenceRecord, t.kind])
            guard t.agreement == "reentry" else { continue }
            let decision = tableNamed(t.referenceRegister).rows[t.referenceRow].fields[6]
            try reentries.write([t.register, t.record, t.referenceRegister, t.referenceRecord, decision, t.kind])
        }
        try out.close()
        try reentries.close()
        return reentries.rows
    }
}
