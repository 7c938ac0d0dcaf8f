import Foundation
import FuzzTargets
import Kernels
#if canImport(Glibc)
import Glibc
#endif

// rlhf-fuzz: a seeded mutation fuzzer for the readers of outside input (Swift's
// `-sanitize=fuzzer` needs every module rebuilt with coverage in a build of its
// own; this one runs in the normal release build, in CI, and replays exactly
// from its seed). Each input that crashes or hangs the process is written to
// .build/fuzz/TARGET.crash before the process ends, to become a regression test.
//
//   rlhf-fuzz TARGET|all [RUNS] [SEED]      (from the repository's root)

/// The input being run, for the crash handler (which may only call async-signal-safe functions).
nonisolated(unsafe) var current: UnsafeMutablePointer<UInt8> = .allocate(capacity: 1)
nonisolated(unsafe) var currentCount = 0
nonisolated(unsafe) var crashFile: Int32 = -1

func onCrash(_ signal: Int32) {
    if crashFile >= 0 {
        _ = ftruncate(crashFile, 0)
        _ = pwrite(crashFile, current, currentCount, 0)
        _ = fsync(crashFile)
    }
    let message = signal == SIGALRM ? "rlhf-fuzz: an input ran past 10 s (a hang); it is in the .crash file\n"
        : "rlhf-fuzz: an input crashed the process (signal \(signal)); it is in the .crash file\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    _exit(3)
}

let arguments = CommandLine.arguments.dropFirst()
guard let which = arguments.first else {
    print("usage: rlhf-fuzz TARGET|all [RUNS] [SEED]; targets: \(FuzzTarget.names.joined(separator: ", "))")
    exit(2)
}
let runs = arguments.dropFirst().first.flatMap { Int($0) } ?? 10_000
let seed = arguments.dropFirst(2).first.flatMap { UInt64($0) } ?? 1
let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
let scratch = root.appendingPathComponent(".build/fuzz")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
for s in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGALRM] { signal(s, onCrash) }
Parallel.threads = 1

for name in which == "all" ? FuzzTarget.names : [which] {
    let target: FuzzTarget
    do { target = try FuzzTarget.named(name, root: root, scratch: scratch) } catch {
        FileHandle.standardError.write(Data("rlhf-fuzz: \(error)\n".utf8))
        exit(2)
    }
    crashFile = open(scratch.appendingPathComponent("\(name).crash").path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    var mutator = Mutator(rng: Random(seed: seed), seeds: target.seeds, dictionary: target.dictionary)
    var refused = 0, slowest = 0.0
    let start = Date()
    for i in 0..<runs {
        let input = i < target.seeds.count ? target.seeds[i] : mutator.next()  // every seed once, then mutants
        current.deallocate()
        current = .allocate(capacity: max(1, input.count))
        current.initialize(from: input, count: input.count)
        currentCount = input.count
        alarm(10)
        let began = DispatchTime.now().uptimeNanoseconds
        do { try target.run(input) } catch { refused += 1 }
        slowest = max(slowest, Double(DispatchTime.now().uptimeNanoseconds - began) / 1e6)
        alarm(0)
    }
    close(crashFile)
    try? FileManager.default.removeItem(at: scratch.appendingPathComponent("\(name).crash"))  // nothing crashed
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "%@: %d inputs (seed %llu), %d refused with an error, %d accepted; no crash, no hang; slowest %.1f ms; %.0f inputs/s",
                 name, runs, seed, refused, runs - refused, slowest, Double(runs) / max(seconds, 1e-9)))
}
