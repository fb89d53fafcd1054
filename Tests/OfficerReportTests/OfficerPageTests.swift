import Agreements
import Foundation
import ProtocolLog
import Sodium
import Testing
@testable import OfficerReport

@Suite struct OfficerPageTests {
    /// The page for the fixture's current log, verified (the verification must not throw).
    func page(_ f: ReportFixture, _ lang: ReportLanguage = .sv) throws -> (String, LogReport) {
        let (report, bundle) = try f.verify().get()
        let input = OfficerReportInput(report: report, bundle: bundle, agreements: [(f.agreement, f.signatures)], registry: f.registry,
                                       bundleName: "log.bundle", generatedAt: ReportFixture.t0)
        return (OfficerPage.html(input, lang: lang), report)
    }

    /// The text of the first element with `id="…"` up to its closing `</section>`.
    func section(_ html: String, _ id: String) -> String {
        guard let start = html.range(of: "id=\"\(id)\"") else { return "" }
        let rest = html[start.lowerBound...]
        return String(rest[..<(rest.range(of: "</section>")?.upperBound ?? rest.endIndex)])
    }

    @Test func verifiedLogShowsTheVerdictFirst() throws {
        let f = try ReportFixture()
        try f.lawfulHistory()
        let (html, report) = try page(f)
        #expect(report.verdict == .verified)
        let verdict = try #require(html.range(of: "data-verdict=\"verified\""))
        let firstAgreement = try #require(html.range(of: "id=\"agreement-watch-2026\""))
        #expect(verdict.lowerBound < firstAgreement.lowerBound)
        #expect(section(html, "verdict").contains("Verifierad"))
        #expect(html.contains("Inga avvikelser."))
        #expect(html.contains("Watchlist check."))
        // The timeline: registration, ceremony, submissions, run, release, fetch (twice), refusal, deletion.
        for word in ["Avtalet registrerat", "Nyckelceremoni", "Inlämning mottagen", "Körning avslutad", "Resultat förseglat",
                     "hämtningar: 2", "Förfrågan avvisad", "Kodade uppgifter raderade"] {
            #expect(html.contains(word), "missing \(word)")
        }
        #expect(html.contains("Uppfyllt: raderades"))
        #expect(html.contains("62\u{202F}000"))
    }

    @Test func anomalyIsExplainedInPlainWordsWithItsEntry() throws {
        let f = try ReportFixture()
        let a = f.agreement.id, t = ReportFixture.t0
        f.log.append(LogEvent(time: t, type: .agreementRegistered, agreement: a, hash: Hex.encode(f.agreement.hash), parties: f.agreement.partyIDs))
        f.log.append(LogEvent(time: t + 20, type: .submissionAccepted, agreement: a, party: f.reference, counts: ["rows": 10]))
        f.log.append(LogEvent(time: t + 40, type: .runStarted, agreement: a, runID: "r1", parties: [f.reference]))
        try f.log.commit()
        for lang in ReportLanguage.allCases {
            let (html, report) = try page(f, lang)
            #expect(report.verdict == .anomalies)
            let anomaly = try #require(report.anomalies.first { $0.code == "run-early" })
            #expect(anomaly.seq == 2)
            let table = section(html, "anomalies")
            #expect(table.contains(try #require(AnomalyText.sentence("run-early", lang))))
            #expect(table.contains("<td class=\"num\">2</td>"))
            #expect(table.contains("watch-2026"))
            #expect(html.contains("data-verdict=\"anomalies\""))
            #expect(html.contains("Protocols/log.md §6.3"))
        }
    }

    @Test func hostileNamesAndReasonsAreEscaped() throws {
        let hostile = "<script>alert('x')</script>"
        let f = try ReportFixture(unregistered: hostile, purpose: "</dd><script>steal()</script>")
        try f.lawfulHistory(caller: hostile)
        let (html, _) = try page(f, .en)
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>bold</b>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(escapeHTML("a\u{0}b\u{1B}c & \"d\"") == "abc &amp; &quot;d&quot;")
    }

    @Test func pageHasNoExternalReference() throws {
        let f = try ReportFixture()
        try f.lawfulHistory()
        for lang in ReportLanguage.allCases {
            let (html, _) = try page(f, lang)
            for banned in ["http://", "https://", "<script", "<link", "<img", "<iframe", "src=\"", "href=\"", "@import", "url(", "@font-face"] {
                #expect(!html.lowercased().contains(banned), "\(lang) page contains \(banned)")
            }
            #expect(html.contains("<style>"))
            #expect(html.contains("<svg"))
            #expect(html.contains("@media print"))
        }
    }

    @Test func bothLanguagesAreComplete() throws {
        let f = try ReportFixture()
        try f.lawfulHistory()
        let (sv, _) = try page(f, .sv)
        let (en, _) = try page(f, .en)
        #expect(sv.contains("<html lang=\"sv\">"))
        #expect(en.contains("<html lang=\"en\">"))
        #expect(sv.contains("Rättslig grund") && !sv.contains("Legal basis"))
        #expect(en.contains("Legal basis") && !en.contains("Rättslig grund"))
        #expect(en.contains("Verified") && en.contains("Met: deleted"))
    }

    @Test func everyStringKeyHasSwedishAndEnglish() {
        for key in ReportText.allCases {
            for lang in ReportLanguage.allCases {
                let text = ReportText.table[key]?[lang] ?? ""
                #expect(!text.trimmingCharacters(in: .whitespaces).isEmpty, "\(key) has no \(lang)")
            }
        }
        #expect(ReportText.table.count == ReportText.allCases.count)
    }

