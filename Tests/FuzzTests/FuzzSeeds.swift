import Agreements
import Foundation
import Parties
import ProtocolLog
import Sodium
import Tabular
import Wire

/// The seed corpora of `Tests/Fuzz/<target>/`, made by the real writers with the fixed keys of
/// ``FuzzFixtures``. `valid-*` files must be accepted by their target; `tricky-*` files are edge
/// cases a parser may accept or refuse. `Tests/Fuzz/make-seeds.sh` writes them again.
enum FuzzSeeds {
    static func all() throws -> [String: [(String, [UInt8])]] {
        let submissions = try submissionSeeds()
        return [
            "submission": submissions.map { ($0.name, $0.plain) },
            "sealed-stream": try sealedSeeds(submissions),
            "result-document": resultDocumentSeeds(),
            "json-reader": jsonSeeds(),
            "csv-reader": try csvSeeds(),
            "agreement": try agreementSeeds(),
            "agreement-signatures": try signatureSeeds(),
            "key-files": try keyFileSeeds(),
            "registry": [("valid-registry.json", Array(try FuzzFixtures.registry.json()))],
            "log-bundle": logBundleSeeds(),
            "checkpoint": checkpointSeeds(),
            "receipt": try receiptSeeds(),
            "event-json": eventSeeds(),
            "request-signature": requestSeeds(),
            "column-mapping": mappingSeeds(),
            "clk-schema": try schemaSeeds(),
        ]
    }

