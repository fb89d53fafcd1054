import Foundation
import Testing
import Agreements
import Parties

/// Protocols/agreements.md §4: the blinding mode.
@Suite struct AgreementBlindingTests {
    static let parties = #"[{"id": "polisen", "identifiers": ["person"], "fuzzy": false}, {"id": "fk", "identifiers": ["person"], "fuzzy": false}]"#

    static func oprf(_ body: String, format: String = "korskoll-agreement-v2") -> Data {
        document(format: format, parties: parties, extra: #", "blinding": {"oprf": "# + body + "}")
    }

    @Test func anAgreementWithoutBlindingUsesTheKeyedHash() throws {
        #expect(try Agreement(json: document(parties: Self.parties)).blinding == .keyedHash)
        #expect(try Agreement(json: document(parties: Self.parties, extra: #", "blinding": "keyed-hash""#)).blinding == .keyedHash)
    }

    @Test func theOPRFModeNamesKeyHoldersThresholdAndCaps() throws {
        let a = try Agreement(json: Self.oprf(#"{"keyHolders": ["kh1", "kh2", "kh3"], "threshold": 2, "caps": {"polisen": 500, "fk": 90000}}"#))
        let mode = try #require(a.blinding.oprf)
        #expect(mode.keyHolders == ["kh1", "kh2", "kh3"] && mode.threshold == 2 && mode.caps == ["polisen": 500, "fk": 90000])
        // The same value round-trips through its JSON form.
        let back = try JSONDecoder().decode(Agreement.Blinding.self, from: JSONEncoder().encode(a.blinding))
        #expect(back == a.blinding)
    }

    @Test func badOPRFModesAreRefusedNamingTheKey() {
        let bad: [(String, String)] = [
            (#"{"keyHolders": ["kh1", "kh2"], "threshold": 0, "caps": {"polisen": 1, "fk": 1}}"#, "threshold 0"),
            (#"{"keyHolders": ["kh1", "kh2"], "threshold": 3, "caps": {"polisen": 1, "fk": 1}}"#, "threshold 3"),
            (#"{"keyHolders": ["kh1", "kh1"], "threshold": 1, "caps": {"polisen": 1, "fk": 1}}"#, "distinct"),
            (#"{"keyHolders": [], "threshold": 1, "caps": {"polisen": 1, "fk": 1}}"#, "1 to 255"),
            (#"{"keyHolders": ["kh1", "fk"], "threshold": 1, "caps": {"polisen": 1, "fk": 1}}"#, "'fk' is also a party"),
            (#"{"keyHolders": ["kh1"], "threshold": 1, "caps": {"polisen": 1, "fk": 1, "af": 5}}"#, "'af', who is not a party"),
            (#"{"keyHolders": ["kh1"], "threshold": 1, "caps": {"polisen": 0, "fk": 1}}"#, "cap 0"),
            (#"{"keyHolders": ["kh1"], "threshold": 1, "caps": {"polisen": 1}}"#, "no cap for party fk"),
        ]
        for (body, why) in bad {
            #expect { try Agreement(json: Self.oprf(body)) } throws: { e in
                (e as? AgreementError)?.code == .malformed && (e as? AgreementError)?.reason.contains(why) == true
            }
        }
        #expect(throws: AgreementError.self) { try Agreement(json: document(parties: Self.parties, extra: #", "blinding": "sha256""#)) }
    }

    @Test func aVersion1AgreementHasNoBlindingMode() {
        let v1 = #"[{"id": "polisen", "identifiers": ["person"], "fuzzy": false}, {"id": "fk", "identifiers": ["person"], "fuzzy": false}]"#
        #expect(throws: AgreementError.self) {
            try Agreement(json: document(format: "korskoll-agreement-v1", parties: v1, extra: #", "blinding": "keyed-hash""#))
        }
    }

    @Test func keyHoldersMustBeRegisteredAsKeyHolders() throws {
        let a = try Agreement(json: Self.oprf(#"{"keyHolders": ["kh1", "kh2"], "threshold": 2, "caps": {"polisen": 1, "fk": 1}}"#))
        func registry(_ kh2Role: PartyRole) throws -> Registry {
            try Registry(entries: [("kh1", PartyRole.keyHolder), ("kh2", kh2Role)].map { id, role in
                Registry.Entry(id: id, name: id, role: role, keys: try PartyKeys.generate(party: id).publicKeys)
            })
        }
        try a.checkKeyHolders(registry: registry(.keyHolder))
        #expect { try a.checkKeyHolders(registry: registry(.node)) } throws: { e in
            (e as? AgreementError)?.code == .unknownParty && (e as? AgreementError)?.reason.contains("kh2") == true
        }
    }
}
