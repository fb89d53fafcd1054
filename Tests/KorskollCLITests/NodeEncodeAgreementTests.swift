import Foundation
import Identifiers
import Sodium
import Testing
import TestSupport

/// `node encode --agreement` (Protocols/node.md §5): the police's export under the example
/// watchlist agreement, whose category is sealed to fk.
@Suite(.serialized) struct NodeEncodeAgreementTests {
    @Test func theCategoryIsCheckedAndSealedAndUndeclaredAttributesStopTheRun() throws {
        let dir = NSTemporaryDirectory() + "korskoll-cli-agreement-" + Hex.encode(Random.bytes(8))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (party, role) in [("polisen", "node"), ("fk", "node"), ("coordinator", "coordinator")] {
            #expect(try Korskoll.run(["keys", "generate", "--party", party, "--out", dir]).status == 0)
            #expect(try Korskoll.run(["keys", "register", "--registry", "\(dir)/registry.json", "--public", "\(dir)/\(party).public.json", "--role", role, "--name", party]).status == 0)
        }
        let agreement = Vectors.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Protocols/agreements/watchlist-fk-2026.agreement.json").path
        try Data(Random.bytes(32)).write(to: URL(fileURLWithPath: "\(dir)/secret"))
        chmod("\(dir)/secret", 0o600)
        let pins = SkatteverketTestNumbers.personnummer
        try Data("id;pnr;kat\nA;\(pins[0]);aktiv\nB;\(pins[1]);\"=HYPERLINK(\"\"http://x/?pnr=1\"\")\"\nC;\(pins[2]);\n".utf8)
            .write(to: URL(fileURLWithPath: "\(dir)/export.csv"))
        func encode(_ mapping: String, out: String, extra: [String]) throws -> Korskoll.Result {
            try Data(mapping.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(out).mapping.json"))
            return try Korskoll.run(["node", "encode", "--input", "\(dir)/export.csv", "--mapping", "\(dir)/\(out).mapping.json",
                                     "--linkage-secret-file", "\(dir)/secret", "--key", "\(dir)/polisen.secret.json",
                                     "--coordinator", "\(dir)/coordinator.public.json", "--ref-date", "2026-11-23", "--out", "\(dir)/\(out)"] + extra)
        }
        let category = #"{"format": "korskoll-mapping-v1", "delimiter": ";", "recordId": "id", "person": "pnr", "attributes": {"category": "kat"}}"#
        // Without --agreement, attributes cannot be checked: refused.
        let bare = try encode(category, out: "bare", extra: ["--agreement-id", "watchlist-fk-2026"])
        #expect(bare.status != 0 && bare.stderr.contains("--agreement"), "\(bare.stderr)")
        // Sealing to fk needs fk's key from the registry.
        let noRegistry = try encode(category, out: "noreg", extra: ["--agreement", agreement])
        #expect(noRegistry.status != 0 && noRegistry.stderr.contains("--registry"), "\(noRegistry.stderr)")
        let good = try encode(category, out: "good", extra: ["--agreement", agreement, "--registry", "\(dir)/registry.json"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("rows submitted  2") && good.stdout.contains("row.attribute-value: 1"), "\(good.stdout)")
        let rejects = try String(contentsOfFile: "\(dir)/good/rejects.csv", encoding: .utf8)
        #expect(rejects.contains("3,kat,row.attribute-value,") && rejects.contains("HYPERLINK"), "\(rejects)")
        // An attribute the agreement does not declare for the police stops the run, naming it.
        let smuggled = try encode(#"{"format": "korskoll-mapping-v1", "delimiter": ";", "recordId": "id", "person": "pnr", "attributes": {"surname_plain": "kat"}}"#,
                                  out: "smuggled", extra: ["--agreement", agreement, "--registry", "\(dir)/registry.json"])
        #expect(smuggled.status != 0 && smuggled.stderr.contains("surname_plain"), "\(smuggled.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/smuggled"))
    }
}
