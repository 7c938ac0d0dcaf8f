import ArgumentParser
import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel

/// A benchmark shape: the model and its training batch.
struct BenchConfig {
    let name: String
    let model: GPTConfig
    let batch: Int, sequence: Int

    static let all = [
        BenchConfig(name: "tiny", model: .tiny, batch: 16, sequence: 128),
        BenchConfig(name: "small", model: .small, batch: 8, sequence: 256),
        // SmolLM2-135M's shape (HuggingFaceTB/SmolLM2-135M config.json), random weights.
        BenchConfig(name: "smol", model: .llama(layers: 30, heads: 9, keyValueHeads: 3, width: 576, mlpWidth: 1536,
                                                contextLength: 2048, vocabularySize: 49_152, ropeTheta: 100_000, tiedHead: true),
                    batch: 4, sequence: 128),
        // SmolLM2-360M's shape (HuggingFaceTB/SmolLM2-360M config.json).
        BenchConfig(name: "smol360", model: .llama(layers: 32, heads: 15, keyValueHeads: 5, width: 960, mlpWidth: 2560,
                                                   contextLength: 2048, vocabularySize: 49_152, ropeTheta: 100_000, tiedHead: true),
                    batch: 4, sequence: 128),
        // Qwen3-0.6B's shape (Qwen/Qwen3-0.6B config.json): per-head q/k norms, head_dim 128 (16 × 128 = 2048
        // query width against a 1024-wide residual stream), 8 KV heads, tied head.
        BenchConfig(name: "qwen3", model: {
            var c = GPTConfig.llama(layers: 28, heads: 16, keyValueHeads: 8, width: 1024, mlpWidth: 3072, contextLength: 40_960,
                                    vocabularySize: 151_936, normEpsilon: 1e-6, ropeTheta: 1_000_000, tiedHead: true, family: .qwen3)
            c.headDimension = 128
            return c
        }(), batch: 4, sequence: 128),
        // TinyLlama-1.1B's shape (TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json): untied head.
        BenchConfig(name: "tinyllama", model: .llama(layers: 22, heads: 32, keyValueHeads: 4, width: 2048, mlpWidth: 5632,
                                                     contextLength: 2048, vocabularySize: 32_000, ropeTheta: 10_000),
                    batch: 4, sequence: 128),
    ]
}

/// Timed runs of one config; each returns a rate.
final class Measurements {
    let config: BenchConfig
    let quick: Bool
    let model: GPT
    let tokens: [Int32], targets: [Int32], weights: [Float]

    /// With `bfloat16Only`, the random model is held in bfloat16 from the start (its f32
    /// draw freed), so that a bf16 run's peak memory is what a session loading a BF16 file holds.
    init(config: BenchConfig, quick: Bool, bfloat16Only: Bool = false) {
        self.config = config
        self.quick = quick
        let drawn = GPT(config: config.model, seed: 1)
        model = bfloat16Only ? drawn.converted(to: .bfloat16) : drawn
        var rng = Random(seed: 2)
        let n = config.batch * config.sequence, V = config.model.vocabularySize
        tokens = (0..<n).map { _ in Int32(rng.int(below: V)) }
        targets = (0..<n).map { _ in Int32(rng.int(below: V)) }
        weights = [Float](repeating: 1 / Float(n), count: n)
    }

    /// Floats of the position table (GPT-2's; none for the Llama family).
    var positionFloats: Int { model.layout.wpe == nil ? 0 : config.model.contextLength * config.model.width }

    /// Model FLOPs per trained token: 6·N + 12·L·C·T, N without the position table
    /// (the PaLM appendix B count, as nanoGPT's MFU estimate uses).
    var flopsPerToken: Double {
        let c = config.model
        let n = model.parameterCount - positionFloats
        return Double(6 * n + 12 * c.layers * c.width * config.sequence)
    }

