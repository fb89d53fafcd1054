// libFuzzer harness for the submission (Sources/Wire/Submission.swift, SealedStream.swift),
// compiled with the Wire sources against a Sodium module by build.sh. The input is the plaintext
// (header length, header, signature, body); half the inputs get their content hash recomputed and
// their header re-signed, then everything is sealed to the coordinator and opened as it would be.
// The keys are the fixed test keys of Tests/FuzzTests/FuzzFixtures.swift.
import Foundation
import Sodium

let coordinator = try! X25519.PrivateKey(secret: SecretBytes([UInt8](repeating: 0x12, count: X25519.secretKeyLength)))
let party = try! Ed25519.PrivateKey(seed: SecretBytes([UInt8](repeating: 0x21, count: Ed25519.seedLength)))
let scratch = "/dev/shm/korskoll-libfuzzer-submission-\(getpid()).kksub"

func repaired(_ input: [UInt8]) -> [UInt8] {
    guard input.count >= 4 else { return input }
    let length = input[0..<4].reduce(0) { $0 << 8 | Int($1) }
    guard input.count >= 4 + length + 64, var header = try? Submission.Header(decoding: Array(input[4..<(4 + length)])) else { return input }
    let body = Array(input[(4 + length + 64)...])
    header.contentHash = Submission.contentHash(body)
    let bytes = header.encoded()
    var w = ByteWriter()
    w.u32(UInt32(bytes.count)); w.raw(bytes)
    w.raw(party.signature(for: Array(Submission.signatureLabel.utf8) + [0] + bytes))
    return w.bytes + body
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSubmission(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = Array(UnsafeBufferPointer(start: data, count: size))
    if size > 0, data[0] & 1 == 1 { input = repaired(input) }
    unlink(scratch)
    do {
        let writer = try SealedStream.Writer(path: scratch, recipient: coordinator.publicKey, magic: Submission.fileMagic)
        try writer.append(input)
        try writer.finish()
        let opened = try Submission.Opened(path: scratch, key: coordinator)
        try opened.verify(signedBy: party.publicKey)
        var w = ByteWriter()
        while let record = try opened.next() { record.encode(into: &w) }
        let length = input[0..<4].reduce(0) { $0 << 8 | Int($1) }
        precondition(opened.header.encoded() == Array(input[4..<(4 + length)]), "the header does not re-encode to its bytes")
        precondition(w.bytes == Array(input[(4 + length + 64)...]), "the records do not re-encode to the body")
    } catch is WireError {
    } catch {
        fatalError("the submission reader threw \(type(of: error)), not WireError")
    }
    return 0
}
