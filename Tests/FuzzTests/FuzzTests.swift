import Foundation
import Testing

/// The fuzz targets of Tests/Fuzz/README.md, run with seeded mutations. One test per target, so a
/// failure names the parser; serialized, because the crash reporter holds one input at a time.
@Suite(.serialized)
struct FuzzTests {
    /// Every parser of outside input returns or throws its module's error for every input, never
    /// traps or hangs, and what it accepts survives its writer (where the format has one).
    @Test(arguments: FuzzTargets.all.map(\.name))
    func parserReturnsOrThrowsItsOwnError(target: String) {
        FuzzEngine.run(FuzzTargets.named(target))
    }

    /// The committed seeds named `valid-*` are accepted by their target, so the corpus starts from
    /// inputs that reach deep into each parser. With `KORSKOLL_FUZZ_WRITE_SEEDS=1` the real writers
    /// first add the seeds that are missing, with `=all` they write every seed again
    /// (Tests/Fuzz/make-seeds.sh); sealed seeds differ at each writing (fresh stream keys).
    @Test func validSeedsAreAccepted() throws {
        FuzzFiles.prepare()
        defer { FuzzFiles.clean() }
        if let mode = ProcessInfo.processInfo.environment["KORSKOLL_FUZZ_WRITE_SEEDS"], mode == "1" || mode == "all" {
            for (target, seeds) in try FuzzSeeds.all() {
                let dir = FuzzEngine.root.appendingPathComponent(target)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for (name, bytes) in seeds {
                    let url = dir.appendingPathComponent(name)
                    if mode == "all" || !FileManager.default.fileExists(atPath: url.path) { try Data(bytes).write(to: url) }
                }
            }
        }
        for target in FuzzTargets.all {
            let dir = FuzzEngine.root.appendingPathComponent(target.name)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("valid-") }) ?? []
            #expect(!names.isEmpty, "Tests/Fuzz/\(target.name) has no valid-* seed")
            for name in names.sorted() {
                let bytes = Array(try Data(contentsOf: dir.appendingPathComponent(name)))
                #expect(throws: Never.self, "Tests/Fuzz/\(target.name)/\(name)") { try target.body(bytes) }
            }
        }
    }
}
