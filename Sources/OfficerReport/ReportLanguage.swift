import Foundation

/// The language of the privacy officer's report. Swedish is the default: the officer
/// (dataskyddsombud) is usually a lawyer who works in Swedish.
public enum ReportLanguage: String, CaseIterable, Sendable {
    case sv, en
}

/// Every fixed text of the report, in both languages. A key without one of them is a test
/// failure (`everyStringKeyHasSwedishAndEnglish`), and ``text(_:)`` falls back to the key itself.
public enum ReportText: String, CaseIterable, Sendable {
    case title, generatedAt, bundle
    case verdictVerified, verdictAnomalies, verdictBroken
    case verdictVerifiedText, verdictAnomaliesText, verdictBrokenText, brokenReason, exitCode
    case summary, origin, entries, checkpoints, nodeCheckpoints, resultsChecked, refusalsTotal, recoveries
    case anomalies, noAnomalies, entry, agreementCol, meaning, code, detail, wholeLog
    case refusals, noRefusals, refusalsPerDay, refusalsIntro, time, type, party, count, reason, moreRows
    case agreement, version, purpose, legalBasis, coordinator, parties, signed, signedAll, signedMissing
    case whatSent, identifiers, fuzzy, yes, no, submissions, rows, rejectedSubmissions
    case outputs, output, recipient, kind, perRecord, aggregate, fields, suppressedBelow
    case retention, retentionDays, retentionMet, retentionLate, retentionMissed, retentionDue, retentionNoRun
    case timeline, event, details, noEvents
    case evRegistered, evCeremony, evSubmission, evRunStarted, evRunFinished, evRelease, evFetch, evRefusal, evDeletion
    case fetchedTimes, notFetched, runLabel
    case rowsPerSubmission, releasesPerRecipient, chartEmpty, releases, fetches
    case notInLog, notInLogText, agreementsGiven, givenButBroken
    case unknownAgreements, unknownAgreementsText
    case howToRead, howToReadText
    case anomalyUnknown, agreementAnomalies
    case yesSigned, noSignature
    case keyHolders, keyHoldersIntro, keyHolder, dealer, dealtKey, evaluated, evaluatedPerParty, noEvaluations

    /// The text in `lang`; the key's name if a translation is missing.
    public func text(_ lang: ReportLanguage) -> String { Self.table[self]?[lang] ?? rawValue }

    /// The text in `lang` with `{1}`, `{2}`, … replaced by `args` in order (plain text, escaped later).
    public func text(_ lang: ReportLanguage, _ args: String...) -> String {
        var t = text(lang)
        for (i, a) in args.enumerated() { t = t.replacingOccurrences(of: "{\(i + 1)}", with: a) }
        return t
    }

