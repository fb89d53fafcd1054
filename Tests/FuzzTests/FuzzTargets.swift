import Agreements
import CLKEncoding
import Foundation
import Node
import Parties
import ProtocolLog
import Sodium
import Tabular
import Wire

/// Every parser of outside input, as a fuzz target (Tests/Fuzz/README.md lists them with their
/// entry points). Each body feeds one input to the parser and, where the format has a writer,
/// checks that an accepted value survives writing and reading again.
enum FuzzTargets {
    static let all: [FuzzTarget] = [
        submission, sealedStream, resultDocument, jsonReader, csvReader, agreement, agreementSignatures,
        keyFiles, registry, logBundle, checkpoint, receipt, eventJSON, requestSignature, columnMapping, clkSchema,
    ]

    static func named(_ name: String) -> FuzzTarget { all.first { $0.name == name }! }

    static func expect<E: Error>(_: E.Type) -> @Sendable (any Error) -> Bool { { $0 is E } }

    static func check(_ ok: Bool, _ what: @autoclosure () -> String) throws {
        guard ok else { throw FuzzFinding(what()) }
    }

    // MARK: Wire

    /// The submission's plaintext (wire.md §3), sealed to the coordinator here and opened by
    /// `Submission.Opened`: header, signature check, every record, content hash and counts.
    /// The repair recomputes the content hash over the body and re-signs the header.
    static let submission = FuzzTarget(
        name: "submission",
        repair: { input in
            guard input.count >= 4 else { return input }
            let length = FuzzFixtures.u32(input, at: 0)
            guard input.count >= 4 + length + 64, var header = try? Submission.Header(decoding: Array(input[4..<(4 + length)])) else { return input }
            header.contentHash = Submission.contentHash(Array(input[(4 + length + 64)...]))
            let headerBytes = header.encoded()
            var w = ByteWriter()
            w.u32(UInt32(headerBytes.count)); w.raw(headerBytes); w.raw(FuzzFixtures.signHeader(headerBytes))
            return w.bytes + input[(4 + length + 64)...]
        },
        expected: expect(WireError.self),
        body: { input in
            let path = FuzzFiles.fresh("submission.kksub")
            let writer = try SealedStream.Writer(path: path, recipient: FuzzFixtures.coordinator.sealing.publicKey, magic: Submission.fileMagic)
            try writer.append(input)
            try writer.finish()
            let body = try openSubmission(path)
            // Round trip: the header and every record re-encode to the bytes they came from.
            let length = FuzzFixtures.u32(input, at: 0)
            try check(body.header.encoded() == Array(input[4..<(4 + length)]), "the header does not re-encode to its bytes")
            try check(body.records == Array(input[(4 + length + 64)...]), "the records do not re-encode to the body")
        })

    /// Opens a sealed submission as the coordinator does and reads every record; returns the
    /// header and the records re-encoded.
    static func openSubmission(_ path: String) throws -> (header: Submission.Header, records: [UInt8]) {
        let opened = try Submission.Opened(path: path, key: FuzzFixtures.coordinator.sealing)
        try opened.verify(signedBy: FuzzFixtures.fk.signing.publicKey)
        var w = ByteWriter()
        while let record = try opened.next() {
            try check(record.attributes.count == opened.header.attributes.count, "a record with \(record.attributes.count) attributes")
            record.encode(into: &w)
        }
        return (opened.header, w.bytes)
    }

    /// Sealed files as they arrive (wire.md §2): a submission (`KKSUB`) opened by the coordinator,
    /// a result (`KKRES`, results.md §1) opened by its recipient.
    static let sealedStream = FuzzTarget(
        name: "sealed-stream",
        expected: expect(WireError.self),
        body: { input in
            let path = FuzzFiles.write(input, "stream.sealed")
            if input.starts(with: SealedResult.magic) {
                _ = try SealedResult.open(path: path, key: FuzzFixtures.polisen.sealing, coordinator: FuzzFixtures.coordinator.signing.publicKey)
            } else {
                _ = try openSubmission(path)
            }
        })

    /// A result document (results.md §2) through `ResultDocument.read`.
    static let resultDocument = FuzzTarget(
        name: "result-document", dictionary: jsonDictionary + ["\"rows\"", "\"row\"", "\"cells\"", "\"count\"", "\"k\"", "\"matchKind\""],
        expected: expect(ResultDocument.Malformed.self),
        body: { input in
            let doc = try ResultDocument.read(Data(input))
            try check(try ResultDocument.read(Data(doc.encoded)) == doc, "the document does not survive writing and reading")
        })

    /// The JSON reader under result documents, with its writer `JSONValue.encoded`.
    static let jsonReader = FuzzTarget(
        name: "json-reader", dictionary: jsonDictionary,
        expected: expect(JSONReader.Failure.self),
        body: { input in
            let value = try JSONReader.parse(Data(input))
            try check(allFinite(value), "the reader returned a number the writer cannot write (not finite)")
            try check(try JSONReader.parse(Data(value.encoded)) == value, "the value does not survive writing and reading")
        })

