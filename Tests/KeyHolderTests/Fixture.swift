import API
import CoordinatorClient
import Foundation
@testable import KeyHolder
import KeyHolding
import OPRF
import Parties
import ProtocolLog
import Sodium
import TestSupport

/// A seeded scalar: 64 bytes from `rng`, reduced.
func seededScalar(_ rng: inout SeededRandom) -> Scalar {
    try! Scalar.reduce((0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) })
}

/// A registry with a dealer, three key holders, two nodes of the agreement and one outsider,
/// and a 2-of-3 key dealt for agreement `kh-test` from seeded randomness.
struct Fixture: @unchecked Sendable {
    static let agreement = "kh-test"
    let dir: String
    let registry: Registry
    let keys: [String: PartyKeys]
    let dealt: DealerCeremony.Dealt
    /// The whole key, kept by the test only to compute reference pseudonyms.
    let key: Scalar
    let seed: UInt64

    init(caps: [String: Int] = ["fk": 1000, "polisen": 1000], seed: UInt64? = nil) throws {
        dir = NSTemporaryDirectory() + "korskoll-kh-" + Hex.encode(Random.bytes(8))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var keys: [String: PartyKeys] = [:]
        var entries: [Registry.Entry] = []
        for (id, role) in [("dealer", PartyRole.node), ("kh-a", .keyHolder), ("kh-b", .keyHolder), ("kh-c", .keyHolder),
                           ("fk", .node), ("polisen", .node), ("outsider", .node)] {
            let k = try PartyKeys.generate(party: id)
            keys[id] = k
            entries.append(.init(id: id, name: id, role: role, keys: k.publicKeys))
        }
        self.keys = keys
        registry = try Registry(entries: entries)
        var rng = SeededRandom(seed: seed)
        self.seed = rng.seed
        var drawn: [Scalar] = []
        dealt = try DealerCeremony.deal(agreement: Self.agreement, holders: ["kh-a", "kh-b", "kh-c"], threshold: 2, caps: caps,
                                        dealer: keys["dealer"]!, registry: registry,
                                        randomScalar: { let s = seededScalar(&rng); drawn.append(s); return s })
        key = drawn[0]
        let out = dir + "/dealt"
        _ = try DealerCeremony.write(dealt, to: out)
        for holder in ["kh-a", "kh-b", "kh-c"] {
            let shares = KeyHolderLayout(root: dir + "/" + holder).shares
            try FileManager.default.createDirectory(atPath: shares, withIntermediateDirectories: true)
            for name in [DealtPublicKey.fileName(agreement: Self.agreement), SealedShare.fileName(agreement: Self.agreement, holder: holder)] {
                try FileManager.default.copyItem(atPath: out + "/" + name, toPath: shares + "/" + name)
            }
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// The real key-holder service of `holder`, loading its share from its data directory.
    func service(_ holder: String, now: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }) throws -> KeyHolderService {
        try KeyHolderService(dataDir: dir + "/" + holder, keys: keys[holder]!, registry: registry, now: now)
    }

    /// A key holder registered as `holder` that evaluates with a key other than its dealt share.
    func wrongKeyService(_ holder: String) throws -> KeyHolderService {
        let index = dealt.publicKey.holder(holder)!.share.index
        return try KeyHolderService(layout: KeyHolderLayout(root: dir + "/" + holder + "-wrong"), keys: keys[holder]!, registry: registry,
                                    shares: [(dealt.publicKey, DealtShare(index: index, keyPair: OPRFKeyPair.generate()))],
                                    now: { UInt64(Date().timeIntervalSince1970) }, diagnostics: { _ in })
    }

    /// The log events a service has written.
    static func events(_ service: KeyHolderService) async throws -> [LogEvent] {
        try await service.logEntries.map { try LogEvent(leaf: $0) }
    }
}

/// The real HTTP servers of `services` on free loopback ports for the length of `body`, which
/// gets their URLs in order.
func withServers(_ services: [KeyHolderService], _ body: ([String]) async throws -> Void) async throws {
    var tasks: [Task<Void, any Error>] = []
    var urls: [String] = []
    defer { tasks.forEach { $0.cancel() } }
    for service in services {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        tasks.append(Task { try await KeyHolderServer.run(service: service, host: "127.0.0.1", port: 0) { continuation.yield($0) } })
        var it = ports.makeAsyncIterator()
        guard let port = await it.next() else { throw POSIXError(.EADDRNOTAVAIL) }
        urls.append("http://127.0.0.1:\(port)")
    }
    try await body(urls)
}
