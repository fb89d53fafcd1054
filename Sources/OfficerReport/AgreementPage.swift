import Agreements
import ProtocolLog
import Sodium

/// One agreement's part of the page: the document (purpose, legal basis, parties, signatures,
/// outputs), what each party sent, retention, charts, the timeline, and its anomalies.
struct AgreementPage {
    let given: OfficerReportInput.GivenAgreement
    /// The verifier's section; nil when the log is broken or never registered the agreement.
    let section: LogReport.AgreementSection?
    let report: LogReport?
    let input: OfficerReportInput
    let lang: ReportLanguage

    var agreement: Agreement { given.agreement }
    func t(_ k: ReportText) -> String { k.text(lang) }

    func render(_ w: inout HTMLWriter) {
        w.raw("<section class=\"agreement\" id=\"agreement-\(escapeHTML(agreement.id))\">")
        w.element("h2", "", "\(t(.agreement)) \(agreement.id) · \(t(.version)) \(agreement.version)")
        if report != nil, section == nil {
            w.raw("<p class=\"bad\">")
            w.text("\(t(.notInLog)). \(t(.notInLogText))")
            w.raw("</p>")
        }
        w.raw("<dl class=\"doc\">")
        for (k, v) in [(t(.purpose), agreement.purpose), (t(.legalBasis), agreement.legalBasis), (t(.coordinator), agreement.coordinator)] {
            w.element("dt", "", k)
            w.element("dd", "", v)
        }
        w.element("dt", "", "SHA-256")
        w.raw("<dd><code>")
        w.text(Hex.encode(agreement.hash))
        w.raw("</code></dd></dl>")
        parties(&w)
        outputs(&w)
        retention(&w)
        if let section {
            charts(&w, section)
            timeline(&w, section)
        }
        if let report {
            let mine = report.anomalies.filter { OfficerPage.agreementOf($0, input) == agreement.id }
            if !mine.isEmpty {
                w.element("h3", "class=\"warn\"", "\(t(.agreementAnomalies)) (\(mine.count))")
                OfficerPage.anomalyTable(&w, mine, input, lang, showAgreement: false)
            }
        }
        w.raw("</section>")
    }

    // MARK: Parties and what they sent

    /// One party of the agreement with what the log says it sent.
    struct PartyRow {
        let party: Agreement.Party
        let signed: Bool
        /// Nil when the log cannot be read: nothing is known of what was sent.
        let submissions: [LogReport.Submission]?
    }

    /// The columns of "what each party sent". A field the verifier's report gains (per
    /// submission or per party) is one more line here.
    static let partyColumns: [(ReportText, @Sendable (PartyRow, ReportLanguage) -> HTMLWriter.Cell)] = [
        (.party, { r, _ in .text(r.party.id) }),
        (.signed, { r, l in .markup(r.signed ? "<span class=\"ok\">\(escapeHTML(ReportText.yesSigned.text(l)))</span>"
                                            : "<span class=\"bad\">\(escapeHTML(ReportText.noSignature.text(l)))</span>") }),
        (.identifiers, { r, _ in .text(r.party.identifiers.joined(separator: ", ")) }),
        (.fuzzy, { r, l in .text((r.party.fuzzy ? ReportText.yes : ReportText.no).text(l)) }),
        (.submissions, { r, _ in .number(r.submissions.map { String($0.count) } ?? "—") }),
        (.rows, { r, _ in .number(r.submissions.map { $0.compactMap(\.rows).map(grouped).joined(separator: " · ") } ?? "—") }),
    ]

    func parties(_ w: inout HTMLWriter) {
        w.element("h3", "", t(.parties))
        let missing = agreement.partyIDs.filter { !given.signedBy.contains($0) }
        if missing.isEmpty { w.element("p", "class=\"ok\"", t(.signedAll)) } else { w.element("p", "class=\"bad\"", "\(t(.signedMissing)) \(missing.joined(separator: ", "))") }
        w.element("h3", "", t(.whatSent))
        let rows = agreement.parties.map { p in
            PartyRow(party: p, signed: given.signedBy.contains(p.id), submissions: report == nil ? nil : (section?.submissions.filter { $0.party == p.id } ?? []))
        }
        w.table(Self.partyColumns.map { t($0.0) }, rows.map { r in Self.partyColumns.map { $0.1(r, lang) } })
        if let s = section, s.rejectedSubmissions > 0 { w.element("p", "class=\"muted\"", "\(t(.rejectedSubmissions)): \(s.rejectedSubmissions)") }
    }

