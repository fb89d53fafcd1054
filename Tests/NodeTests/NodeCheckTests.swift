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

private let agreementJSON = """
    {"format": "korskoll-agreement-v2", "id": "check-test", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator",
     "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": false, "attributes": []},
                 {"id": "fk", "identifiers": ["person"], "fuzzy": false, "attributes": []}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind", "otherParties"]},
                 {"name": "polisen-count", "recipient": "polisen", "kind": "aggregate", "k": 1}],
     "retentionDays": 30}
    """

/// What the blocking steps saw.
private struct Seen: Sendable {
    var early: NodeCheck.Status?
    var earlyMessage = ""
    var notReady = ""
    var polisen: NodeCheck.Status?
    var fk: NodeCheck.Status?
    var fkMessage = ""
    var again: NodeCheck.Status?
    var steps: [String] = []
}

@Suite struct NodeCheckTests {
    /// `node check` runs a whole round for one node in one command against a real coordinator;
    /// a round that has to wait exits `waiting` and is taken up the next time.
    @Test func nodeCheckRunsAWholeRoundAndTakesUpAWaitingOne() async throws {
        let f = try NodeFixture(agreementJSON: agreementJSON, name: "check")
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        try f.sign([f.polisen, f.fk])
        let service = try CoordinatorService(dataDir: f.dir + "/coordinator", keys: f.coordinator, registry: f.registry)
        try await withServer(service) { port in
            let url = "http://127.0.0.1:\(port)"
            let fkConfig = f.config("fk", url: url), polisenConfig = f.config("polisen", url: url)
            try fkConfig.write(directory: f.dir + "/fk-node")
            try polisenConfig.write(directory: f.dir + "/polisen-node")
            let seen = try await offPool { () -> Seen in
                var seen = Seen()
                let signatures = try Data(contentsOf: URL(fileURLWithPath: AgreementFiles.signaturesPath(for: f.dir + "/check.agreement.json")))
                _ = try CoordinatorClient(url: url, keys: f.fk).registerAgreement(document: Data(agreementJSON.utf8), signatures: signatures)
                for (keys, config) in [(f.polisen, polisenConfig), (f.fk, fkConfig)] {
                    let client = CoordinatorClient(url: url, keys: keys)
                    if keys.party == "polisen" { try KeyCeremony.relay(agreement: f.agreement, registry: f.registry, client: client) }
                    try KeyCeremony.write(try KeyCeremony.receive(agreement: f.agreement, registry: f.registry, client: client), to: config.agreements[0].linkageSecret)
                }
                var options = NodeCheck.Options(referenceDate: CalendarDate(iso: "2026-11-01")!)
                // fk alone: submitted, but the run waits for polisen.
                let early = NodeCheck.run(config: fkConfig, agreementID: "check-test", options: options)
                seen.early = early.status
                seen.earlyMessage = early.message
                do {
                    _ = try CoordinatorClient(url: url, keys: f.fk).result(agreement: "check-test", output: "fk-rows")
                } catch let e as CoordinatorClient.Failure { seen.notReady = e.reason }
                options.wait = 30
                seen.polisen = NodeCheck.run(config: polisenConfig, agreementID: "check-test", options: options).status
                let done = NodeCheck.run(config: fkConfig, agreementID: "check-test", options: options) { step in
                    if case .stage(let s) = step { seen.steps.append(s) }
                }
                seen.fk = done.status
                seen.fkMessage = done.message
                seen.again = NodeCheck.run(config: fkConfig, agreementID: "check-test", options: options).status
                return seen
            }
            #expect(seen.early == .waiting, "\(seen.earlyMessage)")
            #expect(seen.earlyMessage.contains("still to submit: polisen"))
            // A result asked for too early says how to wait for it.
            #expect(seen.notReady.contains("korskoll node status --wait 300"), "\(seen.notReady)")
            #expect(seen.polisen == .done)
            #expect(seen.fk == .done, "\(seen.fkMessage)")
            #expect(seen.steps.contains("submission already with the coordinator; taking up the round"), "\(seen.steps)")
            #expect(seen.again == .done)
            let csv = try String(contentsOfFile: fkConfig.agreements[0].results + "/fk-rows.csv", encoding: .utf8).split(separator: "\n")
            #expect(Set(csv.dropFirst().map { String($0.split(separator: ",")[0]) }) == ["B5", "B6", "B7", "B8", "B9"])

            // The operator's view of the same data directory: finished, both outputs fetched,
            // retention due in 30 days, and no row, record id or pseudonym anywhere.
            let status = try OperatorStatus.read(data: f.dir + "/coordinator")
            let a = try #require(status.agreements.first)
            #expect(a.state == "finished" && a.missing.isEmpty && a.submitted.map(\.rows).sorted() == [10, 10])
            #expect(a.unfetched.isEmpty && Set(a.fetched.map(\.output)) == ["fk-rows", "polisen-count"])
            #expect(a.retentionDueAt == a.runFinished.map { $0 + 30 * 86_400 } && !a.retentionOverdue)
            #expect(status.log.entries > 0 && status.log.lastCheckpointSize == UInt64(status.log.entries))
            let text = String(decoding: try status.json(), as: UTF8.self) + status.text()
            for pin in SkatteverketTestNumbers.personnummer.prefix(15) { #expect(!text.contains(pin)) }
            for id in ["B5", "P0", "submissionID"] { #expect(!text.contains(id), "\(id)") }
            let later = try OperatorStatus.read(data: f.dir + "/coordinator", now: (a.runFinished ?? 0) + 31 * 86_400)
            #expect(later.agreements.first?.retentionOverdue == true)
        }
    }

    /// The scheduler's statuses: a coordinator that does not answer is `other` with the next
    /// step; an agreement the coordinator does not know is `refused`; an empty export is `localInput`.
    @Test func nodeCheckExitStatusesTellTheSchedulerWhatHappened() async throws {
        let f = try NodeFixture(agreementJSON: agreementJSON, name: "check")
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        try f.sign([f.polisen, f.fk])
        let options = NodeCheck.Options(referenceDate: CalendarDate(iso: "2026-11-01")!)
        let down = NodeCheck.run(config: f.config("fk", url: "http://127.0.0.1:1"), agreementID: "check-test", options: options)
        #expect(down.status == .other)
        #expect(down.message.contains("korskoll coordinator serve") && down.message.contains("--coordinator-url"), "\(down.message)")
        let unknown = NodeCheck.run(config: f.config("fk"), agreementID: "other", options: options)
        #expect(unknown.status == .other && unknown.message.contains("not in this node's configuration"))

        let service = try CoordinatorService(dataDir: f.dir + "/coordinator", keys: f.coordinator, registry: f.registry)
        try await withServer(service) { port in
            let config = f.config("fk", url: "http://127.0.0.1:\(port)")
            let refused = try await offPool { NodeCheck.run(config: config, agreementID: "check-test", options: options) }
            #expect(refused.status == .refused && refused.message.contains("korskoll agreement register"), "\(refused.message)")
            let signatures = try Data(contentsOf: URL(fileURLWithPath: AgreementFiles.signaturesPath(for: f.dir + "/check.agreement.json")))
            try "id,pnr\n".write(toFile: f.dir + "/fk.csv", atomically: true, encoding: .utf8)
            let empty = try await offPool { () -> NodeCheck.Outcome in
                _ = try CoordinatorClient(url: config.coordinatorURL, keys: f.fk).registerAgreement(document: Data(agreementJSON.utf8), signatures: signatures)
                try FileManager.default.createDirectory(atPath: config.agreements[0].state, withIntermediateDirectories: true)
                try KeyCeremony.write(SecretBytes.random(count: 32), to: config.agreements[0].linkageSecret)
                return NodeCheck.run(config: config, agreementID: "check-test", options: options)
            }
            #expect(empty.status == .localInput, "\(empty.message)")
        }
    }

    /// `node init`'s checks name the next step for each missing piece.
    @Test func configCheckSaysTheNextStepForEachMissingPiece() throws {
        let f = try NodeFixture(agreementJSON: agreementJSON, name: "check")
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        try f.sign([f.polisen])
        var config = f.config("fk")
        var findings = config.check().map(\.description)
        #expect(findings.contains { $0.hasPrefix("error:") && $0.contains("still to sign: fk") && $0.contains("korskoll agreement sign") }, "\(findings)")
        #expect(findings.contains { $0.hasPrefix("todo:") && $0.contains("korskoll node ceremony") && !$0.contains("--lead") }, "\(findings)")
        #expect(findings.contains { $0 == "ok: secret key \(f.dir)/keys/fk.secret.json is fk's, mode 0600" })

        try f.sign([f.polisen, f.fk])
        findings = config.check().map(\.description)
        #expect(!findings.contains { $0.hasPrefix("error:") }, "\(findings)")

        config.key = f.dir + "/keys/skv.secret.json"
        config.party = "skv"
        findings = config.check().map(\.description)
        #expect(findings.contains { $0.contains("not found: make one with `korskoll keys generate --party skv --out \(f.dir)/keys`") }, "\(findings)")
        #expect(findings.contains { $0.contains("has no party 'skv': add it with `korskoll keys register") }, "\(findings)")

        let path = try f.config("fk").write(directory: f.dir + "/node")
        #expect(try NodeConfig.load(path) == f.config("fk"))
        #expect(((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0) & 0o777 == 0o600)
    }
}

/// A coordinator that does not answer: the error says to start it and to check the URL.
@Suite struct CoordinatorDownTests {
    @Test func aCoordinatorThatDoesNotAnswerSaysHowToStartIt() throws {
        let client = CoordinatorClient(url: "http://127.0.0.1:1", keys: try PartyKeys.generate(party: "fk"))
        #expect {
            _ = try client.status(agreement: "a")
        } throws: { e in
            let f = e as? CoordinatorClient.Failure
            return f?.status == 0 && f!.code == "network" && f!.reason.contains("is the coordinator running? Start it with `korskoll coordinator serve")
                && f!.reason.contains("check --coordinator-url (http://127.0.0.1:1)")
        }
    }
}
