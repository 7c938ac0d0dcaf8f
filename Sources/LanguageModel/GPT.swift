import Kernels

/// A GPT-2 style decoder (Radford et al., 2019): token and learned position
/// embeddings, pre-LayerNorm blocks of causal multi-head attention and a GELU
/// MLP (×4), a final LayerNorm and an LM head tied to the token embedding.
/// With `hasScalarHead` it is also a reward or value model: the same trunk
/// plus `score.weight` read at one position per sequence.
///
/// Parameters and gradients each live in one buffer laid out by `layout`; the
/// optimiser's moments in two more. A model held in bfloat16, or with adapters,
/// keeps its base weight matrices in one more buffer that nothing writes
/// (`BaseMatrices`): copies share it, and a binary32 model with adapters shares
/// the parameters of the model it was made from (which copies them before it
/// trains them itself). Gradients are allocated on first use: a model that only
/// samples or scores never pays for them. Activations are kept for the last
/// batch shape and reused.
public final class GPT {
    /// The shape.
    public let config: GPTConfig
    /// True for reward and value models.
    public let hasScalarHead: Bool
    /// The names and places of the tensors.
    public let layout: ParameterLayout
    /// All parameters but the base matrices when those are held apart.
    public private(set) var parameters: FloatBuffer
    /// The base matrices when they are held apart from `parameters`.
    public let baseMatrices: BaseMatrices?
    /// The base matrices of a model held in bfloat16; nil for binary32.
    public var bfloat16Weights: BFloat16Buffer? {
        if case .bfloat16(let b) = baseMatrices { b } else { nil }
    }
    /// All gradients, laid out like `parameters`; backward adds into them. With
    /// adapters only the trainable tail is held (from `trainableStart`).
    public var gradients: FloatBuffer {
        if let gradientStorage { return gradientStorage }
        let made = FloatBuffer(count: layout.count, origin: trainableStart)
        gradientStorage = made
        return made
    }
    var gradientStorage: FloatBuffer?
    var activations: Activations?
    /// Each adapter's A·x of the last forward pass, kept for backward (layers × adapters × N × rank).
    var adapterActivations: FloatBuffer?
    /// Room for one adapter's (N, rank) intermediate in the cached pass and in backward.
    var adapterScratch: FloatBuffer?
    /// Room for one adapter's dropout mask and its dropped input (2 · N · in).
    var dropoutScratch: FloatBuffer?
    /// The special token ids of the config.json the model was loaded from, written
    /// back when it is saved (nil for a model made here). Copies keep them.
    public var tokenIDs: TokenIDs?
    /// What loading decided that the files left open (a tied config whose weights
    /// hold a head of their own), for the loader to tell; empty for most models.
    public internal(set) var loadNotes: [String] = []
    /// Whether passes are training ones: adapters then drop their inputs (LoRA dropout).
    /// Training steps set it around their forward and backward; it is false otherwise.
    public var training = false
    /// Whether the base weights may differ from where the model came from: an optimiser
    /// was made for it without adapters, or adapters were folded in. An adapter saved
    /// alone names its base folder only when this is false.
    public internal(set) var baseChanged = false
    /// Forward passes that drew dropout masks so far: each mask's seed, so that the
    /// same inputs and steps give the same masks, and backward draws them again.
    var dropoutDraws: UInt64 = 0
    /// The rotary inverse frequencies (empty without rotary positions), and those
    /// of the sliding-window layers when their base differs (Gemma 3; else empty).
    let ropeFrequencies: [Float], localRopeFrequencies: [Float]
    var optimizerState: AdamW?

