import Foundation
import Sodium

/// A node's submission (Protocols/wire.md §3): a signed header and a body of records, sealed to
/// the coordinator as a ``SealedStream``.
///
///     plaintext = headerLength(u32) header signature(64) body
///     header    = "KKSUBHDR" version(u16 = 4) agreement(str16) party(str16) recipient(str16)
///                 submissionID(16) createdAt(u64, Unix seconds) schemaDigest(32) clkBytes(u16)
///                 attributeCount(u8) *attributeName(str8)
///                 sealedCount(u8) *(name(str8) recipientCount(u8, 1…8) *recipient(str16))
///                 blocking(str8) blockingKeys(u8)
///                 rows(u64) personIDs(u64) organisationIDs(u64) clks(u64) contentHash(32)
///     signature = Ed25519(party, "korskoll/v1/submission" ‖ 0x00 ‖ header)
///     body      = *record;  contentHash = BLAKE2b-256(body)
///     record    = presence(u8) [person(32)] [previousPerson(32)] [organisation(32)] [clk(clkBytes)]
///                 [blockingKeys × key(u64)] [address(u32) postcode(u32) town(u32)] [4 × givenName(u32)]
///                 *attribute(str8) *(recipientCount × box(96))
///
/// presence: bit 0 person pseudonym, bit 1 organisation pseudonym, bit 2 CLK, bit 3 blocking
/// keys (only with a CLK, and only when the header names a blocking scheme; a key of 0 is
/// absent, Protocols/blocking.md), bit 4 the previous person pseudonym of an identity change
/// (only with bit 0, Protocols/wire.md §3.3), bit 5 the address evidence values, bit 6 the
/// given-name evidence values (Protocols/wire.md §3.4, little-endian, 0 absent); the other bits are zero and at least one of the
/// first three is set. Every record carries one str8 per plain attribute name, in header order (empty means
/// absent), then per sealed attribute one ``SealedAttribute`` box per recipient, in header order.
/// attributeCount + sealedCount ≤ 16, names distinct.
public enum Submission {
    /// Magic of the sealed file.
    public static let fileMagic = Array("KKSUB\u{0}\u{0}\u{1}".utf8)
    static let headerMagic = Array("KKSUBHDR".utf8)
    public static let version: UInt16 = 4
    /// Domain separation of the signature.
    public static let signatureLabel = "korskoll/v1/submission"
    static let maxHeaderLength = 65_536
    public static let maxAttributes = 16
    public static let pseudonymLength = 32
    /// Blocking keys per row of each known blocking scheme (Protocols/blocking.md §4): the header's
    /// `blockingKeys` must equal it. `BlockingKeyer.kinds` holds the same count.
    public static let blockingKeyCount = ["korskoll-blocking-v1": 6]
    /// Values behind presence bit 5 (address, postcode, town) and bit 6 (given names), wire.md §3.4.
    public static let addressValues = 3
    public static let givenNameValues = 4

    /// wire.md §3: the body's content hash, unkeyed BLAKE2b-256 (a quarter of SHA-256's time
    /// here, which is seconds per million rows at every step that reads a body).
    public static func contentHashState() -> BLAKE2b.State { try! BLAKE2b.State(outputLength: 32) }
    public static func contentHash(_ body: [UInt8]) -> [UInt8] {
        let s = contentHashState(); s.update(body); return s.finalize()
    }

    public struct Header: Equatable, Sendable {
        public var agreementID: String
        public var party: String
        /// The coordinator the submission is sealed to; it must find its own id here.
        public var recipient: String
        /// Random per submission: the coordinator refuses a submission id it has seen (replay).
        public var submissionID: [UInt8]
        public var createdAt: UInt64
        /// SHA-256 of the CLK schema document; all zero when the submission has no CLKs.
        public var schemaDigest: [UInt8]
        public var clkBytes: Int
        /// Plain attributes (the coordinator reads them), in record order.
        public var attributes: [String]
        /// Sealed attributes (Protocols/wire.md §3.2), in record order, after the plain ones.
        public var sealedAttributes: [SealedAttributeName] = []
        /// The blocking scheme (Protocols/blocking.md), empty for none, and its keys per row.
        public var blocking = ""
        public var blockingKeys = 0
        public var rows: UInt64 = 0
        public var personIDs: UInt64 = 0
        public var organisationIDs: UInt64 = 0
        public var clks: UInt64 = 0
        public var contentHash: [UInt8] = Array(repeating: 0, count: 32)

