import API
import Agreements
import Blinding
import Coordinator
import CoordinatorClient
import Foundation
import Identifiers
import Node
import Parties
import ProtocolLog
import Sodium
import Testing
import TestSupport

private let standingJSON = """
    {"format": "korskoll-agreement-v3", "id": "standing-node", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator", "validity": {"from": "2026-01-01", "until": "2027-09-30"},
     "parties": [{"id": "polisen", "roles": ["reference"], "identifiers": ["person"], "fuzzy": false, "listRetentionDays": 30},
                 {"id": "fk", "roles": ["subjects", "reference"], "identifiers": ["person"], "fuzzy": false}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind", "otherParties"]}],
     "retentionDays": 0}
    """

/// Two nodes of a standing agreement on disk, the agreement signed: the police's list and fk's checks.
private func standingFixture() throws -> NodeFixture {
    let f = try NodeFixture(agreementJSON: standingJSON, name: "standing")
    try f.sign([f.polisen, f.fk])
    return f
}

private extension NodeFixture {
    /// Registers the agreement and runs its key ceremony, each node's secret where its config says.
    func establish(url: String, polisen polisenConfig: NodeConfig, fk fkConfig: NodeConfig) throws {
        let signatures = try Data(contentsOf: URL(fileURLWithPath: AgreementFiles.signaturesPath(for: agreementPath)))
        _ = try CoordinatorClient(url: url, keys: fk).registerAgreement(document: Data(agreement.bytes), signatures: signatures)
        for (keys, config) in [(polisen, polisenConfig), (fk, fkConfig)] {
            let client = CoordinatorClient(url: url, keys: keys)
            if keys.party == "polisen" { try KeyCeremony.relay(agreement: agreement, registry: registry, client: client) }
            try KeyCeremony.write(try KeyCeremony.receive(agreement: agreement, registry: registry, client: client), to: config.agreements[0].linkageSecret)
        }
    }
}

private struct Seen: Sendable {
    var polisen: NodeCheck.Outcome?
    var fkWithoutAs: NodeCheck.Outcome?
    var fkChecks: [NodeCheck.Outcome] = []
    var lastCheck: String?
}

@Suite struct StandingNodeTests {
    @Test func theRouteFollowsThePartysRoles() throws {
        let a = try Agreement(json: Data(standingJSON.utf8))
        #expect(try Upload.route(agreement: a, party: "polisen", requested: nil) == .list)
        #expect(try Upload.route(agreement: a, party: "fk", requested: "check") == .check)
        #expect(try Upload.route(agreement: a, party: "fk", requested: "list") == .list)
        #expect(throws: NodeError.self) { try Upload.route(agreement: a, party: "fk", requested: nil) }
        #expect(throws: NodeError.self) { try Upload.route(agreement: a, party: "polisen", requested: "check") }
    }