    /// A freshly initialised model, as GPT-2 initialises: weights normal(0, 0.02),
    /// residual projections normal(0, 0.02/√(2L)), biases 0, LayerNorm weights 1.
    public init(config: GPTConfig, scalarHead: Bool = false, seed: UInt64) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        self.hasScalarHead = scalarHead
        layout = ParameterLayout(config: config, scalarHead: scalarHead)
        (ropeFrequencies, localRopeFrequencies) = Self.frequencies(config)
        parameters = FloatBuffer(count: layout.count)
        baseMatrices = nil
        var rng = Random(seed: seed)
        let residualStd = 0.02 / Float(2 * config.layers).squareRoot()
        for spec in layout.specs {
            let p = parameters.pointer + spec.offset
            switch spec.role {
            case .residualProjection: rng.fillNormal(p, spec.count, std: residualStd)
            case .embedding, .matrix, .scalarHead: rng.fillNormal(p, spec.count, std: 0.02)
            case .normWeight: p.update(repeating: config.architecture.norm == .rmsPlusOne ? 0 : 1, count: spec.count)
            case .bias, .loraA, .loraB: break  // the buffer starts at zero; a model is made without adapters
            }
        }
    }

    /// A model holding `parameters` (laid out by `ParameterLayout(config:scalarHead:lora:precision:)`),
    /// and `base` its base matrices when the layout holds them apart.
    public init(config: GPTConfig, scalarHead: Bool, parameters: FloatBuffer, base: BaseMatrices? = nil,
                lora: LoRASettings? = nil) {
        precondition(config.problem == nil, config.problem ?? "")
        precondition(lora.flatMap { $0.problem(for: config) } == nil, lora.flatMap { $0.problem(for: config) } ?? "")
        self.config = config
        self.hasScalarHead = scalarHead
        layout = ParameterLayout(config: config, scalarHead: scalarHead, lora: lora, precision: base?.precision ?? .float32)
        precondition(parameters.count == layout.count, "parameter count \(parameters.count) != \(layout.count)")
        precondition((base?.count ?? 0) == layout.baseMatrixCount, "base matrices \(base?.count ?? 0) != \(layout.baseMatrixCount)")
        (ropeFrequencies, localRopeFrequencies) = Self.frequencies(config)
        self.parameters = parameters
        baseMatrices = base
    }

    static func frequencies(_ config: GPTConfig) -> (global: [Float], local: [Float]) {
        guard config.architecture.rotary else { return ([], []) }
        return (RoPE.frequencies(headSize: config.headSize, theta: config.ropeTheta, llama3: config.ropeScaling),
                config.localRopeTheta.map { RoPE.frequencies(headSize: config.headSize, theta: $0) } ?? [])
    }

    /// Number of parameters.
    public var parameterCount: Int { layout.parameterCount }

    /// How the base matrices are held.
    public var precision: Precision { layout.precision }

    /// A base matrix (or embedding) at `offset` of the layout, as the kernels read it.
    public func matrix(_ offset: Int) -> Weight {
        switch baseMatrices {
        case .bfloat16(let b): .bfloat16(b.pointer + offset)
        case .float32(let b): .float(b.pointer + offset)
        case nil: .float(parameters.pointer + offset)
        }
    }

    /// The low-rank adapters' settings; with adapters the base model is frozen and
    /// only they (and a scalar head) train.
    public var lora: LoRASettings? { layout.lora }

    /// Where the parameters that train begin (`ParameterLayout.trainableStart`).
    public var trainableStart: Int { layout.trainableStart }

    /// Number of parameters that train: all of them, or with adapters theirs and a scalar head's.
    public var trainableCount: Int { layout.trainableCount }

    /// A pointer to the named tensor's parameters (a binary32 one).
    public func parameter(_ name: String) -> UnsafeMutablePointer<Float> {
        precondition(layout[name]?.isBFloat16 != true, "\(name) is held in bfloat16")
        return parameters.pointer + layout.offset(name)
    }

    /// A pointer to the named tensor's gradient.
    public func gradient(_ name: String) -> UnsafeMutablePointer<Float> {
        gradients.pointer + layout.offset(name)
    }

    /// Sets every gradient to zero.
    public func zeroGradients() { gradients.zero() }

    /// The optimiser, created on first use with `settings`.
    public func optimizer(_ settings: AdamWSettings = AdamWSettings()) -> AdamW {
        precondition(lora != nil || precision == .float32, "a bfloat16 model trains adapters only: widen it first (converted(to: .float32))")
        if lora == nil {
            baseChanged = true
            // Models with adapters made from this one read these parameters as their base: they keep them.
            if !isKnownUniquelyReferenced(&parameters) { parameters = parameters.copied() }
        }
        if let optimizerState { return optimizerState }
        let segments = layout.specs.filter { lora == nil || $0.role.trainsWithAdapters }
            .map { (range: $0.offset..<($0.offset + $0.count), decays: $0.decays) }
        let start = trainableStart
        let made = AdamW(count: layout.count - start, origin: start, segments: segments, settings: settings)
        optimizerState = made
        return made
    }

    /// The optimiser if one exists.
    public var existingOptimizer: AdamW? { optimizerState }

    /// Drops the optimiser's moments (a fresh training run).
    public func resetOptimizer() { optimizerState = nil }

    /// Activations for (B, T), reused when the shape repeats; their memory is
    /// reused whenever it is large enough.
    func activations(B: Int, T: Int, memory: ActivationMemory = .all, head: HeadPass = .held) -> Activations {
        if let a = activations, a.B == B, a.T == T, a.memory == memory, a.head == head { return a }
        let kept = activations?.buffer
        activations = nil
        let made = Activations(config: config, B: B, T: T, memory: memory, head: head, headChunk: headChunk, reusing: kept)
        activations = made
        return made
    }

    /// Bytes held by parameters, gradients, optimiser moments and activations
    /// (base matrices shared with other models counted in each).
    public var byteCount: Int {
        (parameters.count + (gradientStorage?.held ?? 0)) * 4 + (baseMatrices?.byteCount ?? 0)
            + (optimizerState.map { $0.m.held + $0.v.held } ?? 0) * 4 + (activations?.byteCount ?? 0)
            + [adapterActivations, adapterScratch, dropoutScratch].map { $0?.held ?? 0 }.reduce(0, +) * 4
    }

    /// A copy with the same parameters (no gradients, optimiser or activations):
    /// a frozen reference, or a value model started from a reward model. Base
    /// matrices held apart are shared, not copied: nothing writes them.
    public func copy() -> GPT {
        let made = GPT(config: config, scalarHead: hasScalarHead, parameters: parameters.copied(), base: baseMatrices, lora: lora)
        made.baseChanged = baseChanged
        made.tokenIDs = tokenIDs
        return made
    }
}

/// A model's base weight matrices held apart from its other parameters (see
/// `ParameterLayout`): in bfloat16, or in binary32 for a model with adapters.
public enum BaseMatrices {
    case float32(FloatBuffer)
    case bfloat16(BFloat16Buffer)

    /// How the values are held.
    public var precision: Precision {
        switch self {
        case .float32: .float32
        case .bfloat16: .bfloat16
        }
    }

    /// Number of values.
    public var count: Int {
        switch self {
        case .float32(let b): b.count
        case .bfloat16(let b): b.count
        }
    }

    /// Bytes held.
    public var byteCount: Int {
        switch self {
        case .float32(let b): b.count * 4
        case .bfloat16(let b): b.byteCount
        }
    }
}
