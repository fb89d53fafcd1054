import Foundation
import Testing
import Agreements
import TestSupport

/// Protocols/agreements.md §5 and Protocols/standing.md §1–§2: the standing agreement (v3).
@Suite struct AgreementStandingTests {
    static let validity = #", "validity": {"from": "2026-01-01", "until": "2027-09-30"}"#

    static func standing(_ parties: String, outputs: String = "[]", validity: String = validity) -> Data {
        document(format: "korskoll-agreement-v3", parties: parties, outputs: outputs, extra: validity)
    }

    static let police = #"{"id": "polisen", "identifiers": ["person"], "fuzzy": false, "roles": ["reference"], "listRetentionDays": 120}"#
    static let fk = #"{"id": "fk", "identifiers": ["person"], "fuzzy": false, "roles": ["subjects", "reference"]}"#
    static let bolagsverket = #"{"id": "bolagsverket", "identifiers": ["person", "organisation"], "fuzzy": false, "roles": ["relations"]}"#

    @Test func aStandingAgreementNamesRolesValidityAndListRetention() throws {
        let a = try Agreement(json: Self.standing("[\(Self.police), \(Self.fk), \(Self.bolagsverket)]"))
        #expect(a.isStanding)
        #expect(a.roles(of: "polisen") == [.reference])
        #expect(a.roles(of: "fk") == [.subjects, .reference])
        #expect(a.roles(of: "nobody").isEmpty)
        #expect(a.parties(in: .reference) == ["polisen", "fk"])
        #expect(a.parties(in: .relations) == ["bolagsverket"])
        #expect(a.listRetentionDays(of: "polisen") == 120 && a.listRetentionDays(of: "fk") == nil)
        let v = try #require(a.validity)
        #expect(v.contains(day: "2026-01-01") && v.contains(day: "2027-09-30") && v.contains(day: "2026-12-01"))
        #expect(!v.contains(day: "2025-12-31") && !v.contains(day: "2027-10-01"))
    }

    @Test func theThreeExampleAgreementsReadAsStanding() throws {
        let dir = Vectors.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Protocols/agreements")
        for name in ["watchlist-fk-2026", "reentry-2026", "cross-agency-map-2026"] {
            let a = try Agreement(json: try Data(contentsOf: dir.appendingPathComponent("\(name).agreement.json")), source: name)
            #expect(a.isStanding, "\(name)")
            #expect(!a.parties(in: .reference).isEmpty, "\(name)")
        }
    }

    @Test func aVersionTwoAgreementHasNoRolesAndRunsOnce() throws {
        let a = try Agreement(json: document(parties: #"[{"id": "polisen", "identifiers": ["person"], "fuzzy": false, "role": "reference"}]"#,
                                             extra: Self.validity))
        #expect(!a.isStanding)
        #expect(a.roles(of: "polisen").isEmpty, "v2's role is reserved, without meaning")
    }

    @Test func badStandingDocumentsAreRefusedNamingWhatIsWrong() {
        let cases: [(Data, String)] = [
            (Self.standing("[\(Self.police), \(Self.fk)]", validity: ""), "needs validity"),
            (Self.standing("[\(Self.police)]", validity: #", "validity": {"from": "2026-02-30", "until": "2027-01-01"}"#), "'2026-02-30' is not a day"),
            (Self.standing("[\(Self.police)]", validity: #", "validity": {"from": "2027-01-01", "until": "2026-01-01"}"#), "is after until"),
            (Self.standing("[\(Self.police)]", validity: #", "validity": {"from": "2026-1-01", "until": "2027-01-01"}"#), "is not a day"),
            (Self.standing(#"[{"id": "fk", "identifiers": ["person"], "fuzzy": false}]"#), "party fk needs roles"),
            (Self.standing(#"[{"id": "fk", "identifiers": ["person"], "fuzzy": false, "roles": ["reference", "reference"]}]"#), "party fk needs roles"),
            (Self.standing(#"[{"id": "fk", "identifiers": ["person"], "fuzzy": false, "roles": ["judge"]}]"#), "party fk needs roles"),
            (Self.standing(#"[{"id": "fk", "identifiers": ["person"], "fuzzy": false, "role": "reference"}]"#), "names roles: [...], not role"),
            (Self.standing(#"[{"id": "fk", "identifiers": ["person"], "fuzzy": false, "roles": ["subjects"]}]"#), "at least one reference party"),
            (Self.standing("[\(Self.police), " + #"{"id": "fk", "identifiers": ["person"], "fuzzy": false, "roles": ["subjects"], "listRetentionDays": 3}]"#),
             "listRetentionDays applies to reference and relations lists"),
            (Self.standing(#"[{"id": "polisen", "identifiers": ["person"], "fuzzy": false, "roles": ["reference"], "listRetentionDays": 0}]"#),
             "listRetentionDays must be at least 1"),
            (Self.standing("[\(Self.police), \(Self.bolagsverket)]",
                           outputs: #"[{"name": "b", "recipient": "bolagsverket", "kind": "per-record", "fields": ["ties"]}]"#),
             "submits relations only"),
            (document(parties: "[\(Self.police)]"), "roles and listRetentionDays need korskoll-agreement-v3"),
            (document(format: "korskoll-agreement-v1", parties: "[\(Self.police)]"), "attributes, role and validity need"),
        ]
        for (data, why) in cases {
            do {
                _ = try Agreement(json: data)
                Issue.record("accepted a document that should fail with: \(why)")
            } catch let e as AgreementError {
                #expect(e.code == .malformed && e.reason.contains(why), "\(why): got \(e.reason)")
            } catch {
                Issue.record("\(why): unexpected \(error)")
            }
        }
    }
}
