import Foundation
import Kernels

/// The rotary settings of a config.json: transformers 4 writes `rope_theta` at
/// the top and `rope_scaling` ({"rope_type" or "type", "factor", …});
/// transformers 5 writes both inside `rope_parameters`.
struct RopeParameters: Codable {
    var ropeTheta: Double?
    var ropeType: String?
    var type: String?
    var factor: Double?
    var lowFreqFactor: Double?
    var highFreqFactor: Double?
    var originalMaxPositionEmbeddings: Double?

    enum CodingKeys: String, CodingKey {
        case ropeTheta = "rope_theta", ropeType = "rope_type", type, factor
        case lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings"
    }
}

/// transformers 5's `rope_parameters`: one set, or (Gemma 3) one per layer type
/// ({"full_attention": {…}, "sliding_attention": {…}}).
enum RopeField: Codable {
    case single(RopeParameters)
    case byLayerType([String: RopeParameters])

    init(from decoder: Decoder) throws {
        if let byType = try? [String: RopeParameters](from: decoder) {
            self = .byLayerType(byType)
        } else {
            self = .single(try RopeParameters(from: decoder))
        }
    }

    func encode(to encoder: Encoder) throws {
        switch self {
        case .single(let p): try p.encode(to: encoder)
        case .byLayerType(let d): try d.encode(to: encoder)
        }
    }

    /// The settings of full-attention layers (or of every layer).
    var full: RopeParameters? {
        switch self {
        case .single(let p): p
        case .byLayerType(let d): d["full_attention"]
        }
    }
}

/// How each family past GPT-2 writes its config.json: the class name and what
/// its `model_type` implies beyond the keys (Qwen2's q/k/v biases).
extension GPTConfig.Family {
    /// transformers' class-name stem (`Qwen3` → Qwen3ForCausalLM).
    var className: String {
        switch self {
        case .gpt2: "GPT2"
        case .llama: "Llama"
        case .qwen2: "Qwen2"
        case .mistral: "Mistral"
        case .qwen3: "Qwen3"
        case .olmo2: "Olmo2"
        case .gemma3: "Gemma3"
        case .smollm3: "SmolLM3"
        }
    }
}

extension HuggingFaceConfig {
    /// The config of a family with rotary positions, or why this file's model cannot run here.
    func llamaConfig(_ family: GPTConfig.Family, path: String) throws -> GPTConfig {
        func need(_ value: Int?, _ key: String) throws -> Int {
            guard let value else { throw ModelFileError.badConfig(path: path, reason: "config.json has no '\(key)'") }
            return value
        }
        func refuse(_ reason: String) -> ModelFileError { .badConfig(path: path, reason: reason) }
        let arch = family.architecture
        let heads = try need(numAttentionHeads, "num_attention_heads")
        let width = try need(hiddenSize, "hidden_size")
        let layers = try need(numHiddenLayers, "num_hidden_layers")
        let activationKey = arch.mlp == .gatedGELU ? "hidden_activation" : "hidden_act"
        let activation = arch.mlp == .gatedGELU ? hiddenActivation ?? hiddenAct : hiddenAct
        let expected = arch.mlp == .gatedGELU ? ["gelu_pytorch_tanh", "gelu_new", "gelu_fast"] : ["silu"]
        if let act = activation, !expected.contains(act) {
            throw refuse("\(activationKey) is '\(act)'; the \(family.rawValue) MLP here uses \(expected[0])")
        }
        if mlpBias == true { throw refuse("mlp_bias is true; MLP biases are not supported") }
        if attentionBias == true && family != .qwen2 {
            throw refuse("attention_bias is true; only Qwen2's q/k/v biases are supported (this would add an o_proj bias too)")
        }
        if let cap = attnLogitSoftcapping ?? finalLogitSoftcapping {
            throw refuse("logit soft-capping (\(cap)) is not supported; Gemma 3 has none (attn_logit_softcapping and final_logit_softcapping null)")
        }
        if useBidirectionalAttention == true { throw refuse("use_bidirectional_attention is true; only causal attention is supported") }
        var config = GPTConfig.llama(
            layers: layers, heads: heads, keyValueHeads: numKeyValueHeads ?? heads, width: width,
            mlpWidth: try need(intermediateSize, "intermediate_size"),
            contextLength: try need(maxPositionEmbeddings, "max_position_embeddings"), vocabularySize: try need(vocabSize, "vocab_size"),
            normEpsilon: Float(rmsNormEps ?? 1e-6), tiedHead: tieWordEmbeddings ?? (family == .gemma3 || family == .smollm3),
            attentionBias: family == .qwen2, family: family)
        if let headDim, heads > 0, width % heads != 0 || headDim != width / heads { config.headDimension = headDim }
        try readPositions(into: &config, family: family, refuse: refuse)
        if let problem = config.problem { throw refuse(problem) }
        return config
    }

