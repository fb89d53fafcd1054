import API
import Agreements
import Foundation
import Sodium

/// The joint case-development report (Protocols/standing.md §8, Protocols/api.md §3.10): compiled
/// from the parties' signed counts, every cell with a count under k suppressed together with its
/// amount, and written as CSV and as plain text for the government report.
public enum CaseReportCompiler {
    /// Compiles `reports` (each party's counts and the hex SHA-256 of its signed bytes).
    static func compile(agreement a: Agreement, period: String, k: Int, reports: [(OutcomeReport, hash: String)], now: UInt64) -> CaseReport {
        func cell(_ party: String, _ key: String, _ count: Int, amount: Int?) -> CaseReport.Cell {
            // A count of 0 names nobody and is shown; 1…k−1 is suppressed with its amount.
            let hide = count > 0 && count < k
            return CaseReport.Cell(party: party, key: key, count: hide ? nil : count, amountSEK: hide ? nil : amount, suppressed: hide)
        }
        var outcomes: [CaseReport.Cell] = [], ties: [CaseReport.Cell] = []
        for (r, _) in reports.sorted(by: { $0.0.party < $1.0.party }) {
            for kind in OutcomeKind.allCases {
                let t = r.outcomes[kind.rawValue] ?? OutcomeTally(count: 0, amountSEK: 0)
                outcomes.append(cell(r.party, kind.rawValue, t.count, amount: kind.hasAmount ? t.amountSEK : nil))
            }
            for (other, n) in r.ties.sorted(by: { $0.key < $1.key }) { ties.append(cell(r.party, other, n, amount: nil)) }
        }
        let parties = reports.map(\.0.party).sorted()
        return CaseReport(agreement: a.id, agreementHash: Hex.encode(a.hash), period: period, k: k, compiledAt: now,
                          parties: parties, missing: a.partyIDs.filter { !parties.contains($0) }.sorted(),
                          reportHashes: Dictionary(uniqueKeysWithValues: reports.map { ($0.0.party, $0.hash) }),
                          outcomes: outcomes, ties: ties)
    }

    /// Verifies the coordinator's signature over a released report and returns the report.
    public static func verify(_ signed: SignedCaseReport, coordinator: Ed25519.PublicKey) throws -> CaseReport {
        guard coordinator.isValidSignature(Array(signed.signature), for: signed.signedBytes) else {
            throw CoordinatorError(.forbidden, "the joint report's signature does not verify under the coordinator's key")
        }
        guard let r = try? APIJSON.decode(CaseReport.self, from: signed.report), r.format == CaseReport.format else {
            throw CoordinatorError(.badRequest, "the signed joint report is not a \(CaseReport.format) document")
        }
        return r
    }

    /// `report.csv`: header `table,party,key,count,amount_sek,suppressed`; `table` is `outcome`
    /// (key = outcome kind) or `ties` (key = the reference party); a suppressed cell has
    /// `<k` as its count and an empty amount.
    public static func csv(_ r: CaseReport) -> String {
        var out = "table,party,key,count,amount_sek,suppressed\n"
        for (table, cells) in [("outcome", r.outcomes), ("ties", r.ties)] {
            for c in cells {
                out += [table, c.party, c.key, c.suppressed ? "<\(r.k)" : String(c.count ?? 0), c.amountSEK.map(String.init) ?? "",
                        c.suppressed ? "true" : "false"].joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// `report.txt`: the same tables as plain text, in Swedish and English, to paste into the
    /// written report to the government.
    public static func text(_ r: CaseReport, signatureHex: String) -> String {
        let names: [String: (sv: String, en: String)] = [
            "review-opened": ("utredning inledd", "review opened"), "payment-stopped": ("utbetalning stoppad", "payment stopped"),
            "reclaimed": ("återkrav", "reclaimed"), "permit-revoked": ("tillstånd återkallat", "permit revoked"),
            "contract-ended": ("avtal avslutat", "contract ended"), "no-action": ("ingen åtgärd", "no action"),
        ]
        func count(_ c: CaseReport.Cell) -> String { c.suppressed ? "<\(r.k)" : String(c.count ?? 0) }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var t = """
            Ärendeutveckling / Case development — \(r.agreement), \(r.period)
            Sammanställd av samordnaren / compiled by the coordinator: \(day(r.compiledAt)) (UTC)
            Parter som rapporterat / parties reporting: \(r.parties.joined(separator: ", "))
            Parter utan rapport / parties without a report: \(r.missing.isEmpty ? "inga / none" : r.missing.joined(separator: ", "))
            Celler under \(r.k) visas som <\(r.k), belopp döljs med dem / cells under \(r.k) are shown as <\(r.k), their amounts hidden.


            """
        t += "1. Utfall per myndighet / Outcomes per agency\n\n"
        t += pad("Myndighet / agency", 20) + pad("Utfall / outcome", 44) + pad("Antal / count", 15) + "Belopp SEK / amount SEK\n"
        for c in r.outcomes {
            let n = names[c.key].map { "\($0.sv) / \($0.en)" } ?? c.key
            t += pad(c.party, 20) + pad(n, 44) + pad(count(c), 15) + (c.amountSEK.map(String.init) ?? (c.suppressed && c.key == "reclaimed" ? "–" : "")) + "\n"
        }
        t += "\n2. Träffar per myndighetspar (återinträden) / Ties per agency pair (re-entries)\n\n"
        t += pad("Kontrollerande / checking", 28) + pad("Referenslista / reference list", 32) + "Antal poster / records\n"
        if r.ties.isEmpty { t += "inga / none\n" }
        for c in r.ties { t += pad(c.party, 28) + pad(c.key, 32) + count(c) + "\n" }
        t += "\nÖverenskommelsens hash / agreement hash: \(r.agreementHash)\n"
        t += "Samordnarens signatur (Ed25519) / coordinator's signature: \(signatureHex)\n"
        return t
    }

    static func day(_ t: UInt64) -> String {
        UTCTime.format(t, "yyyy-MM-dd HH:mm")
    }
}
