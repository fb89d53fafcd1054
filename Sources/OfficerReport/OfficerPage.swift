import Agreements
import ProtocolLog

/// The privacy officer's report (`korskoll log verify … --html`): one self-contained HTML page
/// with no script, font, image or network reference; inline CSS and inline SVG only. Every text
/// from outside (party names, reasons, agreement text) is escaped. The verdict comes first
/// (Protocols/log.md §6.3), then the anomalies in plain words, the refusals (§6.4), and one
/// section per agreement.
public enum OfficerPage {
    /// Rows of a long list shown on the page; the JSON report (`--json`) has them all.
    public static let listCap = 300

    /// The page for `input` in `lang`.
    public static func html(_ input: OfficerReportInput, lang: ReportLanguage = .sv) -> String {
        var w = HTMLWriter()
        let t = { (k: ReportText) in k.text(lang) }
        w.raw("<!DOCTYPE html>\n<html lang=\"\(lang.rawValue)\"><head><meta charset=\"utf-8\">")
        w.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        w.raw("<title>")
        w.text("\(t(.title)) — \(verdictWord(input.verdict, lang))")
        w.raw("</title><style>\(Style.css)</style></head><body>")
        w.element("h1", "", t(.title))
        var meta = "\(t(.bundle)): \(input.bundleName)"
        if case .report(let r) = input.outcome { meta += " · \(t(.origin)): \(r.origin)" }
        if let g = input.generatedAt { meta += " · \(t(.generatedAt)): \(formatTime(g))" }
        w.element("p", "class=\"meta\"", meta)
        verdictBanner(&w, input, lang)
        switch input.outcome {
        case .broken:
            w.element("h2", "", t(.agreementsGiven))
            w.element("p", "class=\"muted\"", t(.givenButBroken))
            for given in input.agreements {
                AgreementPage(given: given, section: nil, report: nil, input: input, lang: lang).render(&w)
            }
        case .report(let report):
            summary(&w, report, lang)
            anomalies(&w, report.anomalies, input, lang)
            refusals(&w, report, input, lang)
            if !input.keyHolders.isEmpty { keyHolders(&w, input.keyHolders, lang) }
            let sections = Dictionary(report.agreements.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for given in input.agreements {
                AgreementPage(given: given, section: sections[given.agreement.id], report: report, input: input, lang: lang).render(&w)
            }
        }
        w.raw("<footer>")
        w.element("h3", "", t(.howToRead))
        w.element("p", "", t(.howToReadText))
        w.raw("</footer></body></html>\n")
        return w.html
    }

    /// The verdict as one word (or a few) in `lang`.
    public static func verdictWord(_ v: LogVerdict, _ lang: ReportLanguage) -> String {
        switch v {
        case .verified: ReportText.verdictVerified.text(lang)
        case .anomalies: ReportText.verdictAnomalies.text(lang)
        case .broken: ReportText.verdictBroken.text(lang)
        }
    }

    static func verdictBanner(_ w: inout HTMLWriter, _ input: OfficerReportInput, _ lang: ReportLanguage) {
        let v = input.verdict
        w.raw("<section class=\"verdict \(v.rawValue)\" id=\"verdict\" data-verdict=\"\(v.rawValue)\">")
        w.raw(icon(v))
        w.raw("<div>")
        w.element("div", "class=\"word\"", verdictWord(v, lang))
        switch v {
        case .verified: w.element("p", "", ReportText.verdictVerifiedText.text(lang))
        case .anomalies:
            let n = if case .report(let r) = input.outcome { r.anomalies.count } else { 0 }
            w.element("p", "", "\(ReportText.verdictAnomaliesText.text(lang)) (\(n))")
        case .broken: w.element("p", "", ReportText.verdictBrokenText.text(lang))
        }
        if case .broken(let code, let reason) = input.outcome {
            w.raw("<p class=\"reason\"><b>")
            w.text(ReportText.brokenReason.text(lang))
            w.raw(":</b> ")
            w.text(reason)
            w.raw(" <code>")
            w.text(code)
            w.raw("</code></p>")
        }
        w.element("p", "class=\"reason muted\"", "\(ReportText.exitCode.text(lang)): \(v.exitCode) (Protocols/log.md §6.3)")
        w.raw("</div></section>")
    }

    /// A tick, an exclamation mark or a cross, drawn inline.
    static func icon(_ v: LogVerdict) -> String {
        let mark = switch v {
        case .verified: "<path d=\"M18 33 l9 9 l19 -20\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"6\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>"
        case .anomalies: "<path d=\"M32 16 v20\" stroke=\"currentColor\" stroke-width=\"6\" stroke-linecap=\"round\"/><circle cx=\"32\" cy=\"46\" r=\"3.5\" fill=\"currentColor\"/>"
        case .broken: "<path d=\"M21 21 l22 22 M43 21 l-22 22\" stroke=\"currentColor\" stroke-width=\"6\" stroke-linecap=\"round\"/>"
        }
        return "<svg viewBox=\"0 0 64 64\" aria-hidden=\"true\"><circle cx=\"32\" cy=\"32\" r=\"29\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"4\"/>\(mark)</svg>"
    }

    static func summary(_ w: inout HTMLWriter, _ r: LogReport, _ lang: ReportLanguage) {
        let t = { (k: ReportText) in k.text(lang) }
        var facts: [(ReportText, Int)] = [(.entries, r.entries), (.checkpoints, r.checkpoints), (.agreement, r.agreements.count),
                                          (.anomalies, r.anomalies.count), (.refusalsTotal, r.refusalCount)]
        if r.nodeCheckpointsChecked > 0 { facts.append((.nodeCheckpoints, r.nodeCheckpointsChecked)) }
        if r.resultsChecked > 0 { facts.append((.resultsChecked, r.resultsChecked)) }
        if !r.recoveries.isEmpty { facts.append((.recoveries, r.recoveries.count)) }
        w.element("h2", "", t(.summary))
        w.raw("<ul class=\"facts\">")
        for (k, v) in facts {
            w.raw("<li><b>\(grouped(v))</b>")
            w.text(t(k))
            w.raw("</li>")
        }
        w.raw("</ul>")
    }

    /// Which agreement an anomaly belongs to: the agreement its entry names, else one whose id
    /// its reason mentions (retention and sealed-result findings carry no entry).
    static func agreementOf(_ a: LogReport.Anomaly, _ input: OfficerReportInput) -> String? {
        if let s = a.seq, let id = input.entryAgreements[s] { return id }
        return input.agreements.map(\.agreement.id).sorted { $0.count > $1.count }.first { a.reason.contains($0) }
    }

    /// The anomalies as a table: entry, agreement, plain words, code, the verifier's reason.
    static func anomalyTable(_ w: inout HTMLWriter, _ list: [LogReport.Anomaly], _ input: OfficerReportInput, _ lang: ReportLanguage, showAgreement: Bool) {
        let t = { (k: ReportText) in k.text(lang) }
        let rows: [[HTMLWriter.Cell]] = list.prefix(listCap).map { a in
            var row: [HTMLWriter.Cell] = [.number(a.seq.map(String.init) ?? "—")]
            if showAgreement { row.append(.text(agreementOf(a, input) ?? t(.wholeLog))) }
            row += [.text(AnomalyText.sentence(a.code, lang) ?? t(.anomalyUnknown)), .markup("<code>\(escapeHTML(a.code))</code>"), .text(a.reason)]
            return row
        }
        w.table([t(.entry)] + (showAgreement ? [t(.agreementCol)] : []) + [t(.meaning), t(.code), t(.detail)], rows, cssClass: "anomaly-table")
        if list.count > listCap { w.element("p", "class=\"muted\"", ReportText.moreRows.text(lang, String(list.count - listCap))) }
    }

    static func anomalies(_ w: inout HTMLWriter, _ list: [LogReport.Anomaly], _ input: OfficerReportInput, _ lang: ReportLanguage) {
        w.raw("<section id=\"anomalies\">")
        w.element("h2", "", "\(ReportText.anomalies.text(lang)) (\(list.count))")
        if list.isEmpty { w.element("p", "class=\"ok\"", ReportText.noAnomalies.text(lang)) } else { anomalyTable(&w, list, input, lang, showAgreement: true) }
        w.raw("</section>")
    }

    static func refusals(_ w: inout HTMLWriter, _ r: LogReport, _ input: OfficerReportInput, _ lang: ReportLanguage) {
        let t = { (k: ReportText) in k.text(lang) }
        w.raw("<section id=\"refusals\">")
        w.element("h2", "", "\(t(.refusals)) (\(grouped(r.refusalCount)))")
        guard !r.refusals.isEmpty else { w.element("p", "class=\"muted\"", t(.noRefusals)); w.raw("</section>"); return }
        w.element("p", "", t(.refusalsIntro))
        var perDay: [String: Int] = [:]
        for f in r.refusals { perDay[formatDay(f.time), default: 0] += f.count }
        let days = perDay.keys.sorted()
        w.raw(Chart.columns(days.map { Chart.Bar(label: String($0.dropFirst(5)), value: perDay[$0]!, series: 2, title: "\($0): \(perDay[$0]!)") },
                            legend: [], caption: t(.refusalsPerDay), empty: t(.chartEmpty)))
        refusalTable(&w, r.refusals, lang)
        // Anyone can name any agreement id (Protocols/log.md §6.4): say so when someone did.
        let given = Set(input.agreements.map(\.agreement.id))
        if r.refusals.contains(where: { $0.agreement.map { !given.contains($0) } ?? false }) {
            w.element("p", "class=\"muted\"", "\(t(.unknownAgreements)): \(t(.unknownAgreementsText))")
        }
        w.raw("</section>")
    }

    /// The key holders (Protocols/keyholder.md §6.1): per holder, its log's size, the dealt key
    /// it loaded per agreement and from whom, the identifiers it evaluated per agreement and
    /// party (with a chart), and its refusals.
    static func keyHolders(_ w: inout HTMLWriter, _ sections: [KeyHolderAudit.Section], _ lang: ReportLanguage) {
        let t = { (k: ReportText) in k.text(lang) }
        w.raw("<section id=\"key-holders\">")
        w.element("h2", "", t(.keyHolders))
        w.element("p", "", t(.keyHoldersIntro))
        for s in sections.sorted(by: { $0.holder < $1.holder }) {
            w.element("h3", "", "\(t(.keyHolder)) \(s.holder)")
            w.element("p", "class=\"meta\"", "\(t(.entries)): \(grouped(s.entries)) · \(t(.checkpoints)): \(grouped(s.checkpoints))")
            let keys: [[HTMLWriter.Cell]] = s.dealtKeys.sorted { $0.key < $1.key }.map { id, k in
                [.text(id), .text(k.dealer), .text(String(k.hash.prefix(16)) + "…")]
            }
            if !keys.isEmpty { w.table([t(.agreementCol), t(.dealer), t(.dealtKey)], keys) }
            var bars: [Chart.Bar] = [], notes: [String] = []
            var rows: [[HTMLWriter.Cell]] = []
            for (agreement, byParty) in s.evaluated.sorted(by: { $0.key < $1.key }) {
                for (party, n) in byParty.sorted(by: { $0.key < $1.key }) {
                    rows.append([.text(agreement), .text(party), .number(grouped(n))])
                    bars.append(Chart.Bar(label: party, value: n, series: bars.count % 2, title: "\(agreement) · \(party): \(n)"))
                    notes.append(grouped(n))
                }
            }
            if rows.isEmpty {
                w.element("p", "class=\"muted\"", t(.noEvaluations))
            } else {
                w.raw(Chart.rows(bars, notes: notes, caption: t(.evaluatedPerParty), empty: t(.chartEmpty)))
                w.table([t(.agreementCol), t(.party), t(.evaluated)], rows)
            }
            if s.refusals.isEmpty { w.element("p", "class=\"muted\"", t(.noRefusals)) } else { refusalTable(&w, s.refusals, lang) }
        }
        w.raw("</section>")
    }

    static func refusalTable(_ w: inout HTMLWriter, _ list: [LogReport.Refusal], _ lang: ReportLanguage) {
        let t = { (k: ReportText) in k.text(lang) }
        let rows: [[HTMLWriter.Cell]] = list.prefix(listCap).map { f in
            [.number(String(f.seq)), .text(formatTime(f.time)), .text(f.agreement ?? "—"), .text(f.party ?? "—"), .number(grouped(f.count)),
             .text(refusalWhat(f))]
        }
        w.table([t(.entry), t(.time), t(.agreementCol), t(.party), t(.count), t(.reason)], rows)
        if list.count > listCap { w.element("p", "class=\"muted\"", ReportText.moreRows.text(lang, String(list.count - listCap))) }
    }

    /// A refusal's code and reason, or an aggregated window's counts by code.
    static func refusalWhat(_ f: LogReport.Refusal) -> String {
        if let by = f.byCode, f.count > 1 || f.type == LogEvent.Kind.refusalsAggregated.rawValue {
            return by.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return [f.code ?? f.type, f.reason].compactMap { $0 }.joined(separator: ": ")
    }
}