        public init(agreementID: String, party: String, recipient: String, submissionID: [UInt8], createdAt: UInt64,
                    schemaDigest: [UInt8], clkBytes: Int, attributes: [String]) {
            self.agreementID = agreementID
            self.party = party
            self.recipient = recipient
            self.submissionID = submissionID
            self.createdAt = createdAt
            self.schemaDigest = schemaDigest
            self.clkBytes = clkBytes
            self.attributes = attributes
        }

        public func encoded() -> [UInt8] {
            var w = ByteWriter()
            w.raw(Submission.headerMagic)
            w.u16(Submission.version)
            w.str16(agreementID); w.str16(party); w.str16(recipient)
            w.raw(submissionID); w.u64(createdAt); w.raw(schemaDigest); w.u16(UInt16(clkBytes))
            w.u8(UInt8(attributes.count))
            for a in attributes { w.str8(a) }
            w.u8(UInt8(sealedAttributes.count))
            for a in sealedAttributes {
                w.str8(a.name); w.u8(UInt8(a.recipients.count))
                for r in a.recipients { w.str16(r) }
            }
            w.str8(blocking); w.u8(UInt8(blockingKeys))
            w.u64(rows); w.u64(personIDs); w.u64(organisationIDs); w.u64(clks)
            w.raw(contentHash)
            return w.bytes
        }

        public init(decoding bytes: [UInt8]) throws {
            var r = ByteReader(bytes, context: "submission header")
            guard try r.raw(8, "magic") == Submission.headerMagic else { throw WireError(.malformed, "submission header: wrong magic") }
            let version = try r.u16("version")
            guard version == Submission.version else {
                throw WireError(.unsupportedVersion, "submission header: version \(version); this build reads version \(Submission.version)")
            }
            agreementID = try r.str16("agreement"); party = try r.str16("party"); recipient = try r.str16("recipient")
            submissionID = try r.raw(16, "submissionID"); createdAt = try r.u64("createdAt")
            schemaDigest = try r.raw(32, "schemaDigest"); clkBytes = Int(try r.u16("clkBytes"))
            let n = Int(try r.u8("attributeCount"))
            guard n <= Submission.maxAttributes else { throw WireError(.malformed, "submission header: \(n) attributes; at most \(Submission.maxAttributes)") }
            attributes = try (0..<n).map { try r.str8("attribute \($0)") }
            let sealedCount = Int(try r.u8("sealedCount"))
            guard n + sealedCount <= Submission.maxAttributes else {
                throw WireError(.malformed, "submission header: \(n + sealedCount) attributes; at most \(Submission.maxAttributes)")
            }
            sealedAttributes = try (0..<sealedCount).map { i in
                let name = try r.str8("sealed attribute \(i)")
                let k = Int(try r.u8("sealed attribute \(i) recipientCount"))
                guard (1...SealedAttribute.maxRecipients).contains(k) else {
                    throw WireError(.malformed, "submission header: sealed attribute \(i) has \(k) recipients; 1 to \(SealedAttribute.maxRecipients)")
                }
                return SealedAttributeName(name: name, recipients: try (0..<k).map { try r.str16("sealed attribute \(i) recipient \($0)") })
            }
            let names = attributes + sealedAttributes.map(\.name)
            guard Set(names).count == names.count else { throw WireError(.malformed, "submission header: an attribute name appears twice") }
            blocking = try r.str8("blocking"); blockingKeys = Int(try r.u8("blockingKeys"))
            guard blocking.isEmpty == (blockingKeys == 0) else {
                throw WireError(.malformed, "submission header: blocking scheme '\(blocking)' with \(blockingKeys) keys per row")
            }
            rows = try r.u64("rows"); personIDs = try r.u64("personIDs"); organisationIDs = try r.u64("organisationIDs"); clks = try r.u64("clks")
            contentHash = try r.raw(32, "contentHash")
            try r.expectEnd()
        }

        /// The bytes the party signs.
        func signedMessage() -> [UInt8] { Array(Submission.signatureLabel.utf8) + [0] + encoded() }
    }

    /// A sealed attribute in the header: its name and the parties its values are sealed to.
    public struct SealedAttributeName: Equatable, Sendable {
        public var name: String
        public var recipients: [String]
        public init(name: String, recipients: [String]) { self.name = name; self.recipients = recipients }
    }

