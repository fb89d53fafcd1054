import API
import Foundation
import GRDB
import Testing
import TestSupport
import Agreements
import Parties
import ProtocolLog
import Sodium
import Wire
@testable import Coordinator

let agreementJSON = """
    {"format": "korskoll-agreement-v2", "id": "watch-test", "version": 1, "purpose": "test", "legalBasis": "test",
     "coordinator": "coordinator",
     "parties": [{"id": "polisen", "identifiers": ["person"], "fuzzy": true,
                  "attributes": [{"name": "category", "values": ["aktiv", "koppling"], "readers": ["coordinator"]}]},
                 {"id": "fk", "identifiers": ["person"], "fuzzy": true}],
     "match": {"exact": ["person"], "schemaDigest": null, "threshold": 0.9},
     "outputs": [{"name": "fk-rows", "recipient": "fk", "kind": "per-record", "fields": ["matchKind", "category"]},
                 {"name": "polisen-count", "recipient": "polisen", "kind": "aggregate", "k": 1}],
     "retentionDays": 0}
    """

/// A coordinator with a registry of three nodes, in a scratch directory.
final class World: @unchecked Sendable {
    let dir = NSTemporaryDirectory() + "korskoll-coord-" + Hex.encode(Random.bytes(8))
    let coordinator = try! PartyKeys.generate(party: "coordinator")
    let polisen = try! PartyKeys.generate(party: "polisen")
    let fk = try! PartyKeys.generate(party: "fk")
    let outsider = try! PartyKeys.generate(party: "pm")
    let registry: Registry
    let agreement: Agreement
    var clock: UInt64 = 1_795_000_000

    init() throws {
        registry = try Registry(entries: [
            .init(id: "coordinator", name: "c", role: .coordinator, keys: coordinator.publicKeys),
            .init(id: "polisen", name: "p", role: .node, keys: polisen.publicKeys),
            .init(id: "fk", name: "f", role: .node, keys: fk.publicKeys),
            .init(id: "pm", name: "m", role: .node, keys: outsider.publicKeys),
        ])
        agreement = try Agreement(json: Data(agreementJSON.utf8))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func service(maxUpload: Int = 4 << 30) throws -> CoordinatorService {
        let t = clock
        return try CoordinatorService(dataDir: dir + "/coordinator", keys: coordinator, registry: registry, maxUpload: maxUpload, now: { t })
    }

    func incoming() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir + "/coordinator/incoming")) ?? [] }

    func signatures(_ by: [PartyKeys]) throws -> Data {
        var s = AgreementSignatures(agreement: agreement)
        for k in by { s.sign(agreement, with: k) }
        return try JSONEncoder().encode(s)
    }

    /// A sealed submission of `people` (pseudonyms are random bytes seeded by the person number).
    func submission(from party: PartyKeys, agreementID: String = "watch-test", people: [Int], attributes: [String] = [],
                    blocking: String = "", values: (Int) -> [String] = { _ in [] }) throws -> String {
        var body = ByteWriter()
        for p in people {
            Submission.Record(person: SHA256.hash(Array("person \(p)".utf8)),
                              organisation: nil, clk: nil, attributes: values(p)).encode(into: &body)
        }
        let bodyPath = dir + "/body-" + Hex.encode(Random.bytes(4))
        try Data(body.bytes).write(to: URL(fileURLWithPath: bodyPath))
        var header = Submission.Header(agreementID: agreementID, party: party.party, recipient: "coordinator",
                                       submissionID: Random.bytes(16), createdAt: clock, schemaDigest: [UInt8](repeating: 0, count: 32),
                                       clkBytes: 0, attributes: attributes)
        header.blocking = blocking
        header.blockingKeys = blocking.isEmpty ? 0 : 3
        header.rows = UInt64(people.count)
        header.personIDs = UInt64(people.count)
        header.contentHash = Submission.contentHash(body.bytes)
        let path = dir + "/sub-" + Hex.encode(Random.bytes(4)) + ".kks"
        try Submission.seal(header: header, bodyPath: bodyPath, signer: party.signing, recipient: coordinator.publicKeys.sealing, to: path)
        return path
    }

    func headers(_ method: String, _ path: String, body: [UInt8] = [], as keys: PartyKeys, party: String? = nil, at time: UInt64? = nil) -> [String: String] {
        RequestSignature.sign(method: method, path: path, body: body, party: party ?? keys.party, key: keys.signing, now: time ?? clock)
    }

    func events(_ type: LogEvent.Kind) throws -> [LogEvent] {
        let store = try LogStore(directory: dir + "/coordinator/log", coordinator: "coordinator", key: coordinator.signing)
        return try store.entries.map { try LogEvent(leaf: $0) }.filter { $0.type == type }
    }

    func storedSubmissions() -> [String] {
        (try? FileManager.default.subpathsOfDirectory(atPath: dir + "/coordinator/submissions"))?.filter { $0.hasSuffix(".kks") } ?? []
    }
}