    /// The codes `Sources/ProtocolLog` emits, read from its source: `anomaly(seq, "code", …)` and
    /// `problem("code", …)`.
    static func verifierCodes() throws -> Set<String> {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ProtocolLog")
        var codes: Set<String> = []
        let pattern = try NSRegularExpression(pattern: #"(?:anomaly\([^,()]*,\s*|problem\(|Anomaly\(seq:[^,]*,\s*code:\s*)"([a-z]+(?:-[a-z]+)*)""#)
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                codes.insert(String(text[Range(m.range(at: 1), in: text)!]))
            }
        }
        return codes
    }

    @Test func everyVerifierCodeHasPlainWords() throws {
        let codes = try Self.verifierCodes()
        #expect(codes.count >= 20, "found only \(codes.sorted())")
        for code in codes.sorted() {
            for lang in ReportLanguage.allCases {
                #expect(AnomalyText.sentence(code, lang)?.isEmpty == false, "\(code) has no \(lang) sentence")
            }
        }
        for code in AnomalyText.codes {
            #expect(AnomalyText.sentence(code, .sv) != AnomalyText.sentence(code, .en), "\(code)")
        }
    }

    @Test func brokenLogPageSaysBrokenWithTheReason() throws {
        let f = try ReportFixture()
        try f.lawfulHistory()
        var tampered = f.bundle
        tampered.entries[4] = Array(String(decoding: tampered.entries[4], as: UTF8.self).replacingOccurrences(of: "1000000", with: "1000001").utf8)
        let failure: LogError
        switch f.verify(tampered) {
        case .success: Issue.record("a changed entry verified"); return
        case .failure(let e): failure = e
        }
        let input = OfficerReportInput(broken: failure.code.rawValue, reason: failure.reason, agreements: [(f.agreement, f.signatures)],
                                       registry: f.registry, bundleName: "tampered <bundle>")
        #expect(input.verdict == .broken)
        for lang in ReportLanguage.allCases {
            let html = OfficerPage.html(input, lang: lang)
            let banner = section(html, "verdict")
            #expect(banner.contains(escapeHTML(failure.reason)))
            #expect(banner.contains(OfficerPage.verdictWord(.broken, lang)))
            #expect(banner.contains(": 2 (Protocols/log.md §6.3)"))
            #expect(html.contains("id=\"agreement-watch-2026\""))
            #expect(html.contains("tampered &lt;bundle&gt;"))
            #expect(!html.contains(ReportText.timeline.text(lang)))
            #expect(html.contains("<td class=\"num\">—</td>"), "a broken log says nothing of what was sent")
        }
    }

    @Test func missingSignatureIsShown() throws {
        let f = try ReportFixture(signers: ["polisen"])
        try f.lawfulHistory()
        let (html, report) = try page(f, .en)
        #expect(report.anomalies.contains { $0.code == "agreement-unsigned" })
        #expect(html.contains("Signature missing or invalid for: fk"))
        #expect(html.contains("✗ missing"))
    }

    @Test func lateDeletionIsShownAsLate() throws {
        let f = try ReportFixture()
        try f.lawfulHistory(deleteAfter: 31 * ReportFixture.day)
        let (html, report) = try page(f, .en)
        #expect(report.anomalies.map(\.code) == ["retention-late"])
        #expect(html.contains("Late: deleted"))
        #expect(section(html, "anomalies").contains("watch-2026"))
    }
}

@Suite struct OfficerPageKeyHolderTests {
    /// Issue 18: the officer sees each key holder's log next to the coordinator's — the dealt key
    /// and its dealer, what it evaluated for whom, and its refusals — in the officer's language.
    @Test func keyHoldersAreShownWithEvaluationsAndRefusals() throws {
        let f = try ReportFixture()
        try f.lawfulHistory()
        let (report, bundle) = try f.verify().get()
        var input = OfficerReportInput(report: report, bundle: bundle, agreements: [(f.agreement, f.signatures)], registry: f.registry,
                                       bundleName: "log.bundle", generatedAt: ReportFixture.t0)
        let refusal = LogReport.Refusal(seq: 7, time: ReportFixture.t0, type: "oprf.refused", agreement: "watch-2026", party: "fk",
                                        code: "keyholder.over-cap", reason: "4001 elements over the cap of 4000", count: 1, byCode: nil)
        input.keyHolders = [
            KeyHolderAudit.Section(holder: "kh2", entries: 9, checkpoints: 2,
                                   dealtKeys: ["watch-2026": .init(hash: String(repeating: "ab", count: 32), dealer: "polisen")],
                                   evaluated: ["watch-2026": ["fk": 12_345, "polisen": 678]], refusals: [refusal]),
            KeyHolderAudit.Section(holder: "kh1", entries: 3, checkpoints: 1, evaluated: [:], refusals: []),
        ]
        let sv = OfficerPage.html(input, lang: .sv)
        let section = OfficerPageTests().section(sv, "key-holders")
        #expect(section.contains("Nyckelhållare kh1"))
        #expect(section.contains("Nyckelhållare kh2"))
        #expect(section.range(of: "kh1")!.lowerBound < section.range(of: "kh2")!.lowerBound, "holders in id order")
        #expect(section.contains("12\u{202F}345"))
        #expect(section.contains("polisen"))
        #expect(section.contains("abababababababab…"))
        #expect(section.contains("keyholder.over-cap"))
        #expect(section.contains("Inga beräkningar i loggen."))
        #expect(OfficerPageTests().section(OfficerPage.html(input, lang: .en), "key-holders").contains("Identifiers evaluated"))
        input.keyHolders = []
        #expect(!OfficerPage.html(input, lang: .sv).contains("id=\"key-holders\""))
    }
}
