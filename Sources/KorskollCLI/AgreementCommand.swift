import Agreements
import ArgumentParser
import Foundation
import Node
import Parties
import Sodium

struct AgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement", abstract: "Sign and verify linkage agreements (Protocols/agreements.md).",
        subcommands: [Sign.self, Verify.self, Register.self])
}

/// `<name>.agreement.json` → `<name>.signatures.json` beside it.
func signaturesPath(for agreementPath: String) -> String { AgreementFiles.signaturesPath(for: agreementPath) }

/// Loads an agreement and its signatures file (empty when missing); errors name the file.
func loadAgreement(_ path: String) throws -> (Agreement, AgreementSignatures) {
    do { return try AgreementFiles.load(path) } catch let e as AgreementError { throw failure(e.reason) }
}

extension AgreementCommand {
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add this party's signature to an agreement's signatures file.",
            discussion: "Signs \"korskoll/v1/agreement\" ‖ 0x00 ‖ SHA-256 of the document's bytes. Only a party named in the agreement may sign.")

        @Option(help: "The <name>.agreement.json document.") var agreement: String
        @Option(help: "This party's secret key file.") var key: String

        func run() throws {
            var (document, signatures) = try loadAgreement(agreement)
            let keys: PartyKeys
            do { keys = try KeyFiles.loadSecret(URL(fileURLWithPath: key)) } catch let e as KeyError { throw failure(e.reason) }
            guard document.partyIDs.contains(keys.party) else { throw failure("\(keys.party) is not a party to agreement \(document.id)") }
            guard signatures.agreementHash == Hex.encode(document.hash) else {
                throw failure("\(signaturesPath(for: agreement)) holds signatures for another version of the agreement")
            }
            signatures.sign(document, with: keys)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(signatures).write(to: URL(fileURLWithPath: signaturesPath(for: agreement)), options: .atomic)
            let missing = document.partyIDs.filter { p in !signatures.signatures.contains { $0.party == p } }
            print("\(keys.party) signed agreement \(document.id) (\(Hex.encode(document.hash.prefix(8))))" +
                  (missing.isEmpty ? "; every party has signed" : "; still to sign: \(missing.joined(separator: ", "))"))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every party signed the agreement with its registered key.")

        @Option(help: "The <name>.agreement.json document.") var agreement: String
        @Option(help: "The party registry.") var registry: String

        func run() throws {
            let (document, signatures) = try loadAgreement(agreement)
            let reg: Registry
            do { reg = try Registry.load(URL(fileURLWithPath: registry)) } catch let e as KeyError { throw failure(e.reason) }
            do { try signatures.verifyComplete(document, registry: reg) } catch let e as AgreementError {
                throw failure(signatures.nextStep(for: e, agreement: document, path: agreement))
            }
            print("agreement \(document.id) v\(document.version) (\(Hex.encode(document.hash))) is signed by every party: \(document.partyIDs.joined(separator: ", "))")
        }
    }
}