    public struct Record: Equatable, Sendable {
        public var person: [UInt8]?
        /// The person's previous pseudonym, when the row records an identity change: `person`
        /// is the current number, this the one it replaced (Protocols/wire.md §3.3). Only with `person`.
        public var previousPerson: [UInt8]?
        public var organisation: [UInt8]?
        public var clk: [UInt8]?
        /// The row's blocking keys, in the scheme's order; only with a CLK.
        public var blocks: [UInt64]?
        /// Address evidence values (Protocols/wire.md §3.4, clk.md §6): address, postcode, town; 0 absent.
        public var address: [UInt32]?
        /// Given-name evidence values (Protocols/wire.md §3.4, clk.md §6): four, sorted, zeros last.
        public var givenNames: [UInt32]?
        public var attributes: [String]
        /// Per sealed attribute, its boxes for each recipient, concatenated (recipients × 96 bytes).
        public var sealed: [[UInt8]]

        public init(person: [UInt8]?, organisation: [UInt8]?, clk: [UInt8]?, blocks: [UInt64]? = nil, attributes: [String],
                    sealed: [[UInt8]] = [], previousPerson: [UInt8]? = nil, address: [UInt32]? = nil, givenNames: [UInt32]? = nil) {
            self.person = person
            self.address = address
            self.givenNames = givenNames
            self.previousPerson = previousPerson
            self.organisation = organisation
            self.clk = clk
            self.blocks = blocks
            self.attributes = attributes
            self.sealed = sealed
        }

        /// Appends the record's wire form. Preconditions: pseudonyms of 32 bytes, attribute
        /// values of at most 255 bytes, and something to link on.
        public func encode(into w: inout ByteWriter) {
            precondition(person != nil || organisation != nil || clk != nil)
            precondition(blocks == nil || clk != nil)
            precondition(previousPerson == nil || person != nil)
            precondition(address == nil || address!.count == Submission.addressValues)
            precondition(givenNames == nil || givenNames!.count == Submission.givenNameValues)
            w.u8((person != nil ? 1 : 0) | (organisation != nil ? 2 : 0) | (clk != nil ? 4 : 0) | (blocks != nil ? 8 : 0)
                 | (previousPerson != nil ? 16 : 0) | (address != nil ? 32 : 0) | (givenNames != nil ? 64 : 0))
            if let p = person { precondition(p.count == Submission.pseudonymLength); w.raw(p) }
            if let p = previousPerson { precondition(p.count == Submission.pseudonymLength); w.raw(p) }
            if let o = organisation { precondition(o.count == Submission.pseudonymLength); w.raw(o) }
            if let c = clk { w.raw(c) }
            for k in blocks ?? [] { withUnsafeBytes(of: k.littleEndian) { w.raw(Array($0)) } }
            for v in (address ?? []) + (givenNames ?? []) { withUnsafeBytes(of: v.littleEndian) { w.raw(Array($0)) } }
            for a in attributes { w.str8(a) }
            for b in sealed { precondition(!b.isEmpty && b.count % SealedAttribute.boxLength == 0); w.raw(b) }
        }
    }

    /// Signs `header` (whose counts and content hash describe the body already written to
    /// `bodyPath`) and seals header, signature and body to `recipient` at `path`.
    public static func seal(header: Header, bodyPath: String, signer: Ed25519.PrivateKey,
                            recipient: X25519.PublicKey, to path: String) throws {
        let headerBytes = header.encoded()
        let signature = signer.signature(for: header.signedMessage())
        let writer = try SealedStream.Writer(path: path, recipient: recipient, magic: fileMagic)
        var prefix = ByteWriter()
        prefix.u32(UInt32(headerBytes.count)); prefix.raw(headerBytes); prefix.raw(signature)
        try writer.append(prefix.bytes)
        guard let body = FileHandle(forReadingAtPath: bodyPath) else { throw WireError(.io, "cannot open \(bodyPath)") }
        defer { try? body.close() }
        while let block = try body.read(upToCount: 1 << 20), !block.isEmpty {
            try writer.append(Array(block))
        }
        try writer.finish()
    }

    /// An opened submission: the header is readable at once; records only after
    /// ``verify(signedBy:)``; the content hash and counts are checked when the last record is read.
    public final class Opened {
        public let header: Header
        private let signature: [UInt8]
        private let stream: SealedStream.Reader
        private var verified = false
        private let hash = Submission.contentHashState()
        private var seen = (rows: UInt64(0), person: UInt64(0), organisation: UInt64(0), clks: UInt64(0))

