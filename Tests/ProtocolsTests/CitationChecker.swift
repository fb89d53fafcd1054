/// Spec citations in code, and whether they resolve.
///
/// A citation is a Markdown file name followed by one or more section numbers:
/// ```
/// citation = file [ "`" ] { " " } [ newline comment-marks ] section { list-sep section }
/// file     = [ "Protocols/" | "Keys/" ] name ".md"     (also written `name.md`)
/// section  = "§" digits { "." digits }
/// list-sep = { " " } ( "–" | "-" | "," | ", and" | "and" ) { " " }
/// ```
/// The section may start the next comment line (`(Protocols/log.md` / `/// §4)`). A bare `x.md`
/// means `Protocols/x.md`, `README.md` alone the top-level README, `Keys/README.md` itself.
/// A section resolves when a heading of the file starts with its number (`## 2.`, `### 2.1`),
/// outside fenced code. `IDENTIFIERS.md` is outside the repository: every mention is a problem.
enum CitationChecker {
    /// One cited section: `Sources/Wire/Framing.swift:33` cites `Protocols/wire.md` §1.
    struct Citation: Hashable, CustomStringConvertible {
        var file: String
        var line: Int
        /// The file as resolved inside the repository (`Protocols/clk.md`).
        var document: String
        var section: String

        var description: String { "\(file):\(line): \(document) §\(section)" }
    }

    /// A citation that leads nowhere.
    struct Problem: Hashable, CustomStringConvertible {
        enum Kind: Hashable { case missingSection, missingDocument, outsideRepository }
        var citation: Citation
        var kind: Kind

        var description: String {
            let c = citation
            switch kind {
            case .missingSection:
                return "\(c.file):\(c.line): cites \(c.document) §\(c.section), but \(c.document) has no heading numbered \(c.section)"
            case .missingDocument:
                return "\(c.file):\(c.line): cites \(c.document) §\(c.section), but \(c.document) does not exist"
            case .outsideRepository:
                return "\(c.file):\(c.line): cites IDENTIFIERS.md, a file outside the repository; cite Protocols/identifiers.md"
            }
        }
    }

    /// The repository path a written file name stands for; nil for `IDENTIFIERS.md`.
    static func resolve(_ written: String) -> String? {
        var name = Substring(written)
        while name.hasPrefix("/") { name = name.dropFirst() }
        if name.split(separator: "/").last == "IDENTIFIERS.md" { return nil }
        if name == "README.md" || name.contains("/") { return String(name) }
        return "Protocols/" + name
    }

    /// Every citation in one source text, in order. Mentions of `IDENTIFIERS.md` without a
    /// section come back with section "".
    static func citations(in text: String, file: String) -> [Citation] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        var found: [Citation] = []
        for (index, chars) in lines.enumerated() {
            var i = 0
            while let r = find(".md", in: chars, from: i) {
                i = r + 3
                var start = r
                while start > 0, isNameCharacter(chars[start - 1]) { start -= 1 }
                guard start < r, i == chars.count || !isNameCharacter(chars[i]) else { continue }
                let written = String(chars[start..<i])
                let document = resolve(written) ?? "IDENTIFIERS.md"
                var sections: [String] = []
                var j = i
                if j < chars.count, chars[j] == "`" { j += 1 }
                while j < chars.count, chars[j] == " " { j += 1 }
                if j < chars.count, chars[j] == "§" {
                    sections = parseSections(chars, at: j)
                } else if j == chars.count, index + 1 < lines.count {
                    let next = lines[index + 1]
                    var k = 0
                    while k < next.count, next[k] == " " || next[k] == "/" || next[k] == "*" { k += 1 }
                    if k < next.count, next[k] == "§" { sections = parseSections(next, at: k) }
                }
                if document == "IDENTIFIERS.md" && sections.isEmpty { sections = [""] }
                for section in sections {
                    found.append(Citation(file: file, line: index + 1, document: document, section: section))
                }
            }
        }
        return found
    }

    /// The section numbers that Markdown headings start with, outside fenced code.
    static func headings(in markdown: String) -> Set<String> {
        var numbers: Set<String> = []
        var fenced = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { fenced.toggle(); continue }
            guard !fenced, line.hasPrefix("#") else { continue }
            let chars = Array(line.drop(while: { $0 == "#" }).drop(while: { $0 == " " }))
            if let number = parseNumber(chars, at: 0)?.number { numbers.insert(number) }
        }
        return numbers
    }

    /// The citations that do not resolve. `document` gives a repository file's text, nil when
    /// the file does not exist.
    static func problems(in citations: [Citation], document: (String) -> String?) -> [Problem] {
        var headingsOf: [String: Set<String>] = [:]
        var missing: Set<String> = []
        var problems: [Problem] = []
        for citation in citations {
            if citation.document == "IDENTIFIERS.md" {
                problems.append(Problem(citation: citation, kind: .outsideRepository))
                continue
            }
            if headingsOf[citation.document] == nil, !missing.contains(citation.document) {
                if let text = document(citation.document) {
                    headingsOf[citation.document] = headings(in: text)
                } else {
                    missing.insert(citation.document)
                }
            }
            guard let headings = headingsOf[citation.document] else {
                problems.append(Problem(citation: citation, kind: .missingDocument))
                continue
            }
            if !headings.contains(citation.section) {
                problems.append(Problem(citation: citation, kind: .missingSection))
            }
        }
        return problems
    }

    // MARK: lexing

    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == "/")
    }

    private static func find(_ needle: String, in chars: [Character], from: Int) -> Int? {
        let n = Array(needle)
        guard chars.count >= n.count, from <= chars.count - n.count else { return nil }
        for p in from...(chars.count - n.count) where chars[p..<p + n.count].elementsEqual(n) { return p }
        return nil
    }

    /// `digits { "." digits }` at `at`; a trailing "." is not part of the number.
    private static func parseNumber(_ chars: [Character], at: Int) -> (number: String, end: Int)? {
        func isDigit(_ p: Int) -> Bool { p < chars.count && chars[p].isASCII && chars[p].isNumber }
        guard isDigit(at) else { return nil }
        var k = at
        while isDigit(k) || (k < chars.count && chars[k] == "." && isDigit(k + 1)) { k += 1 }
        return (String(chars[at..<k]), k)
    }

    /// `§N[.M…]` and any `–§M`, `, §M`, `and §M` that follow it.
    private static func parseSections(_ chars: [Character], at start: Int) -> [String] {
        var sections: [String] = []
        var k = start
        while k < chars.count, chars[k] == "§", let (number, end) = parseNumber(chars, at: k + 1) {
            sections.append(number)
            var m = end
            while m < chars.count, chars[m] == " " { m += 1 }
            guard m < chars.count, ["–", "-", "—", ","].contains(chars[m]) || chars[m...].starts(with: "and ") else { break }
            m += chars[m] == "a" ? 3 : 1
            while m < chars.count, chars[m] == " " { m += 1 }
            if chars[m...].starts(with: "and ") { m += 4 }
            k = m
        }
        return sections
    }
}
