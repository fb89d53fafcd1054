import Agreements
import CoordinatorClient
import Foundation
import KeyHolding
import OPRF
import Sodium

/// The bad input of standing agreements (issue list in Protocols/standing.md): each is refused
/// with its reason, logged, and leaves nothing stored; and the key holders' two refusals.
extension DemoRun {
    func standingRefusals() throws {
        step("Bad input, refused and logged")
        let (watchPath, watch) = agreement("watchlist-fk-2026")
        let finalRound = rounds

        // A reference list from a party whose role is not reference: fk sends its check to /lists.
        let fkEncoded = "\(node("fk"))/\(watch.id)/round-\(finalRound)/fk"
        do {
            _ = try CoordinatorClient(url: url, keys: partyKeys["fk"]!).submitList(agreement: watch.id, file: fkEncoded + "/submission.kks")
            throw failure("the coordinator stored fk's rows as a reference list of \(watch.id)")
        } catch let e as CoordinatorClient.Failure {
            print("  fk sent its rows to \(watch.id) as a list (fk holds only the subjects role): \(e.status) \(e.code)")
            print("    \(e.reason.prefix(150))")
        }

        // A party that is not the recipient asks for fk's result of its last check.
        struct Last: Decodable { let submissionID: String }
        let last = try JSONDecoder().decode(Last.self, from: Data(contentsOf: URL(fileURLWithPath: "\(node("fk"))/state/last-submission-\(watch.id).json")))
        let stolen = try korskollRefused(["node", "results", "--standing", "--check", last.submissionID, "--coordinator-key", coordinatorPublic,
                                          "--agreement-id", watch.id, "--output", "fk-matched-rows", "--state", "\(node("polisen"))/state-probe",
                                          "--out", "\(node("polisen"))/stolen"] + conn("polisen"), label: "polisen: fetch fk-matched-rows")
        guard stolen.status != 0 else { throw failure("polisen fetched fk-matched-rows, which is for fk") }
        print("  polisen tried to fetch fk-matched-rows of fk's check (for fk): refused with 403 and logged")

        // A replacement list older than the standing one: two encodings, the later sent first.
        let older = try encode(Plan(party: "polisen", register: "polisen", kind: "list"), watch, path: watchPath, round: finalRound, suffix: "-older")
        Thread.sleep(forTimeInterval: 1.1)
        let newer = try encode(Plan(party: "polisen", register: "polisen", kind: "list"), watch, path: watchPath, round: finalRound, suffix: "-newer")
        func submitList(_ encoded: String) throws -> (status: Int32, out: String, err: String) {
            try korskollRefused(["node", "submit", "--coordinator-key", coordinatorPublic, "--agreement-id", watch.id, "--agreement", watchPath,
                                 "--as", "list", "--submission", encoded, "--state", "\(node("polisen"))/state"] + conn("polisen"), label: "polisen: node submit")
        }
        guard try submitList(newer).status == 0 else { throw failure("polisen's refreshed list was refused") }
        let stale = try submitList(older)
        guard stale.status != 0 else { throw failure("the coordinator replaced polisen's list with an older one") }
        print("  polisen sent a list made before the one standing: refused; the newer list stands")
        print("    " + Self.lastLine(stale.err))

        // A check under an agreement whose validity has ended.
        let expired = try expiredAgreement()
        let expiredCheck = try encode(Plan(party: "fk", register: "fk", kind: "check"), expired.agreement, path: expired.path, round: finalRound)
        let refused = try korskollRefused(["node", "submit", "--coordinator-key", coordinatorPublic, "--agreement-id", expired.agreement.id,
                                           "--agreement", expired.path, "--as", "check", "--submission", expiredCheck,
                                           "--state", "\(node("fk"))/state-expired"] + conn("fk"), label: "fk: node submit")
        guard refused.status != 0 else { throw failure("the coordinator accepted a check under \(expired.agreement.id), which has expired") }
        print("  fk checked under \(expired.agreement.id) (valid until \(expired.agreement.validity!.until)): refused")
        print("    " + Self.lastLine(refused.err))
    }

