import Foundation
import ProtocolLog
import TestSupport
import Testing
@testable import OfficerReport

@Suite struct ReportPartsTests {
    /// `civil(days:)` against Foundation's Gregorian calendar, on seeded random times.
    @Test func datesMatchFoundationCalendar() {
        var rng = SeededRandom()
        let seed = rng.seed
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for _ in 0..<2_000 {
            let t = rng.next() % 8_000_000_000
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(t)))
            let expected = String(format: "%04d-%02d-%02d %02d:%02d:%02d UTC", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            #expect(formatTime(t) == expected, "seed \(seed) t \(t)")
        }
        #expect(formatTime(0) == "1970-01-01 00:00:00 UTC")
        #expect(formatDay(951_782_400) == "2000-02-29")
    }

    @Test func retentionIsMetLateDueMissedOrNotStarted() throws {
        let json = """
        {"id":"a","hash":"00","parties":["x"],"submissions":[],"rejectedSubmissions":0,"releases":[],
         "runs":[{"runID":"r","started":100,"finished":1000}],"deletions":[]}
        """
        var s = try JSONDecoder().decode(LogReport.AgreementSection.self, from: Data(json.utf8))
        let deadline: UInt64 = 1000 + 86_400
        #expect(AgreementPage.retentionStatus(s, retentionDays: 1, missedReported: false) == .due(deadline: deadline))
        #expect(AgreementPage.retentionStatus(s, retentionDays: 1, missedReported: true) == .missed(deadline: deadline))
        s.deletions = [deadline]
        #expect(AgreementPage.retentionStatus(s, retentionDays: 1, missedReported: false) == .met(deleted: deadline, deadline: deadline))
        s.deletions = [500, deadline + 1]
        #expect(AgreementPage.retentionStatus(s, retentionDays: 1, missedReported: false) == .late(deleted: deadline + 1, deadline: deadline))
        s.runs = []
        #expect(AgreementPage.retentionStatus(s, retentionDays: 1, missedReported: false) == .noRun)
    }

    @Test func chartLabelsAreEscapedAndBarsScaleToTheLargest() {
        let svg = Chart.columns([.init(label: "<a>", value: 10, series: 0, title: "t<"), .init(label: "b", value: 5, series: 1, title: "u")],
                                legend: ["<p1>", "p2"], caption: "c&", empty: "none")
        #expect(svg.contains("&lt;a&gt;") && svg.contains("&lt;p1&gt;") && svg.contains("c&amp;"))
        #expect(!svg.contains("<a>") && !svg.contains("<p1>"))
        // The plot is 158 units high: the largest bar fills it, the half bar half of it.
        #expect(svg.contains("height=\"158\"") && svg.contains("height=\"79\""))
        #expect(Chart.columns([], legend: [], caption: "c", empty: "none") == "<p class=\"muted\">none</p>")
        #expect(grouped(1_234_567) == "1\u{202F}234\u{202F}567" && grouped(12) == "12" && grouped(-1000) == "-1\u{202F}000")
    }

    @Test func substringSearchMatchesTheNaiveOne() {
        var rng = SeededRandom()
        let seed = rng.seed
        for _ in 0..<3_000 {
            let hay = (0..<Int(rng.next() % 20)).map { _ in UInt8(rng.next() % 3) }
            let needle = (0..<Int(1 + rng.next() % 3)).map { _ in UInt8(rng.next() % 3) }
            let naive = hay.count >= needle.count && (0...(hay.count - needle.count)).contains { Array(hay[$0..<($0 + needle.count)]) == needle }
            #expect(contains(hay, needle) == naive, "seed \(seed): \(hay) \(needle)")
        }
    }
}
