import Foundation
import Kernels
@testable import LanguageModel
import Testing

/// Models held in bfloat16: with `set bf16 exact`, the same numbers as a binary32
/// model holding the same (rounded) values, in every pass; natively (the CPU's
/// bfloat16 instructions, activations rounded), close to those at bfloat16's
/// precision, gradients too; LoRA on a bfloat16 base; copies that share the
/// matrices; BF16 files written and read back.
@Suite(.serialized) struct PrecisionTests {
    /// Runs `body` with bfloat16 products computed as `compute` (and `kernel`, when native).
    static func computing<R>(_ compute: BFloat16Compute, kernel: BFloat16Kernel? = nil, _ body: () throws -> R) rethrows -> R {
        let saved = (BFloat16Products.compute, BFloat16Products.forced)
        defer { (BFloat16Products.compute, BFloat16Products.forced) = saved }
        BFloat16Products.compute = compute
        BFloat16Products.forced = kernel
        return try body()
    }

    /// The native kernels this CPU runs.
    static let nativeKernels = BFloat16Kernel.allCases.filter { $0 != .widened && $0.runs(on: Machine.cpu) }

    static let configs: [GPTConfig] = ModelGradientTests.llamaConfigs + [
        ModelGradientTests.config,
        // Wide enough for the vector loops and for more than one block of columns.
        .llama(layers: 1, heads: 4, keyValueHeads: 2, width: 64, mlpWidth: 96, contextLength: 16, vocabularySize: 70),
        GPTConfig(layers: 1, heads: 2, width: 48, contextLength: 16, vocabularySize: 70),
    ]

    /// A random model held in bfloat16, and the binary32 model of the very same values.
    static func pair(_ config: GPTConfig) -> (half: GPT, wide: GPT) {
        let half = ModelGradientTests.model(scalarHead: false, config: config).converted(to: .bfloat16)
        return (half, half.converted(to: .float32))
    }

    static func tokens(_ config: GPTConfig, _ n: Int, seed: UInt64) -> [Int32] {
        var rng = Random(seed: seed)
        return (0..<n).map { _ in Int32(rng.int(below: config.vocabularySize)) }
    }

    static func logits(_ model: GPT, _ tokens: [Int32], B: Int) -> [Float] {
        model.forward(tokens: tokens, B: B, T: tokens.count / B)
        return Array(UnsafeBufferPointer(start: model.logits, count: tokens.count * model.config.vocabularySize))
    }

