import API
import Agreements
import Foundation
import Parties
import Sodium
import Testing
import TestSupport
import Wire
@testable import Coordinator

/// The operations and response codes of `Protocols/openapi.yaml`, read minimally: the keys under
/// `paths:` (two spaces), their methods (four), and the quoted codes under `responses:` (eight).
struct OpenAPIDocument {
    /// "METHOD /path/{param}" → documented status codes.
    var responses: [String: Set<Int>] = [:]

    init(text: String) throws {
        var inPaths = false, path: String?, method: String?, inResponses = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " }.count
            if indent == 0 { inPaths = trimmed == "paths:"; path = nil; method = nil; continue }
            guard inPaths else { continue }
            switch indent {
            case 2 where trimmed.hasPrefix("/") && trimmed.hasSuffix(":"):
                path = String(trimmed.dropLast()); method = nil; inResponses = false
            case 4 where trimmed.hasSuffix(":") && ["get:", "put:", "post:", "delete:", "patch:"].contains(trimmed):
                method = String(trimmed.dropLast()).uppercased(); inResponses = false
                if let path, let method { responses["\(method) \(path)"] = [] }
            case 6:
                inResponses = trimmed.hasPrefix("responses:")
            case 8 where inResponses && trimmed.hasPrefix("\""):
                let code = trimmed.dropFirst().prefix { $0 != "\"" }
                guard let c = Int(code), let path, let method else { throw CocoaError(.coderReadCorrupt) }
                responses["\(method) \(path)", default: []].insert(c)
            default: continue
            }
        }
    }

    static func load() throws -> OpenAPIDocument {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocols/openapi.yaml")
        return try OpenAPIDocument(text: String(contentsOf: url, encoding: .utf8))
    }
}

/// A signed (or unsigned) HTTP exchange with the real server; the status and the body.
private struct Exchange {
    let status: Int
    let body: String

    /// The exchange on a thread of its own: a blocking read on the cooperative pool would starve
    /// the server's actor when tests run in parallel.
    static func run(port: Int, _ method: String, _ path: String, body: Data = Data(), as keys: PartyKeys?, w: World) async throws -> Exchange {
        try await offPool { try Exchange(port: port, method, path, body: body, as: keys, w: w) }
    }

    private init(port: Int, _ method: String, _ path: String, body: Data, as keys: PartyKeys?, w: World) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        if let keys {
            let h = RequestSignature.sign(method: method, path: path, bodyDigest: RequestSignature.bodyDigest(Array(body)),
                                          party: keys.party, key: keys.signing, now: w.clock)
            head += h.map { "\($0.key): \($0.value)\r\n" }.joined()
        }
        let answer = try rawExchange(port: port, head: head + "\r\n", body: body, send: body.count)
        let statusLine = answer.prefix { $0 != "\r" }
        status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        self.body = answer.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    }
}

