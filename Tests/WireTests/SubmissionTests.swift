import Foundation
import Testing
import TestSupport
import Sodium
@testable import Wire

private func sampleHeader(rows: [Submission.Record]) -> (Submission.Header, [UInt8]) {
    var header = Submission.Header(agreementID: "watch-2026", party: "fk", recipient: "coordinator",
                                   submissionID: Random.bytes(16), createdAt: 1_795_000_000,
                                   schemaDigest: SHA256.hash(Array("schema".utf8)), clkBytes: 128, attributes: ["category", "role"])
    header.blocking = "korskoll-blocking-v1"
    header.blockingKeys = 3
    header.sealedAttributes = [.init(name: "benefit", recipients: ["fk", "af"])]
    var body = ByteWriter()
    for r in rows { r.encode(into: &body) }
    header.rows = UInt64(rows.count)
    header.personIDs = UInt64(rows.filter { $0.person != nil }.count)
    header.organisationIDs = UInt64(rows.filter { $0.organisation != nil }.count)
    header.clks = UInt64(rows.filter { $0.clk != nil }.count)
    header.contentHash = Submission.contentHash(body.bytes)
    return (header, body.bytes)
}

/// Records of every shape, with seeded values, so a failing round trip can be replayed.
private func randomRecords(_ n: Int, _ rng: inout SeededRandom) -> [Submission.Record] {
    (0..<n).map { (i: Int) -> Submission.Record in
        let hasCLK = !(i % 5 == 1 && i % 3 != 0)
        let clk: [UInt8]? = hasCLK ? rng.bytes(128) : nil
        let blocks: [UInt64]? = hasCLK && i % 7 != 0 ? [UInt64(i), 0, UInt64.max - UInt64(i)] : nil
        let person: [UInt8]? = i % 3 == 0 ? nil : rng.bytes(32)
        let organisation: [UInt8]? = i % 4 == 0 ? rng.bytes(32) : nil
        return Submission.Record(person: person, organisation: organisation, clk: clk, blocks: blocks,
                                 attributes: [i % 2 == 0 ? "aktiv" : "", "styrelseledamot-\(i)"],
                                 sealed: [Random.bytes(2 * SealedAttribute.boxLength)])
    }
}

@Suite struct SubmissionTests {
    @Test func headerRoundTripsAndRejectsTrailingBytesAndOtherVersions() throws {
        var rng = SeededRandom()
        let (header, _) = sampleHeader(rows: randomRecords(3, &rng))
        #expect(try Submission.Header(decoding: header.encoded()) == header)
        #expect(throws: WireError(.malformed, "submission header: 1 trailing bytes after the last field")) {
            try Submission.Header(decoding: header.encoded() + [0])
        }
        // Version 3 (no sealed attributes) and a future version 5 are refused.
        for v: UInt8 in [3, 5] {
            var other = header.encoded()
            other[9] = v
            do { _ = try Submission.Header(decoding: other); Issue.record("version \(v) accepted") } catch let e as WireError { #expect(e.code == .unsupportedVersion) }
        }
    }

    @Test func sealedSubmissionOpensVerifiesAndYieldsItsRecords() throws {
        let dir = Scratch()
        let party = Ed25519.PrivateKey.generate(), coordinator = X25519.PrivateKey.generate()
        var rng = SeededRandom()
        let records = randomRecords(2_000, &rng)
        let (header, body) = sampleHeader(rows: records)
        try Data(body).write(to: URL(fileURLWithPath: dir.file("body")))
        try Submission.seal(header: header, bodyPath: dir.file("body"), signer: party, recipient: coordinator.publicKey, to: dir.file("sub"))

        let opened = try Submission.Opened(path: dir.file("sub"), key: coordinator)
        #expect(opened.header == header, "seed \(rng.seed)")
        try opened.verify(signedBy: party.publicKey)
        var read: [Submission.Record] = []
        while let r = try opened.next() { read.append(r) }
        #expect(read == records, "seed \(rng.seed)")
    }

    @Test func aSignatureByAnotherKeyIsRejected() throws {
        let dir = Scratch()
        let party = Ed25519.PrivateKey.generate(), coordinator = X25519.PrivateKey.generate()
        var rng = SeededRandom()
        let (header, body) = sampleHeader(rows: randomRecords(5, &rng))
        try Data(body).write(to: URL(fileURLWithPath: dir.file("body")))
        try Submission.seal(header: header, bodyPath: dir.file("body"), signer: Ed25519.PrivateKey.generate(), recipient: coordinator.publicKey, to: dir.file("sub"))
        let opened = try Submission.Opened(path: dir.file("sub"), key: coordinator)
        do { try opened.verify(signedBy: party.publicKey); Issue.record("forged signature accepted") } catch let e as WireError { #expect(e.code == .badSignature) }
    }

    @Test func aBodyThatDiffersFromTheSignedHeaderIsRejected() throws {
        let dir = Scratch()
        let party = Ed25519.PrivateKey.generate(), coordinator = X25519.PrivateKey.generate()
        var rng = SeededRandom()
        let records = randomRecords(50, &rng)
        let (header, _) = sampleHeader(rows: records)
        // The party signs one body but seals another (or a relay swaps rows): the content hash catches it.
        var other = ByteWriter()
        for r in records.reversed() { r.encode(into: &other) }
        try Data(other.bytes).write(to: URL(fileURLWithPath: dir.file("body")))
        try Submission.seal(header: header, bodyPath: dir.file("body"), signer: party, recipient: coordinator.publicKey, to: dir.file("sub"))
        let opened = try Submission.Opened(path: dir.file("sub"), key: coordinator)
        try opened.verify(signedBy: party.publicKey)
        do { while try opened.next() != nil {}; Issue.record("swapped body accepted") } catch let e as WireError { #expect(e.code == .contentMismatch) }
    }
}