    static let table: [ReportText: [ReportLanguage: String]] = [
        .title: [.sv: "Granskning av protokolloggen", .en: "Protocol log review"],
        .keyHolders: [.sv: "Nyckelhållare", .en: "Key holders"],
        .keyHoldersIntro: [
            .sv: "Nyckelhållarna beräknar pseudonymer åt noderna utan att se några personnummer, och ingen av dem kan göra det ensam. Varje nyckelhållares egen logg är kontrollerad tillsammans med koordinatorns: att varje beräkning gäller en part i avtalet och håller sig inom avtalets tak.",
            .en: "The key holders compute pseudonyms for the nodes without seeing any identity number, and none of them can do so alone. Each key holder's own log was checked with the coordinator's: every evaluation belongs to a party of the agreement and stays within the agreement's cap."],
        .keyHolder: [.sv: "Nyckelhållare", .en: "Key holder"],
        .dealer: [.sv: "Utdelad av", .en: "Dealt by"],
        .dealtKey: [.sv: "Nyckelns fingeravtryck", .en: "Key fingerprint"],
        .evaluated: [.sv: "Beräknade identiteter", .en: "Identifiers evaluated"],
        .evaluatedPerParty: [.sv: "Beräknade identiteter per part", .en: "Identifiers evaluated per party"],
        .noEvaluations: [.sv: "Inga beräkningar i loggen.", .en: "No evaluations in the log."],
        .generatedAt: [.sv: "Skapad", .en: "Generated"],
        .bundle: [.sv: "Loggfil", .en: "Log bundle"],
        .verdictVerified: [.sv: "Verifierad", .en: "Verified"],
        .verdictAnomalies: [.sv: "Avvikelser", .en: "Anomalies"],
        .verdictBroken: [.sv: "Loggen är trasig", .en: "The log is broken"],
        .verdictVerifiedText: [
            .sv: "Loggen är hel och signerad, och allt koordinatorn gjorde är tillåtet enligt avtalen. Avvisade förfrågningar redovisas nedan; att avvisa dem är vad koordinatorn ska göra.",
            .en: "The log is whole and signed, and everything the coordinator did is allowed by the agreements. Refused requests are listed below; refusing them is what the coordinator should do."],
        .verdictAnomaliesText: [
            .sv: "Loggen är hel och signerad, men koordinatorn har gjort något som avtalen inte tillåter. Varje avvikelse förklaras nedan med sitt loggnummer.",
            .en: "The log is whole and signed, but the coordinator did something the agreements do not allow. Each anomaly is explained below with its log entry."],
        .verdictBrokenText: [
            .sv: "Loggen kunde inte verifieras: en signatur, ett hashträd eller en ordningsföljd stämmer inte. Ingenting i loggen kan litas på. Avtalen nedan är kontrollerade för sig, oberoende av loggen.",
            .en: "The log could not be verified: a signature, hash tree or sequence does not check out. Nothing in the log can be relied on. The agreements below were checked on their own, independently of the log."],
        .brokenReason: [.sv: "Orsak", .en: "Reason"],
        .exitCode: [.sv: "Slutkod", .en: "Exit code"],
        .summary: [.sv: "Sammanfattning", .en: "Summary"],
        .origin: [.sv: "Logg", .en: "Log"],
        .entries: [.sv: "Händelser", .en: "Entries"],
        .checkpoints: [.sv: "Signerade kontrollpunkter", .en: "Signed checkpoints"],
        .nodeCheckpoints: [.sv: "Noders kontrollpunkter som hör till denna historik", .en: "Nodes' checkpoints that belong to this history"],
        .resultsChecked: [.sv: "Förseglade resultat öppnade och kontrollerade", .en: "Sealed results opened and checked"],
        .refusalsTotal: [.sv: "Avvisade förfrågningar", .en: "Refused requests"],
        .recoveries: [.sv: "Återställningar efter avbruten skrivning", .en: "Recoveries after an interrupted write"],
        .anomalies: [.sv: "Avvikelser", .en: "Anomalies"],
        .noAnomalies: [.sv: "Inga avvikelser.", .en: "No anomalies."],
        .entry: [.sv: "Loggnr", .en: "Entry"],
        .agreementCol: [.sv: "Avtal", .en: "Agreement"],
        .meaning: [.sv: "Vad det betyder", .en: "What it means"],
        .code: [.sv: "Kod", .en: "Code"],
        .detail: [.sv: "Teknisk uppgift", .en: "Technical detail"],
        .wholeLog: [.sv: "hela loggen", .en: "whole log"],
        .refusals: [.sv: "Avvisade förfrågningar", .en: "Refused requests"],
        .noRefusals: [.sv: "Inga förfrågningar avvisades.", .en: "No request was refused."],
        .refusalsPerDay: [.sv: "Avvisade förfrågningar per dag", .en: "Refused requests per day"],
        .refusalsIntro: [
            .sv: "Koordinatorn avvisade dessa förfrågningar (felaktig signatur, okänd part, ogiltig inlämning). Det är inte avvikelser: att avvisa dem är vad avtalen kräver.",
            .en: "The coordinator turned these requests away (bad signature, unknown party, invalid submission). They are not anomalies: refusing them is what the agreements require."],
        .time: [.sv: "Tid", .en: "Time"],
        .type: [.sv: "Typ", .en: "Type"],
        .party: [.sv: "Part", .en: "Party"],
        .count: [.sv: "Antal", .en: "Count"],
        .reason: [.sv: "Skäl", .en: "Reason"],
        .moreRows: [.sv: "och {1} till (se JSON-rapporten)", .en: "and {1} more (see the JSON report)"],
        .agreement: [.sv: "Avtal", .en: "Agreement"],
        .version: [.sv: "version", .en: "version"],
        .purpose: [.sv: "Ändamål", .en: "Purpose"],
        .legalBasis: [.sv: "Rättslig grund", .en: "Legal basis"],
        .coordinator: [.sv: "Koordinator", .en: "Coordinator"],
        .parties: [.sv: "Parter och underskrifter", .en: "Parties and signatures"],
        .signed: [.sv: "Signerat", .en: "Signed"],
        .signedAll: [.sv: "Alla parter har signerat avtalet.", .en: "Every party has signed the agreement."],
        .signedMissing: [.sv: "Signatur saknas eller är ogiltig för:", .en: "Signature missing or invalid for:"],
        .whatSent: [.sv: "Vad varje part lämnade in", .en: "What each party sent"],
        .identifiers: [.sv: "Identitetsslag (enligt avtalet)", .en: "Identifier kinds (per the agreement)"],
        .fuzzy: [.sv: "Namn, födelsedatum, adress (kodade)", .en: "Names, birth date, address (encoded)"],
        .yes: [.sv: "ja", .en: "yes"],
        .no: [.sv: "nej", .en: "no"],
        .submissions: [.sv: "Inlämningar", .en: "Submissions"],
        .rows: [.sv: "Rader", .en: "Rows"],
        .rejectedSubmissions: [.sv: "Avvisade inlämningar", .en: "Rejected submissions"],
        .outputs: [.sv: "Vem som får vilket resultat", .en: "Who receives which result"],
        .output: [.sv: "Resultat", .en: "Output"],
        .recipient: [.sv: "Mottagare", .en: "Recipient"],
        .kind: [.sv: "Slag", .en: "Kind"],
        .perRecord: [.sv: "per post (egna matchade rader)", .en: "per record (own matched rows)"],
        .aggregate: [.sv: "sammanställning (antal)", .en: "aggregate (counts)"],
        .fields: [.sv: "Uppgifter", .en: "Fields"],
        .suppressedBelow: [.sv: "antal under {1} döljs", .en: "counts below {1} suppressed"],
        .retention: [.sv: "Gallring", .en: "Retention"],
        .retentionDays: [.sv: "Kodade uppgifter raderas senast {1} dagar efter sista körningen.", .en: "Encodings are deleted at most {1} days after the last run."],
        .retentionMet: [.sv: "Uppfyllt: raderades {1}, före tidsgränsen {2}.", .en: "Met: deleted {1}, before the deadline {2}."],
        .retentionLate: [.sv: "För sent: raderades {1}, efter tidsgränsen {2}.", .en: "Late: deleted {1}, after the deadline {2}."],
        .retentionMissed: [.sv: "Missat: tidsgränsen {1} har passerat och uppgifterna har inte raderats.", .en: "Missed: the deadline {1} has passed and the encodings were not deleted."],
        .retentionDue: [.sv: "Ännu inte aktuellt: ska raderas senast {1}.", .en: "Not yet due: to be deleted by {1}."],
        .retentionNoRun: [.sv: "Ingen körning har avslutats ännu; ingen tidsgräns har börjat löpa.", .en: "No run has finished yet; no deadline has started."],
        .timeline: [.sv: "Tidslinje", .en: "Timeline"],
        .event: [.sv: "Händelse", .en: "Event"],
        .details: [.sv: "Uppgifter", .en: "Details"],
        .noEvents: [.sv: "Inga händelser i loggen.", .en: "No events in the log."],
        .evRegistered: [.sv: "Avtalet registrerat", .en: "Agreement registered"],
        .evCeremony: [.sv: "Nyckelceremoni: hemlighet förmedlad", .en: "Key ceremony: secret relayed"],
        .evSubmission: [.sv: "Inlämning mottagen", .en: "Submission accepted"],
        .evRunStarted: [.sv: "Körning startad", .en: "Run started"],
        .evRunFinished: [.sv: "Körning avslutad", .en: "Run finished"],
        .evRelease: [.sv: "Resultat förseglat", .en: "Result sealed"],
        .evFetch: [.sv: "Resultat hämtat", .en: "Result fetched"],
        .evRefusal: [.sv: "Förfrågan avvisad", .en: "Request refused"],
        .evDeletion: [.sv: "Kodade uppgifter raderade", .en: "Encodings deleted"],
        .fetchedTimes: [.sv: "hämtningar: {1}", .en: "fetches: {1}"],
        .notFetched: [.sv: "ännu inte hämtat", .en: "not yet fetched"],
        .runLabel: [.sv: "körning", .en: "run"],
        .rowsPerSubmission: [.sv: "Rader per inlämning", .en: "Rows per submission"],
        .releasesPerRecipient: [.sv: "Resultat per mottagare", .en: "Releases per recipient"],
        .chartEmpty: [.sv: "Inget att visa.", .en: "Nothing to show."],
        .releases: [.sv: "förseglade", .en: "sealed"],
        .fetches: [.sv: "hämtningar", .en: "fetches"],
        .notInLog: [.sv: "Inte registrerat i loggen", .en: "Not registered in the log"],
        .notInLogText: [.sv: "Avtalet gavs till granskningen men registrerades aldrig hos koordinatorn.", .en: "The agreement was given to the review but never registered with the coordinator."],
        .agreementsGiven: [.sv: "Avtal som gavs till granskningen", .en: "Agreements given to the review"],
        .givenButBroken: [.sv: "Loggen kan inte läsas, så ingen tidslinje visas.", .en: "The log cannot be read, so no timeline is shown."],
        .unknownAgreements: [.sv: "Avvisade förfrågningar under okända avtal", .en: "Refused requests under unknown agreements"],
        .unknownAgreementsText: [.sv: "Vem som helst kan ange vilket avtals-id som helst; dessa avvisades.", .en: "Anyone can name any agreement id; these were turned away."],
        .howToRead: [.sv: "Så läser du rapporten", .en: "How to read this report"],
        .howToReadText: [
            .sv: "Rapporten bygger på en offline-kontroll av koordinatorns protokollogg: varje händelse är signerad och ingår i ett hashträd (RFC 6962), kontrollpunkterna är signerade och hänger ihop, och varje händelse prövas mot de signerade avtalen. Tider anges i UTC. Loggnumret pekar ut händelsen i loggen.",
            .en: "This report comes from an offline check of the coordinator's protocol log: every event is signed and part of a hash tree (RFC 6962), the checkpoints are signed and consistent, and every event is checked against the signed agreements. Times are in UTC. The entry number points to the event in the log."],
        .anomalyUnknown: [.sv: "En avvikelse som rapporten saknar förklaring för; se den tekniska uppgiften.", .en: "An anomaly this report has no explanation for; see the technical detail."],
        .agreementAnomalies: [.sv: "Avvikelser under detta avtal", .en: "Anomalies under this agreement"],
        .yesSigned: [.sv: "✓ signerat", .en: "✓ signed"],
        .noSignature: [.sv: "✗ saknas", .en: "✗ missing"],
    ]
}
