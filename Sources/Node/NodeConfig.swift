import Agreements
import CLKEncoding
import Foundation
import Parties
import Sodium

/// One node's configuration (`korskoll-node-config-v1`, Protocols/node.md §7): where the
/// coordinator is, this party's own key, the registry, and per agreement the files one round
/// needs. `korskoll node init` writes it; `korskoll node check` reads it. Paths are kept
/// absolute, so the file works from any working directory.
public struct NodeConfig: Codable, Sendable, Equatable {
    /// The format tag (node.md §7).
    public static let format = "korskoll-node-config-v1"
    /// The configuration's file name in its directory.
    public static let fileName = "node.json"

    public var format: String
    /// This node's party id.
    public var party: String
    /// The coordinator's base URL.
    public var coordinatorURL: String
    /// The coordinator's public key file.
    public var coordinatorKey: String
    /// This party's secret key file (mode 0600).
    public var key: String
    /// The party registry.
    public var registry: String
    public var agreements: [AgreementEntry]

    /// What one agreement's round needs (node.md §7).
    public struct AgreementEntry: Codable, Sendable, Equatable {
        /// The agreement's id (from its document).
        public var id: String
        /// The `<name>.agreement.json` document; its signatures lie beside it.
        public var agreement: String
        /// The CSV export that each round encodes.
        public var export: String
        /// The column mapping (korskoll-mapping-v1).
        public var mapping: String
        /// The CLK linkage schema, when the mapping has fields.
        public var schema: String?
        /// The agreement's state folder: linkage secret, encoded submission, receipts, results.
        public var state: String

        public init(id: String, agreement: String, export: String, mapping: String, schema: String?, state: String) {
            self.id = id
            self.agreement = agreement
            self.export = export
            self.mapping = mapping
            self.schema = schema
            self.state = state
        }

        /// Where the key ceremony writes this agreement's linkage secret.
        public var linkageSecret: String { state + "/linkage-secret" }
        /// Where a round's submission is encoded.
        public var encoded: String { state + "/encoded" }
        /// Where a round's results are written.
        public var results: String { state + "/results" }
        /// The node's log book (receipts, checkpoints).
        public var logBook: String { state + "/log" }
    }

    public init(party: String, coordinatorURL: String, coordinatorKey: String, key: String, registry: String, agreements: [AgreementEntry]) {
        self.format = Self.format
        self.party = party
        self.coordinatorURL = coordinatorURL
        self.coordinatorKey = coordinatorKey
        self.key = key
        self.registry = registry
        self.agreements = agreements
    }

    /// The entry of agreement `id`; the error lists the configured ones.
    public func agreement(_ id: String) throws -> AgreementEntry {
        guard let e = agreements.first(where: { $0.id == id }) else {
            throw NodeError(.config, "agreement '\(id)' is not in this node's configuration (it has \(agreements.map(\.id).joined(separator: ", ").nilIfEmptyText ?? "none")); add it with `korskoll node init … --agreement A --export CSV --mapping M`")
        }
        return e
    }

    // MARK: File

    /// Reads a configuration file; a document of another format is refused.
    public static func load(_ path: String) throws -> NodeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NodeError(.config, "node configuration \(path) not found: write one with `korskoll node init --dir DIR …`")
        }
        guard let config = try? JSONDecoder().decode(NodeConfig.self, from: data), config.format == format else {
            throw NodeError(.config, "\(path) is not a \(format) document")
        }
        return config
    }

    /// The document as written: sorted keys, indented.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes `DIR/node.json` (mode 0600: it names where the secrets are) and makes each
    /// agreement's state folder (0700). Returns the file's path.
    @discardableResult
    public func write(directory: String) throws -> String {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for a in agreements { try fm.createDirectory(atPath: a.state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) }
        } catch { throw NodeError(.config, "cannot create the node's folders under \(directory)") }
        let path = directory + "/" + Self.fileName
        let partial = path + ".partial"
        guard fm.createFile(atPath: partial, contents: try json(), attributes: [.posixPermissions: 0o600]) else {
            throw NodeError(.config, "cannot write \(path)")
        }
        do {
            _ = try? fm.removeItem(atPath: path)
            try fm.moveItem(atPath: partial, toPath: path)
        } catch { throw NodeError(.config, "cannot write \(path)") }
        return path
    }
}

// MARK: - Checks

