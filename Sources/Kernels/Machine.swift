import CMachine
import Foundation

/// The processor the engine runs on, as cpuid describes it.
public struct CPU: Sendable {
    /// "GenuineIntel", "AuthenticAMD".
    public let vendor: String
    /// The marketing name, or "unknown CPU".
    public let name: String
    /// cpuid's display family, model and stepping.
    public let family: Int, model: Int, stepping: Int
    /// Vector features that both the CPU and the OS support, by their usual names.
    public let features: [String]

    /// Whether the CPU and the OS support `feature` ("avx2", "avx512f", …).
    public func has(_ feature: String) -> Bool { features.contains(feature) }

    /// The widest float vector the CPU can use, in bits: 512 (AVX-512), 256 (AVX2
    /// with FMA) or 128 (SSE).
    public var vectorBits: Int {
        if has("avx512f") { return 512 }
        if has("avx2") && has("fma") { return 256 }
        return 128
    }

    /// "AMD EPYC 9R14 (family 25, model 17), AVX-512" and the like.
    public var summary: String {
        let isa = vectorBits == 512 ? "AVX-512" : vectorBits == 256 ? "AVX2" : "SSE"
        return "\(name) (family \(family), model \(model)), \(isa)"
    }
}

/// What this machine can do, measured from the inside: its CPU, its FMA peak
/// and its memory bandwidth, against which the engine's speed is judged.
public enum Machine {
    /// This process's resident memory now and at its highest, in bytes: Linux's
    /// VmRSS and VmHWM (proc(5)); nil where /proc is not there.
    public static func residentMemory() -> (current: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func kilobytes(_ key: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        guard let current = kilobytes("VmRSS"), let peak = kilobytes("VmHWM") else { return nil }
        return (current * 1024, peak * 1024)
    }

    /// The machine's physical memory in bytes (sysconf's pages × page size),
    /// or the memory limit of the control group the process runs in when that is
    /// smaller (a container's); nil when neither is known.
    public static let physicalMemory: Int? = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        var total = pages > 0 && size > 0 ? pages * size : nil
        // cgroup v2's memory.max: a byte count, or "max" without a limit.
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
            total = min(total ?? limit, limit)
        }
        return total
    }()

    /// The most memory one command may take, in bytes (`set memory_limit`); nil: what the
    /// machine has free. Task-local: the shell binds it around each command it runs.
    @TaskLocal public static var memoryLimit: Int?

    /// Bytes this process may still take: physical memory less what it holds now,
    /// at most what the kernel counts available (/proc/meminfo's MemAvailable: other
    /// processes hold the rest) and at most `memoryLimit`; nil when none of these is known.
    public static func memoryAvailable() -> Int? {
        var free: Int?
        if let total = physicalMemory, let held = residentMemory()?.current { free = max(0, total - held) }
        if let available = kernelAvailable() { free = min(free ?? available, available) }
        if let memoryLimit { free = min(free ?? memoryLimit, memoryLimit) }
        return free
    }

    /// What `memoryAvailable()` gave, as a refusal says it: "the 3.2 GB this machine has
    /// free", or "the 512 MB one command may take (set memory_limit)".
    public static func room(_ available: Int) -> String {
        memoryLimit == available ? "the \(byteSize(available)) one command may take (set memory_limit)"
            : "the \(byteSize(available)) this machine has free"
    }

    /// MemAvailable of /proc/meminfo in bytes: what new work can take without swapping.
    static func kernelAvailable() -> Int? {
        guard let info = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kilobytes * 1024
    }

    /// A byte count for people, in binary units written as the rest of the tool writes them:
    /// "3.2 GB" from a gigabyte up, else "12 MB" or "1.5 MB", below a megabyte "96 KB".
    public static func byteSize(_ n: Int) -> String {
        let mb = Double(n) / Double(1 << 20)
        return mb >= 1024 ? String(format: "%.1f GB", mb / 1024) : mb >= 1 ? String(format: mb >= 10 ? "%.0f MB" : "%.1f MB", mb)
            : String(format: "%.0f KB", max(Double(n) / 1024, 1))
    }

    /// The CPU this process runs on.
    public static let cpu: CPU = {
        var raw = machine_cpu()
        machine_cpu_probe(&raw)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let flags: [(String, Bool)] = [
            ("sse3", raw.sse3), ("avx", raw.avx), ("fma", raw.fma), ("avx2", raw.avx2),
            ("avx512f", raw.avx512f), ("avx512dq", raw.avx512dq), ("avx512bw", raw.avx512bw),
            ("avx512vl", raw.avx512vl), ("avx512_bf16", raw.avx512bf16), ("amx", raw.amx),
        ]
        let name = text(raw.brand)
        return CPU(vendor: text(raw.vendor), name: name.isEmpty ? "unknown CPU" : name,
                   family: Int(raw.family), model: Int(raw.model), stepping: Int(raw.stepping),
                   features: flags.filter(\.1).map(\.0))
    }()

    /// GFLOP/s of fused multiply-adds kept in registers, at the CPU's widest
    /// vector, on `threads` threads at once: the most arithmetic the cores can
    /// do. The best of `repeats` runs of about `seconds` each.
    public static func fmaPeak(threads: Int, seconds: Double = 0.1, repeats: Int = 3) -> Double {
        let bits = Int32(cpu.vectorBits >= 256 ? cpu.vectorBits : 0)
        guard bits > 0 else { return .nan }
        let flopsPerRound = Double(12 * Int(bits) / 32 * 2)
        // Calibrate the rounds to the time asked for, on one thread.
        let probe = 1_000_000
        let probeTime = wallTime { _ = machine_fma_loop(bits, probe) }
        let rounds = max(probe, Int(Double(probe) * seconds / max(probeTime, 1e-6)))
        var best = 0.0
        for _ in 0..<repeats {
            let t = wallTime {
                onThreads(threads) { _ in _ = machine_fma_loop(bits, rounds) }
            }
            best = max(best, Double(threads) * Double(rounds) * flopsPerRound / t / 1e9)
        }
        return best
    }

    /// GB/s of a streaming read of `megabytes` (far beyond the caches) split over
    /// `threads` threads: the rate at which weights can reach the cores. The best
    /// of `repeats` reads.
    public static func readBandwidth(threads: Int, megabytes: Int = 256, repeats: Int = 3) -> Double {
        let count = megabytes << 18
        let buffer = FloatBuffer(count: count)
        buffer.pointer.update(repeating: 1, count: count)  // touch every page first
        let wide = cpu.has("avx2")
        var best = 0.0
        for _ in 0..<repeats {
            let t = wallTime {
                onThreads(threads) { part in
                    let lo = count * part / threads, hi = count * (part + 1) / threads
                    _ = machine_read_sum(buffer.pointer + lo, hi - lo, wide)
                }
            }
            best = max(best, Double(count * 4) / t / 1e9)
        }
        return best
    }

    /// Runs `body(i)` for i in 0..<threads, each on its own thread at once.
    private static func onThreads(_ threads: Int, _ body: (Int) -> Void) {
        WorkerPool.shared.run(chunks: threads, body)
    }

    /// Seconds `body` took on the wall clock.
    static func wallTime(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