    /// Bytes of weights a batch-1 decode step of `model` reads: every parameter (2 bytes
    /// when held in bfloat16, 4 otherwise) but the position table and an untied token
    /// embedding, of which it reads one row each.
    func weightBytesPerToken(_ model: GPT) -> Double {
        let c = config.model
        let tokenEmbedding = model.layout.specs[0].name  // first in every layout
        return Double(model.layout.specs.map { spec in
            let rowOnly = spec.name == tokenEmbedding ? !c.tiedHead : spec.role == .embedding
            return (rowOnly ? c.width : spec.count) * (spec.isBFloat16 ? 2 : 4)
        }.reduce(0, +))
    }

    /// GFLOP/s of `gemm` over the forward shapes of one training batch.
    func gemmRate() -> Double {
        let N = config.batch * config.sequence, C = config.model.width, V = config.model.vocabularySize
        let shape = config.model
        let shapes = [(N, shape.qkvWidth, C), (N, C, shape.attentionWidth), (N, shape.fcWidth, C), (N, C, shape.hidden), (N, V, C)]
        let maxFloats = shapes.map { max($0.0 * $0.2, $0.2 * $0.1, $0.0 * $0.1) }.max()!
        let a = FloatBuffer(count: maxFloats), b = FloatBuffer(count: maxFloats), c = FloatBuffer(count: maxFloats)
        var rng = Random(seed: 3)
        rng.fillNormal(a.pointer, maxFloats, std: 1)
        rng.fillNormal(b.pointer, maxFloats, std: 1)
        var flops = 0.0
        let rounds = quick ? 2 : 4
        let seconds = time {
            for _ in 0..<rounds {
                for (m, n, k) in shapes {
                    gemm(M: m, N: n, K: k, A: a.pointer, lda: k, B: b.pointer, ldb: n, C: c.pointer, ldc: n)
                    flops += 2 * Double(m * n * k)
                }
            }
        }
        return flops / seconds / 1e9
    }

    /// GB/s of weights streamed by the one-row products of a batch-1 decode step of
    /// `model`: every block's four matrices, then the LM head. The bound on batch-1 sampling.
    func decodeStreamRate(_ model: GPT) -> Double {
        let c = config.model, C = c.width
        let x = FloatBuffer(count: max(4 * C, c.hidden, c.attentionWidth)),
            y = FloatBuffer(count: max(4 * C, c.fcWidth, c.qkvWidth, c.vocabularySize))
        var bytes = 0.0
        let width = model.precision == .bfloat16 ? 2 : 4
        let rounds = quick ? 3 : 6
        let seconds = time {
            for _ in 0..<rounds {
                let outIn = c.architecture.layout == .outIn
                for o in model.layout.blocks {
                    for (offset, k, n) in [(o.qkvw, C, c.qkvWidth), (o.projw, c.attentionWidth, C), (o.fcw, C, c.fcWidth),
                                           (o.fcprojw, c.hidden, C)] {
                        gemm(transB: outIn, M: 1, N: n, K: k, A: x.pointer, lda: k, B: model.matrix(offset),
                             ldb: outIn ? k : n, C: y.pointer, ldc: n)
                        bytes += Double(width * k * n)
                    }
                }
                gemm(transB: true, M: 1, N: c.vocabularySize, K: C, A: x.pointer, lda: C,
                     B: model.matrix(model.layout.head ?? model.layout.wte), ldb: C, C: y.pointer, ldc: c.vocabularySize)
                bytes += Double(width * C * c.vocabularySize)
            }
        }
        return bytes / seconds / 1e9
    }

    /// The model, its base held in `precision`, with rank-16 adapters (α 32) on every linear layer of its blocks.
    func adapted(_ precision: Precision = .float32) -> GPT {
        model.converted(to: precision).withLoRA(LoRASettings(rank: 16, targets: LoRASettings.modules(config.model.family)), seed: 3)
    }

