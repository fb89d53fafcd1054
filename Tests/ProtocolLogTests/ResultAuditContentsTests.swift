import Foundation
import Testing
import Agreements
import Wire
@testable import ProtocolLog

/// Protocols/log.md §6.1 on standing results (results.md §5): the officer sees a small tie count
/// and a tie attribute the agreement does not grant.
@Suite struct ResultAuditContentsTests {
    static func output(_ json: String) throws -> Agreement.Output { try JSONDecoder().decode(Agreement.Output.self, from: Data(json.utf8)) }
    static func problems(_ doc: ResultDocument, _ o: Agreement.Output) throws -> [String] {
        try ResultAudit.contents(doc, json: JSONReader.parse(Data(doc.encoded)), output: o).map(\.code)
    }

    @Test func aTieCountBelowKIsASmallCount() throws {
        let o = try Self.output(#"{"name": "counts", "recipient": "polisen", "kind": "aggregate", "k": 5}"#)
        func doc(_ n: Int) -> ResultDocument {
            ResultDocument(agreement: "a", output: "counts", recipient: "polisen", kind: "aggregate", k: 5, check: "c",
                           tieCounts: [.init(party: "ivo", kind: "direct-exact", count: n), .init(party: "ivo", kind: "direct-fuzzy", suppressed: true)])
        }
        #expect(try Self.problems(doc(5), o) == [])
        #expect(try Self.problems(doc(4), o) == ["small-count"])
    }

    @Test func aTieMayCarryOnlyGrantedAttributes() throws {
        let o = try Self.output(#"{"name": "rows", "recipient": "fk", "kind": "per-record", "fields": ["category", "ties"]}"#)
        func doc(_ sealed: [String: [String]]) -> ResultDocument {
            ResultDocument(agreement: "a", output: "rows", recipient: "fk", kind: "per-record", rows: [
                .init(row: 2, category: ["aktiv"], ties: [.init(party: "polisen", kind: "direct-exact", attributes: ["category": ["aktiv"]], sealed: sealed)])], check: "c")
        }
        #expect(try Self.problems(doc([:]), o) == [])
        #expect(try Self.problems(doc(["decision": ["AAEC"]]), o) == ["field-not-granted"])
    }
}
