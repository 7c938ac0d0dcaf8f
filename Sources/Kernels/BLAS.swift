import CBLAS
import Foundation

/// OpenBLAS, loaded once with its kernels chosen from what this CPU can do.
///
/// OpenBLAS picks its kernels from a list of CPU models it knows, in a
/// constructor that runs when the library is loaded; on a model it does not
/// know it silently runs its SSE3 ("Prescott") kernels. The first edition linked
/// the library, so that choice was made before `main` and an Intel Xeon of
/// family 6, model 207 ran GEMM six times slower than it can. Here the library
/// is opened at first use, after `OPENBLAS_CORETYPE` has been set from the CPU's
/// features (`coreType(for:)`), unless the user set it. Only Kernels calls BLAS.
public enum BLAS {
    /// How the kernel OpenBLAS runs was chosen.
    public enum Choice: Sendable, Equatable {
        /// From the CPU's features, by `coreType(for:)`.
        case cpuFeatures
        /// By the user's `OPENBLAS_CORETYPE`.
        case environment
        /// By OpenBLAS itself (no rule here covers this CPU).
        case library
    }

    /// What was loaded and what it runs.
    public struct Status: Sendable {
        /// The file opened ("libopenblas.so.0").
        public let library: String
        /// OpenBLAS's build configuration, its version first.
        public let configuration: String
        /// The kernel OpenBLAS runs ("Cooperlake", "SkylakeX", "Haswell").
        public let core: String
        /// How `core` was chosen.
        public let choice: Choice

        /// The vector width of `core`'s kernels, in bits, when known.
        public var coreVectorBits: Int? { BLAS.vectorBits(ofCore: core) }
    }

    /// Loads the library at first use; a machine without OpenBLAS stops here
    /// with what to install.
    public static let status: Status = load()

    /// Evaluated before every BLAS call: loads the library the first time.
    static let loaded: Void = { _ = status }()

    /// The OpenBLAS core type whose kernels use the widest vectors `cpu` has:
    /// AVX-512 → SkylakeX, AVX2 with FMA → Haswell; nil otherwise (OpenBLAS
    /// decides). Names from OpenBLAS's driver/others/dynamic.c. Not Cooperlake,
    /// which OpenBLAS 0.3.21 picks for itself on AMD Zen 4: it cannot be forced
    /// ("Core not found: Cooperlake" with OPENBLAS_VERBOSE=2, then its own
    /// detection, which is Prescott on the Xeon above). One AVX-512 kernel for
    /// every AVX-512 CPU also gives the same GEMM results on AMD and Intel.
    public static func coreType(for cpu: CPU) -> String? {
        if ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(cpu.has) { return "SkylakeX" }
        if cpu.has("avx2") && cpu.has("fma") { return "Haswell" }
        return nil
    }

    /// The vector width in bits of an OpenBLAS x86-64 core type's GEMM kernels,
    /// or nil for a name not listed (OpenBLAS's kernel/x86_64/KERNEL.* files).
    public static func vectorBits(ofCore core: String) -> Int? {
        switch core.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 512
        case "haswell", "zen", "skylake": return 256  // AVX2 and FMA
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 256  // AVX, no FMA3 GEMM
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "barcelona", "opteron",
             "opteron_sse3", "bobcat", "katmai", "coppermine", "northwood", "athlon", "nano":
            return 128
        default: return nil
        }
    }

    private static func load() -> Status {
        let environment = ProcessInfo.processInfo.environment
        let chosen = coreType(for: Machine.cpu)
        var set: [String] = []
        let choice: Choice
        if let user = environment["OPENBLAS_CORETYPE"], !user.isEmpty {
            choice = .environment
        } else if let chosen {
            setenv("OPENBLAS_CORETYPE", chosen, 1)
            set.append("OPENBLAS_CORETYPE")
            choice = .cpuFeatures
        } else {
            choice = .library
        }
        // One thread inside each call: Parallel splits the work, so OpenBLAS
        // need not start a pool of its own.
        if environment["OPENBLAS_NUM_THREADS"] == nil {
            setenv("OPENBLAS_NUM_THREADS", "1", 1)
            set.append("OPENBLAS_NUM_THREADS")
        }
        let names = ["libopenblas.so.0", "libopenblas.so", "libopenblas.0.dylib", "libopenblas.dylib"]
        let failure: String? = names.withCStrings { blas_open($0).map { String(cString: $0) } }
        for name in set { unsetenv(name) }  // what children inherit stays the user's
        if let failure {
            fatalError("\(failure)\nrlhf needs OpenBLAS: install it with `apt-get install libopenblas-dev` (scripts/rlhf does this when run as root)")
        }
        blas_set_threads(1)
        return Status(library: String(cString: blas_library()), configuration: String(cString: blas_config()),
                      core: String(cString: blas_core_name()), choice: choice)
    }
}

extension Array where Element == String {
    /// Calls `body` with these strings as a NULL-terminated C array.
    fileprivate func withCStrings<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

extension BLAS.Status {
    /// What is wrong when the BLAS runs narrower vectors than `cpu` has (an
    /// SSE3 kernel on an AVX-512 CPU), with what to do; nil when it runs the
    /// widest, or when its kernel's width is not known.
    public func mismatch(on cpu: CPU) -> String? {
        guard let bits = coreVectorBits, bits < cpu.vectorBits else { return nil }
        let fix = BLAS.coreType(for: cpu).map { "set OPENBLAS_CORETYPE=\($0) or unset it" } ?? "unset OPENBLAS_CORETYPE"
        let why = choice == .environment ? "because OPENBLAS_CORETYPE=\(core) is set" : "as OpenBLAS chose"
        return "OpenBLAS runs its \(bits)-bit \(core) kernels on a CPU with \(cpu.vectorBits)-bit vectors, \(why): "
            + "GEMM runs several times slower than it can; \(fix)"
    }

    /// "OpenBLAS 0.3.21, kernel SkylakeX (512-bit), chosen from the CPU's features".
    public var summary: String {
        let version = configuration.split(separator: " ").prefix(2).joined(separator: " ")
        let width = coreVectorBits.map { " (\($0)-bit)" } ?? ""
        let how: String
        switch choice {
        case .cpuFeatures: how = "chosen from the CPU's features"
        case .environment: how = "set by OPENBLAS_CORETYPE"
        case .library: how = "chosen by OpenBLAS"
        }
        return "\(version), kernel \(core)\(width), \(how)"
    }
}