    /// Model FLOPs per token of LoRA training: the frozen base's forward and its
    /// inputs' gradients (4·N), the adapters' 6·N_a, attention's 12·L·C·T.
    func loraFlopsPerToken(_ lora: GPT) -> Double {
        let c = config.model
        let adapters = lora.layout.count - lora.layout.baseCount  // they come last in the binary32 buffer
        let base = lora.parameterCount - adapters - positionFloats
        return Double(4 * base + 6 * lora.trainableCount + 12 * c.layers * c.width * config.sequence)
    }

    /// A DPO step (Alignment's, as `dpo step` runs it) of 8 pairs whose prompt and
    /// response make 128 tokens, the policy with rank-16 adapters, the reference the
    /// base (held in `precision`, and with bf16 one copy of it shared by both); no KL
    /// samples. Returns a timer of one step in seconds.
    func dpoStep(_ precision: Precision = .float32) -> () -> Double {
        let tokenizer = byteTokenizer()
        var rng = Random(seed: 7)
        func text(_ n: Int) -> String { letters(n, &rng) }
        // <|user|> P <|assistant|> R <|end|>: 3 markers, 3 spaces, 60 + 62 letters = 128 tokens.
        let pairs = (0..<8).map { _ in
            PreferencePair(Comparison(prompt: text(60), chosen: text(62), rejected: text(62)), tokenizer: tokenizer, context: 128)
        }
        var settings = DPOSettings()
        settings.batchSize = 8
        settings.context = 128
        settings.klSamples = 0
        let base = model.converted(to: precision)
        let policy = base.withLoRA(LoRASettings(rank: 16, targets: LoRASettings.modules(config.model.family)), seed: 3)
        let dpo = DPO(policy: policy, reference: base, tokenizer: tokenizer, pairs: pairs, heldOut: [], settings: settings)
        var stepRNG = Random(seed: 8)
        _ = dpo.step(rng: &stepRNG)  // warm-up: activations and moments allocated
        return { time { _ = dpo.step(rng: &stepRNG) } }
    }

    /// Model FLOPs per sampled token through the KV cache: 2 per weight of the
    /// blocks and the head (embedding rows are read, not multiplied), and
    /// attention's 4·L·H·d·t over a context of t tokens, its mean over a
    /// sequence of `newTokens` from a one-token prompt.
    func sampleFlopsPerToken(newTokens: Int) -> Double {
        let c = config.model
        let embeddingFloats = c.vocabularySize * c.width + positionFloats
        let weights = model.parameterCount - embeddingFloats + c.vocabularySize * c.width  // the head multiplies
        let meanContext = Double(newTokens + 1) / 2 + 1
        return 2 * Double(weights) + 4 * Double(c.layers * c.attentionWidth) * meanContext
    }

    /// A GRPO step (Alignment's, as `grpo step` runs it): 8 prompts of 16
    /// tokens, 8 answers each of up to 128 new tokens at temperature 1, the
    /// policy with rank-16 adapters and the base as the reference, a rule
    /// reward (no model: what is timed is the policy's work); `minibatch`
    /// responses per update (0: one update of all 64). Returns a timer
    /// of one step in seconds and the mean answer length of the last.
    func grpoStep(_ precision: Precision = .float32, minibatch: Int = 0) throws -> () -> (seconds: Double, length: Double) {
        let tokenizer = byteTokenizer()
        var rng = Random(seed: 9)
        let prompts = (0..<64).map { _ in PromptItem(prompt: letters(14, &rng), unsafe: false) }
        var settings = GroupRLSettings()
        (settings.prompts, settings.groupSize) = (8, 8)
        settings.sampling = SamplingSettings(temperature: 1, maxNewTokens: 128)
        settings.learningRate = 1e-4
        settings.minibatchSize = minibatch
        let base = model.converted(to: precision)
        let policy = base.withLoRA(LoRASettings(rank: 16, targets: LoRASettings.modules(config.model.family)), seed: 3)
        let reward = Reward.format(FormatRule(pattern: try Pattern("^[a-m]")))
        let grpo = GroupRL(policy: policy, reference: base, tokenizer: tokenizer, reward: reward, prompts: prompts, settings: settings, judge: nil)
        var stepRNG = Random(seed: 10)
        _ = try? grpo.step(rng: &stepRNG)  // warm-up: activations and moments allocated
        return {
            var length = 0.0
            let seconds = time { length = (try? grpo.step(rng: &stepRNG))?.length ?? .nan }
            return (seconds, length)
        }
    }

