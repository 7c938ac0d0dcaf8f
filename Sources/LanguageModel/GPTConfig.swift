import Foundation
import Kernels

/// The shape of a model: its family's description (`Architecture`: GPT-2's
/// LayerNorm, learned positions and GELU MLP; the Llama family's RMSNorm,
/// rotary positions and gated MLP; the q/k norms and norm placements of Qwen3,
/// OLMo 2 and Gemma 3) and the sizes and per-layer settings its config.json
/// gives. The GPT-2 keys are read from and written to Hugging Face's GPT-2
/// `config.json` (`n_layer`, `n_head`, `n_embd`, `n_positions`, `vocab_size`);
/// the other families' come from their own config.json (`HuggingFaceConfig`).
public struct GPTConfig: Codable, Sendable, Equatable {
    /// Which family's blocks the model is made of, named by Hugging Face's
    /// `model_type`; its blocks are described by `architecture`.
    public enum Family: String, Sendable, Codable, CaseIterable {
        case gpt2, llama, qwen2, mistral, qwen3, olmo2, gemma3 = "gemma3_text", smollm3
    }

    /// Number of transformer blocks (`n_layer`).
    public var layers: Int
    /// Attention heads per block (`n_head`); must divide `width`.
    public var heads: Int
    /// Width of the residual stream (`n_embd`).
    public var width: Int
    /// Longest sequence the position table covers (`n_positions`).
    public var contextLength: Int
    /// Number of token ids (`vocab_size`).
    public var vocabularySize: Int

    /// The family (GPT-2 unless set).
    public var family = Family.gpt2
    /// Key/value heads (`num_key_value_heads`); fewer than `heads` is grouped-query attention.
    public var keyValueHeads: Int? = nil
    /// The MLP's hidden width (`intermediate_size`); GPT-2's is 4·width.
    public var mlpWidth: Int? = nil
    /// The norm's ε (`rms_norm_eps`; GPT-2's LayerNorm uses 1e-5).
    public var normEpsilon: Float = 1e-5
    /// The rotary base θ (`rope_theta`), and Llama 3.1's rescaling if the config asks for it.
    public var ropeTheta = 10_000.0
    public var ropeScaling: RoPE.Llama3Scaling? = nil
    /// Whether the LM head is the token embedding (`tie_word_embeddings`).
    public var tiedHead = true
    /// Whether q, k and v have biases (Qwen2's `attention_bias`); GPT-2's projections all do.
    public var attentionBias = false
    /// The head size when it is not width / heads (`head_dim`: Qwen3, Gemma 3).
    public var headDimension: Int? = nil
    /// Gemma 3's `query_pre_attn_scalar`: q·k is scaled by 1/√ of it rather than of the head size.
    public var queryScalar: Double? = nil
    /// The sliding window of the layers that have one (`sliding_window`), and which
    /// layers those are (Gemma 3's "sliding_attention" layers; nil: none).
    public var slidingWindow: Int? = nil
    public var slidingLayers: [Bool]? = nil
    /// The rotary base of the sliding layers when it differs (Gemma 3's `rope_local_base_freq`).
    public var localRopeTheta: Double? = nil
    /// Which layers turn q and k (SmolLM3's `no_rope_layers`: 0 for a layer without); nil: all.
    public var rotaryLayers: [Bool]? = nil

