/// Small inline-SVG charts: no script, no font file, no external reference. Every label is
/// escaped; colours come from a fixed palette that prints on white.
enum Chart {
    struct Bar {
        var label: String
        var value: Int
        /// Index into ``palette`` (the party or series).
        var series: Int
        /// The tooltip and accessible text of the bar.
        var title: String
    }

    static let palette = ["#1f5fa8", "#c2571a", "#2e7d32", "#7b3fa0", "#b8860b", "#00838f", "#ad1457", "#5d4037"]

    /// Vertical bars in the given order, with the largest value on the axis and a legend of
    /// `legend` (series names) when there is more than one series.
    static func columns(_ bars: [Bar], legend: [String], caption: String, empty: String) -> String {
        guard !bars.isEmpty else { return "<p class=\"muted\">\(escapeHTML(empty))</p>" }
        let width = 640, height = 220, left = 56, bottom = 46, top = 16, right = 8
        let maxValue = max(1, bars.map(\.value).max() ?? 1)
        let plotW = width - left - right, plotH = height - top - bottom
        let slot = Double(plotW) / Double(bars.count)
        let barW = max(2.0, min(48.0, slot * 0.7))
        var svg = "<figure class=\"chart\"><svg role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">"
        svg += "<title>\(escapeHTML(caption))</title>"
        svg += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(width - right)\" y2=\"\(top + plotH)\" class=\"axis\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotH)\" class=\"axis\"/>"
        svg += "<text x=\"\(left - 6)\" y=\"\(top + 4)\" text-anchor=\"end\" class=\"tick\">\(grouped(maxValue))</text>"
        svg += "<text x=\"\(left - 6)\" y=\"\(top + plotH)\" text-anchor=\"end\" class=\"tick\">0</text>"
        // Labels only where they fit: at most about twelve along the axis.
        let labelEvery = max(1, Int((Double(bars.count) / 12).rounded(.up)))
        for (i, b) in bars.enumerated() {
            let h = Double(plotH) * Double(max(0, b.value)) / Double(maxValue)
            let x = Double(left) + slot * Double(i) + (slot - barW) / 2
            let y = Double(top + plotH) - h
            let colour = palette[b.series % palette.count]
            svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(barW))\" height=\"\(f(max(h, 0.5)))\" fill=\"\(colour)\"><title>\(escapeHTML(b.title))</title></rect>"
            if bars.count <= 16 {
                svg += "<text x=\"\(f(x + barW / 2))\" y=\"\(f(y - 3))\" text-anchor=\"middle\" class=\"value\">\(grouped(b.value))</text>"
            }
            if i % labelEvery == 0 {
                svg += "<text x=\"\(f(x + barW / 2))\" y=\"\(top + plotH + 14)\" text-anchor=\"middle\" class=\"tick\">\(escapeHTML(b.label))</text>"
            }
        }
        svg += "</svg>"
        svg += "<figcaption>\(escapeHTML(caption))"
        if legend.count > 1 {
            svg += "<span class=\"legend\">"
            for (i, name) in legend.enumerated() {
                svg += "<span><i style=\"background:\(palette[i % palette.count])\"></i>\(escapeHTML(name))</span>"
            }
            svg += "</span>"
        }
        return svg + "</figcaption></figure>"
    }

    /// Horizontal bars, one per row, with the value and a note written after the bar.
    static func rows(_ bars: [Bar], notes: [String], caption: String, empty: String) -> String {
        guard !bars.isEmpty else { return "<p class=\"muted\">\(escapeHTML(empty))</p>" }
        let width = 640, rowH = 26, left = 150, right = 190
        let height = rowH * bars.count + 8
        let maxValue = max(1, bars.map(\.value).max() ?? 1)
        var svg = "<figure class=\"chart\"><svg role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">"
        svg += "<title>\(escapeHTML(caption))</title>"
        for (i, b) in bars.enumerated() {
            let y = 4 + i * rowH
            let w = Double(width - left - right) * Double(max(0, b.value)) / Double(maxValue)
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" class=\"label\">\(escapeHTML(b.label))</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y + 3)\" width=\"\(f(max(w, 0.5)))\" height=\"\(rowH - 8)\" fill=\"\(palette[b.series % palette.count])\"><title>\(escapeHTML(b.title))</title></rect>"
            let note = i < notes.count ? notes[i] : ""
            svg += "<text x=\"\(f(Double(left) + w + 6))\" y=\"\(y + 17)\" class=\"value\">\(escapeHTML(note))</text>"
        }
        return svg + "</svg><figcaption>\(escapeHTML(caption))</figcaption></figure>"
    }

    /// One decimal at most, so the SVG stays small and stable.
    static func f(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// An integer with thin spaces between thousands (the Swedish way, also readable in English).
func grouped(_ v: Int) -> String {
    let digits = String(v.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out += "\u{202F}" }
        out.append(ch)
    }
    return (v < 0 ? "-" : "") + out
}
