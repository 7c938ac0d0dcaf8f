/// What a tensor does in the model: it decides how the tensor starts
/// (`GPT.init(config:scalarHead:seed:)`) without reading its name.
public enum ParameterRole: Sendable, Equatable {
    /// The token embedding (also the tied LM head) and the position table.
    case embedding
    /// A projection whose output is read by the next layer.
    case matrix
    /// A projection that writes into the residual stream (GPT-2 scales its start by 1/√(2L)).
    case residualProjection
    /// A normalisation's gain, which starts at 1.
    case normWeight
    /// A bias (of a projection or a normalisation), which starts at 0.
    case bias
    /// The scalar head of a reward or value model.
    case scalarHead
    /// A low-rank adapter's A (rank, in), which starts uniform(±1/√in).
    case loraA
    /// A low-rank adapter's B (out, rank), which starts at 0.
    case loraB

    /// Whether the tensor trains when the model has adapters (the base is frozen then).
    public var trainsWithAdapters: Bool { self == .loraA || self == .loraB || self == .scalarHead }

    /// Whether the tensor is one of the base's weight matrices (embeddings, projections, an
    /// untied LM head): what a model held in bfloat16 keeps in bfloat16.
    public var isBaseMatrix: Bool { self == .embedding || self == .matrix || self == .residualProjection }
}

/// How a model holds its base weight matrices: binary32, or bfloat16 (half the
/// memory; frozen, read by sampling and by frozen references, and by training
/// that only moves adapters). Norms, biases, heads and adapters are binary32 always.
/// A bfloat16 model, and a binary32 one with adapters, hold their base matrices
/// apart from the other parameters, in a buffer that nothing writes and that
/// copies and adapted models share.
public enum Precision: String, Sendable, CaseIterable {
    case float32 = "f32"
    case bfloat16 = "bf16"
}

/// One named tensor inside a contiguous parameter buffer.
public struct ParameterSpec: Sendable, Equatable {
    /// Hugging Face's name, such as `transformer.h.0.attn.c_attn.weight` or
    /// `model.layers.0.self_attn.q_proj.weight`.
    public let name: String
    /// The shape in Hugging Face's layout (GPT-2's Conv1D weights are [in, out],
    /// the Llama family's Linear weights [out, in]).
    public let shape: [Int]
    /// Where it starts in its buffer: the parameters, or the base matrices when `inBase`.
    public let offset: Int
    /// What it does.
    public let role: ParameterRole
    /// Whether it is held in the base matrices' buffer, apart from the parameters
    /// (a base matrix of a model held in bfloat16 or with adapters).
    public let inBase: Bool
    /// Whether it is held in bfloat16 (a base matrix of a model held so).
    public let isBFloat16: Bool
    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Weight decay applies to matrices, not to biases and LayerNorm weights.
    public var decays: Bool { shape.count == 2 }
}

/// Where one transformer block's tensors start in the buffer, resolved once
/// from the config (llm.c's `params.qkvw + l·3·C·C`), so that no pass looks a
/// name up. The q, k and v projections are one fused matrix (GPT-2's c_attn;
/// the Llama family's q_proj, k_proj and v_proj stored one after another,
/// which in the [out, in] layout is their concatenation), and so are the
/// gated MLP's gate and up projections (`fcw`). A nil offset is a tensor the
/// family does not have: a bias, the norm before or after a sublayer
/// (`norm1w`/`norm2w` before, `post1w`/`post2w` after), the q/k norms.
public struct BlockOffsets: Sendable, Equatable {
    public let norm1w: Int?, norm1b: Int?, qkvw: Int, qkvb: Int?, qNorm: Int?, kNorm: Int?, projw: Int, projb: Int?, post1w: Int?
    public let norm2w: Int?, norm2b: Int?, fcw: Int, fcb: Int?, fcprojw: Int, fcprojb: Int?, post2w: Int?
}

