/// One named tensor inside a contiguous parameter buffer.
public struct ParameterSpec: Sendable, Equatable {
    /// Hugging Face's GPT-2 name, such as `transformer.h.0.attn.c_attn.weight`.
    public let name: String
    /// The shape in Hugging Face's layout (Conv1D weights are [in, out]).
    public let shape: [Int]
    /// Where it starts in the buffer.
    public let offset: Int
    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Weight decay applies to matrices, not to biases and LayerNorm weights.
    public var decays: Bool { shape.count == 2 }
}

/// The ordered size table that carves one buffer into GPT-2's named tensors.
/// The same layout serves parameters, gradients and both Adam moments.
public struct ParameterLayout: Sendable {
    /// Every tensor in buffer order.
    public let specs: [ParameterSpec]
    /// Total number of floats.
    public let count: Int
    private let index: [String: Int]

    /// The layout of a model of `config`, with a scalar head (`score.weight`, (1, C)) when `scalarHead`.
    public init(config: GPTConfig, scalarHead: Bool) {
        let C = config.width, V = config.vocabularySize
        var table: [(String, [Int])] = [
            ("transformer.wte.weight", [V, C]),
            ("transformer.wpe.weight", [config.contextLength, C]),
        ]
        for l in 0..<config.layers {
            let p = "transformer.h.\(l)."
            table += [
                (p + "ln_1.weight", [C]), (p + "ln_1.bias", [C]),
                (p + "attn.c_attn.weight", [C, 3 * C]), (p + "attn.c_attn.bias", [3 * C]),
                (p + "attn.c_proj.weight", [C, C]), (p + "attn.c_proj.bias", [C]),
                (p + "ln_2.weight", [C]), (p + "ln_2.bias", [C]),
                (p + "mlp.c_fc.weight", [C, 4 * C]), (p + "mlp.c_fc.bias", [4 * C]),
                (p + "mlp.c_proj.weight", [4 * C, C]), (p + "mlp.c_proj.bias", [C]),
            ]
        }
        table += [("transformer.ln_f.weight", [C]), ("transformer.ln_f.bias", [C])]
        if scalarHead { table.append(("score.weight", [1, C])) }
        var offset = 0
        var specs: [ParameterSpec] = []
        for (name, shape) in table {
            specs.append(ParameterSpec(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
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
