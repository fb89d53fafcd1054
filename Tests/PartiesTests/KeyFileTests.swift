import Foundation
import Testing
import Sodium
@testable import Parties

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("korskoll-keys-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct KeyFileTests {
    @Test func generatedKeysRoundTripThroughFiles() throws {
        let dir = try temporaryDirectory()
        let keys = try PartyKeys.generate(party: "forsakringskassan")
        let paths = try KeyFiles.write(keys, to: dir)
        let mode = try FileManager.default.attributesOfItem(atPath: paths.secret.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let loaded = try KeyFiles.loadSecret(paths.secret)
        #expect(loaded.publicKeys == keys.publicKeys)
        #expect(loaded.signing.seed == keys.signing.seed)
        #expect(try KeyFiles.loadPublic(paths.public) == keys.publicKeys)
        let message = Array("agreement".utf8)
        #expect(keys.publicKeys.signing.isValidSignature(loaded.signing.signature(for: message), for: message))
    }

    @Test func publicFileHoldsNoSecret() throws {
        let dir = try temporaryDirectory()
        let keys = try PartyKeys.generate(party: "polisen")
        let paths = try KeyFiles.write(keys, to: dir)
        let text = try String(contentsOf: paths.public, encoding: .utf8)
        #expect(!text.contains(Data(keys.signing.seed.unsafeCopy()).base64EncodedString()))
        #expect(!text.contains(Data(keys.sealing.secret.unsafeCopy()).base64EncodedString()))
        #expect(!text.contains("Secret") && !text.contains("Seed"))
    }

    @Test func secretKeyFileIsNeverOverwritten() throws {
        let dir = try temporaryDirectory()
        try KeyFiles.write(PartyKeys.generate(party: "ivo"), to: dir)
        #expect(throws: KeyError.self) { try KeyFiles.write(PartyKeys.generate(party: "ivo"), to: dir) }
    }

    @Test func loosePermissionsAreRefused() throws {
        let dir = try temporaryDirectory()
        let paths = try KeyFiles.write(PartyKeys.generate(party: "ivo"), to: dir)
        for mode in [0o644, 0o640, 0o604, 0o660] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: paths.secret.path)
            let error = #expect(throws: KeyError.self) { try KeyFiles.loadSecret(paths.secret) }
            #expect(error?.code == .loosePermissions)
            #expect(error?.reason.contains("chmod 600") == true)
        }
    }

    @Test(arguments: ["ed25519Seed", "x25519Secret", "ed25519", "x25519"])
    func corruptedOrShortenedFieldsAreRefused(_ field: String) throws {
        let dir = try temporaryDirectory()
        let paths = try KeyFiles.write(PartyKeys.generate(party: "ivo"), to: dir)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: paths.secret)) as! [String: String]
        let original = Data(base64Encoded: json[field]!)!
        let cases: [(String, KeyError.Code)] = [
            ("not base64!", .malformed),
            (original.prefix(31).base64EncodedString(), .wrongLength),
            (Data(original.map { $0 ^ 0x01 }).base64EncodedString(), .mismatch),
        ]
        for (value, code) in cases {
            json[field] = value
            try FileManager.default.removeItem(at: paths.secret)
            let data = try JSONSerialization.data(withJSONObject: json)
            FileManager.default.createFile(atPath: paths.secret.path, contents: data, attributes: [.posixPermissions: 0o600])
            let error = #expect(throws: KeyError.self) { try KeyFiles.loadSecret(paths.secret) }
            #expect(error?.code == code, "\(field) = \(value)")
            #expect(error?.reason.contains(paths.secret.path) == true)
        }
    }

    @Test func truncatedFileIsMalformed() throws {
        let dir = try temporaryDirectory()
        let paths = try KeyFiles.write(PartyKeys.generate(party: "ivo"), to: dir)
        let data = try Data(contentsOf: paths.secret)
        try FileManager.default.removeItem(at: paths.secret)
        FileManager.default.createFile(atPath: paths.secret.path, contents: data.prefix(data.count / 2), attributes: [.posixPermissions: 0o600])
        let error = #expect(throws: KeyError.self) { try KeyFiles.loadSecret(paths.secret) }
        #expect(error?.code == .malformed)
    }

    @Test func invalidPartyIdsAreRefused() {
        for id in ["", "Polisen", "-x", "a b", "å", String(repeating: "a", count: 64), "../etc"] {
            #expect(throws: KeyError.self) { try PartyID.validate(id) }
        }
        #expect(throws: Never.self) { try PartyID.validate("skatteverket-2") }
    }

    @Test func registryRoundTripsAndRejectsDuplicates() throws {
        let a = try PartyKeys.generate(party: "polisen").publicKeys
        let b = try PartyKeys.generate(party: "fk").publicKeys
        var registry = try Registry(entries: [.init(id: "polisen", name: "Polismyndigheten", role: .node, keys: a)])
        try registry.add(.init(id: "fk", name: "Försäkringskassan", role: .node, keys: b))
        let reloaded = try Registry(json: registry.json())
        #expect(reloaded == registry)
        #expect(try reloaded.entry("fk").name == "Försäkringskassan")
        #expect(reloaded.entry(signingKey: a.signing)?.id == "polisen")
        #expect(throws: KeyError.self) { try registry.add(.init(id: "fk", name: "again", role: .node, keys: b)) }
        let reused = PartyPublicKeys(party: "ivo", signing: a.signing, sealing: try PartyKeys.generate(party: "ivo").sealing.publicKey)
        #expect(throws: KeyError.self) { try registry.add(.init(id: "ivo", name: "IVO", role: .node, keys: reused)) }
        #expect(throws: KeyError.self) { try registry.entry("unknown") }
    }

    @Test func fingerprintIsStableAndShort() throws {
        let keys = try PartyKeys.generate(party: "fk").publicKeys
        // Recomputed here from the definition in Keys/README.md §4.
        let digest = Hex.encode(SHA256.hash(keys.signing.bytes + keys.sealing.bytes).prefix(16))
        #expect(keys.fingerprint.replacingOccurrences(of: ":", with: "") == digest)
        #expect(keys.fingerprint.count == 39)
        #expect(keys.fingerprint != (try PartyKeys.generate(party: "fk").publicKeys.fingerprint))
    }
}
