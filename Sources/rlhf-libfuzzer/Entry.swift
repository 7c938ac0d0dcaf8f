import Foundation
import FuzzTargets

// rlhf-libfuzzer: the fuzz targets (FuzzTargets) under libFuzzer's coverage-guided
// search. Built by `scripts/fuzz --libfuzzer`, which compiles every module with
// `-sanitize=fuzzer` so that libFuzzer sees which branches an input reaches and
// keeps the inputs that reach new ones; libFuzzer supplies `main`. The target is
// named by RLHF_FUZZ_TARGET; the repository is the working directory. Its seeds
// start the corpus in .build/fuzz/corpus-TARGET the first time.

/// The target being fuzzed, made once in `LLVMFuzzerInitialize`.
nonisolated(unsafe) var target: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> CInt {
    let name = ProcessInfo.processInfo.environment["RLHF_FUZZ_TARGET"] ?? ""
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    let scratch = root.appendingPathComponent(".build/fuzz")
    do {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let made = try FuzzTarget.named(name, root: root, scratch: scratch)
        let corpus = scratch.appendingPathComponent("corpus-\(name)")
        if !FileManager.default.fileExists(atPath: corpus.path) {
            try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
            for (i, seed) in made.seeds.enumerated() { try Data(seed).write(to: corpus.appendingPathComponent("seed-\(i)")) }
        }
        target = made
    } catch {
        FileHandle.standardError.write(Data("rlhf-libfuzzer: set RLHF_FUZZ_TARGET to one of \(FuzzTarget.names.joined(separator: ", ")) (\(error))\n".utf8))
        exit(2)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    _ = try? target?.run(input)  // a refusal is the expected outcome; a crash or a hang is what libFuzzer looks for
    return 0
}
