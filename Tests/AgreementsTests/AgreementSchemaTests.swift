import Foundation
import Testing
import Agreements

/// A v2 document with `parties` and `outputs` spliced in.
func document(format: String = "korskoll-agreement-v2", parties: String, outputs: String = "[]", extra: String = "") -> Data {
    Data("""
        {"format": "\(format)", "id": "t", "version": 1, "purpose": "p", "legalBasis": "l", "coordinator": "coordinator",
         "parties": \(parties), "match": {"exact": ["person"], "schemaDigest": null, "threshold": 0.9},
         "outputs": \(outputs), "retentionDays": 0\(extra)}
        """.utf8)
}

let police = #"{"id": "polisen", "identifiers": ["person"], "fuzzy": true, "attributes": [{"name": "category", "values": ["aktiv", "koppling"], "readers": ["fk"]}]}"#
let agency = #"{"id": "fk", "identifiers": ["person", "organisation"], "fuzzy": true, "attributes": [{"name": "role", "values": ["m"], "readers": ["coordinator"]}]}"#

/// Protocols/agreements.md §1, §3.
@Suite struct AgreementSchemaTests {
    @Test func aV2PartyDeclaresAttributesWithTheirValuesAndReaders() throws {
        let a = try Agreement(json: document(parties: "[\(police), \(agency)]",
                                             outputs: #"[{"name": "o", "recipient": "fk", "kind": "per-record", "fields": ["category", "matchKind"]}]"#))
        let category = try #require(a.party("polisen")?.attribute("category"))
        #expect(category.sealedTo == ["fk"] && !category.coordinatorReadable)
        #expect(category.allows("aktiv") && category.allows("") && !category.allows("Aktiv") && !category.allows("=HYPERLINK(\"x\")"))
        #expect(a.party("fk")?.attribute("role")?.coordinatorReadable == true)
        #expect(a.declaredAttributes(of: "fk").map(\.name) == ["role"])
    }

    @Test func everyExampleAgreementIsStandingAndDeclaresItsAttributes() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocols/agreements")
        for name in ["watchlist-fk-2026", "cross-agency-map-2026", "reentry-2026"] {
            let a = try Agreement(json: Data(contentsOf: dir.appendingPathComponent("\(name).agreement.json")))
            #expect(a.documentFormat == Agreement.formatV3, "\(name)")
            #expect(a.parties.allSatisfy { $0.attributes != nil }, "\(name): every party says what it sends")
            #expect(a.parties.flatMap { $0.attributes ?? [] }.allSatisfy { !$0.coordinatorReadable }, "\(name): no attribute is readable by the coordinator")
        }
    }

    /// agreements.md §1.1: a v1 document is still read, with no attributes for anyone.
    @Test func aV1DocumentIsReadWithNoAttributes() throws {
        let a = try Agreement(json: document(format: "korskoll-agreement-v1", parties: #"[{"id": "polisen", "identifiers": ["person"], "fuzzy": true}]"#))
        #expect(a.documentFormat == Agreement.formatV1)
        #expect(throws: AgreementError.self) {
            try a.checkDeclared(party: "polisen", sends: SentShape(identifierKinds: ["person"], clks: true, attributes: [("category", [])]))
        }
        try a.checkDeclared(party: "polisen", sends: SentShape(identifierKinds: ["person"], clks: true, attributes: []))
        #expect(throws: AgreementError.self) { try Agreement(json: document(format: "korskoll-agreement-v1", parties: "[\(police)]")) }
    }

    @Test func badDeclarationsAreRefusedNamingTheirPart() throws {
        let cases: [(String, String, String)] = [
            (#"[{"id": "a", "identifiers": ["persons"], "fuzzy": true}]"#, "[]", "identifier kind 'persons'"),
            (#"[{"id": "a", "identifiers": ["person"], "fuzzy": true, "attributes": [{"name": "c", "values": [], "readers": ["coordinator"]}]}]"#, "[]", "non-empty set"),
            (#"[{"id": "a", "identifiers": ["person"], "fuzzy": true, "attributes": [{"name": "c", "values": ["x"], "readers": ["nobody"]}]}]"#, "[]", "reader 'nobody'"),
            (#"[{"id": "a", "identifiers": ["person"], "fuzzy": true, "attributes": [{"name": "c", "values": ["x"], "readers": ["coordinator", "a"]}]}]"#, "[]", "reader 'coordinator'"),
            (#"[{"id": "a", "identifiers": ["person"], "fuzzy": true, "attributes": [{"name": "c", "values": ["\#(String(repeating: "x", count: 48))"], "readers": ["a"]}]}]"#, "[]", "1 to 47 bytes"),
            (#"[{"id": "a", "identifiers": ["person"], "fuzzy": true, "attributes": [{"name": "c", "values": ["x"], "readers": ["a"]}, {"name": "c", "values": ["y"], "readers": ["a"]}]}]"#, "[]", "declares an attribute twice"),
            (#"[{"id": "a", "identifiers": ["person"], "fuzzy": true, "role": "boss"}]"#, "[]", "role 'boss'"),
            ("[\(police), \(agency)]", #"[{"name": "o", "recipient": "fk", "kind": "per-record", "fields": ["role"]}]"#, "grants 'role'"),
        ]
        for (parties, outputs, why) in cases {
            let error = #expect(throws: AgreementError.self) { try Agreement(json: document(parties: parties, outputs: outputs)) }
            #expect(error?.code == .malformed && error?.reason.contains(why) == true, "\(why): \(error?.reason ?? "accepted")")
        }
    }

    /// The reserved keys of standing agreements are read and kept, with no meaning yet.
    @Test func reservedRoleAndValidityAreReadAndKept() throws {
        let a = try Agreement(json: document(parties: #"[{"id": "polisen", "identifiers": ["person"], "fuzzy": true, "role": "reference"}]"#,
                                             extra: #", "validity": {"from": "2026-01-01", "until": "2027-09-30"}"#))
        #expect(a.party("polisen")?.role == "reference" && a.validity?.until == "2027-09-30")
    }

    /// agreements.md §3: what a party sends must be what its entry declares, kind by kind.
    @Test func checkDeclaredNamesTheFirstUndeclaredThing() throws {
        let a = try Agreement(json: document(parties: "[\(police), \(agency)]"))
        func refusal(_ party: String, _ shape: SentShape) -> String? {
            do { try a.checkDeclared(party: party, sends: shape); return nil } catch let e as AgreementError { return e.code == .undeclared ? e.reason : "wrong code" } catch { return "\(error)" }
        }
        #expect(refusal("polisen", SentShape(identifierKinds: ["person"], clks: true, attributes: [("category", ["fk"])])) == nil)
        #expect(refusal("polisen", SentShape(identifierKinds: ["person", "organisation"], clks: false, attributes: []))?.contains("organisation identifiers") == true)
        #expect(refusal("polisen", SentShape(identifierKinds: ["person"], clks: false, attributes: [("surname_plain", [])]))?.contains("surname_plain") == true)
        #expect(refusal("polisen", SentShape(identifierKinds: ["person"], clks: false, attributes: [("category", [])]))?.contains("in plain text") == true)
        #expect(refusal("fk", SentShape(identifierKinds: ["organisation"], clks: false, attributes: [("role", ["polisen"])]))?.contains("sealed to polisen") == true)
        #expect(refusal("pm", SentShape(identifierKinds: [], clks: false, attributes: [])) != nil)
        let nonFuzzy = try Agreement(json: document(parties: #"[{"id": "bv", "identifiers": ["person"], "fuzzy": false}]"#))
        #expect(throws: AgreementError.self) { try nonFuzzy.checkDeclared(party: "bv", sends: SentShape(identifierKinds: [], clks: true, attributes: [])) }
    }
}