    /// The rotary bases and scaling, the sliding-window layers, the layers without
    /// rotary positions and the query scale.
    private func readPositions(into config: inout GPTConfig, family: GPTConfig.Family,
                               refuse: (String) -> ModelFileError) throws {
        let layers = config.layers
        let rope = ropeParameters?.full ?? ropeScaling
        let defaultTheta = family == .gemma3 ? 1_000_000.0 : 10_000
        config.ropeTheta = ropeParameters?.full?.ropeTheta ?? ropeTheta ?? defaultTheta
        switch rope?.ropeType ?? rope?.type ?? "default" {
        case "default": break
        case "llama3":
            guard let r = rope, let factor = r.factor, let low = r.lowFreqFactor, let high = r.highFreqFactor,
                  let original = r.originalMaxPositionEmbeddings, high > low, factor > 0 else {
                throw refuse("rope scaling 'llama3' needs factor, low_freq_factor < high_freq_factor and original_max_position_embeddings")
            }
            config.ropeScaling = RoPE.Llama3Scaling(factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high,
                                                    originalContext: original)
        case let other:
            throw refuse("rope scaling of type '\(other)' is not supported (only none and 'llama3')")
        }
        if family == .gemma3 {
            // Gemma 3: sliding layers with their own base, every sixth layer global unless layer_types says.
            guard let window = slidingWindow else { throw refuse("config.json has no 'sliding_window'") }
            let pattern = slidingWindowPattern ?? 6
            guard pattern >= 1 else { throw refuse("sliding_window_pattern must be at least 1 (is \(pattern))") }
            let types = layerTypes ?? (0..<layers).map { ($0 + 1) % pattern != 0 ? "sliding_attention" : "full_attention" }
            config.slidingWindow = window
            config.slidingLayers = try types.map { t in
                guard t == "sliding_attention" || t == "full_attention" else {
                    throw refuse("layer_types holds '\(t)'; known are 'sliding_attention' and 'full_attention'")
                }
                return t == "sliding_attention"
            }
            if case .byLayerType(let d) = ropeParameters, let local = d["sliding_attention"] {
                if let t = local.ropeType ?? local.type, t != "default" { throw refuse("the sliding layers' rope type '\(t)' is not supported") }
                config.localRopeTheta = local.ropeTheta ?? ropeLocalBaseFreq ?? 10_000
            } else {
                config.localRopeTheta = ropeLocalBaseFreq ?? 10_000
            }
            let scalar = queryPreAttnScalar ?? 256
            guard scalar.isFinite, scalar > 0 else { throw refuse("query_pre_attn_scalar must be a positive number (is \(scalar))") }
            config.queryScalar = scalar
        } else if useSlidingWindow == true || (family == .mistral && slidingWindow != nil) {
            throw refuse("sliding-window attention (sliding_window \(slidingWindow.map(String.init) ?? "set")) is not supported for "
                         + "\(family.rawValue); only full attention")
        }
        if family == .smollm3 {
            let interval = noRopeLayerInterval ?? 4
            guard interval >= 1 else { throw refuse("no_rope_layer_interval must be at least 1 (is \(interval))") }
            config.rotaryLayers = (noRopeLayers ?? (0..<layers).map { ($0 + 1) % interval != 0 ? 1 : 0 }).map { $0 != 0 }
        }
    }

    /// The config.json written for a model of a family with rotary positions,
    /// in the keys its transformers class reads.
    mutating func setLlama(_ config: GPTConfig, scalarHead: Bool) {
        let family = config.family
        // Gemma 3's text-only reward model class is Gemma3Text…; Gemma3ForSequenceClassification is the multimodal one.
        architectures = [family.className + (scalarHead ? (family == .gemma3 ? "TextForSequenceClassification" : "ForSequenceClassification")
                                                        : "ForCausalLM")]
        modelType = family.rawValue
        vocabSize = config.vocabularySize
        hiddenSize = config.width
        intermediateSize = config.hidden
        numHiddenLayers = config.layers
        numAttentionHeads = config.heads
        numKeyValueHeads = config.kvHeads
        headDim = config.headDimension ?? (family == .qwen3 || family == .gemma3 ? config.headSize : nil)
        maxPositionEmbeddings = config.contextLength
        rmsNormEps = Double("\(config.normEpsilon)") ?? Double(config.normEpsilon)  // 1e-05, not 9.99999974e-06
        ropeTheta = config.ropeTheta
        ropeScaling = config.ropeScaling.map {
            RopeParameters(ropeType: "llama3", factor: $0.factor, lowFreqFactor: $0.lowFrequencyFactor,
                           highFreqFactor: $0.highFrequencyFactor, originalMaxPositionEmbeddings: $0.originalContext)
        }
        if family.architecture.mlp == .gatedGELU { hiddenActivation = "gelu_pytorch_tanh" } else { hiddenAct = "silu" }
        tieWordEmbeddings = config.tiedHead
        if family != .qwen2 { attentionBias = false }
        if let window = config.slidingWindow, let sliding = config.slidingLayers {
            slidingWindow = window
            layerTypes = sliding.map { $0 ? "sliding_attention" : "full_attention" }
        }
        ropeLocalBaseFreq = config.localRopeTheta
        queryPreAttnScalar = config.queryScalar
        noRopeLayers = config.rotaryLayers?.map { $0 ? 1 : 0 }
    }
}