    /// A byte tokenizer with the chat markers: one token per character, so lengths are exact.
    func byteTokenizer() -> BPETokenizer {
        let bytes = (0...255).map { String(Character(ByteLevel.scalar(for: UInt8($0)))) }
        let specials = BPETokenizer.SpecialToken.all
        return try! BPETokenizer(
            vocabulary: Dictionary(uniqueKeysWithValues: bytes.enumerated().map { ($1, Int32($0)) }), merges: [],
            specialTokens: Dictionary(uniqueKeysWithValues: specials.enumerated().map { ($1, Int32(256 + $0)) }))
    }

    /// `n` random lower-case letters.
    func letters(_ n: Int, _ rng: inout Random) -> String {
        String((0..<n).map { _ in Character(UnicodeScalar(UInt8(97 + rng.int(below: 26)))) })
    }

    /// Trained tokens per second: forward, loss, backward and AdamW.
    func trainingRate(_ model: GPT? = nil) -> Double {
        let model = model ?? self.model
        let optimizer = model.optimizer()
        func step() {
            model.zeroGradients()
            model.forward(tokens: tokens, B: config.batch, T: config.sequence, head: .chunked)
            _ = model.languageModelLoss(targets: targets, weights: weights, backward: true)
            model.backward()
            optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer)
        }
        step()  // warm-up: activations and moments allocated
        let steps = quick ? 2 : 4
        let seconds = time { for _ in 0..<steps { step() } }
        return Double(steps * config.batch * config.sequence) / seconds
    }

    /// Sampled tokens per second through the KV cache: a one-token prompt per
    /// sequence and up to 128 new tokens (fewer if the context is shorter).
    func samplingRate(_ model: GPT, batch: Int) -> Double {
        let newTokens = min(128, config.model.contextLength - 1)
        let prompts = (0..<batch).map { [Int32($0 % config.model.vocabularySize)] }
        var rng = Random(seed: 5)
        let settings = SamplingSettings(temperature: 1, maxNewTokens: newTokens)
        var produced = 0
        let seconds = time {
            produced = model.generate(prompts: prompts, settings: settings, rng: &rng).map(\.tokens.count).reduce(0, +)
        }
        return Double(produced) / seconds
    }
}

/// The peak resident memory, in MiB, of `rlhf` loading the model folder `directory`
/// and its `info` memory row, run as a child process: what loading costs, apart
/// from this one. The child reports its own peak (`about`): rusage's figure for a
/// child includes the parent's memory at the fork.
func loadResidentMiB(_ directory: URL) throws -> (peak: String, info: String) {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rlhf")
    let process = Process()
    process.executableURL = binary
    process.arguments = ["-c", "load model m \(directory.path)\ninfo m\nabout"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    // info's memory row ("memory  690.2 MiB"), then about's ("memory  735 MiB resident, at most 735 MiB so far").
    let rows = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { $0.hasPrefix("memory ") }.map { $0.dropFirst("memory".count).trimmingCharacters(in: .whitespaces) }
    guard rows.count == 2, let peak = rows[1].components(separatedBy: "at most ").last?.components(separatedBy: " MiB").first else {
        throw ValidationError("rlhf did not report its memory:\n\(output)")
    }
    return (peak, rows[0])
}

/// Wall-clock seconds taken by `body`.
func time(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
