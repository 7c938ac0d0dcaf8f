import CBFloat16
import Foundation

/// How products with bfloat16 weights are computed.
public enum BFloat16Compute: String, Sendable, CaseIterable {
    /// With the CPU's bfloat16 dot-product instructions where it has them: the
    /// other side (activations, gradients) rounded to bfloat16, exact products
    /// summed in binary32, as PyTorch's bf16 matmul on a CPU computes.
    case native
    /// Weights widened to binary32 and multiplied by sgemm: the same numbers as a
    /// binary32 model holding the same values.
    case exact
}

/// The kernels that multiply by bfloat16 weights, and which one this process runs.
public enum BFloat16Kernel: String, Sendable, CaseIterable {
    /// Intel's AMX tiles (TDPBF16PS): 16 x 16 x 32 products an instruction.
    case amx
    /// AVX-512 BF16 (VDPBF16PS): 16 pairs an instruction.
    case avx512bf16
    /// Widened to binary32 a block at a time and multiplied by sgemm.
    case widened

    /// The kernel `cpu` computes bfloat16 products with, natively: AMX where the
    /// CPU and the OS have it (measured on an Intel Xeon, model 207, one thread,
    /// 512 rows: 502–1,181 GFLOP/s with packing against sgemm's 160–208 on the
    /// widened weights, and ahead of oneDNN 2.6's AMX matmul in 15 of 18 cases;
    /// scripts/bf16-candidates.cpp); AVX-512 BF16 on AMD CPUs that have it (Zen 4
    /// issues VDPBF16PS at twice its binary32 FMA rate; untested here); widened
    /// otherwise, and on Intel CPUs with AVX-512 BF16 but no AMX, where
    /// VDPBF16PS runs no faster than the FMA sgemm uses (120 GFLOP/s against
    /// 200 on the Xeon above).
    public static func native(for cpu: CPU) -> BFloat16Kernel {
        if cpu.has("amx") && cpu.has("avx512_bf16") { return .amx }
        if cpu.has("avx512_bf16") && cpu.vendor == "AuthenticAMD" { return .avx512bf16 }
        return .widened
    }

    /// Whether this CPU can run the kernel at all.
    public func runs(on cpu: CPU) -> Bool {
        switch self {
        case .amx: return cpu.has("amx") && cpu.has("avx512_bf16")
        case .avx512bf16: return cpu.has("avx512_bf16") && cpu.has("avx512bw")
        case .widened: return true
        }
    }
}

/// The setting and the kernel bfloat16 products use.
public enum BFloat16Products {
    /// Native (the default) or exact; the shell sets it from `set bf16`.
    nonisolated(unsafe) public static var compute: BFloat16Compute = .native

    /// How the native kernel was chosen.
    public enum Choice: Sendable, Equatable {
        case cpuFeatures
        /// By `RLHF_BF16_KERNEL` (amx, avx512bf16 or widened), to imitate another CPU.
        case environment
        /// AMX was chosen but Linux refused the tile state (arch_prctl), so this one runs.
        case refused
    }

    /// The native kernel, chosen once, and how.
    public static let native: (kernel: BFloat16Kernel, choice: Choice) = {
        let cpu = Machine.cpu
        var kernel = BFloat16Kernel.native(for: cpu), choice = Choice.cpuFeatures
        if let asked = ProcessInfo.processInfo.environment["RLHF_BF16_KERNEL"], !asked.isEmpty {
            if let forced = BFloat16Kernel(rawValue: asked), forced.runs(on: cpu) {
                kernel = forced
                choice = .environment
            } else {
                let names = BFloat16Kernel.allCases.filter { $0.runs(on: cpu) }.map(\.rawValue).joined(separator: ", ")
                FileHandle.standardError.write(Data(
                    "rlhf: RLHF_BF16_KERNEL=\(asked) is not a kernel this CPU runs (\(names)); using \(kernel.rawValue)\n".utf8))
            }
        }
        if kernel == .amx && !bf16_amx_request() {
            kernel = cpu.vendor == "AuthenticAMD" ? .avx512bf16 : .widened
            choice = .refused
        }
        return (kernel, choice)
    }()

    /// A kernel to run instead of the native one (tests and the benchmark compare
    /// kernels in one process); it must run on this CPU.
    nonisolated(unsafe) public static var forced: BFloat16Kernel?

    /// The kernel products with bfloat16 weights run now.
    public static var current: BFloat16Kernel {
        if compute == .exact { return .widened }
        if let forced {
            precondition(forced.runs(on: Machine.cpu), "BFloat16Products.forced: \(forced) does not run on this CPU")
            if forced == .amx { _ = native }  // asks for the tile state
            return forced
        }
        return native.kernel
    }

    /// "AMX (TDPBF16PS), chosen from the CPU's features" and the like.
    public static var summary: String {
        let name: String
        switch native.kernel {
        case .amx: name = "AMX tiles (TDPBF16PS)"
        case .avx512bf16: name = "AVX-512 BF16 (VDPBF16PS)"
        case .widened: name = "widened to f32 (sgemm)"
        }
        let how: String
        switch native.choice {
        case .cpuFeatures: how = "chosen from the CPU's features"
        case .environment: how = "set by RLHF_BF16_KERNEL"
        case .refused: how = "the OS refused AMX's tile state"
        }
        return "\(name), \(how)"
    }
}
