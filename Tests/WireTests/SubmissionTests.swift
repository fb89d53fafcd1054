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
        // Every eleventh row with a person records an identity change (wire.md §3.3).
        let previous: [UInt8]? = person != nil && i % 11 == 2 ? rng.bytes(32) : nil
        // Evidence values (wire.md §3.4) on some rows, with zeros among them.
        let address: [UInt32]? = i % 3 == 1 ? [UInt32(truncatingIfNeeded: rng.next()), 0, UInt32(i)] : nil
        let given: [UInt32]? = i % 4 != 3 ? [UInt32(i), UInt32(truncatingIfNeeded: rng.next()), 0, 0] : nil
        return Submission.Record(person: person, organisation: organisation, clk: clk, blocks: blocks,
                                 attributes: [i % 2 == 0 ? "aktiv" : "", "styrelseledamot-\(i)"],
                                 sealed: [Random.bytes(2 * SealedAttribute.boxLength)], previousPerson: previous,
                                 address: address, givenNames: given)
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

/// Tests/Vectors/wire/records.json: record encodings byte for byte, the identity change of
/// wire.md §3.3 among them, and presence bytes a reader refuses.
@Suite struct RecordVectorTests {
    struct File: Decodable {
        struct Record: Decodable {
            let description: String; let person: String?; let previousPerson: String?; let organisation: String?
            let address: [UInt32]?; let givenNames: [UInt32]?; let encoded: String
        }
        struct Refused: Decodable { let description: String; let body: String; let code: String }
        let records: [Record]
        let refused: [Refused]
    }

    /// Seals `body` (whose header claims `rows` rows) and reads it back.
    func read(_ body: [UInt8], rows: Int, persons: Int, organisations: Int) throws -> [Submission.Record] {
        let dir = Scratch()
        let party = Ed25519.PrivateKey.generate(), coordinator = X25519.PrivateKey.generate()
        var header = Submission.Header(agreementID: "vectors", party: "skv", recipient: "coordinator", submissionID: Random.bytes(16),
                                       createdAt: 1_795_000_000, schemaDigest: [UInt8](repeating: 0, count: 32), clkBytes: 0, attributes: [])
        header.rows = UInt64(rows); header.personIDs = UInt64(persons); header.organisationIDs = UInt64(organisations)
        header.contentHash = Submission.contentHash(body)
        try Data(body).write(to: URL(fileURLWithPath: dir.file("body")))
        try Submission.seal(header: header, bodyPath: dir.file("body"), signer: party, recipient: coordinator.publicKey, to: dir.file("sub"))
        let opened = try Submission.Opened(path: dir.file("sub"), key: coordinator)
        try opened.verify(signedBy: party.publicKey)
        var out: [Submission.Record] = []
        while let r = try opened.next() { out.append(r) }
        return out
    }

    @Test func everyRecordEncodesToItsBytesAndReadsBack() throws {
        let file = try Vectors.load(File.self, "wire/records.json")
        #expect(file.records.contains { $0.previousPerson != nil })
        for c in file.records {
            let record = Submission.Record(person: c.person.map(hex), organisation: c.organisation.map(hex), clk: nil, attributes: [],
                                           previousPerson: c.previousPerson.map(hex), address: c.address, givenNames: c.givenNames)
            var w = ByteWriter()
            record.encode(into: &w)
            #expect(w.bytes == hex(c.encoded), "\(c.description)")
            #expect(try read(hex(c.encoded), rows: 1, persons: 1, organisations: c.organisation == nil ? 0 : 1) == [record], "\(c.description)")
        }
    }

    /// wire.md §3.4: a body written before the evidence bits (presence without bits 5 and 6)
    /// reads as it did, with no evidence values; one with them reads them.
    @Test func aSubmissionWithoutTheEvidenceBitsStillReads() throws {
        let file = try Vectors.load(File.self, "wire/records.json")
        let old = file.records.filter { hex($0.encoded)[0] & 0x60 == 0 }, new = file.records.filter { hex($0.encoded)[0] & 0x60 != 0 }
        #expect(old.count >= 3 && new.count >= 3)
        let body = old.flatMap { hex($0.encoded) }
        let got = try read(body, rows: old.count, persons: old.count, organisations: old.filter { $0.organisation != nil }.count)
        #expect(got.count == old.count && got.allSatisfy { $0.address == nil && $0.givenNames == nil })
        let mixed = try read(body + new.flatMap { hex($0.encoded) }, rows: old.count + new.count, persons: old.count + new.count,
                             organisations: (old + new).filter { $0.organisation != nil }.count)
        #expect(mixed.suffix(new.count).map(\.address) == new.map(\.address) && mixed.suffix(new.count).map(\.givenNames) == new.map(\.givenNames))
    }

    @Test func aPreviousPersonWithoutAPersonAndUnknownPresenceBitsAreRefused() throws {
        let file = try Vectors.load(File.self, "wire/records.json")
        for c in file.refused {
            do { _ = try read(hex(c.body), rows: 1, persons: 0, organisations: 0); Issue.record("\(c.description): accepted") } catch let e as WireError {
                #expect(e.code.rawValue == c.code, "\(c.description): \(e.reason)")
            }
        }
    }
}