/// The ordered size table that carves one buffer into a model's named
/// tensors, with Hugging Face's names and shapes for its family. The same
/// layout serves parameters, gradients and both Adam moments. A layout of
/// `Precision.bfloat16`, or with adapters, carves a second buffer for the base
/// matrices (`ParameterSpec.inBase`); the block offsets of matrices are then
/// offsets into it. In bfloat16 the matrices lie packed; in binary32 each lies
/// where the layout without adapters has it, so that the buffer of a model
/// without adapters serves, shared, as the base of one with.
public struct ParameterLayout: Sendable {
    /// Every tensor in buffer order.
    public let specs: [ParameterSpec]
    /// Total number of floats (of the binary32 buffer).
    public let count: Int
    /// How the base matrices are held.
    public let precision: Precision
    /// Number of values of the base matrices' buffer (0 when they are not held apart).
    public let baseMatrixCount: Int
    /// Number of bfloat16 values (0 for a binary32 layout).
    public var bfloat16Count: Int { precision == .bfloat16 ? baseMatrixCount : 0 }
    /// Number of parameters, wherever they are held.
    public let parameterCount: Int
    /// Each block's offsets, by layer.
    public let blocks: [BlockOffsets]
    /// Each block's low-rank adapters, by layer (empty without LoRA).
    public let adapters: [[LoRAAdapter]]
    /// The adapters' settings, nil for a model without.
    public let lora: LoRASettings?
    /// Floats of the base model; the adapters come after them.
    public let baseCount: Int
    /// Offsets of the tensors outside the blocks: token embedding, position
    /// table (GPT-2), final norm (its bias: GPT-2), untied LM head, scalar head.
    public let wte: Int, wpe: Int?, lnfw: Int, lnfb: Int?, head: Int?, score: Int?
    private let index: [String: Int]

    /// The layout of a model of `config`, with a scalar head (`score.weight`, (1, C)) when `scalarHead`.
    public init(config: GPTConfig, scalarHead: Bool, lora: LoRASettings? = nil, precision: Precision = .float32) {
        let C = config.width, V = config.vocabularySize, KV = config.kvHeads * config.headSize, H = config.hidden
        // `offset` runs through the parameters, `apart` through the base matrices,
        // `plain` through the layout this one would be without adapters in binary32.
        var specs: [ParameterSpec] = [], offset = 0, apart = 0, plain = 0
        let holdsApart = precision == .bfloat16 || lora != nil
        func add(_ name: String, _ shape: [Int], _ role: ParameterRole) -> Int {
            let count = shape.reduce(1, *), inBase = holdsApart && role.isBaseMatrix
            let at = !inBase ? offset : precision == .bfloat16 ? apart : plain
            specs.append(ParameterSpec(name: name, shape: shape, offset: at, role: role, inBase: inBase,
                                       isBFloat16: inBase && precision == .bfloat16))
            if !inBase { offset += count } else { apart += count }
            plain += count
            return at
        }
        switch config.family {
        case .gpt2:
            wte = add("transformer.wte.weight", [V, C], .embedding)
            wpe = add("transformer.wpe.weight", [config.contextLength, C], .embedding)
            blocks = (0..<config.layers).map { l in
                let p = "transformer.h.\(l)."
                return BlockOffsets(
                    norm1w: add(p + "ln_1.weight", [C], .normWeight), norm1b: add(p + "ln_1.bias", [C], .bias),
                    qkvw: add(p + "attn.c_attn.weight", [C, 3 * C], .matrix), qkvb: add(p + "attn.c_attn.bias", [3 * C], .bias),
                    qNorm: nil, kNorm: nil,
                    projw: add(p + "attn.c_proj.weight", [C, C], .residualProjection), projb: add(p + "attn.c_proj.bias", [C], .bias),
                    post1w: nil,
                    norm2w: add(p + "ln_2.weight", [C], .normWeight), norm2b: add(p + "ln_2.bias", [C], .bias),
                    fcw: add(p + "mlp.c_fc.weight", [C, H], .matrix), fcb: add(p + "mlp.c_fc.bias", [H], .bias),
                    fcprojw: add(p + "mlp.c_proj.weight", [H, C], .residualProjection),
                    fcprojb: add(p + "mlp.c_proj.bias", [C], .bias), post2w: nil)
            }
            lnfw = add("transformer.ln_f.weight", [C], .normWeight)
            lnfb = add("transformer.ln_f.bias", [C], .bias)
        default:
            // Hugging Face's LlamaForCausalLM and its kin: Linear weights [out, in]; the norms
            // named by where they sit (Llama's `post_attention_layernorm` is the MLP's pre-norm;
            // OLMo 2's and Gemma 3's is the attention's post-norm).
            let arch = config.architecture, A = config.attentionWidth
            let qkSize = arch.qkNorm == .perHead ? (config.headSize, config.headSize) : (A, KV)
            wte = add("model.embed_tokens.weight", [V, C], .embedding)
            wpe = nil
            blocks = (0..<config.layers).map { l in
                let p = "model.layers.\(l)."
                func norm(_ name: String, _ present: Bool) -> Int? { present ? add(p + name + ".weight", [C], .normWeight) : nil }
                let norm1w = norm("input_layernorm", arch.placement.before)
                let qkvw = add(p + "self_attn.q_proj.weight", [A, C], .matrix)
                _ = add(p + "self_attn.k_proj.weight", [KV, C], .matrix)
                _ = add(p + "self_attn.v_proj.weight", [KV, C], .matrix)
                var qkvb: Int?
                if config.attentionBias {
                    qkvb = add(p + "self_attn.q_proj.bias", [A], .bias)
                    _ = add(p + "self_attn.k_proj.bias", [KV], .bias)
                    _ = add(p + "self_attn.v_proj.bias", [KV], .bias)
                }
                let hasQK = arch.qkNorm != .none
                let qNorm = hasQK ? add(p + "self_attn.q_norm.weight", [qkSize.0], .normWeight) : nil
                let kNorm = hasQK ? add(p + "self_attn.k_norm.weight", [qkSize.1], .normWeight) : nil
                let projw = add(p + "self_attn.o_proj.weight", [C, A], .matrix)
                let post1w = norm("post_attention_layernorm", arch.placement.after)
                let norm2w = norm(arch.placement == .both ? "pre_feedforward_layernorm" : "post_attention_layernorm",
                                  arch.placement.before)
                let fcw = add(p + "mlp.gate_proj.weight", [H, C], .matrix)
                _ = add(p + "mlp.up_proj.weight", [H, C], .matrix)
                let fcprojw = add(p + "mlp.down_proj.weight", [C, H], .matrix)
                let post2w = norm("post_feedforward_layernorm", arch.placement.after)
                return BlockOffsets(norm1w: norm1w, norm1b: nil, qkvw: qkvw, qkvb: qkvb, qNorm: qNorm, kNorm: kNorm, projw: projw,
                                    projb: nil, post1w: post1w, norm2w: norm2w, norm2b: nil, fcw: fcw, fcb: nil, fcprojw: fcprojw,
                                    fcprojb: nil, post2w: post2w)
            }
            lnfw = add("model.norm.weight", [C], .normWeight)
            lnfb = nil
        }
        // A reward or value model reads the scalar head only (LlamaForSequenceClassification has no lm_head).
        head = config.tiedHead || scalarHead ? nil : add("lm_head.weight", [V, C], .matrix)
        score = scalarHead ? add("score.weight", [1, C], .scalarHead) : nil
        baseCount = offset
        let plainCount = plain  // a binary32 base buffer is as long as the parameters without adapters
        self.lora = lora
        adapters = lora.map { Self.adapters(config: config, settings: $0, add: add) } ?? []
        self.specs = specs
        self.count = offset
        self.precision = precision
        baseMatrixCount = !holdsApart ? 0 : precision == .bfloat16 ? apart : plainCount
        parameterCount = specs.map(\.count).reduce(0, +)
        self.index = Dictionary(uniqueKeysWithValues: specs.enumerated().map { ($1.name, $0) })
    }

