import Foundation
import Testing
@testable import Evaluation

private func scratch() -> String {
    let dir = NSTemporaryDirectory() + "korskoll-ties-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

private func round(_ dir: String, _ k: Int, ties: String, reentries: String) throws {
    let truth = "\(dir)/round-\(k)/truth"
    try FileManager.default.createDirectory(atPath: truth, withIntermediateDirectories: true)
    try Data(ties.utf8).write(to: URL(fileURLWithPath: truth + "/ties.csv"))
    try Data(reentries.utf8).write(to: URL(fileURLWithPath: truth + "/reentries.csv"))
}

private let tiesHeader = "agreement,register,recordId,referenceRegister,referenceRecordId,kind\n"
private let reentriesHeader = "register,recordId,barredRegister,barredRecordId,decision,kind\n"

@Suite struct TieTruthTests {
    /// Protocols/synth.md §9.4: the pairs per register per round, by agreement and kind.
    @Test func roundsReadAsPairsPerRegister() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try round(dir, 1, ties: tiesHeader + """
            watchlist,fk,FK1,polisen,LB1,direct
            watchlist,fk,FK1,polisen,LB2,direct
            reentry,af,AF-1,ivo-decisions,IVOB-1,via-representative
            cross-agency-map,pm,PM1,fk,FK9,direct

            """, reentries: reentriesHeader + "af,AF-1,ivo-decisions,IVOB-1,permit-revoked,via-representative\n")
        try round(dir, 2, ties: tiesHeader, reentries: reentriesHeader)
        let rounds = try RoundTies.readAll(dir)
        #expect(rounds.map(\.round) == [1, 2])
        let all = rounds[0].pairs()
        #expect(all["fk"] == [TiePair(recordID: "FK1", referenceRegister: "polisen")])
        #expect(all["pm"] == [TiePair(recordID: "PM1", referenceRegister: "fk")])
        #expect(rounds[0].pairs(agreement: "reentry", kind: "direct").isEmpty)
        #expect(rounds[0].pairs(agreement: "reentry")["af"] == [TiePair(recordID: "AF-1", referenceRegister: "ivo-decisions")])
        #expect(rounds[0].reentries.map(\.decision) == ["permit-revoked"])
        #expect(rounds[1].ties.isEmpty)
    }

    @Test func aWrongHeaderAnUnknownKindOrNoRoundIsRefused() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: TruthError(.missing, "\(dir) holds no round-1/truth/ties.csv")) { try RoundTies.readAll(dir) }
        try round(dir, 1, ties: "register,recordId\n", reentries: reentriesHeader)
        #expect((#expect(throws: TruthError.self) { try RoundTies.readAll(dir) })?.code == .header)
        try FileManager.default.removeItem(atPath: dir + "/round-1")
        try round(dir, 1, ties: tiesHeader + "watchlist,fk,FK1,polisen,LB1,fuzzy\n", reentries: reentriesHeader)
        #expect((#expect(throws: TruthError.self) { try RoundTies.readAll(dir) })?.code == .row)
    }
}