func waitForRun(_ s: CoordinatorService, party: String = "fk", tries: Int = 1000) async throws -> String {
    for _ in 0..<tries {
        let state = try await s.status(party: party, agreementID: "watch-test").run.state
        if state == .finished || state == .failed { return state.rawValue }
        try await Task.sleep(for: .milliseconds(10))
    }
    return "timeout"
}

@Suite struct CoordinatorAuthenticationTests {
    @Test func validRequestPassesAndItsReplayIsRejected() async throws {
        let w = try World()
        let s = try w.service()
        let h = w.headers("GET", "/v1/agreements/x/status", as: w.fk)
        let party = try await s.authenticate(method: "GET", path: "/v1/agreements/x/status", headers: { h[$0] }, bodyDigest: RequestSignature.bodyDigest([]))
        #expect(party == "fk")
        await #expect(throws: CoordinatorError.self) {
            try await s.authenticate(method: "GET", path: "/v1/agreements/x/status", headers: { h[$0] }, bodyDigest: RequestSignature.bodyDigest([]))
        }
        let failures = try w.events(.authenticationFailed)
        #expect(failures.count == 1 && failures[0].code == "auth.replay")
    }

    @Test func forgedUnknownStaleAndAlteredRequestsAreRejectedAndLogged() async throws {
        let w = try World()
        let s = try w.service()
        let digest = RequestSignature.bodyDigest([])
        // Signed by polisen's key but claiming to be fk.
        let forged = w.headers("GET", "/p", as: w.polisen, party: "fk")
        // A party the registry does not know.
        let stranger = try PartyKeys.generate(party: "okand")
        let unknown = w.headers("GET", "/p", as: stranger)
        // Outside the ±5-minute window.
        let stale = w.headers("GET", "/p", as: w.fk, at: w.clock - 301)
        // Signed for another path.
        let otherPath = w.headers("GET", "/other", as: w.fk)
        // Missing signature.
        var missing = w.headers("GET", "/p", as: w.fk)
        missing[RequestSignature.Header.signature] = nil
        for h in [forged, unknown, stale, otherPath, missing] {
            await #expect(throws: CoordinatorError.self) { try await s.authenticate(method: "GET", path: "/p", headers: { h[$0] }, bodyDigest: digest) }
        }
        // A body other than the signed one.
        let body = w.headers("POST", "/p", body: Array("a".utf8), as: w.fk)
        await #expect(throws: CoordinatorError.self) {
            try await s.authenticate(method: "POST", path: "/p", headers: { body[$0] }, bodyDigest: RequestSignature.bodyDigest(Array("b".utf8)))
        }
        #expect(try w.events(.authenticationFailed).count == 6)
    }
}

@Suite struct CoordinatorAgreementAndSubmissionTests {
    @Test func agreementNeedsEverySignatureFromRegisteredKeys() async throws {
        let w = try World()
        let s = try w.service()
        let doc = Data(agreementJSON.utf8)
        await #expect(throws: CoordinatorError.self) { try await s.registerAgreement(party: "fk", document: doc, signatures: try w.signatures([w.fk])) }
        // A signer outside the agreement cannot register it, even when fully signed.
        await #expect(throws: CoordinatorError.self) { try await s.registerAgreement(party: "pm", document: doc, signatures: try w.signatures([w.fk, w.polisen])) }
        #expect(try w.events(.agreementRegistered).isEmpty)
        _ = try await s.registerAgreement(party: "fk", document: doc, signatures: try w.signatures([w.fk, w.polisen]))
        #expect(try w.events(.agreementRegistered).count == 1)
    }

