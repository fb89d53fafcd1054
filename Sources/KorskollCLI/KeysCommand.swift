import ArgumentParser
import Foundation
import Parties

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Make party keys and keep the party registry (see Keys/README.md).",
        subcommands: [Generate.self, Register.self, Fingerprint.self])
}

extension PartyRole: ExpressibleByArgument {}

extension KeysCommand {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a party's Ed25519 signing and X25519 sealing keys.",
            discussion: "Writes <out>/<party>.secret.json (mode 0600, never printed, never overwritten) and <out>/<party>.public.json, and prints the public fingerprint.")

        @Option(help: "The party id: a–z, 0–9 and '-'.") var party: String
        @Option(help: "Directory to write the key files to.") var out: String

        func validate() throws {
            do { try PartyID.validate(party) } catch { throw ValidationError("--party: \(error)") }
        }

        func run() throws {
            let keys = try PartyKeys.generate(party: party)
            let paths = try KeyFiles.write(keys, to: URL(fileURLWithPath: out))
            print("secret key: \(paths.secret.path) (mode 0600; keep it on this machine)")
            print("public key: \(paths.public.path)")
            print("fingerprint: \(keys.publicKeys.fingerprint)")
        }
    }

    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register", abstract: "Add a party's public key file to a registry (created if missing).")

        @Option(help: "The registry JSON file.") var registry: String
        @Option(name: .customLong("public"), help: "The party's <party>.public.json.") var publicKey: String
        @Option(help: "The party's role: node, coordinator, key-holder or privacy-officer.") var role: PartyRole
        @Option(help: "Display name, e.g. 'Försäkringskassan'.") var name: String

        func run() throws {
            let url = URL(fileURLWithPath: registry)
            var current = FileManager.default.fileExists(atPath: url.path) ? try Registry.load(url) : try Registry()
            let keys = try KeyFiles.loadPublic(URL(fileURLWithPath: publicKey))
            try current.add(.init(id: keys.party, name: name, role: role, keys: keys))
            try current.json().write(to: url, options: .atomic)
            print("registered \(keys.party) as \(role.rawValue), fingerprint \(keys.fingerprint)")
        }
    }

    struct Fingerprint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the fingerprint of a public key file, to compare out of band.")

        @Argument(help: "A <party>.public.json file.") var file: String

        func run() throws {
            let keys = try KeyFiles.loadPublic(URL(fileURLWithPath: file))
            print("\(keys.party) \(keys.fingerprint)")
        }
    }
}