    /// Where the parameters that train begin: 0, or with adapters the first
    /// trainable tensor, since a scalar head and the adapters come last in the layout.
    public var trainableStart: Int {
        guard lora != nil else { return 0 }
        let start = specs.filter { $0.role.trainsWithAdapters }.map(\.offset).min() ?? count
        // Every tensor from there on trains (the layout adds them last); else hold everything.
        return specs.allSatisfy { $0.inBase || $0.offset < start || $0.role.trainsWithAdapters } ? start : 0
    }

    /// Number of parameters that train: all of them, or with adapters theirs and a scalar head's.
    public var trainableCount: Int {
        lora == nil ? parameterCount : specs.filter { $0.role.trainsWithAdapters }.map(\.count).reduce(0, +)
    }

    /// Bytes the parameters take: the binary32 buffer and the base matrices held apart.
    public var parameterBytes: Int { count * 4 + baseMatrixCount * (precision == .bfloat16 ? 2 : 4) }

    /// The tensor called `name`, if the layout has one.
    public subscript(name: String) -> ParameterSpec? { index[name].map { specs[$0] } }

    /// The offset of a tensor that must exist (a programmer error otherwise).
    public func offset(_ name: String) -> Int {
        guard let spec = self[name] else { preconditionFailure("no parameter \(name)") }
        return spec.offset
    }
}
