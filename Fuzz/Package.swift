// swift-tools-version: 5.4
// libFuzzer targets for every parser in rill, in their own package so `swift build` / `swift test`
// of rill never pay for the sanitizer build. Run: `Fuzz/run.sh [--seconds N] [TARGET...]`.
//
// The tools version stays at 5.4 on purpose: from 5.5 on, SwiftPM renames an executable's entry
// point and links it with `--defsym main=<module>_main`, which collides with libFuzzer's own
// `main` (linked whole-archive by `-sanitize=fuzzer`). At 5.4 each target is compiled with
// `-parse-as-library`, defines only `LLVMFuzzerTestOneInput`, and libFuzzer supplies `main`.
import PackageDescription

/// The fuzz targets: the name `run.sh` takes, and what each executable `fuzz-<name>` depends on.
let targets: [(name: String, products: [String])] = [
    ("bencode", ["Bencode"]),
    ("metainfo", ["TorrentCore", "Bencode"]),
    ("magnet", ["TorrentCore"]),
    ("peer-frames", ["WireProtocol", "TorrentCore"]),
    ("peer-session", ["SwarmLogic", "WireProtocol", "TorrentCore"]),
    ("mse", ["WireProtocol", "TorrentCore"]),
    ("extensions", ["WireProtocol", "SwarmLogic", "TorrentCore"]),
    ("krpc", ["WireProtocol", "TorrentCore"]),
    ("udp-tracker", ["WireProtocol", "TorrentCore"]),
    ("http-announce", ["WireProtocol", "TorrentCore"]),
    ("lsd", ["WireProtocol", "TorrentCore"]),
    ("resume-data", ["Storage", "TorrentCore"]),
    ("utp", ["WireProtocol"]),
    ("utp-connection", ["SwarmLogic", "WireProtocol"]),
]

let package = Package(
    name: "RillFuzz",
    dependencies: [
        .package(name: "rill", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.0"),
    ],
    targets: [
        // Input slicing and invariant checks shared by the targets.
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
    ] + targets.map { target in
        .executableTarget(
            name: "fuzz-\(target.name)",
            dependencies: ["FuzzSupport", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Crypto", package: "swift-crypto")]
                + target.products.map { .product(name: $0, package: "rill") },
            path: "Sources/\(target.name)"
        )
    }
)
