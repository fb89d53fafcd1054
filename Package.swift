// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Korskoll",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "korskoll", targets: ["korskoll"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // The one C boundary: libsodium through pkg-config (Debian: libsodium-dev).
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev", "pkg-config"])]
        ),
        // The only module that imports CSodium and owns C pointers.
        .target(name: "Sodium", dependencies: ["CSodium"]),
        .target(
            name: "Identifiers",
            exclude: ["TestNumbers"]
        ),
        .target(name: "Parties", dependencies: ["Sodium"]),
        .target(name: "CLKEncoding", dependencies: ["Sodium", "Tabular"]),
        .target(name: "Tabular"),
        .target(name: "Blinding", dependencies: ["Sodium", "Tabular"]),
        .target(name: "Wire", dependencies: ["Sodium"]),
        // RFC 9497 OPRF/VOPRF on ristretto255-SHA512, with threshold sharing (Protocols/oprf.md).
        .target(name: "OPRF", dependencies: ["Sodium"]),
        // The Dice kernel: plain C with target_clones (the CPU's best popcount at run time).
        .target(name: "CDice"),
        .target(name: "Matching", dependencies: ["CDice", "Wire"]),
        .target(name: "ProtocolLog", dependencies: ["Sodium", "Wire", "Parties", "Agreements"]),
        .target(name: "Agreements", dependencies: ["Sodium", "Parties"]),
        // The privacy officer's report: one self-contained HTML page (Protocols/log.md §6.3).
        .target(name: "OfficerReport", dependencies: ["ProtocolLog", "Agreements", "Parties", "Sodium"]),
        // A party's signed HTTP calls to the coordinator (Protocols/api.md).
        .target(name: "CoordinatorClient", dependencies: ["API", "Sodium", "Parties", "Wire", "ProtocolLog"]),
        .target(name: "Node", dependencies: ["API", "Sodium", "Identifiers", "Parties", "CLKEncoding", "Tabular", "Blinding", "Wire", "Agreements", "ProtocolLog", "CoordinatorClient",
                                      "OPRF", "KeyHolding"]),
        // The key-holder mode's shared formats: dealt key files, the dealer ceremony (Protocols/keyholder.md).
        .target(name: "KeyHolding", dependencies: ["Sodium", "OPRF", "Parties"]),
        // The key holder's service: metered, logged threshold-OPRF evaluation over HTTP (Protocols/keyholder.md).
        .target(
            name: "KeyHolder",
            dependencies: [
                "API", "Sodium", "OPRF", "Parties", "Wire", "ProtocolLog", "KeyHolding", "Agreements",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .target(name: "Synth", dependencies: ["Identifiers", "Tabular"]),
        // Linkage scored against the synthetic population's ground truth (match quality, the demo).
        .target(name: "Evaluation", dependencies: ["Agreements", "Tabular"]),
        // The coordinator's HTTP messages, shared by the server and its clients (Foundation only).
        .target(name: "API"),
        .target(
            name: "Coordinator",
            dependencies: [
                "API", "Sodium", "Parties", "Wire", "Matching", "ProtocolLog", "Agreements",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "KorskollCLI",
            dependencies: [
                "Sodium", "Identifiers", "Parties", "CLKEncoding", "Tabular", "Blinding", "Wire", "Node", "ProtocolLog", "Agreements", "Matching", "Synth", "Coordinator", "CoordinatorClient", "Evaluation", "API", "OfficerReport",
                "KeyHolder", "KeyHolding", "OPRF",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "korskoll", dependencies: ["KorskollCLI"]),

        // Shared by the test targets only: the one loader of Tests/Vectors.
        .target(name: "TestSupport", dependencies: ["Synth"], path: "Tests/TestSupport"),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium", "TestSupport"]),
        .testTarget(name: "OPRFTests", dependencies: ["OPRF", "Sodium", "TestSupport"]),
        .testTarget(name: "IdentifiersTests", dependencies: ["Identifiers", "TestSupport"]),
        .testTarget(name: "CLKEncodingTests", dependencies: ["CLKEncoding", "Sodium", "TestSupport"]),
        .testTarget(name: "TabularTests", dependencies: ["Tabular", "TestSupport"]),
        .testTarget(name: "BlindingTests", dependencies: ["Blinding", "Sodium", "TestSupport"]),
        .testTarget(name: "PartiesTests", dependencies: ["Parties", "Sodium", "TestSupport"]),
        .testTarget(name: "AgreementsTests", dependencies: ["Agreements", "Parties", "Sodium", "TestSupport"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Sodium", "TestSupport"]),
        .testTarget(name: "CoordinatorClientTests", dependencies: ["CoordinatorClient", "TestSupport"]),
        .testTarget(name: "NodeTests", dependencies: ["Node", "Wire", "Sodium", "Tabular", "Blinding", "CLKEncoding", "Identifiers", "Parties", "TestSupport",
                                                "Agreements", "API", "Coordinator", "CoordinatorClient", "ProtocolLog"]),
        .testTarget(name: "MatchingTests", dependencies: ["Matching", "Wire", "Sodium", "TestSupport"]),
        .testTarget(name: "CoordinatorTests", dependencies: [
            "Coordinator", "API", "Agreements", "Parties", "ProtocolLog", "Sodium", "Wire", "TestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"]),
        .testTarget(name: "FuzzTests", dependencies: ["Wire", "Sodium", "Tabular", "Agreements", "Parties", "ProtocolLog", "Node", "CLKEncoding", "TestSupport"]),
        .testTarget(name: "SynthTests", dependencies: ["Synth", "Identifiers", "Tabular"]),
        .testTarget(name: "ProtocolLogTests", dependencies: ["ProtocolLog", "Sodium", "TestSupport", "Agreements"]),
        .testTarget(name: "ProtocolsTests"),
        .testTarget(name: "KeyHolderTests", dependencies: ["KeyHolder", "KeyHolding", "Node", "OPRF", "CoordinatorClient", "API", "Blinding",
                                                     "Parties", "ProtocolLog", "Sodium", "TestSupport", "Agreements", "Identifiers", "Matching", "Wire"]),
        .testTarget(name: "OfficerReportTests", dependencies: ["OfficerReport", "ProtocolLog", "Agreements", "Parties", "Sodium", "TestSupport"]),
        .testTarget(name: "KorskollCLITests", dependencies: ["KorskollCLI", "Identifiers", "Node", "Parties", "ProtocolLog", "Sodium", "TestSupport"]),
    ]
)
