import Foundation
import Kernels

/// The shape of a model: GPT-2's (token and learned position embeddings,
/// LayerNorm, GELU MLP, multi-head attention, tied head) or the Llama
/// family's (RMSNorm, rotary positions, SwiGLU MLP, grouped-query attention,
/// tied or untied head, optional q/k/v bias as in Qwen2). The GPT-2 keys are
/// read from and written to Hugging Face's GPT-2 `config.json` (`n_layer`,
/// `n_head`, `n_embd`, `n_positions`, `vocab_size`); the Llama family's come
/// from its own config.json (`HuggingFaceConfig`).
public struct GPTConfig: Codable, Sendable, Equatable {
    /// Which family's blocks the model is made of, named by Hugging Face's
    /// `model_type`: GPT-2's, or the Llama family's (Llama, Qwen2 and Mistral
    /// share the blocks and differ in defaults such as Qwen2's q/k/v bias).
    public enum Family: String, Sendable, Codable, CaseIterable { case gpt2, llama, qwen2, mistral }

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

    /// Key/value heads.
    public var kvHeads: Int { keyValueHeads ?? heads }
    /// Width of one head.
    public var headSize: Int { width / heads }
    /// Width of the fused q, k, v projection's output: C + 2·kvHeads·headSize.
    public var qkvWidth: Int { width + 2 * kvHeads * headSize }
    /// The MLP's hidden width.
    public var hidden: Int { mlpWidth ?? 4 * width }
    /// Width of the MLP's first projection's output: GPT-2's hidden layer, or the Llama family's [gate | up].
    public var fcWidth: Int { family == .gpt2 ? hidden : 2 * hidden }

    enum CodingKeys: String, CodingKey {
        case layers = "n_layer", heads = "n_head", width = "n_embd"
        case contextLength = "n_positions", vocabularySize = "vocab_size"
    }

    /// Why a config cannot be used, or nil when it can.
    public var problem: String? {
        if layers < 1 || layers > 256 { return "n_layer must be between 1 and 256 (is \(layers))" }
        if heads < 1 || heads > 256 { return "n_head must be between 1 and 256 (is \(heads))" }
        if width < 1 || width > 16384 { return "n_embd must be between 1 and 16384 (is \(width))" }
        if width % heads != 0 { return "n_embd (\(width)) must be a multiple of n_head (\(heads))" }
        if kvHeads < 1 || heads % kvHeads != 0 {
            return "num_attention_heads (\(heads)) must be a multiple of num_key_value_heads (\(kvHeads))"
        }
        if family != .gpt2 && headSize % 2 != 0 { return "the head size (\(headSize)) must be even for rotary embeddings" }
        if hidden < 1 || hidden > 1 << 17 { return "intermediate_size must be between 1 and 131072 (is \(hidden))" }
        if contextLength < 1 || contextLength > 65536 {
            return "n_positions must be between 1 and 65536 (is \(contextLength))"
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