@Suite struct OpenAPIConformanceTests {
    @Test func theMinimalReaderFindsEveryOperation() throws {
        let doc = try OpenAPIDocument.load()
        #expect(Set(doc.responses.keys) == [
            "POST /v1/agreements", "PUT /v1/agreements/{id}/ceremony/{party}", "GET /v1/agreements/{id}/ceremony",
            "PUT /v1/agreements/{id}/submission", "GET /v1/agreements/{id}/status", "GET /v1/agreements/{id}/results/{output}",
            "GET /v1/log/checkpoint", "GET /v1/log/consistency",
            "PUT /v1/agreements/{id}/reports/{period}", "POST /v1/agreements/{id}/reports/{period}/release",
            "PUT /v1/agreements/{id}/lists", "PUT /v1/agreements/{id}/checks", "GET /v1/agreements/{id}/checks/{sid}",
            "GET /v1/agreements/{id}/checks/{sid}/results/{output}", "GET /v1/agreements/{id}/runs",
        ])
        #expect(doc.responses["GET /v1/log/checkpoint"] == [200, 413, 500])
        #expect(doc.responses["PUT /v1/agreements/{id}/submission"]?.contains(503) == true)
    }

    /// Drives every operation of the real server to its success and its refusals, and checks
    /// that each status it answers is documented for that operation; every refusal carries the
    /// error body and no internal path.
    @Test func everyStatusTheServerAnswersIsDocumented() async throws {
        let doc = try OpenAPIDocument.load()
        let w = try World()
        let s = try w.service(maxUpload: 64 << 10)
        var seen: [String: Set<Int>] = [:]
        var expected: [(String, Int, Int)] = []
        try await withServer(s) { port in
            func call(_ op: String, _ method: String, _ path: String, body: Data = Data(), as keys: PartyKeys?, expect status: Int) async throws -> Exchange {
                // An oversized body is refused while it is still arriving; when the server closes
                // with bytes unread, the peer's reset can reach this client before the 413 does.
                // That is TCP, not the server: such an exchange (no status read) is tried again.
                var x = try await Exchange.run(port: port, method, path, body: body, as: keys, w: w)
                for _ in 0..<5 where x.status == 0 && status == 413 {
                    x = try await Exchange.run(port: port, method, path, body: body, as: keys, w: w)
                }
                seen[op, default: []].insert(x.status)
                expected.append((op + " " + path, status, x.status))
                if x.status >= 400 {
                    let e = try? APIJSON.decode(ErrorBody.self, from: Data(x.body.utf8))
                    #expect(e != nil, "\(op): \(x.body)")
                    #expect(!x.body.contains(w.dir), "\(op): a refusal names an internal path: \(x.body)")
                }
                return x
            }
            let register = "POST /v1/agreements"
            let good = try APIJSON.encode(RegisterAgreementRequest(document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen])))
            _ = try await call(register, "POST", APIPath.agreements, body: good, as: nil, expect: 401)
            _ = try await call(register, "POST", APIPath.agreements, body: Data("{}".utf8), as: w.fk, expect: 400)
            _ = try await call(register, "POST", APIPath.agreements, body: good, as: w.outsider, expect: 403)
            _ = try await call(register, "POST", APIPath.agreements, body: Data(count: (1 << 20) + 1), as: w.fk, expect: 413)
            _ = try await call(register, "POST", APIPath.agreements, body: good, as: w.fk, expect: 200)
            let otherText = agreementJSON.replacingOccurrences(of: "\"purpose\": \"test\"", with: "\"purpose\": \"other\"")
            let other = try Agreement(json: Data(otherText.utf8))
            var otherSigs = AgreementSignatures(agreement: other)
            otherSigs.sign(other, with: w.fk)
            otherSigs.sign(other, with: w.polisen)
            let conflicting = try APIJSON.encode(RegisterAgreementRequest(document: Data(otherText.utf8), signatures: try JSONEncoder().encode(otherSigs)))
            _ = try await call(register, "POST", APIPath.agreements, body: conflicting, as: w.fk, expect: 409)

            let relay = "PUT /v1/agreements/{id}/ceremony/{party}"
            let blob = Data(repeating: 7, count: 80)
            _ = try await call(relay, "PUT", APIPath.ceremony(agreement: "watch-test", party: "fk"), body: blob, as: nil, expect: 401)
            _ = try await call(relay, "PUT", APIPath.ceremony(agreement: "nope", party: "fk"), body: blob, as: w.polisen, expect: 404)
            _ = try await call(relay, "PUT", APIPath.ceremony(agreement: "watch-test", party: "fk"), body: blob, as: w.fk, expect: 403)
            _ = try await call(relay, "PUT", APIPath.ceremony(agreement: "watch-test", party: "pm"), body: blob, as: w.polisen, expect: 400)
            _ = try await call(relay, "PUT", APIPath.ceremony(agreement: "watch-test", party: "fk"), body: Data(count: 5000), as: w.polisen, expect: 413)
            _ = try await call(relay, "PUT", APIPath.ceremony(agreement: "watch-test", party: "fk"), body: blob, as: w.polisen, expect: 200)

            let ceremony = "GET /v1/agreements/{id}/ceremony"
            _ = try await call(ceremony, "GET", APIPath.ceremony(agreement: "watch-test"), as: nil, expect: 401)
            _ = try await call(ceremony, "GET", APIPath.ceremony(agreement: "nope"), as: w.fk, expect: 404)
            _ = try await call(ceremony, "GET", APIPath.ceremony(agreement: "watch-test"), as: w.outsider, expect: 403)
            _ = try await call(ceremony, "GET", APIPath.ceremony(agreement: "watch-test"), as: w.polisen, expect: 404)
            _ = try await call(ceremony, "GET", APIPath.ceremony(agreement: "watch-test"), as: w.fk, expect: 200)

            let submit = "PUT /v1/agreements/{id}/submission"
            let police = try Data(contentsOf: URL(fileURLWithPath: try w.submission(from: w.polisen, people: Array(0..<50))))
            let fk = try Data(contentsOf: URL(fileURLWithPath: try w.submission(from: w.fk, people: Array(25..<200))))
            let big = try Data(contentsOf: URL(fileURLWithPath: try w.submission(from: w.fk, people: Array(0..<4000))))
            _ = try await call(submit, "PUT", APIPath.submission(agreement: "watch-test"), body: police, as: nil, expect: 401)
            _ = try await call(submit, "PUT", APIPath.submission(agreement: "nope"), body: police, as: w.polisen, expect: 404)
            _ = try await call(submit, "PUT", APIPath.submission(agreement: "watch-test"), body: police, as: w.outsider, expect: 403)
            _ = try await call(submit, "PUT", APIPath.submission(agreement: "watch-test"), body: Data(repeating: 1, count: 300), as: w.polisen, expect: 400)
            _ = try await call(submit, "PUT", APIPath.submission(agreement: "watch-test"), body: big, as: w.fk, expect: 413)
            _ = try await call(submit, "PUT", APIPath.submission(agreement: "watch-test"), body: police, as: w.polisen, expect: 201)
            _ = try await call(submit, "PUT", APIPath.submission(agreement: "watch-test"), body: police, as: w.polisen, expect: 201)
            let policeAgain = try Data(contentsOf: URL(fileURLWithPath: try w.submission(from: w.polisen, people: Array(0..<10))))
            _ = try await call(submit, "PUT", APIPath.submission(agreement: "watch-test"), body: policeAgain, as: w.polisen, expect: 409)

            let status = "GET /v1/agreements/{id}/status"
            _ = try await call(status, "GET", APIPath.status(agreement: "watch-test"), as: nil, expect: 401)
            _ = try await call(status, "GET", APIPath.status(agreement: "nope"), as: w.fk, expect: 404)
            _ = try await call(status, "GET", APIPath.status(agreement: "watch-test"), as: w.outsider, expect: 403)
            let waiting = try await call(status, "GET", APIPath.status(agreement: "watch-test"), as: w.fk, expect: 200)
            #expect(try APIJSON.decode(StatusAnswer.self, from: Data(waiting.body.utf8)).missing == ["fk"])

            let result = "GET /v1/agreements/{id}/results/{output}"
            _ = try await call(result, "GET", APIPath.result(agreement: "watch-test", output: "fk-rows"), as: w.fk, expect: 404)
            _ = try await call(submit, "PUT", APIPath.submission(agreement: "watch-test"), body: fk, as: w.fk, expect: 201)
            #expect(try await waitForRun(s) == "finished")
            _ = try await call(result, "GET", APIPath.result(agreement: "watch-test", output: "fk-rows"), as: nil, expect: 401)
            _ = try await call(result, "GET", APIPath.result(agreement: "nope", output: "fk-rows"), as: w.fk, expect: 404)
            _ = try await call(result, "GET", APIPath.result(agreement: "watch-test", output: "nope"), as: w.fk, expect: 404)
            _ = try await call(result, "GET", APIPath.result(agreement: "watch-test", output: "fk-rows"), as: w.polisen, expect: 403)
            _ = try await call(result, "GET", APIPath.result(agreement: "watch-test", output: "fk-rows"), as: w.fk, expect: 200)

            // api.md §3.10: a party's signed counts, then the coordinator's release.
            let report = "PUT /v1/agreements/{id}/reports/{period}"
            let counts = OutcomeReport(agreement: "watch-test", party: "fk", period: "2026-H2", createdAt: w.clock,
                                       outcomes: ["review-opened": OutcomeTally(count: 6, amountSEK: 0)], ties: ["polisen": 6])
            var signedCounts = SignedOutcomeReport(report: try APIJSON.encode(counts), signature: Data())
            signedCounts.signature = Data(w.fk.signing.signature(for: signedCounts.signedBytes))
            let countsBody = try APIJSON.encode(signedCounts)
            _ = try await call(report, "PUT", APIPath.report(agreement: "watch-test", period: "2026-H2"), body: countsBody, as: nil, expect: 401)
            _ = try await call(report, "PUT", APIPath.report(agreement: "nope", period: "2026-H2"), body: countsBody, as: w.fk, expect: 404)
            _ = try await call(report, "PUT", APIPath.report(agreement: "watch-test", period: "2026-H2"), body: countsBody, as: w.outsider, expect: 403)
            _ = try await call(report, "PUT", APIPath.report(agreement: "watch-test", period: "2026-H2"), body: countsBody, as: w.polisen, expect: 403)
            _ = try await call(report, "PUT", APIPath.report(agreement: "watch-test", period: "2026-H3"), body: countsBody, as: w.fk, expect: 400)
            _ = try await call(report, "PUT", APIPath.report(agreement: "watch-test", period: "2026-H2"), body: Data(count: (1 << 20) + 1), as: w.fk, expect: 413)
            _ = try await call(report, "PUT", APIPath.report(agreement: "watch-test", period: "2026-H2"), body: countsBody, as: w.fk, expect: 201)
            _ = try await call(report, "PUT", APIPath.report(agreement: "watch-test", period: "2026-H2"), body: countsBody, as: w.fk, expect: 409)
            let release = "POST /v1/agreements/{id}/reports/{period}/release"
            let k5 = try APIJSON.encode(ReleaseReportRequest(k: 5))
            _ = try await call(release, "POST", APIPath.releaseReport(agreement: "watch-test", period: "2026-H2"), body: k5, as: nil, expect: 401)
            _ = try await call(release, "POST", APIPath.releaseReport(agreement: "watch-test", period: "2026-H2"), body: k5, as: w.fk, expect: 403)
            _ = try await call(release, "POST", APIPath.releaseReport(agreement: "nope", period: "2026-H2"), body: k5, as: w.coordinator, expect: 404)
            _ = try await call(release, "POST", APIPath.releaseReport(agreement: "watch-test", period: "2026-H1"), body: k5, as: w.coordinator, expect: 404)
            _ = try await call(release, "POST", APIPath.releaseReport(agreement: "watch-test", period: "2026-H2"), body: try APIJSON.encode(ReleaseReportRequest(k: 1)),
                               as: w.coordinator, expect: 400)
            _ = try await call(release, "POST", APIPath.releaseReport(agreement: "watch-test", period: "2026-H2"), body: Data(count: (1 << 20) + 1), as: w.coordinator, expect: 413)
            _ = try await call(release, "POST", APIPath.releaseReport(agreement: "watch-test", period: "2026-H2"), body: k5, as: w.coordinator, expect: 200)
            _ = try await call(release, "POST", APIPath.releaseReport(agreement: "watch-test", period: "2026-H2"), body: k5, as: w.coordinator, expect: 409)
            // Standing agreements (api.md §3.9).
            let standingText = """
                {"format": "korskoll-agreement-v3", "id": "standing-conf", "version": 1, "purpose": "test", "legalBasis": "test",
                 "coordinator": "coordinator", "validity": {"from": "2026-01-01", "until": "2027-09-30"},
                 "parties": [{"id": "polisen", "roles": ["reference"], "identifiers": ["person"], "fuzzy": false},
                             {"id": "fk", "roles": ["subjects"], "identifiers": ["person"], "fuzzy": false}],
                 "match": {"exact": ["person"], "schemaDigest": null, "threshold": null},
                 "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind"]}],
                 "retentionDays": 0}
                """
            let standing = try Agreement(json: Data(standingText.utf8))
            var standingSigs = AgreementSignatures(agreement: standing)
            standingSigs.sign(standing, with: w.fk)
            standingSigs.sign(standing, with: w.polisen)
            _ = try await call(register, "POST", APIPath.agreements, body: try APIJSON.encode(RegisterAgreementRequest(
                document: Data(standingText.utf8), signatures: try JSONEncoder().encode(standingSigs))), as: w.fk, expect: 200)
            let lists = "PUT /v1/agreements/{id}/lists", checks = "PUT /v1/agreements/{id}/checks"
            let list = try Data(contentsOf: URL(fileURLWithPath: try w.submission(from: w.polisen, agreementID: "standing-conf", people: Array(0..<20))))
            let check = try Data(contentsOf: URL(fileURLWithPath: try w.submission(from: w.fk, agreementID: "standing-conf", people: Array(10..<30))))
            _ = try await call(lists, "PUT", APIPath.lists(agreement: "standing-conf"), body: list, as: nil, expect: 401)
            _ = try await call(lists, "PUT", APIPath.lists(agreement: "nope"), body: list, as: w.polisen, expect: 404)
            _ = try await call(lists, "PUT", APIPath.lists(agreement: "watch-test"), body: list, as: w.polisen, expect: 400)
            _ = try await call(lists, "PUT", APIPath.lists(agreement: "standing-conf"), body: check, as: w.fk, expect: 403)
            _ = try await call(lists, "PUT", APIPath.lists(agreement: "standing-conf"), body: big, as: w.polisen, expect: 413)
            let listAnswer = try await call(lists, "PUT", APIPath.lists(agreement: "standing-conf"), body: list, as: w.polisen, expect: 201)
            let staleList = try Data(contentsOf: URL(fileURLWithPath: try w.submission(from: w.polisen, agreementID: "standing-conf", people: [1])))
            _ = try await call(lists, "PUT", APIPath.lists(agreement: "standing-conf"), body: staleList, as: w.polisen, expect: 409)
            _ = try await call(checks, "PUT", APIPath.checks(agreement: "standing-conf"), body: check, as: nil, expect: 401)
            _ = try await call(checks, "PUT", APIPath.checks(agreement: "nope"), body: check, as: w.fk, expect: 404)
            _ = try await call(checks, "PUT", APIPath.checks(agreement: "standing-conf"), body: list, as: w.polisen, expect: 403)
            _ = try await call(checks, "PUT", APIPath.checks(agreement: "standing-conf"), body: Data(repeating: 1, count: 300), as: w.fk, expect: 400)
            _ = try await call(checks, "PUT", APIPath.checks(agreement: "standing-conf"), body: big, as: w.fk, expect: 413)
            let checkAnswer = try APIJSON.decode(SubmissionAnswer.self, from: Data(
                try await call(checks, "PUT", APIPath.checks(agreement: "standing-conf"), body: check, as: w.fk, expect: 201).body.utf8))
            _ = try await call(checks, "PUT", APIPath.checks(agreement: "standing-conf"), body: check, as: w.fk, expect: 201)
            let checkOp = "GET /v1/agreements/{id}/checks/{sid}"
            let sid = checkAnswer.submissionID
            _ = try await call(checkOp, "GET", APIPath.check(agreement: "standing-conf", submissionID: sid), as: nil, expect: 401)
            _ = try await call(checkOp, "GET", APIPath.check(agreement: "standing-conf", submissionID: "00"), as: w.fk, expect: 404)
            _ = try await call(checkOp, "GET", APIPath.check(agreement: "watch-test", submissionID: sid), as: w.fk, expect: 400)
            _ = try await call(checkOp, "GET", APIPath.check(agreement: "standing-conf", submissionID: sid), as: w.outsider, expect: 403)
            let listSID = try APIJSON.decode(SubmissionAnswer.self, from: Data(listAnswer.body.utf8)).submissionID
            let stored = try await call(checkOp, "GET", APIPath.check(agreement: "standing-conf", submissionID: listSID), as: w.polisen, expect: 200)
            #expect(try APIJSON.decode(CheckStatusAnswer.self, from: Data(stored.body.utf8)).state == .stored)
            var state = CheckState.waiting
            for _ in 0..<500 where state != .finished && state != .failed {
                let x = try await call(checkOp, "GET", APIPath.check(agreement: "standing-conf", submissionID: sid), as: w.fk, expect: 200)
                state = try APIJSON.decode(CheckStatusAnswer.self, from: Data(x.body.utf8)).state
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(state == .finished)
            let checkResult = "GET /v1/agreements/{id}/checks/{sid}/results/{output}"
            _ = try await call(checkResult, "GET", APIPath.checkResult(agreement: "standing-conf", submissionID: sid, output: "fk-rows"), as: nil, expect: 401)
            _ = try await call(checkResult, "GET", APIPath.checkResult(agreement: "standing-conf", submissionID: sid, output: "nope"), as: w.fk, expect: 404)
            _ = try await call(checkResult, "GET", APIPath.checkResult(agreement: "standing-conf", submissionID: sid, output: "fk-rows"), as: w.polisen, expect: 403)
            _ = try await call(checkResult, "GET", APIPath.checkResult(agreement: "standing-conf", submissionID: listSID, output: "fk-rows"), as: w.fk, expect: 404)
            _ = try await call(checkResult, "GET", APIPath.checkResult(agreement: "standing-conf", submissionID: sid, output: "fk-rows"), as: w.fk, expect: 200)
            // The runs that concern the caller (api.md §3.9) and the one-shot status refused (§3.5).
            let runs = "GET /v1/agreements/{id}/runs"
            _ = try await call(runs, "GET", APIPath.runs(agreement: "standing-conf"), as: nil, expect: 401)
            _ = try await call(runs, "GET", APIPath.runs(agreement: "nope"), as: w.fk, expect: 404)
            _ = try await call(runs, "GET", APIPath.runs(agreement: "watch-test"), as: w.fk, expect: 400)
            _ = try await call(runs, "GET", "/v1/agreements/standing-conf/runs?since=first", as: w.fk, expect: 400)
            _ = try await call(runs, "GET", APIPath.runs(agreement: "standing-conf"), as: w.outsider, expect: 403)
            let fkRuns = try await call(runs, "GET", APIPath.runs(agreement: "standing-conf"), as: w.fk, expect: 200)
            let listed = try APIJSON.decode(StandingRunsAnswer.self, from: Data(fkRuns.body.utf8)).runs
            #expect(listed.first == StandingRunEntry(sequence: 1, checkID: sid, state: .finished, party: "fk", results: ["fk-rows"]))
            let policeRuns = try await call(runs, "GET", "/v1/agreements/standing-conf/runs", as: w.polisen, expect: 200)
            #expect(try APIJSON.decode(StandingRunsAnswer.self, from: Data(policeRuns.body.utf8)).runs.map(\.checkID) == [listSID])
            _ = try await call(status, "GET", APIPath.status(agreement: "standing-conf"), as: w.fk, expect: 400)

            _ = try await call("GET /v1/log/checkpoint", "GET", APIPath.checkpoint, as: nil, expect: 200)
            _ = try await call("GET /v1/log/consistency", "GET", APIPath.consistency(first: 1, second: 3), as: nil, expect: 200)
            _ = try await call("GET /v1/log/consistency", "GET", APIPath.consistency(first: 3, second: 1), as: nil, expect: 400)
            _ = try await call("GET /v1/log/consistency", "GET", APIPath.checkpoint.replacingOccurrences(of: "checkpoint", with: "consistency"), as: nil, expect: 400)
        }
        for (what, want, got) in expected { #expect(got == want, "\(what): expected \(want), answered \(got)") }
        for (op, codes) in seen {
            let documented = doc.responses[op] ?? []
            #expect(codes.isSubset(of: documented), "\(op) answers \(codes.subtracting(documented).sorted()) not documented in openapi.yaml")
        }
        #expect(Set(seen.keys) == Set(doc.responses.keys), "every documented operation is exercised")
    }
}

