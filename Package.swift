// swift-tools-version:6.0
import PackageDescription

/// Hand-written kernels are compiled for this machine's vector width (PLATFORM.md:
/// Swift's default x86-64 target is SSE-only and turns FMA into library calls).
let fast: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "native"])]

let package = Package(
    name: "rlhf",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rlhf-bench", targets: ["rlhf-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(name: "Kernels", dependencies: ["CBLAS"], swiftSettings: fast),
        .target(name: "LanguageModel", dependencies: ["Kernels"], swiftSettings: fast),
        .executableTarget(
            name: "rlhf-bench",
            dependencies: [
                "Kernels", "LanguageModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"], swiftSettings: fast),
        .testTarget(
            name: "LanguageModelTests", dependencies: ["LanguageModel", "Kernels"],
            resources: [.copy("Fixtures")], swiftSettings: fast),
    ]
)
