// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "rill",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rill", targets: ["rill"]),
        .library(name: "Bencode", targets: ["Bencode"]),
        .library(name: "TorrentCore", targets: ["TorrentCore"]),
        .library(name: "Storage", targets: ["Storage"]),
        // Products only so `Fuzz/` (a separate package) can reach the codecs and the peer state machine.
        .library(name: "WireProtocol", targets: ["WireProtocol"]),
        .library(name: "SwarmLogic", targets: ["SwarmLogic"]),
        .library(name: "EngineAPI", targets: ["EngineAPI"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "TerminalUI", targets: ["TerminalUI"]),
        .library(name: "TransmissionRPC", targets: ["TransmissionRPC"]),
        .library(name: "RemoteEngine", targets: ["RemoteEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: - Libraries, lowest layer first
        .target(name: "Bencode"),
        .target(name: "EngineAPI"),
        .target(
            name: "TorrentCore",
            dependencies: ["Bencode", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "CSyscall"),
        .target(
            name: "Storage",
            dependencies: [
                "TorrentCore", "Bencode", "CSyscall",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "WireProtocol",
            dependencies: ["TorrentCore", "Bencode", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "SwarmLogic",
            dependencies: [
                "TorrentCore", "WireProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Engine",
            dependencies: [
                "TorrentCore", "WireProtocol", "SwarmLogic", "Storage", "Bencode", "EngineAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: - The daemon's front end: the Transmission RPC over any TorrentEngine
        .target(
            name: "TransmissionRPC",
            dependencies: [
                "EngineAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),

        // A TorrentEngine over the Transmission RPC: the UI attaches to a daemon through it.
        .target(
            name: "RemoteEngine",
            dependencies: [
                "EngineAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),

        // MARK: - Terminal front end
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .target(
            name: "TerminalUI",
            dependencies: ["EngineAPI", "CNcursesw", .product(name: "TOMLKit", package: "TOMLKit")]
        ),

        // MARK: - Command line
        .executableTarget(
            name: "rill",
            dependencies: [
                "Bencode", "TorrentCore", "Storage", "Engine", "EngineAPI", "TerminalUI", "TransmissionRPC",
                "RemoteEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["TorrentCore"], path: "Tests/TestSupport"),
        .testTarget(name: "BencodeTests", dependencies: ["Bencode", "TestSupport"]),
        .testTarget(name: "TorrentCoreTests", dependencies: ["TorrentCore", "Bencode", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TorrentCore", "TestSupport"]),
        .testTarget(
            name: "WireProtocolTests",
            dependencies: ["WireProtocol", "TorrentCore", "Bencode", "TestSupport",
                           .product(name: "NIOCore", package: "swift-nio")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SwarmLogicTests",
            dependencies: ["SwarmLogic", "TorrentCore", "WireProtocol", "TestSupport",
                           .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "EngineAPI", "TorrentCore", "WireProtocol", "SwarmLogic", "Storage", "TestSupport",
                           .product(name: "SystemPackage", package: "swift-system"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOEmbedded", package: "swift-nio")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TerminalUITests",
            dependencies: ["TerminalUI", "EngineAPI"],
            exclude: ["Snapshots"]
        ),
        .testTarget(
            name: "RemoteEngineTests",
            dependencies: ["RemoteEngine", "EngineAPI", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TransmissionRPCTests",
            dependencies: ["TransmissionRPC", "Engine", "EngineAPI", "Storage", "TorrentCore", "TestSupport",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")]
        ),
        .testTarget(
            name: "InteropTests",
            dependencies: ["TestSupport", "TorrentCore", "rill", "RemoteEngine", "EngineAPI"],
            exclude: ["Scripts"]
        ),
    ]
)
