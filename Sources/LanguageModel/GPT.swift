import Kernels

/// A GPT-2 style decoder (Radford et al., 2019): token and learned position
/// embeddings, pre-LayerNorm blocks of causal multi-head attention and a GELU
/// MLP (×4), a final LayerNorm and an LM head tied to the token embedding.
/// With `hasScalarHead` it is also a reward or value model: the same trunk
/// plus `score.weight` read at one position per sequence.
///
/// Parameters and gradients each live in one buffer laid out by `layout`; the
/// optimiser's moments in two more. Activations are kept for the last batch
/// shape and reused.
public final class GPT {
    /// The shape.
    public let config: GPTConfig
    /// True for reward and value models.
    public let hasScalarHead: Bool
    /// The names and places of the tensors.
    public let layout: ParameterLayout
    /// All parameters.
    public let parameters: FloatBuffer
    /// All gradients, laid out like `parameters`; backward adds into them.
    public let gradients: FloatBuffer
    var activations: Activations?
    /// Each adapter's A·x of the last forward pass, kept for backward (layers × adapters × N × rank).
    var adapterActivations: FloatBuffer?
    /// Room for one adapter's (N, rank) intermediate in the cached pass and in backward.
    var adapterScratch: FloatBuffer?
    /// Room for one adapter's dropout mask and its dropped input (2 · N · in).
    var dropoutScratch: FloatBuffer?
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
    /// The rotary inverse frequencies of the Llama family (empty for GPT-2).
    let ropeFrequencies: [Float]
    private var optimizerState: AdamW?

    /// A freshly initialised model, as GPT-2 initialises: weights normal(0, 0.02),
    /// residual projections normal(0, 0.02/√(2L)), biases 0, LayerNorm weights 1.
    public init(config: GPTConfig, scalarHead: Bool = false, seed: UInt64) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        self.hasScalarHead = scalarHead
        layout = ParameterLayout(config: config, scalarHead: scalarHead)
        ropeFrequencies = Self.frequencies(config)
        parameters = FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: layout.count)
        var rng = Random(seed: seed)
        let residualStd = 0.02 / Float(2 * config.layers).squareRoot()
        for spec in layout.specs {
            let p = parameters.pointer + spec.offset
            switch spec.role {
            case .residualProjection: rng.fillNormal(p, spec.count, std: residualStd)
            case .embedding, .matrix, .scalarHead: rng.fillNormal(p, spec.count, std: 0.02)
            case .normWeight: p.update(repeating: 1, count: spec.count)
            case .bias, .loraA, .loraB: break  // the buffer starts at zero; a model is made without adapters
            }
        }
    }

    /// A model holding `parameters` (laid out by `ParameterLayout(config:scalarHead:lora:)`).
    public init(config: GPTConfig, scalarHead: Bool, parameters: FloatBuffer, lora: LoRASettings? = nil) {
        precondition(config.problem == nil, config.problem ?? "")
        precondition(lora.flatMap { $0.problem(for: config) } == nil, lora.flatMap { $0.problem(for: config) } ?? "")
        self.config = config
        self.hasScalarHead = scalarHead
        layout = ParameterLayout(config: config, scalarHead: scalarHead, lora: lora)
        precondition(parameters.count == layout.count, "parameter count \(parameters.count) != \(layout.count)")
        ropeFrequencies = Self.frequencies(config)
        self.parameters = parameters
        gradients = FloatBuffer(count: layout.count)
    }

    static func frequencies(_ config: GPTConfig) -> [Float] {
        config.family != .gpt2 ? RoPE.frequencies(headSize: config.headSize, theta: config.ropeTheta, llama3: config.ropeScaling) : []
    }

    /// Number of parameters.
    public var parameterCount: Int { layout.count }

    /// The low-rank adapters' settings; with adapters the base model is frozen and
    /// only they (and a scalar head) train.
    public var lora: LoRASettings? { layout.lora }

    /// Number of parameters that train: all of them, or with adapters theirs and a scalar head's.
    public var trainableCount: Int {
        lora == nil ? layout.count : layout.specs.filter { $0.role.trainsWithAdapters }.map(\.count).reduce(0, +)
    }

    /// A pointer to the named tensor's parameters.
    public func parameter(_ name: String) -> UnsafeMutablePointer<Float> {
        parameters.pointer + layout.offset(name)
    }

    /// A pointer to the named tensor's gradient.
    public func gradient(_ name: String) -> UnsafeMutablePointer<Float> {
        gradients.pointer + layout.offset(name)
    }

    /// Sets every gradient to zero.
    public func zeroGradients() { gradients.zero() }

    /// The optimiser, created on first use with `settings`.
    public func optimizer(_ settings: AdamWSettings = AdamWSettings()) -> AdamW {
        if lora == nil { baseChanged = true }
        if let optimizerState { return optimizerState }
        let segments = layout.specs.filter { lora == nil || $0.role.trainsWithAdapters }
            .map { (range: $0.offset..<($0.offset + $0.count), decays: $0.decays) }
        let made = AdamW(count: layout.count, segments: segments, settings: settings)
        optimizerState = made
        return made
    }

    /// The optimiser if one exists.
    public var existingOptimizer: AdamW? { optimizerState }

    /// Drops the optimiser's moments (a fresh training run).
    public func resetOptimizer() { optimizerState = nil }

    /// Activations for (B, T), reused when the shape repeats; their memory is
    /// reused whenever it is large enough.
    func activations(B: Int, T: Int) -> Activations {
        if let a = activations, a.B == B, a.T == T { return a }
        let kept = activations?.buffer
        activations = nil
        let made = Activations(config: config, B: B, T: T, reusing: kept)
        activations = made
        return made
    }

    /// Bytes held by parameters, gradients, optimiser moments and activations.
    public var byteCount: Int {
        (parameters.count + gradients.count) * 4 + (optimizerState == nil ? 0 : layout.count * 8)
            + (activations?.byteCount ?? 0)
    }

    /// A copy with the same parameters (no gradients, optimiser or activations):
    /// a frozen reference, or a value model started from a reward model.
    public func copy() -> GPT {
        let p = FloatBuffer(count: parameters.count)
        p.copy(from: parameters)
        let made = GPT(config: config, scalarHead: hasScalarHead, parameters: p, lora: lora)
        made.baseChanged = baseChanged
        return made
    }
}