    @Test(arguments: 0..<5)
    func forwardComputesWithTheWidenedValues(index: Int) { Self.computing(.exact) {
        Parallel.threads = 2
        let config = Self.configs[index]
        let (half, wide) = Self.pair(config)
        #expect(half.precision == .bfloat16 && wide.precision == .float32)
        #expect(half.parameterCount == wide.parameterCount && half.layout.bfloat16Count > 0 && wide.layout.bfloat16Count == 0)
        for spec in half.layout.specs where spec.isBFloat16 {  // the matrices widen exactly, and the rest is copied
            let w = wide.layout[spec.name]!
            #expect((0..<spec.count).allSatisfy { BFloat16.float(half.bfloat16Weights!.pointer[spec.offset + $0]) == wide.parameters[w.offset + $0] })
        }
        let T = config.contextLength, tokens = Self.tokens(config, 2 * T, seed: 9)
        let a = Self.logits(half, tokens, B: 2), b = Self.logits(wide, tokens, B: 2)
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5, "\(config): \(worst)")
    } }

    /// The cached pass (one sequence: the streaming product; three: the blocked one) against the binary32 model's.
    @Test(arguments: 0..<5)
    func cachedPassComputesWithTheWidenedValues(index: Int) { Self.computing(.exact) {
        Parallel.threads = 2
        let config = Self.configs[index]
        let (half, wide) = Self.pair(config)
        for slots in [1, 3] {
            let caches = [KVCache(config: config, slots: slots, capacity: config.contextLength),
                          KVCache(config: config, slots: slots, capacity: config.contextLength)]
            var worst: Float = 0
            for position in 0..<config.contextLength {
                let tokens = Self.tokens(config, slots, seed: UInt64(position))
                let logits = zip([half, wide], caches).map { model, cache in
                    Array(UnsafeBufferPointer(start: model.forwardCached(
                        tokens: tokens, slots: (0..<slots).map(Int32.init), positions: Array(repeating: Int32(position), count: slots),
                        logitRows: Array(0..<slots), cache: cache), count: slots * config.vocabularySize))
                }
                worst = max(worst, zip(logits[0], logits[1]).map { abs($0 - $1) }.max()!)
            }
            #expect(worst <= 1e-4, "\(config), \(slots) slots: \(worst)")
        }
    } }

    /// Adapters on a bfloat16 base: the same gradients as on the binary32 base of the same
    /// values, checked against central differences too; the base has no gradient buffer entries.
    @Test(arguments: [0, 2, 3])
    func adaptersTrainOnABFloat16Base(index: Int) { Self.computing(.exact) {
        Parallel.threads = 2
        let config = Self.configs[index]
        let (half, wide) = Self.pair(config)
        let settings = LoRASettings(rank: 2, alpha: 3, targets: LoRASettings.modules(config.family))
        let models = [half.withLoRA(settings, seed: 5), wide.withLoRA(settings, seed: 5)]
        #expect(models[0].bfloat16Weights === half.bfloat16Weights, "adapters on a bfloat16 base share its matrices")
        var rng = Random(seed: 17)
        let randomAdapters = (0..<models[0].trainableCount).map { _ in Float(rng.normal() * 0.3) }
        let T = config.contextLength, tokens = Self.tokens(config, 2 * T, seed: 4), targets = Self.tokens(config, 2 * T, seed: 5)
        let weights = [Float](repeating: 1, count: 2 * T)
        var gradients: [[Float]] = []
        for model in models {
            var k = 0
            for spec in model.layout.specs where spec.role.trainsWithAdapters {
                for i in 0..<spec.count { model.parameters[spec.offset + i] = randomAdapters[k]; k += 1 }
            }
            func loss() -> Double {
                model.forward(tokens: tokens, B: 2, T: T)
                return Double(model.languageModelLoss(targets: targets, weights: weights, backward: false))
            }
            model.forward(tokens: tokens, B: 2, T: T)
            _ = model.languageModelLoss(targets: targets, weights: weights, backward: true)
            model.zeroGradients()
            model.backward()
            #expect(ModelGradientTests.check(model, loss, elements: 6, only: { $0.role.trainsWithAdapters }) < 2e-2)
            gradients.append(model.layout.specs.filter(\.role.trainsWithAdapters).flatMap { spec in
                (0..<spec.count).map { model.gradients[spec.offset + $0] }
            })
        }
        let worst = zip(gradients[0], gradients[1]).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-4 * (gradients[1].map(abs).max()! + 1), "\(worst)")
        let merged = models[0].merged()
        #expect(merged.precision == .float32 && merged.lora == nil, "folding adapters in widens the base")
    } }

    /// Copies share the bfloat16 matrices (nothing writes them); widening and narrowing
    /// again gives the same bits; an optimiser is refused without adapters (a programmer error, not tested here).
    @Test func copiesShareTheMatrices() {
        let (half, wide) = Self.pair(Self.configs[0])
        #expect(half.copy().bfloat16Weights === half.bfloat16Weights)
        let again = wide.converted(to: .bfloat16)
        #expect(again.bfloat16Weights !== half.bfloat16Weights)
        #expect(Array(UnsafeBufferPointer(start: again.bfloat16Weights!.pointer, count: again.layout.bfloat16Count))
                == Array(UnsafeBufferPointer(start: half.bfloat16Weights!.pointer, count: half.layout.bfloat16Count)))
        #expect(half.converted(to: .bfloat16) === half)
        let rewarded = GPT(scalarHeadOn: half, seed: 1)
        #expect(rewarded.precision == .bfloat16 && rewarded.hasScalarHead)
        let back = GPT(languageModelFrom: rewarded)
        #expect(back.precision == .bfloat16 && back.parameterCount == half.parameterCount)
    }

    static func halves(_ model: GPT) -> [UInt16] {
        Array(UnsafeBufferPointer(start: model.bfloat16Weights!.pointer, count: model.layout.bfloat16Count))
    }

    /// A bfloat16 model saves its matrices as BF16 (and config.json says bfloat16); loading
    /// gives the same bits, or, asked for f32, the widened values; an F32 file asked for bf16 rounds.
    @Test(arguments: [1, 2, 3])
    func savesAndLoadsBF16(index: Int) throws {
        let (half, wide) = Self.pair(Self.configs[index])
        let dir = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(dir) }
        try half.save(to: dir.appendingPathComponent("half"))
        try ModelGradientTests.model(scalarHead: false, config: Self.configs[index]).save(to: dir.appendingPathComponent("full"))
        let file = try SafetensorsFile.open(dir.appendingPathComponent("half/model.safetensors"))
        for spec in half.layout.specs {
            #expect(file.tensors[spec.name.replacingOccurrences(of: "transformer.", with: "")]?.dtype ?? file.tensors[spec.name]?.dtype
                    == (spec.isBFloat16 ? .bfloat16 : .float32), "\(spec.name)")
        }
        let config = try String(contentsOf: dir.appendingPathComponent("half/config.json"), encoding: .utf8)
        #expect(config.contains("\"torch_dtype\" : \"bfloat16\""))
        let back = try GPT.load(from: dir.appendingPathComponent("half"))
        #expect(back.precision == .bfloat16 && Self.halves(back) == Self.halves(half) && back.parameters.array == half.parameters.array)
        let widened = try GPT.load(from: dir.appendingPathComponent("half"), precision: .float32)
        #expect(widened.precision == .float32 && widened.parameters.array == wide.parameters.array)
        let rounded = try GPT.load(from: dir.appendingPathComponent("full"), precision: .bfloat16)
        #expect(Self.halves(rounded) == Self.halves(half))
        #expect(try GPT.load(from: dir.appendingPathComponent("full")).precision == .float32)
    }

    /// transformers' BF16 Llama file loads held in bfloat16 and gives transformers' logits
    /// (computed in float32 from the same values); an F32 file loads in float32.
    /// Natively, logits are within bfloat16's precision of the exact ones (activations
    /// carry 8 significant bits into every product), the same for one and two threads,
    /// and not equal to them: the kernel ran.
    @Test(arguments: nativeKernels)
    func nativeForwardIsCloseToExact(kernel: BFloat16Kernel) {
        for config in Self.configs {
            let half = Self.pair(config).half
            let T = config.contextLength, tokens = Self.tokens(config, 2 * T, seed: 9)
            let exact = Self.computing(.exact) { Self.logits(half, tokens, B: 2) }
            let native = (1...2).map { threads in
                Self.computing(.native, kernel: kernel) { Parallel.threads = threads; return Self.logits(half, tokens, B: 2) }
            }
            #expect(native[0] == native[1], "\(kernel): the thread count changed the numbers")
            #expect(native[1] != exact, "\(kernel) computed exactly: did it run?")
            let scale = (exact.map { Double($0 * $0) }.reduce(0, +) / Double(exact.count)).squareRoot()
            let worst = zip(native[1], exact).map { Double(abs($0 - $1)) }.max()! / scale
            print("\(kernel) \(config.family): logits within \(worst) of exact, relative to their rms \(scale)")
            #expect(worst <= 0.1, "\(kernel) \(config): \(worst)")
        }
    }

    /// The slope of `loss` along parameter i, fitted by least squares to 21 evaluations
    /// evenly spaced over [-h, h]: central differences that average out the steps a
    /// loss with bfloat16-rounded activations takes (a difference of two evaluations
    /// is dominated by them at any step); the curvature adds nothing to a symmetric fit,
    /// the third derivative O(h²).
    static func fittedSlope(_ model: GPT, _ i: Int, h: Float, _ loss: () -> Double) -> Double {
        let saved = model.parameters[i]
        defer { model.parameters[i] = saved }
        var num = 0.0, den = 0.0
        for step in -20...20 {
            let t = Float(step) * h / 20
            model.parameters[i] = saved + t
            num += Double(t) * loss()
            den += Double(t) * Double(t)
        }
        return num / den
    }

    /// Natively, adapters' gradients against the fitted slope of the native loss, and
    /// against the exact gradients (themselves checked by central differences above).
    /// The native loss carries bfloat16's noise (about 2⁻⁹ of its value: 0.01 here), so a
    /// slope over ±0.1 is only good to about 0.1 (the exact loss's fitted slope agrees with
    /// its gradient to 1%): the first check is loose and catches gross errors, the second
    /// is tight.
    @Test(arguments: nativeKernels)
    func nativeGradientsAtBFloat16Tolerance(kernel: BFloat16Kernel) {
        Parallel.threads = 2
        for index in [0, 2, 3] {
            let config = Self.configs[index]
            let settings = LoRASettings(rank: 2, alpha: 3, targets: LoRASettings.modules(config.family))
            let model = Self.pair(config).half.withLoRA(settings, seed: 5)
            var rng = Random(seed: 17)
            for spec in model.layout.specs where spec.role.trainsWithAdapters {
                for i in 0..<spec.count { model.parameters[spec.offset + i] = Float(rng.normal() * 0.3) }
            }
            let T = config.contextLength, tokens = Self.tokens(config, 2 * T, seed: 4), targets = Self.tokens(config, 2 * T, seed: 5)
            let weights = [Float](repeating: 1, count: 2 * T)
            func loss() -> Double {
                model.forward(tokens: tokens, B: 2, T: T)
                return Double(model.languageModelLoss(targets: targets, weights: weights, backward: false))
            }
            func gradients() -> [Float] {
                model.forward(tokens: tokens, B: 2, T: T)
                _ = model.languageModelLoss(targets: targets, weights: weights, backward: true)
                model.zeroGradients()
                model.backward()
                return model.layout.specs.filter(\.role.trainsWithAdapters).flatMap { spec in
                    (0..<spec.count).map { model.gradients[spec.offset + $0] }
                }
            }
            let exact = Self.computing(.exact) { gradients() }
            Self.computing(.native, kernel: kernel) {
                let native = gradients()
                let specs = model.layout.specs.filter(\.role.trainsWithAdapters)
                let typical = native.map { Double(abs($0)) }.reduce(0, +) / Double(native.count)
                var off = 0.0, size = 0.0
                for spec in specs {
                    for k in 0..<min(spec.count, 4) {
                        let i = spec.offset + (k * 7919) % spec.count
                        let slope = Self.fittedSlope(model, i, h: 0.1, loss)
                        off += pow(slope - Double(model.gradients[i]), 2)
                        size += slope * slope
                    }
                }
                let differences = (off / size).squareRoot()
                let norm = { (g: [Float]) in g.map { Double($0 * $0) }.reduce(0, +).squareRoot() }
                let apart = norm(zip(native, exact).map { $0 - $1 }) / norm(exact)
                print("\(kernel) \(config.family): fitted slopes \(differences) apart, native and exact gradients \(apart)")
                #expect(differences < 0.45, "\(kernel) \(config): \(differences)")
                #expect(apart < 2e-2 && apart > 0, "\(kernel) \(config): \(apart)")
            }
        }
    }

    @Test func huggingFaceBF16FileLoadsInBF16() throws { try Self.computing(.exact) {
        let model = try GPT.load(from: LlamaCheckpointTests.folder("hf-llama"))
        #expect(model.precision == .bfloat16)
        let expected = try LlamaCheckpointTests.expected("hf-llama")
        let worst = zip(CheckpointTests.logits(model, expected.tokens), expected.logits).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-4)
        #expect(try GPT.load(from: LlamaCheckpointTests.folder("hf-qwen2")).precision == .float32)
    } }

    /// A model folder whose BF16 weights hold infinity or NaN is refused whole, held in
    /// bfloat16 or widened, with the tensor and element named (bfloat16 used to free its
    /// buffer twice on the way out and crash).
    @Test(arguments: [(UInt8(0x80), UInt8(0x7F), "+inf"), (0xC0, 0x7F, "NaN")])
    func nonFiniteBF16WeightsRefuseTheModel(low: UInt8, high: UInt8, name: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bf16-nan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: LlamaCheckpointTests.folder("hf-llama"), to: dir)
        let weights = dir.appendingPathComponent("model.safetensors")
        let tensor = "model.layers.0.mlp.up_proj.weight"
        let range = try #require(try SafetensorsFile.open(weights).tensors[tensor]).byteRange
        let handle = try FileHandle(forUpdating: weights)
        try handle.seek(toOffset: UInt64(range.lowerBound + 2 * 5))
        try handle.write(contentsOf: Data([low, high]))
        try handle.close()
        for precision in [Precision.bfloat16, .float32] {
            #expect(throws: CheckpointError.nonFiniteValue(path: weights.path, tensor: tensor, index: 5, value: name)) {
                try GPT.load(from: dir, precision: precision)
            }
        }
    }

    /// A BF16 tensor holding NaN or infinity is refused with file, tensor and element named.
    @Test func nonFiniteBF16IsRefused() throws {
        let dir = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(dir) }
        let header = #"{"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}}"#
        var headerBytes = Array(header.utf8)
        headerBytes += repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8)
        let url = try SafetensorsFixtures.file(in: dir, rawHeader: headerBytes, data: [0x80, 0x3F, 0x80, 0x7F, 0, 0])
        var out = [UInt16](repeating: 0, count: 3)
        #expect(throws: CheckpointError.nonFiniteValue(path: url.path, tensor: "w", index: 1, value: "+inf")) {
            try out.withUnsafeMutableBufferPointer { try SafetensorsFile.open(url).readBFloat16("w", into: $0.baseAddress!, count: 3) }
        }
    }
}
