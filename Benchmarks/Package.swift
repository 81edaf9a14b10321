// swift-tools-version: 6.1
// Benchmarks live in their own package so `swift build` / `swift test` of rill do not build
// ordo-one/benchmark. Run: `cd Benchmarks && swift package benchmark`.
import PackageDescription

let package = Package(
    name: "RillBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "rill", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "RillBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Bencode", package: "rill"),
                .product(name: "TorrentCore", package: "rill"),
                .product(name: "Storage", package: "rill"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/RillBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "UIRender",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TerminalUI", package: "rill"),
                .product(name: "EngineAPI", package: "rill"),
            ],
            path: "Benchmarks/UIRender",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A real terminal run of the UI against a scripted engine, for tmux checks and idle-CPU measurement.
        .executableTarget(
            name: "UIHarness",
            dependencies: [
                .product(name: "TerminalUI", package: "rill"),
                .product(name: "EngineAPI", package: "rill"),
            ],
            path: "Sources/UIHarness"
        ),
    ]
)
