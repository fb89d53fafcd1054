import Foundation
import Sodium
#if canImport(Glibc)
import Glibc
#endif

/// Where the coordinator keeps files in its data directory (Protocols/api.md §1). The database
/// points at these; no other type builds a path.
struct FileLayout: Sendable {
    let root: String

    var database: String { "\(root)/coordinator.sqlite" }
    var logDirectory: String { "\(root)/log" }
    var incomingDirectory: String { "\(root)/incoming" }

    /// Creates the directories and empties `incoming/`: half-received uploads of a previous
    /// process are never kept (Protocols/api.md §3.3).
    func prepare() throws {
        let fm = FileManager.default
        for sub in ["submissions", "results", "log", "incoming", "staged"] {
            try fm.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
        }
        for f in (try? fm.contentsOfDirectory(atPath: incomingDirectory)) ?? [] { try? fm.removeItem(atPath: "\(incomingDirectory)/\(f)") }
    }

    /// A fresh private name for an upload being received.
    func newIncoming() -> String { "\(incomingDirectory)/\(Hex.encode(Random.bytes(16))).part" }

    /// The directory of an agreement's submissions, created when missing.
    func submissionDirectory(_ agreement: String) throws -> String {
        let dir = "\(root)/submissions/\(agreement)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Where `party`'s accepted submission to `agreement` is kept.
    func submission(agreement: String, party: String) throws -> String { "\(try submissionDirectory(agreement))/\(party).kks" }

    /// The directory of a standing agreement's lists and checks (Protocols/standing.md §3, §4),
    /// created when missing: one file per submission, named by its id.
    func standingDirectory(_ agreement: String) throws -> String {
        let dir = "\(root)/standing/\(agreement)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Where a standing agreement's list or check `submissionID` is kept.
    func standingSubmission(agreement: String, submissionID: String) throws -> String {
        "\(try standingDirectory(agreement))/\(submissionID).kks"
    }

    /// The directory of the sealed results of one standing run (the run of `submissionID`),
    /// created when missing.
    func checkResultDirectory(agreement: String, submissionID: String) throws -> String {
        let dir = "\(root)/results/\(agreement)/checks/\(submissionID)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Where output `output` of the run of `submissionID` is sealed.
    func checkResult(agreement: String, submissionID: String, output: String) -> String {
        "\(root)/results/\(agreement)/checks/\(submissionID)/\(output).kkr"
    }

    /// The directory of an agreement's sealed results, created when missing.
    func resultDirectory(_ agreement: String) throws -> String {
        let dir = "\(root)/results/\(agreement)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Where a registered agreement's document and signatures are staged before its event is
    /// logged (Protocols/api.md §5.1), so that a restart can insert its row from them.
    func stagedAgreement(_ id: String) -> (document: String, signatures: String) {
        ("\(root)/staged/\(id).agreement.json", "\(root)/staged/\(id).signatures.json")
    }

    /// Where a ceremony blob is staged before its event is logged (Protocols/api.md §5.1).
    func stagedCeremony(agreement: String, party: String) -> String { "\(root)/staged/\(agreement).ceremony.\(party).blob" }

    /// Writes the agreement's staged files (mode 0600, written whole by rename).
    func stageAgreement(id: String, document: Data, signatures: Data) throws {
        let paths = stagedAgreement(id)
        try Self.writeWhole(document, to: paths.document)
        try Self.writeWhole(signatures, to: paths.signatures)
    }

    /// Writes a ceremony blob's staged file (mode 0600, written whole by rename).
    func stageCeremony(agreement: String, party: String, blob: Data) throws {
        try Self.writeWhole(blob, to: stagedCeremony(agreement: agreement, party: party))
    }

    static func writeWhole(_ data: Data, to path: String) throws {
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CoordinatorError(.unavailable, "cannot write a staged file; retry later")
        }
        // rename(2) replaces an older staged file atomically.
        guard Glibc.rename(partial, path) == 0 else {
            try? FileManager.default.removeItem(atPath: partial)
            throw CoordinatorError(.unavailable, "cannot write a staged file; retry later")
        }
    }

    /// Where output `output` of `agreement` is sealed (`RunWork.seal` writes it there).
    func result(agreement: String, output: String) -> String { "\(root)/results/\(agreement)/\(output).kkr" }

    /// Replaces every occurrence of the data directory in a text by `<data>`, so that no reason
    /// sent to a client or written into the log names an internal path (Protocols/api.md §4).
    func scrub(_ text: String, upload: String? = nil) -> String {
        var t = text
        if let upload { t = t.replacingOccurrences(of: upload + ": ", with: "").replacingOccurrences(of: upload, with: "the upload") }
        return t.replacingOccurrences(of: root, with: "<data>")
    }
}
