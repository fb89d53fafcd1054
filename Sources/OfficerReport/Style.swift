/// The page's only style sheet, inline: system fonts, light colours, and print rules that put each
/// agreement on its own A4 page with no dark backgrounds.
enum Style {
    static let css = """
    :root { --ok: #1b6e2a; --ok-bg: #e8f5e9; --warn: #8a4b00; --warn-bg: #fff4e0; --bad: #a3161a; --bad-bg: #fdeaea;
            --ink: #1b1f24; --muted: #5a6470; --line: #d5dae0; --soft: #f5f7f9; }
    * { box-sizing: border-box; }
    html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
    body { margin: 0 auto; max-width: 1100px; padding: 24px 32px 48px; line-height: 1.45; font-size: 15px; }
    h1 { font-size: 22px; margin: 0 0 4px; font-weight: 600; }
    h2 { font-size: 20px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
    h3 { font-size: 16px; margin: 20px 0 6px; }
    p { margin: 6px 0; }
    .muted, .meta { color: var(--muted); }
    .meta { font-size: 13px; margin-bottom: 16px; }
    code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; overflow-wrap: anywhere; }
    .verdict { display: flex; gap: 20px; align-items: flex-start; border: 3px solid; border-radius: 10px; padding: 18px 22px; margin: 12px 0 20px; }
    .verdict svg { flex: none; width: 64px; height: 64px; }
    .verdict .word { font-size: 34px; font-weight: 700; line-height: 1.1; margin: 0 0 6px; }
    .verdict p { font-size: 16px; max-width: 60em; }
    .verdict.verified { border-color: var(--ok); background: var(--ok-bg); color: var(--ok); }
    .verdict.anomalies { border-color: var(--warn); background: var(--warn-bg); color: var(--warn); }
    .verdict.broken { border-color: var(--bad); background: var(--bad-bg); color: var(--bad); }
    .verdict p, .verdict .reason { color: var(--ink); }
    .verdict .reason { margin-top: 8px; font-size: 14px; }
    .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 8px 16px; margin: 8px 0 16px; padding: 0; list-style: none; }
    .facts li { border-left: 3px solid var(--line); padding: 2px 10px; }
    .facts b { display: block; font-size: 20px; }
    table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 14px; }
    th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
    th { background: var(--soft); font-weight: 600; white-space: nowrap; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    td:first-child { white-space: nowrap; }
    .anomaly-table td:nth-child(3) { font-weight: 600; }
    .ok { color: var(--ok); font-weight: 600; } .warn { color: var(--warn); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
    .agreement { margin-top: 36px; }
    .agreement > h2 { border-bottom-color: var(--ink); }
    dl.doc { display: grid; grid-template-columns: 11em 1fr; gap: 4px 16px; margin: 8px 0; }
    dl.doc dt { font-weight: 600; } dl.doc dd { margin: 0; white-space: pre-wrap; }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
    figure.chart { margin: 8px 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
    figure.chart svg { display: block; max-height: 260px; }
    figure.chart figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
    figure.chart .axis { stroke: #7a828c; stroke-width: 1; }
    figure.chart text { font-size: 11px; fill: #39414a; }
    figure.chart text.label { font-size: 14px; }
    .legend { display: inline-flex; flex-wrap: wrap; gap: 4px 12px; margin-left: 12px; }
    .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
    .pill { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; border: 1px solid currentColor; }
    footer { margin-top: 40px; font-size: 13px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 8px; }
    @page { size: A4; margin: 14mm 12mm; }
    @media print {
      body { max-width: none; padding: 0; font-size: 10.5pt; }
      .verdict { background: #fff !important; }
      th { background: #fff; border-bottom: 1.5px solid #555; }
      .agreement { break-before: page; }
      h2, h3 { break-after: avoid; }
      tr, figure.chart, .verdict, dl.doc { break-inside: avoid; }
      .charts { grid-template-columns: 1fr 1fr; }
      * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    }
    """
}
