import Foundation
import Sodium
#if canImport(Glibc)
import Glibc
#endif

/// Key files on disk (Keys/README.md §2). Both are JSON with base64 fields:
///
///     <party>.secret.json  {"format":"korskoll-secret-key-v1","party":…,"ed25519Seed":…,
///                           "x25519Secret":…,"ed25519":…,"x25519":…}        mode 0600
///     <party>.public.json  {"format":"korskoll-public-key-v1","party":…,"ed25519":…,"x25519":…}
///
/// The secret file repeats the public keys so that loading it detects a corrupted secret: the
/// public keys recomputed from the secrets must equal the stored ones.
public enum KeyFiles {
    static let secretFormat = "korskoll-secret-key-v1"
    static let publicFormat = "korskoll-public-key-v1"

    struct SecretFile: Codable {
        let format: String
        let party: String
        let ed25519Seed: String
        let x25519Secret: String
        let ed25519: String
        let x25519: String
    }

    struct PublicFile: Codable {
        let format: String
        let party: String
        let ed25519: String
        let x25519: String
    }

    public static func secretPath(party: String, in directory: URL) -> URL {
        directory.appendingPathComponent("\(party).secret.json")
    }

    public static func publicPath(party: String, in directory: URL) -> URL {
        directory.appendingPathComponent("\(party).public.json")
    }

    /// Writes `<party>.secret.json` (mode 0600, never overwriting) and `<party>.public.json`.
    @discardableResult
    public static func write(_ keys: PartyKeys, to directory: URL) throws -> (secret: URL, public: URL) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secretURL = secretPath(party: keys.party, in: directory)
        let publicURL = publicPath(party: keys.party, in: directory)
        let pub = keys.publicKeys
        var secretJSON = try encoder.encode(SecretFile(
            format: secretFormat, party: keys.party,
            ed25519Seed: Data(keys.signing.seed.unsafeCopy()).base64EncodedString(),
            x25519Secret: Data(keys.sealing.secret.unsafeCopy()).base64EncodedString(),
            ed25519: Data(pub.signing.bytes).base64EncodedString(),
            x25519: Data(pub.sealing.bytes).base64EncodedString()))
        defer { secretJSON.resetBytes(in: 0..<secretJSON.count) }
        try writeExclusive(secretJSON, to: secretURL, mode: 0o600)
        try encode(pub).write(to: publicURL, options: .atomic)
        return (secretURL, publicURL)
    }

    /// The JSON of a public key file.
    public static func encode(_ keys: PartyPublicKeys) throws -> Data {
        try encoder.encode(PublicFile(format: publicFormat, party: keys.party,
                                      ed25519: Data(keys.signing.bytes).base64EncodedString(),
                                      x25519: Data(keys.sealing.bytes).base64EncodedString()))
    }

    /// The party a key file's name suggests (`<party>.secret.json`), for the next step an error names.
    static func partyHint(_ url: URL, suffix: String) -> String {
        let name = url.lastPathComponent
        return name.hasSuffix(suffix) && name.count > suffix.count ? String(name.dropLast(suffix.count)) : "PARTY"
    }

    /// Loads a secret key file, refusing one that others can read, that has the wrong lengths, or
    /// whose secrets do not reproduce its public keys.
    public static func loadSecret(_ url: URL) throws -> PartyKeys {
        let path = url.path
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT {
                throw KeyError(.unreadable, "secret key file \(path) not found: make one with `korskoll keys generate --party \(partyHint(url, suffix: ".secret.json")) --out \(url.deletingLastPathComponent().path)`")
            }
            throw KeyError(.unreadable, "secret key file \(path) cannot be read: \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw KeyError(.loosePermissions,
                "secret key file \(path) has mode \(String(mode, radix: 8)); it must be readable by its owner only (chmod 600)")
        }
        var data = try read(url, what: "secret key file")
        defer { data.resetBytes(in: 0..<data.count) }
        guard let file = try? JSONDecoder().decode(SecretFile.self, from: data), file.format == secretFormat else {
            throw KeyError(.malformed, "secret key file \(path) is not a \(secretFormat) JSON document")
        }
        try PartyID.validate(file.party)
        var seed = try decode(file.ed25519Seed, field: "ed25519Seed", length: Ed25519.seedLength, path: path)
        var secret = try decode(file.x25519Secret, field: "x25519Secret", length: X25519.secretKeyLength, path: path)
        defer {
            for i in seed.indices { seed[i] = 0 }
            for i in secret.indices { secret[i] = 0 }
        }
        let keys = PartyKeys(party: file.party,
                             signing: try Ed25519.PrivateKey(seed: SecretBytes(seed)),
                             sealing: try X25519.PrivateKey(secret: SecretBytes(secret)))
        let storedSigning = try decode(file.ed25519, field: "ed25519", length: Ed25519.publicKeyLength, path: path)
        let storedSealing = try decode(file.x25519, field: "x25519", length: X25519.publicKeyLength, path: path)
        guard keys.signing.publicKey.bytes == storedSigning, keys.sealing.publicKey.bytes == storedSealing else {
            throw KeyError(.mismatch, "secret key file \(path) is corrupted: its secret keys do not produce its public keys")
        }
        return keys
    }

    /// Loads a public key file.
    public static func loadPublic(_ url: URL) throws -> PartyPublicKeys {
        let data = try read(url, what: "public key file")
        guard let file = try? JSONDecoder().decode(PublicFile.self, from: data), file.format == publicFormat else {
            throw KeyError(.malformed, "public key file \(url.path) is not a \(publicFormat) JSON document")
        }
        try PartyID.validate(file.party)
        return PartyPublicKeys(
            party: file.party,
            signing: try Ed25519.PublicKey(bytes: decode(file.ed25519, field: "ed25519", length: Ed25519.publicKeyLength, path: url.path)),
            sealing: try X25519.PublicKey(bytes: decode(file.x25519, field: "x25519", length: X25519.publicKeyLength, path: url.path)))
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func decode(_ base64: String, field: String, length: Int, path: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: base64) else {
            throw KeyError(.malformed, "\(path): field \(field) is not valid base64")
        }
        guard data.count == length else {
            throw KeyError(.wrongLength, "\(path): field \(field) holds \(data.count) bytes; it must hold \(length)")
        }
        return Array(data)
    }

    private static func read(_ url: URL, what: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            let party = partyHint(url, suffix: ".public.json")
            throw KeyError(.unreadable, "\(what) \(url.path) not found: its party makes it with `korskoll keys generate --party \(party) --out DIR` and hands over \(party).public.json")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw KeyError(.unreadable, "\(what) \(url.path) cannot be read")
        }
    }

    /// Creates `url` with `mode` from the start (no window in which it is world-readable) and
    /// refuses to replace an existing file.
    private static func writeExclusive(_ data: Data, to url: URL, mode: mode_t) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else {
            if errno == EEXIST {
                throw KeyError(.fileExists, "\(url.path) exists; a secret key file is never overwritten (move it away to rotate)")
            }
            throw KeyError(.unreadable, "cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        _ = fchmod(fd, mode)  // umask may have removed owner bits; restore exactly 0600
        let ok = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return fsync(fd) == 0
        }
        guard ok else { throw KeyError(.unreadable, "cannot write \(url.path)") }
    }
}