    static func allFinite(_ v: JSONValue) -> Bool {
        switch v {
        case .double(let d): d.isFinite
        case .array(let a): a.allSatisfy(allFinite)
        case .object(let o): o.values.allSatisfy(allFinite)
        default: true
        }
    }

    /// The signature headers of a request (api.md §2), one `Name: value` per line, checked by
    /// the coordinator's verifier against a clock passed in.
    static let requestSignature = FuzzTarget(
        name: "request-signature", dictionary: ["\n", ": ", "Korskoll-Timestamp", "Korskoll-Nonce", "=", "+", "/", "1800000300", "1799999699"],
        expected: expect(WireError.self),
        body: { input in
            var headers: [String: String] = [:]
            for line in String(decoding: input, as: UTF8.self).split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
            let signature = try RequestSignature(headers: { headers[$0] })
            try signature.verify(method: FuzzFixtures.requestMethod, path: FuzzFixtures.requestPath,
                                 key: FuzzFixtures.fk.signing.publicKey, now: FuzzFixtures.now)
        })

    // MARK: Tabular

    /// An agency's export through `CSVReader`, as the node reads it: a stray quote rejects its row
    /// and reading goes on. Checks rows read = returned + abandoned, and that rows written by
    /// `CSVFileWriter` read back the same.
    static let csvReader = FuzzTarget(
        name: "csv-reader", dictionary: ["\"", "\"\"", ",", ";", "\r", "\n", "\r\n", "\u{FEFF}", "=", "\u{00e5}"],
        expected: expect(CSVError.self),
        body: { input in
            let path = FuzzFiles.write(input, "export.csv")
            for delimiter in [UInt8(ascii: ","), UInt8(ascii: ";")] {
                let reader = try CSVReader(path: path, delimiter: delimiter)
                var records: [[String]] = []
                var abandoned = 0
                while true {
                    do {
                        guard let record = try reader.next() else { break }
                        records.append(record.fields)
                    } catch let e as CSVError where e.code == .strayQuote {
                        abandoned += 1
                        reader.skipRestOfLine()
                    }
                }
                try check(reader.recordsRead == records.count + abandoned,
                          "rows read \(reader.recordsRead) ≠ \(records.count) returned + \(abandoned) abandoned")
                guard abandoned == 0, !records.isEmpty,
                      !records.contains(where: { $0.contains { $0.utf8.first.map(CSVCell.startsFormula) ?? false } }),
                      !(records[0].first?.hasPrefix("\u{FEFF}") ?? false) else { continue }
                let out = FuzzFiles.fresh("written.csv")
                let writer = try CSVFileWriter(path: out, header: records[0], delimiter: delimiter)
                for r in records.dropFirst() { try writer.write(r) }
                try writer.close()
                let again = try CSVReader(path: out, delimiter: delimiter)
                var back: [[String]] = []
                while let r = try again.next() { back.append(r.fields) }
                try check(back == records, "rows written by CSVFileWriter do not read back the same")
            }
        })

    // MARK: Agreements and Parties

    /// An agreement document (agreements.md §1).
    static let agreement = FuzzTarget(
        name: "agreement", dictionary: jsonDictionary + ["\"k\"", "\"aggregate\"", "\"per-record\"", "\"parties\"", "\"outputs\""],
        expected: expect(AgreementError.self),
        body: { input in
            let a = try Agreement(json: Data(input), source: "fuzz")
            try check(try Agreement(json: Data(a.bytes)) == a, "the agreement does not read the same from its own bytes")
        })

    /// The signatures beside an agreement (agreements.md §2), loaded by `AgreementFiles.load` and
    /// checked against the registry.
    static let agreementSignatures = FuzzTarget(
        name: "agreement-signatures", dictionary: jsonDictionary + ["\"party\"", "\"signature\"", "\"fk\"", "\"polisen\""],
        expected: expect(AgreementError.self),
        body: { input in
            let path = FuzzFiles.write(Array(FuzzFixtures.agreementJSON.utf8), "fuzz.agreement.json")
            _ = FuzzFiles.write(input, "fuzz.signatures.json")
            let (agreement, signatures) = try AgreementFiles.load(path)
            let again = try JSONDecoder().decode(AgreementSignatures.self, from: JSONEncoder().encode(signatures))
            try check(again == signatures, "the signatures do not survive writing and reading")
            try signatures.verifyComplete(agreement, registry: FuzzFixtures.registry)
        })