extension NodeConfig {
    /// One thing `node init` checked (node.md §7.1).
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Level: String, Sendable {
            /// Checked and fine.
            case ok
            /// Not done yet, with the step that does it (e.g. the key ceremony).
            case todo
            /// Wrong: a round cannot run until it is fixed.
            case error
        }
        public let level: Level
        public let text: String
        public var description: String { "\(level.rawValue): \(text)" }
    }

    /// Checks what can be checked without the network (node.md §7.1): the keys are readable and
    /// the secret ones private, the key is this party's, the registry lists this party and the
    /// coordinator (with the key in the coordinator's file), each agreement is signed by every
    /// party and names this party, its mapping and schema read, and its linkage secret is there
    /// (or not yet: then the ceremony is the next step). Never prints a secret.
    public func check() -> [Finding] {
        var out: [Finding] = []
        func ok(_ t: String) { out.append(Finding(level: .ok, text: t)) }
        func todo(_ t: String) { out.append(Finding(level: .todo, text: t)) }
        func error(_ t: String) { out.append(Finding(level: .error, text: t)) }

        do {
            let keys = try KeyFiles.loadSecret(URL(fileURLWithPath: key))
            if keys.party == party { ok("secret key \(key) is \(party)'s, mode 0600") } else { error("secret key \(key) belongs to \(keys.party), not \(party)") }
        } catch let e as KeyError { error(e.reason) } catch { self.error(key, error, &out) }
        var coordinatorKeys: PartyPublicKeys?
        do {
            coordinatorKeys = try KeyFiles.loadPublic(URL(fileURLWithPath: coordinatorKey))
            ok("coordinator key \(coordinatorKey) is \(coordinatorKeys!.party)'s")
        } catch let e as KeyError { error(e.reason) } catch { self.error(coordinatorKey, error, &out) }
        var reg: Registry?
        do {
            reg = try Registry.load(URL(fileURLWithPath: registry))
            ok("registry \(registry) read")
        } catch let e as KeyError { error(e.reason) } catch { self.error(registry, error, &out) }
        if let reg {
            if (try? reg.entry(party)) != nil { ok("the registry lists \(party)") } else {
                error("registry \(registry) has no party '\(party)': add it with `korskoll keys register --registry \(registry) --public \(party).public.json --role node --name NAME`")
            }
            if let c = coordinatorKeys {
                if let e = try? reg.entry(c.party), e.role == .coordinator, e.keys == c {
                    ok("the registry lists the coordinator \(c.party) with the key in \(coordinatorKey)")
                } else {
                    error("registry \(registry) has no coordinator '\(c.party)' with the key in \(coordinatorKey): add it with `korskoll keys register --registry \(registry) --public \(coordinatorKey) --role coordinator --name NAME`")
                }
            }
        }
        for a in agreements {
            let loaded: (Agreement, AgreementSignatures)
            do { loaded = try AgreementFiles.load(a.agreement) } catch let e as AgreementError { error(e.reason); continue } catch {
                self.error(a.agreement, error, &out); continue
            }
            let (document, signatures) = loaded
            if !document.partyIDs.contains(party) { error("agreement \(document.id) does not name \(party) as a party") }
            if let reg {
                do {
                    try signatures.verifyComplete(document, registry: reg)
                    ok("agreement \(document.id) is signed by every party")
                } catch let e as AgreementError {
                    error(signatures.nextStep(for: e, agreement: document, path: a.agreement))
                } catch { self.error(a.agreement, error, &out) }
            }
            if let data = FileManager.default.contents(atPath: a.mapping) {
                if let m = try? ColumnMapping(json: data, source: a.mapping) {
                    ok("mapping \(a.mapping) read")
                    if !m.fields.isEmpty && a.schema == nil { error("mapping \(a.mapping) maps fields to encode; give the agreement's --schema") }
                } else { error("mapping \(a.mapping) is not a valid korskoll-mapping-v1 document") }
            } else { error("mapping \(a.mapping) cannot be read") }
            if let schema = a.schema {
                if let data = FileManager.default.contents(atPath: schema), (try? LinkageSchema(json: data)) != nil { ok("schema \(schema) read") } else {
                    error("schema \(schema) is not a readable CLK linkage schema")
                }
            }
            if FileManager.default.isReadableFile(atPath: a.export) { ok("export \(a.export) is readable") } else {
                todo("export \(a.export) is not there yet: each round reads it")
            }
            if FileManager.default.fileExists(atPath: a.linkageSecret) {
                do { _ = try LinkageSecretFile.load(a.linkageSecret); ok("linkage secret of \(document.id) present, mode 0600") } catch let e as NodeError { error(e.reason) } catch {
                    self.error(a.linkageSecret, error, &out)
                }
            } else {
                let lead = document.parties.first?.id == party ? " --lead" : ""
                todo("no linkage secret for \(document.id) yet: run the key ceremony with `korskoll node ceremony --coordinator-url \(coordinatorURL) --key \(key) --registry \(registry) --agreement \(a.agreement)\(lead) --secret-out \(a.linkageSecret)`")
            }
        }
        return out
    }

    private func error(_ path: String, _ e: any Error, _ out: inout [Finding]) {
        out.append(Finding(level: .error, text: "\(path): \(e)"))
    }
}

extension AgreementSignatures {
    /// The parties of `agreement` that have not signed it yet, in the agreement's order.
    public func stillToSign(_ agreement: Agreement) -> [String] {
        agreement.partyIDs.filter { p in !signatures.contains { $0.party == p } }
    }

    /// An agreement error from ``verifyComplete(_:registry:parties:)`` turned into the next step:
    /// which parties are still to sign and the command each of them runs.
    public func nextStep(for e: AgreementError, agreement: Agreement, path: String) -> String {
        let missing = stillToSign(agreement)
        guard e.code == .unsigned, !missing.isEmpty else { return e.reason }
        return "\(e.reason); still to sign: \(missing.joined(separator: ", ")); each party runs `korskoll agreement sign --agreement \(path) --key PARTY.secret.json`"
    }
}

extension String {
    var nilIfEmptyText: String? { isEmpty ? nil : self }
}