    static func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }

    // MARK: Wire

    struct SealedSubmission { let name: String; let plain: [UInt8]; let sealed: [UInt8] }

    /// Seals a submission with `Submission.seal` and opens the plaintext again.
    static func submission(_ name: String, _ header: Submission.Header, _ records: [Submission.Record]) throws -> SealedSubmission {
        var h = header
        var w = ByteWriter()
        for r in records {
            r.encode(into: &w)
            h.rows += 1
            if r.person != nil { h.personIDs += 1 }
            if r.organisation != nil { h.organisationIDs += 1 }
            if r.clk != nil { h.clks += 1 }
        }
        h.contentHash = Submission.contentHash(w.bytes)
        let bodyPath = FuzzFiles.write(w.bytes, "seed.body")
        let path = FuzzFiles.fresh("seed.kksub")
        try Submission.seal(header: h, bodyPath: bodyPath, signer: FuzzFixtures.fk.signing,
                            recipient: FuzzFixtures.coordinator.sealing.publicKey, to: path)
        let sealed = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let reader = try SealedStream.Reader(path: path, key: FuzzFixtures.coordinator.sealing, magic: Submission.fileMagic)
        let plain = try reader.read(4 + h.encoded().count + 64 + w.bytes.count, "plaintext")
        return SealedSubmission(name: name, plain: plain, sealed: sealed)
    }

    static func header(attributes: [String] = [], clkBytes: Int = 0, blocking: String = "", keys: Int = 0) -> Submission.Header {
        var h = Submission.Header(agreementID: "fuzz-2026", party: "fk", recipient: "coordinator",
                                  submissionID: Array(0..<16), createdAt: FuzzFixtures.now,
                                  schemaDigest: clkBytes > 0 ? SHA256.hash(utf8("schema")) : Array(repeating: 0, count: 32),
                                  clkBytes: clkBytes, attributes: attributes)
        h.blocking = blocking
        h.blockingKeys = keys
        return h
    }

    static func pseudonym(_ n: Int) -> [UInt8] { SHA256.hash(utf8("person \(n)")) }

    static func submissionSeeds() throws -> [SealedSubmission] {
        [
            try submission("valid-person-3-rows", header(attributes: ["category"]), (0..<3).map {
                Submission.Record(person: pseudonym($0), organisation: nil, clk: nil, attributes: [["", "A", "misstänkt"][$0]])
            }),
            try submission("valid-clk-blocking", header(clkBytes: 16, blocking: "korskoll-blocking-v1", keys: 2), [
                Submission.Record(person: pseudonym(1), organisation: nil, clk: Array(0..<16), blocks: [1, 0xFFFF_FFFF_FFFF_FFFF], attributes: []),
                Submission.Record(person: nil, organisation: nil, clk: Array(repeating: 0xA5, count: 16), blocks: [0, 7], attributes: []),
                Submission.Record(person: pseudonym(2), organisation: nil, clk: nil, attributes: []),
            ]),
            try submission("valid-organisation-person", header(), [
                Submission.Record(person: pseudonym(3), organisation: SHA256.hash(utf8("org")), clk: nil, attributes: []),
                Submission.Record(person: nil, organisation: SHA256.hash(utf8("org 2")), clk: nil, attributes: []),
            ]),
            try submission("valid-empty", header(attributes: ["role"]), []),
            try submission("tricky-16-attributes", header(attributes: (0..<16).map { "a\($0)" }), [
                Submission.Record(person: pseudonym(4), organisation: nil, clk: nil,
                                  attributes: [String(repeating: "x", count: 255)] + Array(repeating: "", count: 15)),
            ]),
        ]
    }

    static func sealedSeeds(_ submissions: [SealedSubmission]) throws -> [(String, [UInt8])] {
        var out = submissions.filter { $0.name.hasPrefix("valid-person") || $0.name.hasPrefix("valid-empty") }.map { ($0.name + ".kksub", $0.sealed) }
        // More than one chunk of 65,536 bytes.
        let big = try submission("valid-two-chunks", header(), (0..<2_100).map { Submission.Record(person: pseudonym($0), organisation: nil, clk: nil, attributes: []) })
        out.append((big.name + ".kksub", big.sealed))
        for (name, doc) in [("valid-result", resultDocuments()[0].1), ("valid-result-empty", [UInt8]())] {
            let path = FuzzFiles.fresh("seed.kkres")
            try SealedResult.seal(document: doc, signer: FuzzFixtures.coordinator.signing, recipient: FuzzFixtures.polisen.sealing.publicKey, to: path)
            out.append((name + ".kkres", Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        }
        return out
    }

    static func resultDocuments() -> [(String, [UInt8])] {
        [
            ("valid-per-record.json", ResultDocument(agreement: "fuzz-2026", agreementHash: Hex.encode(FuzzFixtures.agreement.hash), output: "polisen-hits",
                                                    recipient: "polisen", kind: "per-record", runID: "run-1", fields: ["matchKind", "category"], matchedRows: 2,
                                                    rows: [.init(row: 0, matchKind: ["person"], category: ["A", "B"]),
                                                           .init(row: 7, matchKind: ["clk"], otherParties: ["fk"], scoreBand: "high", viaRepresentative: true)]).encoded),
            ("valid-aggregate.json", ResultDocument(agreement: "fuzz-2026", output: "fk-count", recipient: "fk", kind: "aggregate", k: 5,
                                                   cells: [.init(a: "fk", b: "polisen", count: 12, suppressed: nil),
                                                           .init(a: "fk", b: "fk", count: nil, suppressed: true)]).encoded),
        ]
    }

    static func resultDocumentSeeds() -> [(String, [UInt8])] {
        resultDocuments() + [
            ("valid-minimal.json", ResultDocument(agreement: "a", output: "o", recipient: "r", kind: "per-record").encoded),
            ("tricky-spaces-nulls-escapes.json", utf8("""
             { "format" : "korskoll-result-v1", "agreement":"fuzz\\u002d2026", "output":"o\\n", "recipient":"polisen",
               "kind":"per-record", "runID": null, "rows":[ {"row":3,"matchKind":["person"],"category":null} ], "k":null }
            """)),
        ]
    }

    static func jsonSeeds() -> [(String, [UInt8])] {
        [
            ("valid-written.json", JSONValue.object(["a": .array([.int(1), .int(-7), .double(1.5e-7), .double(1e300), .string("åäö\u{1F600}\n\"")]),
                                                     "b": .object(["c": .null, "d": .bool(true), "e": .bool(false)]), "": .array([])]).encoded),
            ("valid-escapes.json", utf8(#" {"s":"\u00e5\ud83d\ude00\/\b\f\n\r\t\\","n":-0,"x":-12345678901234567890,"y":1E+2} "#)),
            ("valid-nested.json", utf8("[[[[[{}]]]],[],{\"k\":[0.5,-0.0]}]")),
            ("valid-scalar.json", utf8("\"\"")),
            // One level deeper than the reader allows.
            ("tricky-nested-513.json", utf8(String(repeating: "[", count: 513) + String(repeating: "]", count: 513))),
        ] + resultDocuments().prefix(1)
    }

    // MARK: Tabular

    static func csvSeeds() throws -> [(String, [UInt8])] {
        let path = FuzzFiles.fresh("seed.csv")
        let writer = try CSVFileWriter(path: path, header: ["arende_id", "personnummer", "namn", "kategori"])
        try writer.write(["1", "19800101-1234", "Anna \"Ann\" Andersson", "A"])
        try writer.write(["2", "", "Bo, Berg", "=HYPERLINK(\"x\")"])
        try writer.write(["3", "198001011234", "rad\nbrytning", "+1"])
        try writer.close()
        return [
            ("valid-written.csv", Array(try Data(contentsOf: URL(fileURLWithPath: path)))),
            ("valid-crlf.csv", utf8("id,pnr\r\n1,19800101-1234\r\n2,\"\"\r\n")),
            ("valid-cr-only.csv", utf8("id;pnr\r1;19800101-1234\r2;x\r")),
            ("valid-bom.csv", [0xEF, 0xBB, 0xBF] + utf8("arende_id,namn\n1,Åsa\n")),
            ("valid-header-only.csv", utf8("arende_id,personnummer\n")),
            ("tricky-stray-quote.csv", utf8("id,namn\n1,\"Ann\"a\n2,B\"o\n3,ok\n")),
            ("tricky-unterminated.csv", utf8("id,namn\n1,\"never closed\n2,x\n")),
            ("tricky-utf16-bom.csv", [0xFF, 0xFE, 0x69, 0x00, 0x64, 0x00]),
            ("tricky-not-utf8.csv", utf8("id,namn\n1,") + [0xC3, 0x28] + utf8("\n")),
        ]
    }

    // MARK: Agreements and Parties

    static func agreementSeeds() throws -> [(String, [UInt8])] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocols/agreements")
        var out: [(String, [UInt8])] = [("valid-fuzz-2026.json", utf8(FuzzFixtures.agreementJSON))]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".agreement.json") {
            out.append(("valid-" + name, Array(try Data(contentsOf: dir.appendingPathComponent(name)))))
        }
        out.append(("tricky-duplicate-party.json", utf8(FuzzFixtures.agreementJSON.replacingOccurrences(of: "\"id\": \"polisen\"", with: "\"id\": \"fk\""))))
        return out
    }

    static func signatureSeeds() throws -> [(String, [UInt8])] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var both = AgreementSignatures(agreement: FuzzFixtures.agreement)
        both.sign(FuzzFixtures.agreement, with: FuzzFixtures.fk)
        both.sign(FuzzFixtures.agreement, with: FuzzFixtures.polisen)
        var one = AgreementSignatures(agreement: FuzzFixtures.agreement)
        one.sign(FuzzFixtures.agreement, with: FuzzFixtures.fk)
        return [("valid-both.signatures.json", Array(try encoder.encode(both))),
                ("tricky-one-missing.signatures.json", Array(try encoder.encode(one)))]
    }

    static func keyFileSeeds() throws -> [(String, [UInt8])] {
        let dir = FuzzFiles.directory.appendingPathComponent("seed-keys-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (secret, pub) = try KeyFiles.write(FuzzFixtures.fk, to: dir)
        return [("valid-fk.secret.json", Array(try Data(contentsOf: secret))),
                ("valid-fk.public.json", Array(try Data(contentsOf: pub))),
                ("valid-polisen.public.json", Array(try KeyFiles.encode(FuzzFixtures.polisen.publicKeys)))]
    }

    // MARK: ProtocolLog

    static let events: [LogEvent] = [
        LogEvent(seq: 0, time: FuzzFixtures.now, type: .agreementRegistered, agreement: "fuzz-2026", hash: Hex.encode(FuzzFixtures.agreement.hash), parties: ["fk", "polisen"]),
        LogEvent(seq: 1, time: FuzzFixtures.now + 5, type: .submissionAccepted, agreement: "fuzz-2026", party: "fk", hash: String(repeating: "ab", count: 32),
                 submissionID: "000102030405060708090a0b0c0d0e0f", counts: ["rows": 3, "person": 3]),
        LogEvent(seq: 2, time: FuzzFixtures.now + 9, type: .authenticationFailed, party: "okänd", code: "auth.bad-signature", reason: "a \"quoted\"\nreason\t\u{1}"),
        LogEvent(seq: 3, time: FuzzFixtures.now + 60, type: .runFinished, agreement: "fuzz-2026", runID: "run-1", parameters: ["threshold": "0.85", "": ""]),
        LogEvent(seq: 4, time: FuzzFixtures.now + 61, type: .resultSealed, agreement: "fuzz-2026", recipient: "polisen", hash: String(repeating: "cd", count: 32), runID: "run-1", output: "polisen-hits"),
    ]

    static func tree(_ leaves: [[UInt8]]) -> MerkleTree {
        var t = MerkleTree()
        for l in leaves { t.append(leafHash: RFC6962.leafHash(l)) }
        return t
    }

    static func note(_ t: MerkleTree, size: Int) -> String {
        Checkpoint(origin: FuzzFixtures.origin, size: UInt64(size), root: t.root(size: size)).signed(by: FuzzFixtures.coordinator.signing)
    }

    static func logBundleSeeds() -> [(String, [UInt8])] {
        let leaves = events.map { $0.encoded() }
        let t = tree(leaves)
        let key = FuzzFixtures.coordinator.signing
        return [
            ("valid-five-events.kklog", LogBundle(origin: FuzzFixtures.origin, logKey: key.publicKey, entries: leaves,
                                                  checkpoints: [note(t, size: 2), note(t, size: 5)]).encoded(signer: key)),
            ("valid-empty.kklog", LogBundle(origin: FuzzFixtures.origin, logKey: key.publicKey, entries: [], checkpoints: []).encoded(signer: key)),
        ]
    }

    static func checkpointSeeds() -> [(String, [UInt8])] {
        let t = tree(events.map { $0.encoded() })
        let cosigned = note(t, size: 5) + "\u{2014} witness " + Data(SignedNote.keyID(name: "witness", key: FuzzFixtures.fk.signing.publicKey)
            + FuzzFixtures.fk.signing.signature(for: utf8(Checkpoint(origin: FuzzFixtures.origin, size: 5, root: t.root(size: 5)).text))).base64EncodedString() + "\n"
        return [("valid-size-0.note", utf8(note(MerkleTree(), size: 0))), ("valid-size-5.note", utf8(note(t, size: 5))),
                ("valid-cosigned.note", utf8(cosigned))]
    }

    static func receiptSeeds() throws -> [(String, [UInt8])] {
        let leaves = events.map { $0.encoded() }
        let t = tree(leaves)
        return try [0, 3, 4].map { i in
            let r = Receipt(checkpoint: note(t, size: 5), index: UInt64(i), leafHash: RFC6962.leafHash(leaves[i]), proof: t.inclusionProof(index: i, size: 5))
            return ("valid-index-\(i).json", Array(try JSONEncoder().encode(r)))
        }
    }

    static func eventSeeds() -> [(String, [UInt8])] {
        events.map { ("valid-\($0.type.rawValue).json", $0.encoded()) } + [
            ("tricky-spaced-reordered.json", utf8(" {\"type\" : \"auth.failed\", \"time\":1800000000 ,\"seq\":\t0, \"reason\":\"\\u00e5\\ud83d\\ude00\\/\"}\n")),
        ]
    }

    static func requestSeeds() -> [(String, [UInt8])] {
        func lines(_ h: [String: String]) -> [UInt8] { utf8(h.keys.sorted().map { "\($0): \(h[$0]!)\n" }.joined()) }
        let key = FuzzFixtures.fk.signing
        return [
            ("valid-post.headers", lines(RequestSignature.sign(method: FuzzFixtures.requestMethod, path: FuzzFixtures.requestPath, body: utf8("body"),
                                                               party: "fk", key: key, now: FuzzFixtures.now))),
            ("valid-post-skewed.headers", lines(RequestSignature.sign(method: FuzzFixtures.requestMethod, path: FuzzFixtures.requestPath, body: [],
                                                                      party: "fk", key: key, now: FuzzFixtures.now - RequestSignature.window))),
            ("tricky-stale.headers", lines(RequestSignature.sign(method: FuzzFixtures.requestMethod, path: FuzzFixtures.requestPath, body: [],
                                                                 party: "fk", key: key, now: FuzzFixtures.now + RequestSignature.window + 1))),
        ]
    }

    // MARK: Node and CLKEncoding

    static func mappingSeeds() -> [(String, [UInt8])] {
        [
            ("valid-person.json", utf8(#"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr"}"#)),
            ("valid-full.json", utf8(#"""
            {"format": "korskoll-mapping-v1", "delimiter": ";", "recordId": "arende", "person": "personnr", "organisation": "orgnr",
             "fields": {"given_name": "fornamn", "surname": "efternamn", "dob": "fodd"}, "attributes": {"category": "kategori", "role": "roll"}}
            """#)),
            ("tricky-unknown-key.json", utf8(#"{"format": "korskoll-mapping-v1", "recordId": "id", "person": "pnr", "extra": 1}"#)),
            ("tricky-nested-5000.json", utf8("{\"format\": \"korskoll-mapping-v1\", \"recordId\": " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "}")),
        ]
    }

    static func schemaSeeds() throws -> [(String, [UInt8])] {
        let person = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocols/schemas/person-v3.json")
        return [
            ("valid-person-v3.json", Array(try Data(contentsOf: person))),
            ("valid-hardened.json", utf8(#"""
            {"version": 3, "clkConfig": {"l": 256, "xor_folds": 2, "kdf": {"type": "HKDF", "hash": "SHA512", "salt": "c2FsdA==", "info": "aW5mbw==", "keySize": 32}},
             "features": [
              {"identifier": "id", "ignored": true},
              {"identifier": "name", "format": {"type": "string", "encoding": "utf-8", "case": "upper", "pattern": "[A-Z]+", "minLength": 1, "maxLength": 40},
               "hashing": {"comparison": {"type": "ngram", "n": 2, "positional": false}, "strategy": {"bitsPerFeature": 200}, "missingValue": {"sentinel": "", "replaceWith": "?"}}},
              {"identifier": "age", "format": {"type": "integer", "minimum": 0, "maximum": 130},
               "hashing": {"comparison": {"type": "numeric", "thresholdDistance": 2.5, "resolution": 3, "fractional_precision": 1}, "strategy": {"bitsPerToken": 10}}},
              {"identifier": "sex", "format": {"type": "enum", "values": ["M", "K"]}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 20}}},
              {"identifier": "dob", "format": {"type": "date", "format": "%Y%m%d"}, "hashing": {"comparison": {"type": "ngram", "n": 1, "positional": true}, "strategy": {"bitsPerToken": 25}}}
             ],
             "korskoll": {"version": 1, "salting": [{"feature": "name", "saltWith": "dob", "prefix": 4}], "balancing": true, "permutation": false}}
            """#)),
            ("tricky-double-hash.json", utf8(#"""
            {"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
             "features": [{"identifier": "x", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 1}}}]}
            """#)),
        ]
    }
}