    /// Key files (Keys/README.md §2), each input read both as a public and as a secret key file.
    static let keyFiles = FuzzTarget(
        name: "key-files", dictionary: jsonDictionary + ["\"party\"", "\"ed25519\"", "\"x25519\"", "==", "="],
        expected: expect(KeyError.self),
        body: { input in
            let url = URL(fileURLWithPath: FuzzFiles.write(input, "party.json", mode: 0o600))
            var publicRefusal: KeyError?, secretRefusal: KeyError?
            do {
                let keys = try KeyFiles.loadPublic(url)
                let again = try KeyFiles.loadPublic(URL(fileURLWithPath: FuzzFiles.write(Array(KeyFiles.encode(keys)), "again.public.json")))
                try check(again == keys, "public keys do not survive writing and reading")
            } catch let e as KeyError { publicRefusal = e }
            do { _ = try KeyFiles.loadSecret(url) } catch let e as KeyError { secretRefusal = e }
            // Accepted when either reader accepts it; refused with the public reader's error otherwise.
            if let publicRefusal, secretRefusal != nil { throw publicRefusal }
        })

    /// The party registry (Keys/README.md §3).
    static let registry = FuzzTarget(
        name: "registry", dictionary: jsonDictionary + ["\"role\"", "\"node\"", "\"coordinator\"", "\"id\""],
        expected: expect(KeyError.self),
        body: { input in
            let r = try Registry(json: Data(input), source: "fuzz")
            try check(try Registry(json: r.json()) == r, "the registry does not survive writing and reading")
        })

    // MARK: ProtocolLog

    /// An exported log bundle (log.md §5); the repair re-signs the bytes before the signature, so
    /// mutations reach the framing behind it.
    static let logBundle = FuzzTarget(
        name: "log-bundle",
        repair: { input in
            guard input.count >= 64 else { return input }
            let body = Array(input.dropLast(64))
            return body + FuzzFixtures.coordinator.signing.signature(for: Array(LogBundle.signatureLabel.utf8) + [0] + SHA256.hash(body))
        },
        expected: expect(LogError.self),
        body: { input in
            let key = FuzzFixtures.coordinator.signing.publicKey
            let bundle = try LogBundle(decoding: input, key: key)
            try check(try LogBundle(decoding: bundle.encoded(signer: FuzzFixtures.coordinator.signing), key: key) == bundle,
                      "the bundle does not survive writing and reading")
        })

    /// A signed checkpoint note (log.md §3); the repair re-signs the note's text.
    static let checkpoint = FuzzTarget(
        name: "checkpoint", dictionary: ["\n", "\n\n", "\u{2014} ", " ", "+", "=", FuzzFixtures.origin],
        repair: { input in
            let note = String(decoding: input, as: UTF8.self)
            guard let split = note.range(of: "\n\n", options: .backwards) else { return input }
            let text = String(note[..<split.lowerBound]) + "\n"
            guard !text.contains("\n\n") else { return input }
            return Array(SignedNote.sign(text: text, name: FuzzFixtures.origin, key: FuzzFixtures.coordinator.signing).utf8)
        },
        expected: expect(LogError.self),
        body: { input in
            let key = FuzzFixtures.coordinator.signing.publicKey
            let c = try Checkpoint(verifying: String(decoding: input, as: UTF8.self), origin: FuzzFixtures.origin, key: key)
            let again = try Checkpoint(verifying: c.signed(by: FuzzFixtures.coordinator.signing), origin: FuzzFixtures.origin, key: key)
            try check(again == c, "the checkpoint does not survive signing and reading")
        })

    /// A receipt as a node receives it (log.md §4): JSON, then the checkpoint and the inclusion proof.
    static let receipt = FuzzTarget(
        name: "receipt", dictionary: jsonDictionary + ["\"index\"", "\"proof\"", "\"leafHash\"", "255,", "[0]"],
        expected: { $0 is LogError || $0 is DecodingError },
        body: { input in
            let r = try JSONDecoder().decode(Receipt.self, from: Data(input))
            _ = try r.verify(origin: FuzzFixtures.origin, key: FuzzFixtures.coordinator.signing.publicKey)
        })

    /// One log entry's event JSON (log.md §1) through `LogEvent(leaf:)`.
    static let eventJSON = FuzzTarget(
        name: "event-json", dictionary: jsonDictionary + ["\"seq\"", "\"time\"", "\"type\"", "\"counts\"", "\"parties\"", "\"parameters\""],
        expected: expect(LogError.self),
        body: { input in
            let e = try LogEvent(leaf: input)
            try check(try LogEvent(leaf: e.encoded()) == e, "the event does not survive writing and reading")
        })

    // MARK: Node and CLKEncoding

    /// A node's column mapping (node.md §1).
    static let columnMapping = FuzzTarget(
        name: "column-mapping", dictionary: jsonDictionary + ["\"delimiter\"", "\"recordId\"", "\"attributes\"", "\"fields\""],
        expected: expect(NodeError.self),
        body: { input in _ = try ColumnMapping(json: Data(input), source: "fuzz") })

    /// A CLK linkage schema (clk.md §1, §4).
    static let clkSchema = FuzzTarget(
        name: "clk-schema", dictionary: jsonDictionary + ["\"l\"", "\"xor_folds\"", "\"keySize\"", "\"ngram\"", "\"numeric\"", "\"korskoll\"", "%Y", "(", "["],
        expected: expect(CLKError.self),
        body: { input in _ = try LinkageSchema(json: Data(input)) })
}