/// A store whose disk has failed: every call throws an error the coordinator does not classify.
private final class BrokenStore: CoordinatorStore, @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }
    let detail: String
    init(detail: String) { self.detail = detail }
    private func fail() throws -> Never { throw Failure(description: detail) }
    func useNonce(party: String, nonce: String, now: UInt64) throws -> Bool { try fail() }
    func agreementDocument(_ id: String) throws -> Data? { try fail() }
    func agreementIDs() throws -> [String] { try fail() }
    func insertAgreement(id: String, hash: String, document: Data, signatures: Data, registered: UInt64) throws { try fail() }
    func putCeremony(agreement: String, party: String, blob: Data) throws { try fail() }
    func ceremony(agreement: String, party: String) throws -> Data? { try fail() }
    func submissionExists(agreement: String, party: String, submissionID: String) throws -> Bool { try fail() }
    func submissions(agreement: String) throws -> [SubmissionRecord] { try fail() }
    func insertSubmission(_ s: SubmissionRecord) throws { try fail() }
    func retainedSubmissionsOfFinishedRuns() throws -> [(SubmissionRecord, finished: UInt64)] { try fail() }
    func markSubmissionsDeleted(agreement: String, at time: UInt64) throws { try fail() }
    func run(agreement: String) throws -> RunRecord? { try fail() }
    func saveRun(_ run: RunRecord) throws { try fail() }
    func setProgress(agreement: String, _ text: String) throws { try fail() }
    func finishRun(agreement: String, results: [ResultRecord], finished: UInt64, counts: String) throws { try fail() }
    func failRun(agreement: String, reason: String, at time: UInt64) throws { try fail() }
    func result(agreement: String, output: String) throws -> ResultRecord? { try fail() }
    func resultOutputs(agreement: String, recipient: String) throws -> [String] { try fail() }
}

