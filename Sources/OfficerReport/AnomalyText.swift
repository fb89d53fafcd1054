/// Each anomaly code the verifier emits (Protocols/log.md §6, §6.1), said in plain words for a
/// privacy officer. The test `everyVerifierCodeHasPlainWords` reads `Sources/ProtocolLog` for the
/// codes, so a new code without a sentence here fails the suite.
public enum AnomalyText {
    /// The plain sentence for `code` in `lang`, or nil for a code this table does not know.
    public static func sentence(_ code: String, _ lang: ReportLanguage) -> String? { table[code]?[lang] }

    /// Every code with a sentence.
    public static var codes: [String] { table.keys.sorted() }

    static let table: [String: [ReportLanguage: String]] = [
        // Standing agreements (Protocols/log.md §6.6).
        "list-kept-past-retention": [
            .sv: "En stående lista låg kvar hos koordinatorn efter att dess lagringstid hade gått ut.",
            .en: "A standing list was kept at the coordinator after its retention had ended."],
        "list-expired-early": [
            .sv: "En stående lista togs bort innan dess lagringstid hade gått ut.",
            .en: "A standing list was expired before its retention had ended."],
        "list-expired-unknown": [
            .sv: "Loggen säger att en lista gick ut som inte stod kvar.",
            .en: "The log says a list expired that did not stand."],
        "list-expiry-beyond-retention": [
            .sv: "Koordinatorn skrev in ett senare slutdatum för en lista än avtalets lagringstid tillåter.",
            .en: "The coordinator logged a later end for a list than the agreement's retention allows."],
        "check-quota-exceeded": [
            .sv: "En part lämnade in fler rader i kontroller på en dag än avtalet tillåter.",
            .en: "A party's checks carried more rows in one day than the agreement allows."],
        "list-replaced-mismatch": [
            .sv: "En ny lista säger sig ersätta en annan lista än den som stod kvar.",
            .en: "A new list says it replaces another list than the one that stood."],
        "run-on-ended-list": [
            .sv: "En kontroll kördes mot en lista som redan hade ersatts eller gått ut.",
            .en: "A check ran against a list that had already been replaced or had expired."],
        "run-on-unknown-list": [
            .sv: "En kontroll kördes mot en lista som aldrig stod hos koordinatorn.",
            .en: "A check ran against a list that never stood at the coordinator."],
        "check-not-run": [
            .sv: "En inlämnad kontroll kördes aldrig färdigt.",
            .en: "A submitted check never finished its run."],
        "check-not-deleted": [
            .sv: "Uppgifterna i en kontroll raderades inte efter körningen.",
            .en: "A check's encodings were not deleted after its run."],
        // Case development (Protocols/log.md §6.7).
        "report-foreign": [
            .sv: "Koordinatorn tog emot utfallssiffror från någon som inte är part i avtalet.",
            .en: "The coordinator accepted outcome counts from someone who is not a party to the agreement."],
        "report-duplicate": [
            .sv: "Koordinatorn tog emot en parts utfallssiffror för samma period två gånger i stället för att neka den andra.",
            .en: "The coordinator accepted a party's outcome counts for the same period twice instead of refusing the second."],
        "report-released-twice": [
            .sv: "Den gemensamma rapporten om ärendeutvecklingen för en period lämnades ut två gånger.",
            .en: "The joint case-development report of a period was released twice."],
        "report-release-unreported": [
            .sv: "Den gemensamma rapporten tar med en part som aldrig rapporterade perioden.",
            .en: "The joint report includes a party that never reported the period."],
        "report-release-without-report": [
            .sv: "Den gemensamma rapporten lämnades ut innan någon part hade rapporterat perioden.",
            .en: "The joint report was released before any party had reported the period."],
        "unknown-agreement": [
            .sv: "Koordinatorn registrerade ett avtal som inte finns bland de avtal du granskar.",
            .en: "The coordinator registered an agreement that is not among the agreements you are reviewing."],
        "agreement-mismatch": [
            .sv: "Koordinatorn registrerade en annan version av avtalet än den parterna signerade.",
            .en: "The coordinator registered another version of the agreement than the one the parties signed."],
        "agreement-unsigned": [
            .sv: "Avtalet registrerades utan att alla parter hade signerat det.",
            .en: "The agreement was registered before every party had signed it."],
        "unregistered-agreement": [
            .sv: "Något hände under ett avtal som aldrig registrerades.",
            .en: "Something happened under an agreement that was never registered."],
        "no-agreement": [
            .sv: "En händelse i loggen anger inget avtal alls.",
            .en: "An event in the log names no agreement at all."],
        "foreign-submission": [
            .sv: "Koordinatorn tog emot uppgifter från någon som inte är part i avtalet.",
            .en: "The coordinator accepted data from someone who is not a party to the agreement."],
        "run-unsigned": [
            .sv: "En matchning kördes fast avtalet inte var signerat av alla parter.",
            .en: "A matching run started although not every party had signed the agreement."],
        "run-early": [
            .sv: "En matchning startade innan alla parter hade lämnat in sina uppgifter.",
            .en: "A matching run started before every party had submitted its data."],
        "run-unknown": [
            .sv: "Loggen säger att en körning avslutades som aldrig startade.",
            .en: "The log says a run finished that never started."],
        "unauthorised-release": [
            .sv: "Ett resultat gick till, eller hämtades av, en part som avtalet inte ger det resultatet.",
            .en: "A result went to, or was fetched by, a party the agreement does not give that result to."],
        "release-without-run": [
            .sv: "Ett resultat förseglades utan att någon körning hade avslutats.",
            .en: "A result was sealed without a finished run."],
        "fetch-without-release": [
            .sv: "Ett resultat hämtades innan det hade förseglats för mottagaren.",
            .en: "A result was fetched before it had been sealed for its recipient."],
        "undeclared-submission": [
            .sv: "Koordinatorn tog emot en inlämning med identitetsslag eller uppgifter som avtalet inte anger för den parten.",
            .en: "The coordinator accepted a submission carrying identifier kinds or attributes the agreement does not declare for that party."],
        "ceremony-foreign": [
            .sv: "Nyckelmaterial från nyckelceremonin skickades till någon som inte är part i avtalet.",
            .en: "Key material from the key ceremony was sent to someone who is not a party to the agreement."],
        "retention-late": [
            .sv: "De kodade uppgifterna raderades, men senare än avtalets gallringsfrist.",
            .en: "The encodings were deleted, but later than the agreement's retention period allows."],
        "retention-missed": [
            .sv: "Gallringsfristen har passerat och de kodade uppgifterna har inte raderats.",
            .en: "The retention period has passed and the encodings have not been deleted."],
        "time-backwards": [
            .sv: "En händelse har en tid före händelsen närmast före den: koordinatorns klocka gick baklänges.",
            .en: "An event is dated before the event just before it: the coordinator's clock went backwards."],
        "result-unopenable": [
            .sv: "Ett förseglat resultat gick inte att öppna med mottagarens nyckel och koordinatorns signatur.",
            .en: "A sealed result did not open under the recipient's key with the coordinator's signature."],
        "result-malformed": [
            .sv: "Ett öppnat resultat har inte det format som resultat ska ha.",
            .en: "An opened result is not in the format results must have."],
        "result-foreign": [
            .sv: "Ett resultat som förseglats till en part anger en annan mottagare.",
            .en: "A result sealed to one party names another recipient."],
        "result-unknown": [
            .sv: "Ett resultat gäller ett avtal eller en utdata som inte finns bland de avtal du granskar.",
            .en: "A result is for an agreement or output that is not among the agreements you are reviewing."],
        "result-not-logged": [
            .sv: "Ett resultat som mottagaren har finns inte i loggen: det skickades utan att loggas.",
            .en: "A result the recipient holds is not in the log: it was sent without being logged."],
        "field-not-granted": [
            .sv: "Ett resultat innehåller uppgifter om matchade poster som avtalet inte ger mottagaren.",
            .en: "A result carries facts about matched records that the agreement does not grant the recipient."],
        "small-count": [
            .sv: "En sammanställning visar ett antal under avtalets gräns, som skulle ha dolts.",
            .en: "An aggregate shows a count below the agreement's threshold, which should have been suppressed."],
        "result-rows-in-aggregate": [
            .sv: "En sammanställning, som bara får innehålla antal, innehåller enskilda poster.",
            .en: "An aggregate, which may hold counts only, carries individual records."],
        "keyholder-unknown-agreement": [
            .sv: "En nyckelhållare arbetade under ett avtal som inte finns bland de avtal du granskar, eller som inte använder nyckelhållare.",
            .en: "A key holder worked under an agreement that is not among the agreements you are reviewing, or that does not use key holders."],
        "keyholder-not-named": [
            .sv: "En nyckelhållare har en nyckeldel för ett avtal som inte utser den till nyckelhållare.",
            .en: "A key holder holds a key share for an agreement that does not name it as a key holder."],
        "keyholder-dealt-mismatch": [
            .sv: "Nyckelhållarna laddade inte samma utdelade nyckel, eller en nyckel med andra nyckelhållare eller en annan tröskel än avtalets.",
            .en: "The key holders did not load the same dealt key, or a key with other key holders or another threshold than the agreement's."],
        "keyholder-foreign-evaluation": [
            .sv: "En nyckelhållare beräknade pseudonymer åt någon som inte är part i avtalet.",
            .en: "A key holder computed pseudonyms for someone who is not a party to the agreement."],
        "keyholder-over-cap": [
            .sv: "En nyckelhållare beräknade fler identiteter åt en part under en period än avtalets tak tillåter.",
            .en: "A key holder computed more identifiers for a party in one round than the agreement's cap allows."],
        "keyholder-log-missing": [
            .sv: "Loggen från en nyckelhållare som avtalet utser saknas i granskningen.",
            .en: "The log of a key holder that the agreement names is missing from the review."],
    ]
}
