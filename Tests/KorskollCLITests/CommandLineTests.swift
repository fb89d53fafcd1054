import Foundation
import Testing

/// Runs the built `korskoll` executable as a user would.
struct Korskoll {
    static let executable: URL = {
        // The test bundle sits beside the products in the build directory.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("korskoll")
    }()

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    static func run(_ arguments: [String], stdin: String = "") throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }
}

@Suite(.serialized) struct CommandLineTests {
    @Test func idsNormalizePrintsOneLinePerInputInOrder() throws {
        let input = ["811228-9841", "", "000229+2399", "19090527+1474", "880527-T281", "811228\u{2013}9841", "x"]
        let r = try Korskoll.run(["ids", "normalize", "--kind", "person", "--ref-date", "2025-06-15"],
                                 stdin: input.joined(separator: "\n") + "\n")
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == input.count)
        #expect(lines[0] == "198112289841")
        #expect(lines[1] == "!is empty")
        #expect(lines[2] == "!1900 has no 29 February")
        #expect(lines[3] == "190905271474")
        #expect(lines[4].hasPrefix("!is an interim or reserve number"))
        #expect(lines[5] == "198112289841")
        #expect(lines[6].hasPrefix("!contains 'x'"))
    }

    @Test func idsNormalizeHandlesCRLFAndOrganisations() throws {
        let r = try Korskoll.run(["ids", "normalize", "--kind", "org"], stdin: "556016-0680\r\n165560160680\r\n556016+0680")
        #expect(r.status == 0)
        #expect(r.stdout == "165560160680\n165560160680\n!an organisationsnummer is never written with '+'\n")
    }

    @Test func badReferenceDateNamesTheFlag() throws {
        let r = try Korskoll.run(["ids", "normalize", "--kind", "person", "--ref-date", "2025-02-30"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--ref-date"))
    }

    /// The main job end to end: every node step is its own process against a coordinator process,
    /// the three example agreements standing over three rounds (Protocols/standing.md).
    @Test func demoRunsEndToEndAndFindsNoIdentifierInStorage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-demo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Korskoll.run(["demo", "--people", "3000", "--seed", "5", "--workdir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Verified: no anomalies."))
        #expect(r.stdout.contains("refused requests"), "the refusals are listed as refusals, not anomalies")
        #expect(r.stdout.contains("storage scan: clean"))
        #expect(r.stdout.contains("refused with 403 and logged"))
        // Every round runs every agreement; lists stand when unchanged and are replaced when not.
        for k in 1...3 { #expect(r.stdout.contains("== Round \(k) of 3"), "round \(k)") }
        #expect(r.stdout.contains("its list stands") && r.stdout.contains("replaces the standing one"))
        #expect(r.stdout.contains("continuing"), "a tie of round 1 continues in a later round")
        // The bad input of standing agreements, each refused with its code and logged.
        for code in ["list.role", "list.stale", "agreement.expired", "report.duplicate", "auth.forbidden"] {
            #expect(r.stdout.contains(code), "\(code) refused and listed")
        }
        #expect(r.stdout.contains("never tied in any result: refused"))
        #expect(r.stdout.contains("released the joint report of watchlist-fk-2026 for 2026-H2"))
        // standing.md §1.3: the aggregate recipients find their counts of other parties' checks,
        // one per run, and the log shows each fetch.
        #expect(r.stdout.components(separatedBy: "polisen       fetched 1 new polisen-count").count == 4, "the police fetch each round's count, once")
        #expect(r.stdout.contains("ivo           fetched 2 new ivo-count"), "IVO fetches the count of fk's and af's checks")
        #expect(r.stdout.contains("polisen fetched 3 polisen-count aggregates, the log shows 3 fetches of them"))
        #expect(!r.stdout.contains("MISMATCH"))
        for file in ["coordinator/coordinator.sqlite", "nodes/fk/results/watchlist-fk-2026/round-1/fk/fk-matched-rows.csv",
                     "nodes/fk/results/watchlist-fk-2026/round-3/fk/fk-matched-rows.csv", "nodes/fk/state/checkpoints.json",
                     "population/round-3/truth/ties.csv", "reports/watchlist-fk-2026-2026-H2/report.csv",
                     "reports/reentry-2026-2026-H2/report.txt", "officer-report.html"] {
            #expect(FileManager.default.fileExists(atPath: "\(dir)/\(file)"), "\(file) missing")
        }
        // The result CSV holds fk's own record ids, never another party's, each with its mark.
        let csv = try String(contentsOfFile: "\(dir)/nodes/fk/results/watchlist-fk-2026/round-3/fk/fk-matched-rows.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first?.hasSuffix(",status") == true)
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("FK") && ($0.hasSuffix(",new") || $0.hasSuffix(",continuing") || $0.hasSuffix(",ended")) })
    }

    /// node.md §12: `--all-new` fetches every output of every new run, so it takes neither an
    /// output nor a check; without it an output is required. Each refusal names the flag.
    @Test func nodeResultsAllNewRefusesAnOutputOrACheckAndNamesTheFlag() throws {
        let common = ["node", "results", "--coordinator-url", "http://127.0.0.1:1", "--key", "k.json", "--coordinator-key", "c.json",
                      "--agreement-id", "a", "--state", "s", "--out", "o"]
        let withOutput = try Korskoll.run(common + ["--all-new", "--output", "polisen-count"])
        #expect(withOutput.status != 0 && withOutput.stderr.contains("--output"), "\(withOutput.stderr)")
        let withCheck = try Korskoll.run(common + ["--all-new", "--check", "00"])
        #expect(withCheck.status != 0 && withCheck.stderr.contains("--check"), "\(withCheck.stderr)")
        let neither = try Korskoll.run(common)
        #expect(neither.status != 0 && neither.stderr.contains("--output is required"), "\(neither.stderr)")
    }

    @Test func coordinatorServeNamesWhatIsMissing() throws {
        let r = try Korskoll.run(["coordinator", "serve"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--data"))
    }

    @Test func keysGenerateWritesProtectedSecretAndPrintsNoSecret() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-cli-\(UUID().uuidString)")
        let r = try Korskoll.run(["keys", "generate", "--party", "polisen", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let secret = dir.appendingPathComponent("polisen.secret.json")
        let attributes = try FileManager.default.attributesOfItem(atPath: secret.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: secret)) as! [String: String]
        #expect(!r.stdout.contains(json["ed25519Seed"]!))
        #expect(!r.stdout.contains(json["x25519Secret"]!))

        let registry = dir.appendingPathComponent("registry.json").path
        let add = try Korskoll.run(["keys", "register", "--registry", registry, "--public",
                                    dir.appendingPathComponent("polisen.public.json").path, "--role", "node",
                                    "--name", "Polismyndigheten"])
        #expect(add.status == 0, "\(add.stderr)")
        let again = try Korskoll.run(["keys", "register", "--registry", registry, "--public",
                                      dir.appendingPathComponent("polisen.public.json").path, "--role", "node",
                                      "--name", "Polismyndigheten"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already in the registry"))

        let twice = try Korskoll.run(["keys", "generate", "--party", "polisen", "--out", dir.path])
        #expect(twice.status != 0)
        #expect(twice.stderr.contains("never overwritten"))

        let bad = try Korskoll.run(["keys", "generate", "--party", "Bad Name", "--out", dir.path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--party"))
    }
}

@Suite struct ClkEncodeCommandTests {
    let dir: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-clk-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    func write(_ name: String, _ text: String) -> String {
        let path = dir.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    let schema = """
    {"version": 3, "clkConfig": {"l": 64, "kdf": {"type": "HKDF"}}, "features": [
     {"identifier": "id", "ignored": true},
     {"identifier": "dob", "format": {"type": "date", "format": "%Y-%m-%d"}, "hashing": {"comparison": {"type": "ngram", "n": 1, "positional": true}, "strategy": {"bitsPerToken": 2}}}]}
    """

    @Test func encodesEveryRowInOrderAndDropsOneTrailingNewlineOfTheSecret() throws {
        let out = dir.appendingPathComponent("clks.json").path
        let a = try Korskoll.run(["clk", "encode", "--schema", write("s.json", schema), "--secret-file", write("k", "secret\n"),
                                  "--input", write("d.csv", "id,dob\n1,1970-01-31\n2,2001-12-09\n"), "--output", out])
        #expect(a.status == 0, "\(a.stderr)")
        let clks = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: URL(fileURLWithPath: out)))["clks"]
        #expect(clks?.count == 2)
        let b = try Korskoll.run(["clk", "encode", "--schema", write("s.json", schema), "--secret-file", write("k2", "secret"),
                                  "--input", write("d.csv", "id,dob\n1,1970-01-31\n2,2001-12-09\n"), "--output", out + "2"])
        #expect(b.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: out + "2")))
    }

    @Test func aBadRowStopsTheRunNamesItsLineAndWritesNothing() throws {
        let out = dir.appendingPathComponent("bad.json").path
        let r = try Korskoll.run(["clk", "encode", "--schema", write("s.json", schema), "--secret-file", write("k", "secret"),
                                  "--input", write("d.csv", "id,dob\n1,1970-01-31\n2,1970-02-30\n"), "--output", out])
        #expect(r.status != 0)
        #expect(r.stderr.contains("line 3"))
        #expect(r.stderr.contains("field 'dob'"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func aHeaderThatDoesNotMatchTheSchemaIsRefused() throws {
        let r = try Korskoll.run(["clk", "encode", "--schema", write("s.json", schema), "--secret-file", write("k", "secret"),
                                  "--input", write("d.csv", "id,birth\n1,1970-01-31\n"), "--output", dir.appendingPathComponent("x").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("the schema's features are id,dob"))
    }
}