/// Lines written to the server's log.
private final class LogLines: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()
    func add(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

@Suite struct CoordinatorErrorTests {
    /// An error the coordinator does not classify answers 500 with the generic reason; its detail
    /// goes to the server's log and not to the client.
    @Test func anUnexpectedErrorAnswersAGeneric500AndLogsItsDetail() async throws {
        let w = try World()
        let layout = FileLayout(root: w.dir + "/coordinator")
        try layout.prepare()
        let detail = "disk failed under \(w.dir)/coordinator/coordinator.sqlite"
        let lines = LogLines()
        let t = w.clock
        let s = try CoordinatorService(layout: layout, store: BrokenStore(detail: detail), keys: w.coordinator, registry: w.registry,
                                       now: { t }, diagnostics: { lines.add($0) })
        try await withServer(s) { port in
            let x = try await Exchange.run(port: port, "GET", APIPath.status(agreement: "watch-test"), as: w.fk, w: w)
            #expect(x.status == 500)
            #expect(try APIJSON.decode(ErrorBody.self, from: Data(x.body.utf8)) == ErrorBody(error: "internal", reason: "internal error"))
            #expect(!x.body.contains("disk failed"))
        }
        #expect(lines.all.contains { $0.contains(detail) }, "\(lines.all)")
    }

    /// Every code has its status and keeps its documented name (Protocols/api.md §4).
    @Test func everyCodeCarriesItsStatus() {
        let table: [(CoordinatorError.Code, String, Int)] = [
            (.unauthenticated, "auth.failed", 401), (.replay, "auth.replay", 401), (.forbidden, "auth.forbidden", 403),
            (.badRequest, "request.invalid", 400), (.submission, "submission.invalid", 400), (.agreement, "agreement.invalid", 400),
            (.notFound, "not-found", 404), (.conflict, "conflict", 409), (.tooLarge, "request.too-large", 413), (.unavailable, "storage.unavailable", 503),
            (.internal, "internal", 500),
        ]
        for (code, name, status) in table {
            let e = CoordinatorError(code, "why")
            #expect(e.code.rawValue == name)
            #expect(Int(e.status.code) == status)
            #expect(e.body == ErrorBody(error: name, reason: code == .internal ? "internal error" : "why"))
        }
    }

    /// A refusal's reason names the upload, not where the coordinator keeps it.
    @Test func refusalReasonsNameNoInternalPath() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
        let garbage = w.dir + "/coordinator/incoming/garbage.part"
        try Data(repeating: 9, count: 400).write(to: URL(fileURLWithPath: garbage))
        do {
            _ = try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: garbage)
            Issue.record("garbage was accepted")
        } catch let e as CoordinatorError {
            #expect(e.code == .submission)
            #expect(!e.reason.contains(w.dir), "\(e.reason)")
        }
        #expect(try w.events(.submissionRejected).allSatisfy { !($0.reason ?? "").contains(w.dir) })
    }
}