    @Test func badSubmissionsAreRejectedLoggedAndLeaveNothing() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
        // A party not in the agreement.
        await #expect(throws: CoordinatorError.self) {
            try await s.acceptSubmission(party: "pm", agreementID: "watch-test", upload: try w.submission(from: w.outsider, people: [1]))
        }
        // Sealed and signed for another agreement.
        await #expect(throws: CoordinatorError.self) {
            try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: try w.submission(from: w.fk, agreementID: "other", people: [1]))
        }
        // Signed by another party than the one who sends it.
        await #expect(throws: CoordinatorError.self) {
            try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: try w.submission(from: w.polisen, people: [1]))
        }
        // A blocking scheme the agreement does not name.
        do {
            try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: try w.submission(from: w.fk, people: [1], blocking: "korskoll-blocking-v1"))
            Issue.record("a submission with another blocking scheme was accepted")
        } catch let e as CoordinatorError { #expect(e.reason.contains("blocking scheme")) }
        // Truncated.
        let good = try w.submission(from: w.fk, people: Array(0..<500))
        let data = try Data(contentsOf: URL(fileURLWithPath: good))
        let cut = good + ".cut"
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: cut))
        await #expect(throws: CoordinatorError.self) { try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: cut) }
        #expect(w.storedSubmissions().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cut), "a rejected upload is removed")
        let rejected = try w.events(.submissionRejected)
        #expect(rejected.count == 5)
        #expect(rejected.allSatisfy { $0.reason?.isEmpty == false })
        // The intact one is accepted once; the same bytes again get the same receipt (api.md §5.1),
        // and another submission from the same party is refused.
        let copy = good + ".copy"
        try data.write(to: URL(fileURLWithPath: copy))
        let answer = try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: good)
        #expect(answer.rows == 500)
        let again = try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: copy)
        #expect(again.receipt.index == answer.receipt.index)
        let second = try w.submission(from: w.fk, people: Array(0..<10))
        await #expect(throws: CoordinatorError.self) { try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: second) }
        #expect(w.storedSubmissions().count == 1)
    }

    @Test func runReleasesOnlyToRecipientsAndDeletesEncodingsOnRetention() async throws {
        let w = try World()
        let s = try w.service()
        _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
        // Police list: people 0..<50, half "aktiv"; FK: people 25..<200.
        _ = try await s.acceptSubmission(party: "polisen", agreementID: "watch-test",
                                         upload: try w.submission(from: w.polisen, people: Array(0..<50), attributes: ["category"], values: { [$0 % 2 == 0 ? "aktiv" : "koppling"] }))
        #expect(try await waitForRun(s, tries: 20) != "finished", "no run before every party submitted")
        _ = try await s.acceptSubmission(party: "fk", agreementID: "watch-test", upload: try w.submission(from: w.fk, people: Array(25..<200)))
        #expect(try await waitForRun(s) == "finished")

        // Polisen may not fetch FK's rows: 403, logged.
        await #expect(throws: CoordinatorError.self) { try await s.fetchResult(party: "polisen", agreementID: "watch-test", output: "fk-rows") }
        #expect(try w.events(.authenticationFailed).contains { $0.code == "auth.forbidden" && $0.party == "polisen" })

        let answer = try await s.fetchResult(party: "fk", agreementID: "watch-test", output: "fk-rows")
        let sealed = w.dir + "/fk-rows.kkr"
        try answer.sealed.write(to: URL(fileURLWithPath: sealed))
        let doc = try JSONSerialization.jsonObject(with: Data(try SealedResult.open(path: sealed, key: w.fk.sealing, coordinator: w.coordinator.signing.publicKey))) as! [String: Any]
        let rows = doc["rows"] as! [[String: Any]]
        // FK rows 0..<25 of its submission are people 25..<50: exactly those, with their category.
        #expect(Set(rows.map { $0["row"] as! Int }) == Set(0..<25))
        #expect(rows.allSatisfy { ($0["category"] as? [String])?.count == 1 })
        #expect(rows.allSatisfy { $0["otherParties"] == nil }, "a field the agreement does not grant is never released")
        // Another key cannot open it.
        #expect(throws: WireError.self) { try SealedResult.open(path: sealed, key: w.polisen.sealing, coordinator: w.coordinator.signing.publicKey) }

        // retentionDays 0: the encodings are gone once the run finished, and the log says so.
        #expect(w.storedSubmissions().isEmpty)
        #expect(try w.events(.encodingsDeleted).count == 1)
        // The receipt proves the fetch event is in the log.
        let receipt = try JSONDecoder().decode(Receipt.self, from: APIJSON.encode(answer.receipt))
        _ = try receipt.verify(origin: "korskoll/coordinator", key: w.coordinator.signing.publicKey)
    }

    @Test func aRunInterruptedByARestartIsRunAgain() async throws {
        let w = try World()
        do {
            let s = try w.service()
            _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
            _ = try await s.acceptSubmission(party: "polisen", agreementID: "watch-test", upload: try w.submission(from: w.polisen, people: Array(0..<10)))
            // Simulate a crash after the last submission was stored but before the run finished.
            let store = try SQLiteStore(path: w.dir + "/coordinator/coordinator.sqlite")
            try store.saveRun(RunRecord(agreement: "watch-test", runID: "crashed", state: .running, progress: "matching", started: 0))
            _ = s
        }
        // fk's submission arrives at a new process; the old 'running' run is taken up again.
        let s2 = try w.service()
        _ = try await s2.acceptSubmission(party: "fk", agreementID: "watch-test", upload: try w.submission(from: w.fk, people: Array(5..<20)))
        #expect(try await waitForRun(s2) == "finished")
        let started = try w.events(.runStarted)
        #expect(started.last?.parameters?["restart"] == "true")
        let answer = try await s2.fetchResult(party: "polisen", agreementID: "watch-test", output: "polisen-count")
        #expect(!answer.sealed.isEmpty)
    }
}