    func outputs(_ w: inout HTMLWriter) {
        w.element("h3", "", t(.outputs))
        let rows: [[HTMLWriter.Cell]] = agreement.outputs.map { o in
            let what: String = switch o.kind {
            case .perRecord: (o.fields ?? []).joined(separator: ", ")
            case .aggregate: ReportText.suppressedBelow.text(lang, String(o.k ?? 1))
            }
            return [.text(o.name), .text(o.recipient), .text(o.kind == .perRecord ? t(.perRecord) : t(.aggregate)), .text(what)]
        }
        w.table([t(.output), t(.recipient), t(.kind), t(.fields)], rows)
    }

    // MARK: Retention

    /// Met, late, missed, due or not started (Protocols/log.md §6: `retention-late`,
    /// `retention-missed`); missed is the verifier's finding, measured at the log's last event.
    enum RetentionStatus: Equatable {
        case noRun
        case met(deleted: UInt64, deadline: UInt64)
        case late(deleted: UInt64, deadline: UInt64)
        case missed(deadline: UInt64)
        case due(deadline: UInt64)
    }

    static func retentionStatus(_ s: LogReport.AgreementSection, retentionDays: Int, missedReported: Bool) -> RetentionStatus {
        guard let finished = s.runs.compactMap(\.finished).max() else { return .noRun }
        let deadline = finished + UInt64(max(0, retentionDays)) * 86_400
        if let deleted = s.deletions.first(where: { $0 >= finished }) {
            return deleted > deadline ? .late(deleted: deleted, deadline: deadline) : .met(deleted: deleted, deadline: deadline)
        }
        return missedReported ? .missed(deadline: deadline) : .due(deadline: deadline)
    }

    func retention(_ w: inout HTMLWriter) {
        w.element("h3", "", t(.retention))
        w.element("p", "", ReportText.retentionDays.text(lang, String(agreement.retentionDays)))
        guard let section, let report else { return }
        let missed = report.anomalies.contains { $0.code == "retention-missed" && OfficerPage.agreementOf($0, input) == agreement.id }
        switch Self.retentionStatus(section, retentionDays: agreement.retentionDays, missedReported: missed) {
        case .noRun: w.element("p", "class=\"muted\"", t(.retentionNoRun))
        case .met(let d, let dl): w.element("p", "class=\"ok\"", ReportText.retentionMet.text(lang, formatTime(d), formatTime(dl)))
        case .late(let d, let dl): w.element("p", "class=\"bad\"", ReportText.retentionLate.text(lang, formatTime(d), formatTime(dl)))
        case .missed(let dl): w.element("p", "class=\"bad\"", ReportText.retentionMissed.text(lang, formatTime(dl)))
        case .due(let dl): w.element("p", "", ReportText.retentionDue.text(lang, formatTime(dl)))
        }
    }

    // MARK: Charts and timeline

