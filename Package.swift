// swift-tools-version:6.0
import PackageDescription

/// Code is compiled for this machine's vector width (PLATFORM.md: Swift's
/// default x86-64 target is SSE-only and turns FMA into library calls).
let fast: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native"])]
/// The hand-written kernels also drop overflow and bounds checks, which block
/// vectorisation; preconditions elsewhere stay checked.
let kernels: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "native"])]

let package = Package(
    name: "rlhf",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rlhf", targets: ["rlhf"]),
        .executable(name: "rlhf-bench", targets: ["rlhf-bench"]),
        .executable(name: "rlhf-fuzz", targets: ["rlhf-fuzz"]),
        .executable(name: "rlhf-libfuzzer", targets: ["rlhf-libfuzzer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `serve reward`'s HTTP server (a maintained server on SwiftNIO), and its logger.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // OpenBLAS is opened at run time, after its kernel is chosen from the
        // CPU's features (Sources/CBLAS/include/CBLAS.h says why); CMachine
        // probes the CPU (cpuid, FMA peak, memory bandwidth).
        .target(name: "CBLAS"),
        .target(name: "CMachine"),
        // Products with bfloat16 weights on AMX tiles or with AVX-512 BF16 (functions carry their own targets).
        .target(name: "CBFloat16"),
        .target(name: "Kernels", dependencies: ["CBLAS", "CMachine", "CBFloat16"], swiftSettings: kernels),
        // Files from elsewhere read as hostile: regular files only, bounded, text as people write it.
        .target(name: "Files"),
        .target(name: "LanguageModel", dependencies: ["Kernels", "Files", "CFileSystem"], swiftSettings: fast),
        // A header-only shim: the atomic directory swap that model saves end with.
        .systemLibrary(name: "CFileSystem"),
        .target(name: "Datasets", dependencies: ["Files"]),
        .target(name: "Alignment", dependencies: ["Kernels", "LanguageModel", "Datasets"], swiftSettings: fast),
        .target(name: "World", dependencies: ["Kernels", "Files", "Datasets"], swiftSettings: fast),
        // The HTTP side of `serve reward`: requests in, a score function's rewards out.
        .target(name: "RewardServer", dependencies: [.product(name: "Hummingbird", package: "hummingbird"),
                                                     .product(name: "Logging", package: "swift-log")]),
        .target(name: "Shell", dependencies: ["Kernels", "Files", "LanguageModel", "Datasets", "Alignment", "World", "RewardServer"]),
        .executableTarget(
            name: "rlhf",
            dependencies: ["Shell", "Kernels", "CEditLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .systemLibrary(
            name: "CEditLine", pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]),
        .executableTarget(
            name: "rlhf-bench",
            dependencies: [
                "Kernels", "LanguageModel", "Alignment", "Datasets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast),
        // The fuzz targets: the readers of outside input, each with its seeds (scripts/fuzz).
        .target(name: "FuzzTargets", dependencies: ["Files", "Datasets", "LanguageModel", "Shell"]),
        // Their seeded mutation fuzzer, which runs in the normal build and in CI.
        .executableTarget(name: "rlhf-fuzz", dependencies: ["Kernels", "FuzzTargets"], swiftSettings: fast),
        // Their entry point for libFuzzer: built only by `scripts/fuzz --libfuzzer` (swift build
        // --sanitize=fuzzer -Xswiftc -parse-as-library, in a build folder of its own); elsewhere it does nothing.
        .executableTarget(name: "rlhf-libfuzzer", dependencies: ["FuzzTargets"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"], exclude: ["Fixtures"], swiftSettings: fast),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "Files", "Datasets", "Alignment", "LanguageModel", "Kernels", "World"],
                    resources: [.copy("Transcripts")]),
        .testTarget(name: "WorldTests", dependencies: ["World", "Datasets", "Kernels"]),
        .testTarget(name: "AlignmentTests", dependencies: ["Alignment", "Datasets", "LanguageModel", "Kernels"],
                    resources: [.copy("Fixtures")], swiftSettings: fast),
        .testTarget(
            name: "LanguageModelTests", dependencies: ["LanguageModel", "Kernels"],
            resources: [.copy("Fixtures")], swiftSettings: fast),
    ]
)
