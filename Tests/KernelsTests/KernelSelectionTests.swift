import Foundation
@testable import Kernels
import Testing

/// The engine runs the kernels of the CPU it is on: the first edition ran
/// OpenBLAS's SSE3 kernels on an AVX-512 Xeon, six times slower, and nothing
/// said so. Not timed tests: the kernel's name against the CPU's features, and
/// GEMM against the FMA loop measured in the same test with a generous margin.
@Suite(.serialized) struct KernelSelectionTests {
    static let xeon207 = CPU(vendor: "GenuineIntel", name: "Intel Xeon", family: 6, model: 207, stepping: 0, features: [
        "sse3", "avx", "fma", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_bf16", "amx"])
    static let zen3 = CPU(vendor: "AuthenticAMD", name: "AMD EPYC", family: 25, model: 1, stepping: 0,
                          features: ["sse3", "avx", "fma", "avx2"])
    static let old = CPU(vendor: "GenuineIntel", name: "old", family: 6, model: 15, stepping: 0, features: ["sse3"])

    @Test func coreTypeFollowsTheWidestVectors() {
        #expect(BLAS.coreType(for: Self.xeon207) == "SkylakeX")
        #expect(BLAS.coreType(for: Self.zen3) == "Haswell")
        #expect(BLAS.coreType(for: Self.old) == nil)
        #expect(Self.xeon207.vectorBits == 512 && Self.zen3.vectorBits == 256 && Self.old.vectorBits == 128)
        for core in ["SkylakeX", "Haswell"] {
            #expect(BLAS.vectorBits(ofCore: core) != nil, "\(core) is a core whose width is known")
        }
    }

    @Test func aNarrowKernelIsFlaggedWithWhatToSet() throws {
        let prescott = BLAS.Status(library: "libopenblas.so.0", configuration: "OpenBLAS 0.3.21", core: "Prescott",
                                   choice: .library)
        let message = try #require(prescott.mismatch(on: Self.xeon207))
        #expect(message.contains("128-bit Prescott") && message.contains("OPENBLAS_CORETYPE=SkylakeX"), "\(message)")
        let skylake = BLAS.Status(library: "libopenblas.so.0", configuration: "OpenBLAS 0.3.21", core: "SkylakeX",
                                  choice: .cpuFeatures)
        #expect(skylake.mismatch(on: Self.xeon207) == nil)
        #expect(prescott.mismatch(on: Self.old) == nil, "SSE3 is the widest an SSE3 CPU has")
    }

    static let zen4 = CPU(vendor: "AuthenticAMD", name: "AMD EPYC 9R14", family: 25, model: 17, stepping: 1, features: [
        "sse3", "avx", "fma", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_bf16"])
    static let cooperLake = CPU(vendor: "GenuineIntel", name: "Intel Xeon", family: 6, model: 85, stepping: 11, features: [
        "sse3", "avx", "fma", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_bf16"])

    /// bfloat16 products run on AMX where there is AMX, with AVX-512 BF16 on AMD's
    /// CPUs that have it, widened everywhere else (BFloat16Kernel.native says why).
    @Test func bfloat16KernelFollowsTheCPU() {
        #expect(BFloat16Kernel.native(for: Self.xeon207) == .amx)
        #expect(BFloat16Kernel.native(for: Self.zen4) == .avx512bf16)
        #expect(BFloat16Kernel.native(for: Self.cooperLake) == .widened)
        #expect(BFloat16Kernel.native(for: Self.zen3) == .widened && BFloat16Kernel.native(for: Self.old) == .widened)
        #expect(!BFloat16Kernel.amx.runs(on: Self.zen4) && BFloat16Kernel.avx512bf16.runs(on: Self.xeon207))
        #expect(BFloat16Kernel.allCases.allSatisfy { $0.runs(on: Self.xeon207) })
        #expect(BFloat16Kernel.allCases.filter { $0.runs(on: Self.zen3) } == [.widened])
    }

    /// This process runs the kernel its CPU's features name, unless RLHF_BF16_KERNEL
    /// names another that runs here; `set bf16 exact` widens whatever the kernel.
    @Test func theBFloat16KernelMatchesThisCPU() {
        let (kernel, choice) = BFloat16Products.native
        let asked = ProcessInfo.processInfo.environment["RLHF_BF16_KERNEL"].flatMap(BFloat16Kernel.init(rawValue:))
        switch choice {
        case .cpuFeatures: #expect(kernel == BFloat16Kernel.native(for: Machine.cpu) && asked.map { !$0.runs(on: Machine.cpu) } ?? true)
        case .environment: #expect(kernel == asked)
        case .refused: #expect(kernel != .amx && BFloat16Kernel.native(for: Machine.cpu) == .amx)
        }
        #expect(BFloat16Products.summary.contains(choice == .environment ? "RLHF_BF16_KERNEL" : choice == .refused ? "refused" : "features"))
        let saved = BFloat16Products.compute
        defer { BFloat16Products.compute = saved }
        BFloat16Products.compute = .exact
        #expect(BFloat16Products.current == .widened)
        BFloat16Products.compute = .native
        #expect(BFloat16Products.current == kernel)
    }

    /// The kernel this process runs is as wide as this CPU's vectors, unless
    /// the environment forces one (OPENBLAS_CORETYPE=Haswell on an AVX-512
    /// CPU imitates an AVX2 machine's rounding): then it runs that one, and a
    /// narrower one than the CPU's is flagged.
    @Test func theLoadedKernelMatchesThisCPU() {
        let cpu = Machine.cpu, blas = BLAS.status
        switch blas.choice {
        case .environment:
            let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? ""
            #expect(blas.core.lowercased() == forced.lowercased(), "OPENBLAS_CORETYPE=\(forced) is set and OpenBLAS runs \(blas.core)")
            if let bits = BLAS.vectorBits(ofCore: blas.core), bits < cpu.vectorBits {
                #expect(blas.mismatch(on: cpu) != nil, "\(cpu.summary): a forced \(bits)-bit kernel goes unflagged")
            }
        case .cpuFeatures:
            #expect(blas.core.lowercased() == BLAS.coreType(for: cpu)?.lowercased(),
                    "OpenBLAS was asked for \(BLAS.coreType(for: cpu) ?? "-") and runs \(blas.core): it did not take OPENBLAS_CORETYPE")
            #expect(blas.mismatch(on: cpu) == nil, "\(cpu.summary): \(blas.mismatch(on: cpu) ?? "")")
        case .library:
            #expect(blas.mismatch(on: cpu) == nil, "\(cpu.summary): \(blas.mismatch(on: cpu) ?? "")")
        }
    }

    /// sgemm on one thread reaches a third of the one-thread FMA peak (SkylakeX
    /// kernels reach about 90% on AMD Zen 4; Prescott's 30% there, 11% on the Xeon).
    /// Each is the best of five, interleaved, so a slow minute of the host hits both.
    @Test func gemmReachesAThirdOfTheFMAPeak() {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let n = 512
        let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
        var rng = Random(seed: 1)
        rng.fillNormal(a.pointer, n * n, std: 1)
        rng.fillNormal(b.pointer, n * n, std: 1)
        var peak = 0.0, rate = 0.0
        for _ in 0..<5 {
            peak = max(peak, Machine.fmaPeak(threads: 1, seconds: 0.05, repeats: 1))
            let reps = 8
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps {
                gemm(M: n, N: n, K: n, A: a.pointer, lda: n, B: b.pointer, ldb: n, C: c.pointer, ldc: n)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rate = max(rate, Double(reps) * 2 * Double(n * n * n) / seconds / 1e9)
        }
        print("sgemm \(n)³ on 1 thread: \(String(format: "%.1f", rate)) GFLOP/s; FMA peak \(String(format: "%.1f", peak)); kernel \(BLAS.status.core)")
        #expect(peak > 0 && rate >= peak / 3,
                "sgemm reaches \(rate) GFLOP/s, under a third of the FMA peak \(peak): \(BLAS.status.mismatch(on: Machine.cpu) ?? "is a BLAS with kernels for this CPU installed? (about)")")
    }
}