    func charts(_ w: inout HTMLWriter, _ s: LogReport.AgreementSection) {
        let partyIndex = Dictionary(agreement.partyIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let subs = s.submissions.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
        let bars = subs.map { sub in
            Chart.Bar(label: String(formatTime(sub.time).dropFirst(5).prefix(11)), value: sub.rows ?? 0, series: partyIndex[sub.party] ?? 0,
                      title: "\(sub.party) \(formatTime(sub.time)): \(sub.rows.map(grouped) ?? "?") \(t(.rows).lowercased())")
        }
        var recipients: [String] = []
        var sealed: [String: Int] = [:], fetched: [String: Int] = [:]
        for r in s.releases {
            if sealed[r.recipient] == nil { recipients.append(r.recipient) }
            sealed[r.recipient, default: 0] += 1
            fetched[r.recipient, default: 0] += r.fetches ?? (r.fetchedAt == nil ? 0 : 1)
        }
        w.raw("<div class=\"charts\">")
        w.raw(Chart.columns(bars, legend: agreement.partyIDs, caption: t(.rowsPerSubmission), empty: t(.chartEmpty)))
        w.raw(Chart.rows(recipients.map { Chart.Bar(label: $0, value: sealed[$0]!, series: partyIndex[$0] ?? 0, title: "\($0): \(sealed[$0]!)") },
                         notes: recipients.map { "\(sealed[$0]!) \(t(.releases)), \(fetched[$0]!) \(t(.fetches))" },
                         caption: t(.releasesPerRecipient), empty: t(.chartEmpty)))
        w.raw("</div>")
    }

    /// One line of the timeline.
    struct Item {
        var time: UInt64
        var seq: UInt64?
        var kind: ReportText
        var details: String
    }

    /// Where each kind of line stands in a linkage, for lines within the same second.
    static let stage: [ReportText: Int] = [.evRegistered: 0, .evCeremony: 1, .evSubmission: 2, .evRefusal: 2, .evRunStarted: 3,
                                           .evRunFinished: 4, .evRelease: 5, .evFetch: 6, .evDeletion: 7]

    func timelineItems(_ s: LogReport.AgreementSection) -> [Item] {
        var items: [Item] = []
        if let r = s.registeredAt { items.append(Item(time: r, seq: nil, kind: .evRegistered, details: s.parties.joined(separator: ", "))) }
        for c in input.ceremonies where c.agreement == s.id {
            items.append(Item(time: c.time, seq: c.seq, kind: .evCeremony, details: "\(c.from ?? "?") → \(c.to ?? "?")"))
        }
        for sub in s.submissions {
            items.append(Item(time: sub.time, seq: sub.seq, kind: .evSubmission, details: "\(sub.party)" + (sub.rows.map { ", \(grouped($0)) \(t(.rows).lowercased())" } ?? "")))
        }
        for run in s.runs {
            items.append(Item(time: run.started, seq: nil, kind: .evRunStarted, details: "\(t(.runLabel)) \(run.runID)"))
            if let f = run.finished {
                let counts = (run.counts ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \(grouped($0.value))" }.joined(separator: ", ")
                items.append(Item(time: f, seq: nil, kind: .evRunFinished, details: "\(t(.runLabel)) \(run.runID)" + (counts.isEmpty ? "" : ": \(counts)")))
            }
        }
        for r in s.releases {
            items.append(Item(time: r.time, seq: r.seq, kind: .evRelease, details: "\(r.output ?? "?") → \(r.recipient)" + (r.runID.map { " (\(t(.runLabel)) \($0))" } ?? "")
                              + (r.fetchedAt == nil ? ", \(t(.notFetched))" : "")))
            if let f = r.fetchedAt {
                items.append(Item(time: f, seq: nil, kind: .evFetch, details: "\(r.recipient): \(r.output ?? "?"), " + ReportText.fetchedTimes.text(lang, String(r.fetches ?? 1))))
            }
        }
        for f in report?.refusals ?? [] where f.agreement == s.id {
            items.append(Item(time: f.time, seq: f.seq, kind: .evRefusal, details: [f.party, OfficerPage.refusalWhat(f)].compactMap { $0 }.joined(separator: ": ")))
        }
        for d in s.deletions { items.append(Item(time: d, seq: nil, kind: .evDeletion, details: "")) }
        // Times are whole seconds and some lines carry no entry number: within a second, the
        // order in which a linkage happens decides, then the log's order.
        return items.sorted { ($0.time, Self.stage[$0.kind] ?? 9, $0.seq ?? .max) < ($1.time, Self.stage[$1.kind] ?? 9, $1.seq ?? .max) }
    }

    func timeline(_ w: inout HTMLWriter, _ s: LogReport.AgreementSection) {
        w.element("h3", "", t(.timeline))
        let items = timelineItems(s)
        guard !items.isEmpty else { w.element("p", "class=\"muted\"", t(.noEvents)); return }
        let flagged = Set(report?.anomalies.compactMap(\.seq) ?? [])
        let rows: [[HTMLWriter.Cell]] = items.prefix(OfficerPage.listCap).map { i in
            let event: HTMLWriter.Cell = i.seq.map { flagged.contains($0) } == true ? .markup("<span class=\"bad\">⚠ \(escapeHTML(t(i.kind)))</span>") : .text(t(i.kind))
            return [.text(formatTime(i.time)), .number(i.seq.map(String.init) ?? ""), event, .text(i.details)]
        }
        w.table([t(.time), t(.entry), t(.event), t(.details)], rows)
        if items.count > OfficerPage.listCap { w.element("p", "class=\"muted\"", ReportText.moreRows.text(lang, String(items.count - OfficerPage.listCap))) }
    }
}
