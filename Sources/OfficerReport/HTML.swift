/// Text that came from outside (party names, reasons, agreement text) made safe for HTML text and
/// attribute values: `& < > " '` become entities, and control characters other than tab and
/// newline are dropped, so nothing in a log or an agreement can open a tag or end an attribute.
func escapeHTML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n": out.unicodeScalars.append(ch)
        default:
            if ch.value < 0x20 || ch.value == 0x7F { continue }
            out.unicodeScalars.append(ch)
        }
    }
    return out
}

/// An HTML page being written: ``text(_:)`` escapes, ``raw(_:)`` is for the renderer's own markup only.
struct HTMLWriter {
    private(set) var html = ""

    mutating func raw(_ s: String) { html += s }
    mutating func text(_ s: String) { html += escapeHTML(s) }

    /// `<tag attrs>escaped text</tag>`; `attrs` is the renderer's own markup.
    mutating func element(_ tag: String, _ attrs: String = "", _ content: String) {
        html += "<\(tag)\(attrs.isEmpty ? "" : " " + attrs)>\(escapeHTML(content))</\(tag)>"
    }

    /// A table: header texts, then rows of cells; each cell is plain text (escaped) unless it is
    /// ``Cell/markup``.
    mutating func table(_ headers: [String], _ rows: [[Cell]], cssClass: String = "") {
        raw("<table\(cssClass.isEmpty ? "" : " class=\"\(cssClass)\"")><thead><tr>")
        for h in headers { element("th", "", h) }
        raw("</tr></thead><tbody>")
        for row in rows {
            raw("<tr>")
            for c in row {
                switch c {
                case .text(let t): element("td", "", t)
                case .number(let t): element("td", "class=\"num\"", t)
                case .markup(let m): raw("<td>\(m)</td>")
                }
            }
            raw("</tr>")
        }
        raw("</tbody></table>")
    }

    enum Cell {
        case text(String)
        case number(String)
        /// Markup the renderer built itself, every outside text in it already escaped.
        case markup(String)
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC` (proleptic Gregorian), the same in both languages.
func formatTime(_ t: UInt64) -> String {
    let (y, m, d) = civil(days: Int64(t / 86_400))
    let s = Int(t % 86_400)
    return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2)) \(pad(s / 3600, 2)):\(pad(s / 60 % 60, 2)):\(pad(s % 60, 2)) UTC"
}

/// Unix seconds as the day `YYYY-MM-DD` (UTC).
func formatDay(_ t: UInt64) -> String {
    let (y, m, d) = civil(days: Int64(t / 86_400))
    return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
}

private func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's `civil_from_days`.
func civil(days z0: Int64) -> (Int, Int, Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
}