    /// A standing agreement whose validity ended last year: registered and keyed while it ran (its
    /// registration and ceremony are in the log), then past its end.
    func expiredAgreement() throws -> (path: String, agreement: Agreement) {
        let path = "\(dir)/agreements/watchlist-fk-2025.agreement.json"
        guard var doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(repo)/Protocols/agreements/watchlist-fk-2026.agreement.json"))) as? [String: Any] else {
            throw failure("the watchlist agreement is not a JSON object")
        }
        doc["id"] = "watchlist-fk-2025"
        doc["validity"] = ["from": "2025-01-01", "until": "2025-12-31"]
        doc["purpose"] = "The 2025 pilot of the watchlist check; its validity has ended."
        try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        try sign(path)
        let a = agreements.last!.agreement
        try korskoll(["agreement", "register", "--agreement", path] + conn("polisen"), label: "polisen: agreement register")
        try korskoll(["node", "ceremony", "--lead", "--registry", registryPath, "--agreement", path,
                      "--secret-out", "\(node("polisen"))/\(a.id).secret"] + conn("polisen"), label: "polisen: key ceremony")
        try korskoll(["node", "ceremony", "--registry", registryPath, "--agreement", path,
                      "--secret-out", "\(node("fk"))/\(a.id).secret"] + conn("fk"), label: "fk: key ceremony")
        return (path, a)
    }

    /// The last line of a refused command's standard error, without progress lines.
    static func lastLine(_ text: String) -> String {
        String(text.split(separator: "\n").filter { !$0.contains("rows read") && !$0.contains("%") }.last ?? "").prefix(200).description
    }

    func keyHolderRefusals() throws {
        step("Key-holder refusals")
        let (oprfPath, a) = agreement(Self.oprfAgreement)
        let capped = a.parties[0].id
        let cap = a.blinding.oprf!.caps[capped]!
        do {
            // A node asks beyond its cap: one batch of cap + 1 blinded elements to kh2.
            let elements = try (0...cap).flatMap { _ in try OPRFClient.blind(Random.bytes(16), suite: .voprf).blindedElement.bytes }
            let client = KeyHolderClient(holder: "kh2", url: keyHolderURLs["kh2"]!, keys: partyKeys[capped]!)
            do {
                _ = try client.evaluate(agreement: Self.oprfAgreement, elements: elements)
                throw failure("kh2 evaluated \(cap + 1) identifiers for \(capped), over its cap of \(cap)")
            } catch let e as CoordinatorClient.Failure {
                guard e.status == 429 else { throw failure("kh2 refused \(capped)'s over-cap batch with \(e.status) \(e.code), not 429") }
                print("  \(capped) asked kh2 for \(cap + 1) identifiers, over its cap of \(cap) per round: refused and logged by kh2")
                print("    kh2 answered \(e.status) \(e.code): \(e.reason.prefix(150))")
            }
        }
        // A key holder answers with a wrong key: kh1 restarted with a share of an earlier ceremony.
        let staleDir = dir + "/dealt-earlier"
        _ = try dealtKey(staleDir)
        let (staleProcess, staleURL) = try startKeyHolder("kh1", data: "\(dir)/keyholders/kh1-earlier-share/data", shares: staleDir)
        var urls = keyHolderURLs
        urls["kh1"] = staleURL
        let fkNode = node("fk")
        let probe = "\(fkNode)/\(Self.oprfAgreement)-probe"
        let mapping = try Self.mapping(for: a, party: "fk", from: "\(registers(rounds))/fk.mapping.json", to: "\(fkNode)/\(Self.oprfAgreement)-probe.mapping.json")
        var args = ["node", "encode", "--input", "\(registers(rounds))/fk.csv", "--mapping", mapping,
                    "--schema", "\(repo)/Protocols/schemas/person-v3.json", "--agreement", oprfPath, "--registry", registryPath]
        args += ["--linkage-secret-file", "\(fkNode)/\(Self.oprfAgreement).secret", "--key", "\(fkNode)/keys/fk.secret.json",
                 "--coordinator", coordinatorPublic, "--ref-date", Self.refDate, "--out", probe]
        args += ["--dealt", "\(dealtDir)/\(DealtPublicKey.fileName(agreement: Self.oprfAgreement))", "--key-holders", keyHolderList(urls),
                 "--pseudonym-cache", probe + "-cache"]
        if let b = a.match.blocking { args += ["--blocking", b] }
        try korskoll(args, label: "fk: node encode against a wrong-key kh1")
        let s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: probe + "/summary.json"))) as? [String: Any] ?? [:]
        let refusals = s["keyHolderRefusals"] as? [String] ?? []
        guard let first = refusals.first, first.hasPrefix("kh1: keyholding.proof-failed") else {
            throw failure("the node did not detect kh1's wrong key (refusals: \(refusals))")
        }
        print("  kh1 answered with a key other than its dealt share: fk's node checked the proof against kh1's share public key, refused it and asked kh3")
        print("    " + first.prefix(160))
        print("  fk still got all \(s["pseudonymsEvaluated"] ?? "?") pseudonyms from kh2 and kh3 (probe written to \(probe), not submitted)")
        staleProcess.terminate()
        staleProcess.waitUntilExit()
    }
}
