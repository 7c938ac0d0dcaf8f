import ArgumentParser
import Foundation
import Kernels
import LanguageModel

/// `rlhf-bench`: the engine's speed on this machine, one table per run.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rlhf-bench",
        abstract: "Measure GEMM, training and sampling speed of the engine.",
        discussion: """
            Reference configs: tiny (4 layers, 4 heads, width 256, context 128, vocab 512, \
            batch 16x128), small (6/6/384, context 256, vocab 8192, batch 8x256) and smol \
            (SmolLM2-135M's shape: the Llama family's blocks, 30 layers, 9 heads, 3 KV heads, \
            width 576, MLP 1536, vocab 49,152, tied head; batch 4x128; f32 weights). Each figure \
            is the median of several repeats, 1- and 2-thread runs interleaved. Build with -c release.
            """)

    @Flag(help: "A short run: fewer steps and repeats.")
    var quick = false

    @Option(help: "Repeats per measurement (median reported).")
    var repeats: Int?

    @Option(help: "Thread counts to measure, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Configs to measure: tiny, small, smol, comma-separated.")
    var configs: String = "tiny,small"

    @Option(help: "Sampling batch sizes, comma-separated.")
    var batches: String = "1,16"

    @Option(help: "What to measure, comma-separated: train (with sgemm), sample, lora (training rank-16 adapters on every linear layer), dpo (one DPO step of 8 pairs of 128 tokens, LoRA rank 16).")
    var measures: String = "train,sample"

    mutating func run() throws {
        let wanted = Set(measures.split(separator: ",").map(String.init))
        guard !wanted.isEmpty, wanted.isSubset(of: ["train", "sample", "lora", "dpo"]) else {
            throw ValidationError("--measures expects train, sample, lora and/or dpo (got \(measures))")
        }
        let threadCounts = try threads.split(separator: ",").map { part -> Int in
            guard let n = Int(part), n >= 1, n <= 64 else {
                throw ValidationError("--threads expects positive integers such as 1,2 (got \(part))")
            }
            return n
        }
        let chosen = try configs.split(separator: ",").map { name -> BenchConfig in
            guard let c = BenchConfig.all.first(where: { $0.name == name }) else {
                throw ValidationError("--configs expects tiny, small and/or smol (got \(name))")
            }
            return c
        }
        let batchSizes = try batches.split(separator: ",").map { part -> Int in
            guard let n = Int(part), n >= 1, n <= 256 else {
                throw ValidationError("--batches expects batch sizes from 1 to 256 such as 1,16 (got \(part))")
            }
            return n
        }
        let reps = repeats ?? (quick ? 3 : 5)
        print("cpu:     \(Machine.cpu.summary); \(ProcessInfo.processInfo.activeProcessorCount) cores online")
        print("blas:    \(BLAS.status.summary) (\(BLAS.status.library))")
        print("kernels: Swift SIMD, compiled for this CPU (-target-cpu native)")
        if let problem = BLAS.status.mismatch(on: Machine.cpu) { print("warning: \(problem)") }
        var table = ResultTable(threads: threadCounts)
        for config in chosen {
            let measure = Measurements(config: config, quick: quick)
            if wanted.contains("train") {
            // The FMA peak is measured beside each repeat, so that a slow minute
            // of the host lowers the peak and the rate together.
            let peakRow = "FMA peak GFLOP/s (\(Machine.cpu.vectorBits)-bit)"
            for _ in 0..<reps {
                for t in threadCounts {
                    Parallel.threads = t
                    table.add(peakRow, t, Machine.fmaPeak(threads: t, seconds: 0.1, repeats: 1))
                    table.add("sgemm GFLOP/s at \(config.name)'s shapes", t, measure.gemmRate())
                }
            }
            for _ in 0..<reps {
                for t in threadCounts {
                    Parallel.threads = t
                    let rate = measure.trainingRate()
                    table.add("train \(config.name) tok/s", t, rate)
                    table.add(peakRow, t, Machine.fmaPeak(threads: t, seconds: 0.1, repeats: 1))
                }
            }
            for t in threadCounts {
                let train = table.median("train \(config.name) tok/s", t) * measure.flopsPerToken / 1e9
                table.add("train \(config.name) MFU vs FMA peak %", t, 100 * train / table.median(peakRow, t))
                table.add("train \(config.name) MFU vs sgemm %", t, 100 * train / table.median("sgemm GFLOP/s at \(config.name)'s shapes", t))
            }
            table.note("peak RSS after training \(config.name): \(peakResidentMiB()) MiB "
                + "(model, gradients, AdamW moments and activations: \(measure.model.byteCount >> 20) MiB)")
            }
            if wanted.contains("lora") {
            let peakRow = "FMA peak GFLOP/s (\(Machine.cpu.vectorBits)-bit)"
            let lora = measure.adapted()
            for _ in 0..<reps {
                for t in threadCounts {
                    Parallel.threads = t
                    table.add("train \(config.name) LoRA r16 tok/s", t, measure.trainingRate(lora))
                    table.add(peakRow, t, Machine.fmaPeak(threads: t, seconds: 0.1, repeats: 1))
                }
            }
            for t in threadCounts {
                let rate = table.median("train \(config.name) LoRA r16 tok/s", t) * measure.loraFlopsPerToken(lora) / 1e9
                table.add("train \(config.name) LoRA r16 MFU vs FMA peak %", t, 100 * rate / table.median(peakRow, t))
            }
            table.note("LoRA r16 on \(config.name): \(lora.trainableCount) of \(lora.parameterCount) parameters train; "
                + "peak RSS \(peakResidentMiB()) MiB")
            }
            if wanted.contains("dpo") {
            let step = measure.dpoStep()
            for _ in 0..<reps {
                for t in threadCounts {
                    Parallel.threads = t
                    table.add("dpo step \(config.name) LoRA r16, 8 pairs x 128 tokens, ms", t, 1000 * step())
                }
            }
            }
            if wanted.contains("sample") {
            for _ in 0..<reps {
                for t in threadCounts {
                    Parallel.threads = t
                    table.add("read bandwidth GB/s (256 MB)", t, Machine.readBandwidth(threads: t, repeats: 1))
                    table.add("decode weights GB/s \(config.name) (batch 1)", t, measure.decodeStreamRate())
                }
            }
            for batch in batchSizes {
                for _ in 0..<reps {
                    for t in threadCounts {
                        Parallel.threads = t
                        table.add("sample \(config.name) batch \(batch) tok/s", t, measure.samplingRate(batch: batch))
                    }
                }
                guard batch == 1 else { continue }
                // Batch 1 streams every weight once per token: its bound is the bandwidth.
                for t in threadCounts {
                    let streamed = table.median("sample \(config.name) batch 1 tok/s", t) * measure.weightBytesPerToken / 1e9
                    table.add("sample \(config.name) batch 1 vs bandwidth %", t,
                              100 * streamed / table.median("read bandwidth GB/s (256 MB)", t))
                }
            }
            }
        }
        table.note("peak RSS overall: \(peakResidentMiB()) MiB")
        print(table.render(repeats: reps))
    }
}

/// Peak resident set size of this process so far, in MiB.
func peakResidentMiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024  // kilobytes on Linux
}