    /// A config with the given shape.
    public init(layers: Int, heads: Int, width: Int, contextLength: Int, vocabularySize: Int) {
        self.layers = layers
        self.heads = heads
        self.width = width
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    /// A Llama-family config.
    public static func llama(
        layers: Int, heads: Int, keyValueHeads: Int, width: Int, mlpWidth: Int, contextLength: Int, vocabularySize: Int,
        normEpsilon: Float = 1e-5, ropeTheta: Double = 10_000, ropeScaling: RoPE.Llama3Scaling? = nil,
        tiedHead: Bool = false, attentionBias: Bool = false, family: Family = .llama
    ) -> GPTConfig {
        var c = GPTConfig(layers: layers, heads: heads, width: width, contextLength: contextLength, vocabularySize: vocabularySize)
        c.family = family
        c.keyValueHeads = keyValueHeads
        c.mlpWidth = mlpWidth
        c.normEpsilon = normEpsilon
        c.ropeTheta = ropeTheta
        c.ropeScaling = ropeScaling
        c.tiedHead = tiedHead
        c.attentionBias = attentionBias
        return c
    }

    /// What the blocks are made of.
    public var architecture: Architecture { family.architecture }
    /// Key/value heads.
    public var kvHeads: Int { keyValueHeads ?? heads }
    /// Width of one head.
    public var headSize: Int { headDimension ?? width / heads }
    /// Width of the queries and of the attention's output: heads·headSize (the width, unless `head_dim` says otherwise).
    public var attentionWidth: Int { heads * headSize }
    /// Width of the fused q, k, v projection's output: heads·headSize + 2·kvHeads·headSize.
    public var qkvWidth: Int { attentionWidth + 2 * kvHeads * headSize }
    /// The MLP's hidden width.
    public var hidden: Int { mlpWidth ?? 4 * width }
    /// Width of the MLP's first projection's output: GPT-2's hidden layer, or a gated MLP's [gate | up].
    public var fcWidth: Int { architecture.gated ? 2 * hidden : hidden }

    /// Layer l's attention: its heads, scale and window.
    public func attention(layer l: Int) -> AttentionShape {
        AttentionShape(heads: heads, kvHeads: kvHeads, headSize: headSize, scale: queryScalar.map { Float(1 / $0.squareRoot()) },
                       window: slidingLayers?[l] == true ? slidingWindow : nil)
    }
    /// Whether layer l turns q and k by their positions.
    public func rotates(layer l: Int) -> Bool { architecture.rotary && rotaryLayers?[l] != false }
    /// Whether layer l is a sliding-window layer with its own rotary base.
    public func usesLocalRope(layer l: Int) -> Bool { localRopeTheta != nil && slidingLayers?[l] == true }

    enum CodingKeys: String, CodingKey {
        case layers = "n_layer", heads = "n_head", width = "n_embd"
        case contextLength = "n_positions", vocabularySize = "vocab_size"
    }

    /// Why a config cannot be used, or nil when it can; keys as the family's
    /// config.json names them (GPT-2's n_head, the Llama family's num_attention_heads).
    public var problem: String? {
        let gpt2 = family == .gpt2
        let (layersKey, headsKey, widthKey) = gpt2 ? ("n_layer", "n_head", "n_embd") : ("num_hidden_layers", "num_attention_heads", "hidden_size")
        let (contextKey, mlpKey, epsKey) = gpt2 ? ("n_positions", "n_inner", "layer_norm_epsilon")
            : ("max_position_embeddings", "intermediate_size", "rms_norm_eps")
        if layers < 1 || layers > 256 { return "\(layersKey) must be between 1 and 256 (is \(layers))" }
        if heads < 1 || heads > 256 { return "\(headsKey) must be between 1 and 256 (is \(heads))" }
        if width < 1 || width > 16384 { return "\(widthKey) must be between 1 and 16384 (is \(width))" }
        if headDimension == nil && width % heads != 0 { return "\(widthKey) (\(width)) must be a multiple of \(headsKey) (\(heads))" }
        if let h = headDimension, h < 1 || h > 1024 { return "head_dim must be between 1 and 1024 (is \(h))" }
        if kvHeads < 1 || heads % kvHeads != 0 {
            return "num_attention_heads (\(heads)) must be a multiple of num_key_value_heads (\(kvHeads))"
        }
        if architecture.rotary && headSize % 2 != 0 { return "the head size (\(headSize)) must be even for rotary embeddings" }
        if architecture.rotary && !(ropeTheta.isFinite && ropeTheta > 0) { return "rope_theta must be a positive number (is \(ropeTheta))" }
        if let t = localRopeTheta, !(t.isFinite && t > 0) { return "rope_local_base_freq must be a positive number (is \(t))" }
        if !(normEpsilon.isFinite && normEpsilon > 0 && normEpsilon < 1) {
            return "\(epsKey) must be a positive number below 1 (is \(normEpsilon))"
        }
        if let w = slidingWindow, w < 1 { return "sliding_window must be at least 1 (is \(w))" }
        if let s = slidingLayers, s.count != layers { return "layer_types lists \(s.count) layers, not num_hidden_layers (\(layers))" }
        if let r = rotaryLayers, r.count != layers { return "no_rope_layers lists \(r.count) layers, not num_hidden_layers (\(layers))" }
        if let q = queryScalar, !(q.isFinite && q > 0) { return "query_pre_attn_scalar must be a positive number (is \(q))" }
        if hidden < 1 || hidden > 1 << 17 { return "\(mlpKey) must be between 1 and 131072 (is \(hidden))" }
        if contextLength < 1 || contextLength > 65536 {
            return "\(contextKey) must be between 1 and 65536 (is \(contextLength))"
        }
        if vocabularySize < 1 || vocabularySize > 1 << 20 {
            return "vocab_size must be between 1 and 1048576 (is \(vocabularySize))"
        }
        return nil
    }

    /// The reference configs of the benchmark.
    public static let tiny = GPTConfig(layers: 4, heads: 4, width: 256, contextLength: 128, vocabularySize: 512)
    /// The larger reference config of the benchmark.
    public static let small = GPTConfig(layers: 6, heads: 6, width: 384, contextLength: 256, vocabularySize: 8192)
    /// OpenAI's GPT-2 (124M).
    public static let gpt2 = GPTConfig(layers: 12, heads: 12, width: 768, contextLength: 1024, vocabularySize: 50257)
}