/// One HTTP/1.1 exchange over a plain TCP socket, so that a test can announce a length and send
/// less, or send more than the coordinator accepts. Returns what the server answered (maybe nothing).
func rawExchange(port: Int, head: String, body: Data, send count: Int) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    // A server that never answers fails the test instead of hanging it.
    var timeout = timeval(tv_sec: 90, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    let bytes = Array(head.utf8) + Array(body.prefix(count))
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }
        sent += n
    }
    shutdown(fd, Int32(SHUT_WR))
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n <= 0 { break }
        answer += buffer[0..<n]
    }
    return String(decoding: answer, as: UTF8.self)
}

/// `rawExchange` on a thread of its own: a blocking read on the cooperative pool would starve the
/// server's actor when tests run in parallel.
func rawExchangeOffPool(port: Int, head: String, body: Data, send count: Int) async throws -> String {
    try await offPool { try rawExchange(port: port, head: head, body: body, send: count) }
}

/// The coordinator's HTTP server on a free loopback port for the length of `body`.
func withServer(_ service: CoordinatorService, _ body: (Int) async throws -> Void) async throws {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let server = Task { try await CoordinatorServer.run(service: service, host: "127.0.0.1", port: 0) { continuation.yield($0) } }
    defer { server.cancel() }
    var it = ports.makeAsyncIterator()
    guard let port = await it.next() else { throw POSIXError(.EADDRNOTAVAIL) }
    try await body(port)
}