        /// Opens the seal with the coordinator's key and decodes the header (not yet trusted).
        public init(path: String, key: X25519.PrivateKey) throws {
            stream = try SealedStream.Reader(path: path, key: key, magic: Submission.fileMagic)
            let lengthBytes = try stream.read(4, "header length")
            let length = Int(lengthBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            guard length <= Submission.maxHeaderLength else {
                throw WireError(.malformed, "\(path): header claims \(length) bytes; at most \(Submission.maxHeaderLength)")
            }
            header = try Header(decoding: stream.read(length, "header"))
            signature = try stream.read(Ed25519.signatureLength, "signature")
        }

        /// Checks the party's signature over the header. Call with the key the registry lists
        /// for `header.party`.
        public func verify(signedBy key: Ed25519.PublicKey) throws {
            guard key.isValidSignature(signature, for: header.signedMessage()) else {
                throw WireError(.badSignature, "submission signature does not verify under party '\(header.party)''s key")
            }
            verified = true
        }

        private func read(_ n: Int, _ field: @autoclosure () -> String) throws -> [UInt8] {
            let b = try stream.read(n, field())
            hash.update(b)
            return b
        }

        /// The next record, or nil after the last one once the body matched the header.
        public func next() throws -> Record? {
            precondition(verified, "verify(signedBy:) before reading records")
            if try stream.atEnd() {
                let digest = hash.finalize()
                guard constantTimeEquals(digest, header.contentHash) else {
                    throw WireError(.contentMismatch, "submission body does not match the header's content hash")
                }
                guard seen == (header.rows, header.personIDs, header.organisationIDs, header.clks) else {
                    throw WireError(.contentMismatch, "submission body has \(seen.rows) rows, \(seen.person) person, \(seen.organisation) organisation pseudonyms and \(seen.clks) CLKs; the header says \(header.rows), \(header.personIDs), \(header.organisationIDs), \(header.clks)")
                }
                return nil
            }
            let row = seen.rows
            let presence = try read(1, "record \(row) presence")[0]
            guard presence & ~127 == 0, presence & 7 != 0, presence & 8 == 0 || presence & 4 != 0, presence & 16 == 0 || presence & 1 != 0 else {
                throw WireError(.malformed, "record \(row): presence byte \(presence) is not a combination of person (1), organisation (2), CLK (4), blocking keys with a CLK (8), a previous person with a person (16), address values (32) and given-name values (64)")
            }
            var record = Record(person: nil, organisation: nil, clk: nil, attributes: [], sealed: [])
            if presence & 1 != 0 { record.person = try read(Submission.pseudonymLength, "record \(row) person"); seen.person += 1 }
            if presence & 16 != 0 { record.previousPerson = try read(Submission.pseudonymLength, "record \(row) previous person") }
            if presence & 2 != 0 { record.organisation = try read(Submission.pseudonymLength, "record \(row) organisation"); seen.organisation += 1 }
            if presence & 4 != 0 {
                guard header.clkBytes > 0 else { throw WireError(.malformed, "record \(row) has a CLK but the header declares none") }
                record.clk = try read(header.clkBytes, "record \(row) CLK"); seen.clks += 1
            }
            if presence & 8 != 0 {
                guard header.blockingKeys > 0 else { throw WireError(.malformed, "record \(row) has blocking keys but the header declares none") }
                let b = try read(8 * header.blockingKeys, "record \(row) blocking keys")
                record.blocks = (0..<header.blockingKeys).map { i in b[(8 * i)..<(8 * i + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
            }
            // wire.md §3.4: four little-endian bytes per value.
            func values(_ n: Int, _ what: String) throws -> [UInt32] {
                let b = try read(4 * n, "record \(row) \(what)")
                return (0..<n).map { i in b[(4 * i)..<(4 * i + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
            }
            if presence & 32 != 0 { record.address = try values(Submission.addressValues, "address values") }
            if presence & 64 != 0 { record.givenNames = try values(Submission.givenNameValues, "given-name values") }
            for a in header.attributes {
                let n = Int(try read(1, "record \(row) \(a) length")[0])
                let b = try read(n, "record \(row) \(a)")
                guard let s = String(validating: b, as: UTF8.self) else { throw WireError(.malformed, "record \(row): attribute \(a) is not UTF-8") }
                record.attributes.append(s)
            }
            for a in header.sealedAttributes {
                record.sealed.append(try read(a.recipients.count * SealedAttribute.boxLength, "record \(row) sealed \(a.name)"))
            }
            seen.rows += 1
            return record
        }
    }
}
