import Foundation
import Testing
import Sodium
import TestSupport
@testable import ProtocolLog

private struct NoteVector: Decodable { let description: String; let signerKey: String; let verifierKey: String; let text: String; let note: String }

@Suite struct SignedNoteTests {
    /// golang.org/x/mod/sumdb/note's published example: the same key and text must give the same
    /// note byte for byte (Ed25519 is deterministic), so Go verifiers accept our checkpoints.
    @Test func signingReproducesTheGoReferenceNote() throws {
        let v = try Vectors.load(NoteVector.self, "log/signed-note.json")
        let parts = v.signerKey.split(separator: "+", maxSplits: 4).map(String.init)
        #expect(parts.count == 5 && parts[0] == "PRIVATE" && parts[1] == "KEY")
        let material = try #require(Data(base64Encoded: parts[4]))
        #expect(material.first == 1)
        let key = try Ed25519.PrivateKey(seed: SecretBytes(material.dropFirst()))
        #expect(SignedNote.verifierKey(name: parts[2], key: key.publicKey) == v.verifierKey)
        #expect(Hex.encode(SignedNote.keyID(name: parts[2], key: key.publicKey)) == parts[3])
        #expect(SignedNote.sign(text: v.text, name: parts[2], key: key) == v.note)
        #expect(try SignedNote.open(v.note, name: parts[2], key: key.publicKey) == v.text)
        #expect(throws: LogError.self) { try SignedNote.open(v.note.replacingOccurrences(of: "cryptography", with: "cryptographY"), name: parts[2], key: key.publicKey) }
    }

    @Test func checkpointRoundTripsAndRejectsOtherKeysAndBodies() throws {
        let key = Ed25519.PrivateKey.generate()
        let c = Checkpoint(origin: "korskoll/coordinator", size: 12, root: SHA256.hash(Array("x".utf8)))
        let note = c.signed(by: key)
        #expect(note.hasPrefix("korskoll/coordinator\n12\n"))
        #expect(try Checkpoint(verifying: note, origin: c.origin, key: key.publicKey) == c)
        #expect(throws: LogError.self) { try Checkpoint(verifying: note, origin: c.origin, key: Ed25519.PrivateKey.generate().publicKey) }
        #expect(throws: LogError.self) { try Checkpoint(verifying: note.replacingOccurrences(of: "\n12\n", with: "\n13\n"), origin: c.origin, key: key.publicKey) }
        #expect(throws: LogError.self) { try Checkpoint(verifying: note, origin: "korskoll/other", key: key.publicKey) }
    }
}
