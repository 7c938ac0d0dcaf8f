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
            width 576, MLP 1536, vocab 49,152, tied head; batch 4x128), smol360 (SmolLM2-360M's), \
            qwen3 (Qwen3-0.6B's: head_dim 128, q/k norms) and tinyllama (TinyLlama-1.1B's); random weights, f32 unless --dtypes says bf16. Each figure \
            is the median of several repeats, 1- and 2-thread runs interleaved. Build with -c release.
            """)

    @Flag(help: "A short run: fewer steps and repeats.")
    var quick = false

    @Option(help: "Repeats per measurement (median reported).")
    var repeats: Int?

    @Option(help: "Thread counts to measure, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Configs to measure: tiny, small, smol, smol360, qwen3, tinyllama, comma-separated.")
    var configs: String = "tiny,small"

    @Option(help: "Sampling batch sizes, comma-separated.")
    var batches: String = "1,16"

    @Option(help: "What to measure, comma-separated: train (with sgemm), sample, lora (training rank-16 adapters on every linear layer), dpo (one DPO step of 8 pairs of 128 tokens, LoRA rank 16), grpo (one GRPO step of 8 prompts × 8 answers of up to 128 tokens, LoRA rank 16), memory (peak RSS of rlhf loading the model saved in bf16).")
    var measures: String = "train,sample"

    @Option(help: "Responses per update of the GRPO step (grpo's minibatch=; 0: all 64 in one update, its default). A smaller one holds fewer activations.")
    var grpoMinibatch: Int = 0

    @Option(help: "How sampling, LoRA and DPO hold the base's weight matrices: f32, bf16, comma-separated.")
    var dtypes: String = "f32"

    mutating func run() throws {
        let wanted = Set(measures.split(separator: ",").map(String.init))
        guard !wanted.isEmpty, wanted.isSubset(of: ["train", "sample", "lora", "dpo", "grpo", "memory"]) else {
            throw ValidationError("--measures expects train, sample, lora, dpo, grpo and/or memory (got \(measures))")
        }
        let precisions = try dtypes.split(separator: ",").map { part -> Precision in
            guard let p = Precision(rawValue: String(part)) else { throw ValidationError("--dtypes expects f32 and/or bf16 (got \(part))") }
            return p
        }
        let threadCounts = try threads.split(separator: ",").map { part -> Int in
            guard let n = Int(part), n >= 1, n <= 64 else {
                throw ValidationError("--threads expects positive integers such as 1,2 (got \(part))")
            }
            return n
        }
        let chosen = try configs.split(separator: ",").map { name -> BenchConfig in
            guard let c = BenchConfig.all.first(where: { $0.name == name }) else {
                throw ValidationError("--configs expects \(BenchConfig.all.map(\.name).joined(separator: ", ")) (got \(name))")
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
        print("bf16:    \(BFloat16Products.summary)")
        if let problem = BLAS.status.mismatch(on: Machine.cpu) { print("warning: \(problem)") }
        var table = ResultTable(threads: threadCounts)
        for config in chosen {
            // Full training needs the f32 model; otherwise a bf16-only run holds no f32 copy.
            let measure = Measurements(config: config, quick: quick,
                                       bfloat16Only: precisions == [.bfloat16] && !wanted.contains("train"))
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
            let estimate = measure.model.layout.parameterBytes + measure.model.trainingMemory(B: config.batch, T: config.sequence).total
            table.note("peak RSS after training \(config.name): \(peakResidentMiB()) MiB "
                + "(model, gradients, AdamW moments and activations: \(measure.model.byteCount >> 20) MiB; estimated before: \(estimate >> 20) MiB)")
            }
            if wanted.contains("lora") {
            let peakRow = "FMA peak GFLOP/s (\(Machine.cpu.vectorBits)-bit)"
            for precision in precisions {
            let lora = measure.adapted(precision)
            let row = "train \(config.name) LoRA r16\(label(precision))"
            for _ in 0..<reps {
                for t in threadCounts {
                    Parallel.threads = t
                    table.add("\(row) tok/s", t, measure.trainingRate(lora))
                    table.add(peakRow, t, Machine.fmaPeak(threads: t, seconds: 0.1, repeats: 1))
                }
            }
            for t in threadCounts {
                let rate = table.median("\(row) tok/s", t) * measure.loraFlopsPerToken(lora) / 1e9
                table.add("\(row) MFU vs FMA peak %", t, 100 * rate / table.median(peakRow, t))
                // bf16 dot-product instructions (VDPBF16PS, AMX) are rated at twice the FMA peak: two
                // products per lane where the FMA has one (AMX's own peak is far higher).
                if precision == .bfloat16 && BFloat16Products.native.kernel != .widened {
                    table.add("\(row) MFU vs bf16 peak (2x FMA) %", t, 50 * rate / table.median(peakRow, t))
                }
            }
            // What the training commands estimate before a step: the base model's parameters (held already) and the step's.
            let estimate = lora.layout.parameterBytes + lora.trainingMemory(B: config.batch, T: config.sequence).total
            table.note("LoRA r16 on \(config.name)\(label(precision)): \(lora.trainableCount) of \(lora.parameterCount) parameters train; "
                + "peak RSS \(peakResidentMiB()) MiB; the model holds \(lora.byteCount >> 20) MiB, estimated before: \(estimate >> 20) MiB")
            }
            }
            if wanted.contains("dpo") {
            for precision in precisions {
            let step = measure.dpoStep(precision)
            for _ in 0..<reps {
                for t in threadCounts {
                    Parallel.threads = t
                    table.add("dpo step \(config.name)\(label(precision)) LoRA r16, 8 pairs x 128 tokens, ms", t, 1000 * step())
                }
            }
            table.note("dpo\(label(precision)) on \(config.name): peak RSS so far \(peakResidentMiB()) MiB")
            }
            }
            if wanted.contains("grpo") {
            for precision in precisions {
            let step = try measure.grpoStep(precision, minibatch: grpoMinibatch)
            var lengths: [Double] = []
            for _ in 0..<reps {
                for t in threadCounts {
                    Parallel.threads = t
                    let (seconds, length) = step()
                    table.add("grpo step \(config.name)\(label(precision)) LoRA r16, 8 x 8 answers x 128 tokens"
                              + (grpoMinibatch > 0 ? ", minibatch \(grpoMinibatch)" : "") + ", s", t, seconds)
                    lengths.append(length)
                }
            }
            table.note(String(format: "grpo\(label(precision)) on \(config.name): mean answer %.1f tokens; peak RSS so far %d MiB",
                              lengths.reduce(0, +) / Double(lengths.count), peakResidentMiB()))
            }
            }
            if wanted.contains("sample") {
            for precision in precisions {
            let model = measure.model.converted(to: precision)
            let name = config.name + label(precision)
            for _ in 0..<reps {
                for t in threadCounts {
                    Parallel.threads = t
                    table.add("read bandwidth GB/s (256 MB)", t, Machine.readBandwidth(threads: t, repeats: 1))
                    table.add("decode weights GB/s \(name) (batch 1)", t, measure.decodeStreamRate(model))
                }
            }
            for batch in batchSizes {
                for _ in 0..<reps {
                    for t in threadCounts {
                        Parallel.threads = t
                        table.add("sample \(name) batch \(batch) tok/s", t, measure.samplingRate(model, batch: batch))
                    }
                }
                // Against the FMA peak: what batching can reach once the weights are reused across the batch.
                for t in threadCounts {
                    let flops = table.median("sample \(name) batch \(batch) tok/s", t) * measure.sampleFlopsPerToken(newTokens: min(128, config.model.contextLength - 1)) / 1e9
                    table.add("sample \(name) batch \(batch) vs FMA peak %", t, 100 * flops / Machine.fmaPeak(threads: t, seconds: 0.1, repeats: 3))
                }
                guard batch == 1 else { continue }
                // Batch 1 streams every weight once per token: its bound is the bandwidth.
                for t in threadCounts {
                    let streamed = table.median("sample \(name) batch 1 tok/s", t) * measure.weightBytesPerToken(model) / 1e9
                    table.add("sample \(name) batch 1 vs bandwidth %", t,
                              100 * streamed / table.median("read bandwidth GB/s (256 MB)", t))
                }
            }
            }
            }
            if wanted.contains("memory") {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rlhf-bench-\(config.name)-\(getpid())")
            defer { try? FileManager.default.removeItem(at: folder) }
            try measure.model.converted(to: .bfloat16).save(to: folder)
            let size = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("model.safetensors").path)[.size] as? Int) ?? 0
            let (peak, info) = try loadResidentMiB(folder)
            table.note("load \(config.name) (\(formatCount(measure.model.parameterCount)) parameters) from BF16 "
                + "(\(size >> 20) MiB file): peak RSS of rlhf \(peak) MiB (info's model memory: \(info))")
            }
        }
        table.note("peak RSS overall: \(peakResidentMiB()) MiB")
        print(table.render(repeats: reps))
    }
}

/// How a row names a precision: nothing for f32, " bf16" for bf16.
func label(_ precision: Precision) -> String { precision == .bfloat16 ? " bf16" : "" }

/// "1.1B", "362M": a parameter count in short.
func formatCount(_ n: Int) -> String {
    n >= 1_000_000_000 ? String(format: "%.2fB", Double(n) / 1e9) : String(format: "%.0fM", Double(n) / 1e6)
}

/// Peak resident set size of this process so far, in MiB.
func peakResidentMiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024  // kilobytes on Linux
}