@Suite struct CoordinatorHTTPUploadTests {
    /// api.md §3.3 over real HTTP: an upload larger than the coordinator accepts is answered 413,
    /// an upload cut off before its announced length is rejected; each is logged with its reason,
    /// and neither leaves a file in incoming/ or submissions/. The same submission sent whole is
    /// then accepted (201).
    @Test func oversizedAndCutOffUploadsAreRejectedAndLeaveNothing() async throws {
        let w = try World()
        let s = try w.service(maxUpload: 64 << 10)
        _ = try await s.registerAgreement(party: "fk", document: Data(agreementJSON.utf8), signatures: try w.signatures([w.fk, w.polisen]))
        let path = "/v1/agreements/watch-test/submission"
        func head(_ body: Data) -> String {
            let h = RequestSignature.sign(method: "PUT", path: path, bodyDigest: RequestSignature.bodyDigest(Array(body)),
                                          party: "fk", key: w.fk.signing, now: w.clock)
            return "PUT \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n"
                + h.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n"
        }
        func rejections(_ n: Int) async throws -> [LogEvent] {
            for _ in 0..<500 {
                let r = try w.events(.submissionRejected)
                if r.count >= n { return r }
                try await Task.sleep(for: .milliseconds(10))
            }
            return try w.events(.submissionRejected)
        }
        try await withServer(s) { port in
            let big = try Data(contentsOf: URL(fileURLWithPath: try w.submission(from: w.fk, people: Array(0..<4000))))
            #expect(big.count > 64 << 10)
            let answer = try await rawExchangeOffPool(port: port, head: head(big), body: big, send: big.count)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            var rejected = try await rejections(1)
            #expect(rejected.count == 1 && rejected[0].code == "request.too-large")
            #expect(rejected.first?.reason?.contains("exceeds 65536 bytes") == true)

            let small = try Data(contentsOf: URL(fileURLWithPath: try w.submission(from: w.fk, people: Array(0..<200))))
            #expect(small.count < 64 << 10)
            _ = try await rawExchangeOffPool(port: port, head: head(small), body: small, send: small.count / 2)
            rejected = try await rejections(2)
            #expect(rejected.count == 2)
            #expect(rejected.last?.reason.map { $0.contains("cut off") || $0.contains("truncated") } == true, "\(rejected.last?.reason ?? "")")
            #expect(w.storedSubmissions().isEmpty)
            #expect(w.incoming().isEmpty, "a rejected upload leaves nothing in incoming/")
            #expect(try w.events(.submissionAccepted).isEmpty)

            let whole = try await rawExchangeOffPool(port: port, head: head(small), body: small, send: small.count)
            #expect(whole.hasPrefix("HTTP/1.1 201"), "\(whole.prefix(200))")
            #expect(w.storedSubmissions().count == 1)
            #expect(w.incoming().isEmpty)
        }
    }
}

@Suite struct ResultJSONTests {
    /// The direct JSON writer of result documents against Foundation's reader, on random
    /// documents with every kind of character in strings and keys.
    @Test func writtenJSONReadsBackAsTheSameDocument() throws {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1F}", "\n", "\t", "å", "ö", "李", "\u{1F642}", "\u{7F}"]
        var rng = SeededRandom()
        func text() -> String { String(String.UnicodeScalarView((0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })) }
        func value(_ depth: Int) -> (JSONValue, Any) {
            switch Int.random(in: 0..<(depth > 2 ? 3 : 5), using: &rng) {
            case 0: let s = text(); return (.string(s), s)
            case 1: let i = Int.random(in: -1_000_000...1_000_000, using: &rng); return (.int(i), i)
            case 2: let b = Bool.random(using: &rng); return (.bool(b), b)
            case 3:
                let items = (0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth + 1) }
                return (.array(items.map(\.0)), items.map(\.1))
            default:
                var j: [String: JSONValue] = [:], f: [String: Any] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &rng) { let k = text(); let v = value(depth + 1); j[k] = v.0; f[k] = v.1 }
                return (.object(j), f)
            }
        }
        for _ in 0..<500 {
            var j: [String: JSONValue] = [:], f: [String: Any] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &rng) { let k = text(); let v = value(0); j[k] = v.0; f[k] = v.1 }
            var out: [UInt8] = []
            JSONValue.object(j).write(to: &out)
            let back = try JSONSerialization.jsonObject(with: Data(out)) as? NSDictionary
            #expect(back == (f as NSDictionary), "seed \(rng.seed): \(String(decoding: out, as: UTF8.self))")
        }
    }
}
