/// What a family's blocks are made of: the choices that tell GPT-2, Llama,
/// Qwen2/3, Mistral, OLMo 2, Gemma 3 and SmolLM3 apart, as data. The full,
/// backward and cached passes read this description (and the per-layer
/// settings of `GPTConfig`), never the family's name; adding a family is one
/// more entry in `GPTConfig.Family.architecture` and its config.json keys.
///
/// One block, in every family (Radford et al. 2019; Touvron et al. 2023;
/// OLMo 2 and Gemma 3 add the norms after each sublayer):
///
///     a = norm₁(x) if normed before, else x
///     q, k, v = W_qkv · a;  q, k = qknorm(q), qknorm(k);  q, k = rope(q, k) on rotary layers
///     o = W_o · attention(q, k, v);  o = postnorm₁(o) if normed after
///     h = x + o
///     m = norm₂(h) if normed before, else h
///     f = W_down · act(W_up · m);  f = postnorm₂(f) if normed after
///     y = h + f
public struct Architecture: Sendable, Equatable {
    /// The norm: LayerNorm with a bias (GPT-2), RMSNorm scaling by w (Llama), or by 1 + w (Gemma).
    public enum Norm: Sendable, Equatable { case layerNorm, rms, rmsPlusOne }
    /// Where each sublayer's norm sits: before it (pre-norm), after it (OLMo 2: on
    /// its output, before the residual sum), or both (Gemma 3).
    public enum Placement: Sendable, Equatable {
        case before, after, both
        public var before: Bool { self != .after }
        public var after: Bool { self != .before }
    }
    /// An RMSNorm of the queries and keys before the rotation: none, one per head
    /// over its hs values (Qwen3, Gemma 3), or one over the whole projection (OLMo 2).
    public enum QKNorm: Sendable, Equatable { case none, perHead, whole }
    /// The MLP: GPT-2's GELU(W_fc x), or a gated one act(gate) ⊙ up (SwiGLU with
    /// silu; GeGLU with tanh GELU in Gemma).
    public enum MLP: Sendable, Equatable { case gelu, gatedSiLU, gatedGELU }
    /// How weight matrices are stored: GPT-2's Conv1D [in, out], or Linear's [out, in].
    public enum Layout: Sendable, Equatable { case inOut, outIn }

    public var norm: Norm
    public var placement: Placement
    public var qkNorm: QKNorm
    public var mlp: MLP
    /// Rotary positions (else GPT-2's learned table added at the embedding).
    public var rotary: Bool
    public var layout: Layout
    /// Whether the token embedding is multiplied by √width (Gemma).
    public var scaledEmbedding: Bool

    /// Whether the MLP's first product makes [gate | up].
    public var gated: Bool { mlp != .gelu }
}

extension GPTConfig.Family {
    /// Each family's description, from transformers' modeling files
    /// (modeling_gpt2.py, modeling_llama.py, modeling_qwen2.py, modeling_mistral.py,
    /// modeling_qwen3.py, modeling_olmo2.py, modeling_gemma3.py, modeling_smollm3.py).
    public var architecture: Architecture {
        switch self {
        case .gpt2:
            Architecture(norm: .layerNorm, placement: .before, qkNorm: .none, mlp: .gelu, rotary: false, layout: .inOut,
                         scaledEmbedding: false)
        case .llama, .qwen2, .mistral, .smollm3:
            Architecture(norm: .rms, placement: .before, qkNorm: .none, mlp: .gatedSiLU, rotary: true, layout: .outIn,
                         scaledEmbedding: false)
        case .qwen3:
            Architecture(norm: .rms, placement: .before, qkNorm: .perHead, mlp: .gatedSiLU, rotary: true, layout: .outIn,
                         scaledEmbedding: false)
        case .olmo2:
            Architecture(norm: .rms, placement: .after, qkNorm: .whole, mlp: .gatedSiLU, rotary: true, layout: .outIn,
                         scaledEmbedding: false)
        case .gemma3:
            Architecture(norm: .rmsPlusOne, placement: .both, qkNorm: .perHead, mlp: .gatedGELU, rotary: true,
                         layout: .outIn, scaledEmbedding: true)
        }
    }
}
