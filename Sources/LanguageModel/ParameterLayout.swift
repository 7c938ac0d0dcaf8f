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
}

/// One named tensor inside a contiguous parameter buffer.
public struct ParameterSpec: Sendable, Equatable {
    /// Hugging Face's GPT-2 name, such as `transformer.h.0.attn.c_attn.weight`.
    public let name: String
    /// The shape in Hugging Face's layout (Conv1D weights are [in, out]).
    public let shape: [Int]
    /// Where it starts in the buffer.
    public let offset: Int
    /// What it does.
    public let role: ParameterRole
    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Weight decay applies to matrices, not to biases and LayerNorm weights.
    public var decays: Bool { shape.count == 2 }
}

/// Where one transformer block's tensors start in the buffer, resolved once
/// from the config (llm.c's `params.qkvw + l·3·C·C`), so that no pass looks a
/// name up.
public struct BlockOffsets: Sendable, Equatable {
    public let ln1w, ln1b, qkvw, qkvb, projw, projb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb: Int
}

/// The ordered size table that carves one buffer into GPT-2's named tensors.
/// The same layout serves parameters, gradients and both Adam moments.
public struct ParameterLayout: Sendable {
    /// Every tensor in buffer order.
    public let specs: [ParameterSpec]
    /// Total number of floats.
    public let count: Int
    /// Each block's offsets, by layer.
    public let blocks: [BlockOffsets]
    /// Offsets of the tensors outside the blocks: token embedding (the tied LM
    /// head), position table, final LayerNorm, and the scalar head if any.
    public let wte: Int, wpe: Int, lnfw: Int, lnfb: Int, score: Int?
    private let index: [String: Int]

    /// The layout of a model of `config`, with a scalar head (`score.weight`, (1, C)) when `scalarHead`.
    public init(config: GPTConfig, scalarHead: Bool) {
        let C = config.width, V = config.vocabularySize
        var specs: [ParameterSpec] = [], offset = 0
        func add(_ name: String, _ shape: [Int], _ role: ParameterRole) -> Int {
            specs.append(ParameterSpec(name: name, shape: shape, offset: offset, role: role))
            defer { offset += shape.reduce(1, *) }
            return offset
        }
        wte = add("transformer.wte.weight", [V, C], .embedding)
        wpe = add("transformer.wpe.weight", [config.contextLength, C], .embedding)
        blocks = (0..<config.layers).map { l in
            let p = "transformer.h.\(l)."
            return BlockOffsets(
                ln1w: add(p + "ln_1.weight", [C], .normWeight), ln1b: add(p + "ln_1.bias", [C], .bias),
                qkvw: add(p + "attn.c_attn.weight", [C, 3 * C], .matrix), qkvb: add(p + "attn.c_attn.bias", [3 * C], .bias),
                projw: add(p + "attn.c_proj.weight", [C, C], .residualProjection), projb: add(p + "attn.c_proj.bias", [C], .bias),
                ln2w: add(p + "ln_2.weight", [C], .normWeight), ln2b: add(p + "ln_2.bias", [C], .bias),
                fcw: add(p + "mlp.c_fc.weight", [C, 4 * C], .matrix), fcb: add(p + "mlp.c_fc.bias", [4 * C], .bias),
                fcprojw: add(p + "mlp.c_proj.weight", [4 * C, C], .residualProjection),
                fcprojb: add(p + "mlp.c_proj.bias", [C], .bias))
        }
        lnfw = add("transformer.ln_f.weight", [C], .normWeight)
        lnfb = add("transformer.ln_f.bias", [C], .bias)
        score = scalarHead ? add("score.weight", [1, C], .scalarHead) : nil
        self.specs = specs
        self.count = offset
        self.index = Dictionary(uniqueKeysWithValues: specs.enumerated().map { ($1.name, $0) })
    }

    /// The tensor called `name`, if the layout has one.
    public subscript(name: String) -> ParameterSpec? { index[name].map { specs[$0] } }

    /// The offset of a tensor that must exist (a programmer error otherwise).
    public func offset(_ name: String) -> Int {
        guard let spec = self[name] else { preconditionFailure("no parameter \(name)") }
        return spec.offset
    }
}
