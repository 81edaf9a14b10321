import Benchmark

let benchmarks: @Sendable () -> Void = {
    bencodeBenchmarks()
    hashingBenchmarks()
}
