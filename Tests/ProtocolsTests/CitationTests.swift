import Foundation
import Testing

/// Every spec citation in `Sources/` leads to a heading of a file in the repository.
struct CitationTests {
    /// A citation known to dangle: the source file, the document it cites and the section.
    struct KnownDangling: Hashable, CustomStringConvertible {
        var file: String
        var document: String
        var section: String
        var description: String { "\(file): \(document) §\(section)" }
    }

    /// Citations that still lead nowhere, in modules whose specs are being rewritten. This list
    /// only shrinks: the scan fails on a dangling citation not listed here, and on a listed one
    /// that resolves now.
    static let knownDangling: Set<KnownDangling> = []

    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func readDocument(_ path: String) -> String? {
        try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Repository-relative paths of every `.swift` file under `Sources/`, sorted.
    static func sourceFiles() throws -> [String] {
        let sources = root.appendingPathComponent("Sources")
        guard let walk = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else {
            throw CocoaError(.fileReadNoSuchFile)
        }
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return walk.compactMap { ($0 as? URL)?.standardizedFileURL.path }
            .filter { $0.hasSuffix(".swift") }
            .map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
            .sorted()
    }

    @Test func everyCitedSectionInSourcesIsAHeading() throws {
        var citations: [CitationChecker.Citation] = []
        for file in try Self.sourceFiles() {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            citations += CitationChecker.citations(in: text, file: file)
        }
        #expect(citations.count > 100, "the scan found only \(citations.count) citations in Sources/")

        let problems = CitationChecker.problems(in: citations, document: Self.readDocument)
        var stillDangling: Set<KnownDangling> = []
        for problem in problems {
            let c = problem.citation
            let key = KnownDangling(file: c.file, document: c.document, section: c.section)
            if Self.knownDangling.contains(key) {
                stillDangling.insert(key)
            } else {
                Issue.record("\(problem)")
            }
        }
        for fixed in Self.knownDangling.subtracting(stillDangling).sorted(by: { $0.description < $1.description }) {
            Issue.record("\(fixed) resolves now: remove it from CitationTests.knownDangling")
        }
    }

    @Test func checkerFindsDanglingCitationsInAnExample() {
        let documents = [
            "Protocols/a.md": """
                # A
                ## 1. One
                ### 1.2 Sub
                ## 2 Two
                ```
                ## 7. Only in a code block
                ```
                """,
            "README.md": "# Project\n## 3. Layout\n",
            "Keys/README.md": "# Keys\n## 4. Rotation\n",
        ]
        let source = """
            // Protocols/a.md §1.2 resolves.
            /// (`a.md` §1, §3 and §2) and Keys/README.md §4, README.md §3.
            /// See (Protocols/a.md
            /// §7): only a code block has it; b.md §1 has no file.
            // IDENTIFIERS.md §2.3 is outside; `Protocols/a.md` §1–§2.
            """
        let citations = CitationChecker.citations(in: source, file: "X.swift")
        #expect(citations.map(\.description) == [
            "X.swift:1: Protocols/a.md §1.2",
            "X.swift:2: Protocols/a.md §1", "X.swift:2: Protocols/a.md §3", "X.swift:2: Protocols/a.md §2",
            "X.swift:2: Keys/README.md §4", "X.swift:2: README.md §3",
            "X.swift:3: Protocols/a.md §7",
            "X.swift:4: Protocols/b.md §1",
            "X.swift:5: IDENTIFIERS.md §2.3",
            "X.swift:5: Protocols/a.md §1", "X.swift:5: Protocols/a.md §2",
        ])
        let problems = CitationChecker.problems(in: citations) { documents[$0] }
        #expect(problems.map(\.description) == [
            "X.swift:2: cites Protocols/a.md §3, but Protocols/a.md has no heading numbered 3",
            "X.swift:3: cites Protocols/a.md §7, but Protocols/a.md has no heading numbered 7",
            "X.swift:4: cites Protocols/b.md §1, but Protocols/b.md does not exist",
            "X.swift:5: cites IDENTIFIERS.md, a file outside the repository; cite Protocols/identifiers.md",
        ])
    }

    @Test func headingNumbersAreReadFromTheStartOfAHeading() {
        let headings = CitationChecker.headings(in: "# Title\n## 2. Encoding\n### 2.10 Notes\n#### 4.3.1. Deep\nText §5\n## Sources\n")
        #expect(headings == ["2", "2.10", "4.3.1"])
    }
}