    /// `node check` under a standing agreement against the real coordinator on loopback: the
    /// police's list is stored and the round ends there; each of fk's checks runs against it,
    /// and its results are those of that check.
    @Test func nodeCheckSubmitsAListThenChecksAndOpensEachChecksResult() async throws {
        let f = try standingFixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let service = try CoordinatorService(dataDir: f.dir + "/coordinator", keys: f.coordinator, registry: f.registry)
        try await withServer(service) { port in
            let url = "http://127.0.0.1:\(port)"
            let fkConfig = f.config("fk", url: url), polisenConfig = f.config("polisen", url: url)
            try fkConfig.write(directory: f.dir + "/fk-node")
            try polisenConfig.write(directory: f.dir + "/polisen-node")
            let seen = try await offPool { () -> Seen in
                var seen = Seen()
                try f.establish(url: url, polisen: polisenConfig, fk: fkConfig)
                var options = NodeCheck.Options(referenceDate: CalendarDate(iso: "2026-11-01")!)
                options.wait = 30
                seen.polisen = NodeCheck.run(config: polisenConfig, agreementID: "standing-node", options: options)
                seen.fkWithoutAs = NodeCheck.run(config: fkConfig, agreementID: "standing-node", options: options)
                options.submitAs = "check"
                for _ in 0..<2 { seen.fkChecks.append(NodeCheck.run(config: fkConfig, agreementID: "standing-node", options: options)) }
                seen.lastCheck = Upload.lastSubmission(stateDirectory: fkConfig.agreements[0].logBook, agreementID: "standing-node")?.submissionID
                return seen
            }
            let polisen = try #require(seen.polisen)
            #expect(polisen.status == .done && polisen.message.contains("stands"), "\(polisen.message)")
            #expect(seen.fkWithoutAs?.status == .other && seen.fkWithoutAs?.message.contains("--as") == true, "\(seen.fkWithoutAs?.message ?? "")")
            #expect(seen.fkChecks.count == 2)
            for check in seen.fkChecks {
                #expect(check.status == .done, "\(check.message)")
                let doc = try #require(check.results.first?.document)
                #expect(doc.submissionID == check.upload?.submissionID)
                #expect(doc.rows?.count == 5)
            }
            #expect(seen.lastCheck == seen.fkChecks.last?.upload?.submissionID)
            let csv = try String(contentsOfFile: fkConfig.agreements[0].results + "/fk-rows.csv", encoding: .utf8).split(separator: "\n")
            #expect(Set(csv.dropFirst().map { String($0.split(separator: ",")[0]) }) == ["B5", "B6", "B7", "B8", "B9"])
            // The police's list stays at the coordinator; both checks are gone.
            let kept = try FileManager.default.contentsOfDirectory(atPath: f.dir + "/coordinator/standing/standing-node")
            #expect(kept == ["\(try #require(polisen.upload?.submissionID)).kks"])
            let status = try OperatorStatus.read(data: f.dir + "/coordinator")
            let a = try #require(status.agreements.first)
            #expect(a.lists?.map(\.party) == ["polisen"] && a.lists?.first?.rows == 10)
            #expect(a.checks == ["stored": 1, "finished": 2])

            // node.md §12: `--all-new`. fk's per-record results open only with the encoded
            // directory of their check (the last one's is kept); the other is left for later and
            // holds the cursor, and nothing is fetched twice.
            let coordinatorPublic = f.coordinator.publicKeys
            let out = f.dir + "/fk-all-new"
            let (firstPass, secondPass, cursor) = try await offPool { () -> ([StandingFetch.Item], [StandingFetch.Item], StandingFetch.Cursor) in
                let client = CoordinatorClient(url: url, keys: f.fk)
                let state = fkConfig.agreements[0].logBook
                let one = try StandingFetch.allNew(client: client, coordinator: coordinatorPublic, agreementID: "standing-node", state: state,
                                                   out: out, encoded: [fkConfig.agreements[0].encoded])
                let two = try StandingFetch.allNew(client: client, coordinator: coordinatorPublic, agreementID: "standing-node", state: state,
                                                   out: out, encoded: [fkConfig.agreements[0].encoded])
                return (one, two, StandingFetch.cursor(state: state, agreementID: "standing-node"))
            }
            let lastID = try #require(seen.fkChecks.last?.upload?.submissionID), firstID = try #require(seen.fkChecks.first?.upload?.submissionID)
            #expect(firstPass.count == 2)
            #expect(firstPass.first { $0.checkID == lastID }?.opened?.document.rows?.count == 5)
            #expect(firstPass.first { $0.checkID == firstID }?.skipped?.contains("--encoded") == true)
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(lastID)/fk-rows.csv"))
            // The second pass asks again only for what was left; the cursor stays before it.
            #expect(secondPass.map(\.checkID) == [firstID] && secondPass.allSatisfy { $0.opened == nil })
            #expect(cursor == StandingFetch.Cursor(sequence: 0, fetched: ["\(lastID)/fk-rows"]))
        }
    }

    /// Found in review: a round that exited 3 (its run not yet finished) and whose run finished
    /// before the next timer run must be taken up — its results opened — not submitted again
    /// (that deleted the row map the finished result needed, and checked the rows twice).
    @Test func aRoundLeftWaitingIsTakenUpAfterItsRunFinished() async throws {
        let f = try standingFixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let service = try CoordinatorService(dataDir: f.dir + "/coordinator", keys: f.coordinator, registry: f.registry)
        try await withServer(service) { port in
            let url = "http://127.0.0.1:\(port)"
            let fkConfig = f.config("fk", url: url), polisenConfig = f.config("polisen", url: url)
            try fkConfig.write(directory: f.dir + "/fk-node")
            try polisenConfig.write(directory: f.dir + "/polisen-node")
            let (waited, later, next) = try await offPool { () -> (NodeCheck.Outcome, NodeCheck.Outcome, NodeCheck.Outcome) in
                try f.establish(url: url, polisen: polisenConfig, fk: fkConfig)
                var options = NodeCheck.Options(referenceDate: CalendarDate(iso: "2026-11-01")!)
                options.wait = 30
                _ = NodeCheck.run(config: polisenConfig, agreementID: "standing-node", options: options)
                options.submitAs = "check"
                options.wait = 0
                let waited = NodeCheck.run(config: fkConfig, agreementID: "standing-node", options: options)
                // The run finishes while no node check is running.
                let client = CoordinatorClient(url: url, keys: f.fk)
                if let sid = waited.upload?.submissionID {
                    for _ in 0..<300 where try client.checkStatus(agreement: "standing-node", submissionID: sid).state != .finished {
                        Thread.sleep(forTimeInterval: 0.05)
                    }
                }
                options.wait = 30
                let later = NodeCheck.run(config: fkConfig, agreementID: "standing-node", options: options)
                let next = NodeCheck.run(config: fkConfig, agreementID: "standing-node", options: options)
                return (waited, later, next)
            }
            let sid = try #require(waited.upload?.submissionID)
            #expect(waited.status == .waiting || waited.status == .done, "\(waited.message)")
            if waited.status == .waiting {
                #expect(later.status == .done, "\(later.message)")
                #expect(later.upload == nil, "taken up, not submitted again")
                #expect(later.results.first?.document.submissionID == sid && later.results.first?.document.rows?.count == 5)
            }
            // The round after an ended one submits anew.
            #expect(next.status == .done && next.upload != nil && next.upload?.submissionID != sid, "\(next.message)")
        }
    }
}
