/// Low-rank adapters (Hu et al. 2021, "LoRA", §4.1): a frozen weight W gains a
/// trainable update of rank r,
///
///     h = W x + (α / r) · B A x,   A (r, in) uniform(±1/√in), B (out, r) = 0,
///
/// so training starts from the base model exactly. The names, shapes, start and
/// scaling are PEFT's (`peft.tuners.lora.layer.Linear`: `lora_A` (r, in), `lora_B`
/// (out, r), kaiming-uniform A with a = √5, zero B; `use_rslora` scales by α/√r).
public struct LoRASettings: Sendable, Equatable {
    /// The rank r.
    public var rank: Int
    /// α; the update is scaled by α/r (α/√r with `rsLoRA`).
    public var alpha: Double
    /// PEFT's module names the adapters sit on (`q_proj`, …; GPT-2: `c_attn`, `c_proj`, `c_fc`).
    public var targets: [String]
    /// Rank-stabilised scaling (Kalajdzievski 2023): α/√r instead of α/r.
    public var rsLoRA: Bool
    /// PEFT's `lora_dropout`: in a training pass each adapter reads its input with this
    /// share of the elements zeroed and the rest scaled by 1/(1 − p); the base reads it whole.
    public var dropout: Double

    public init(rank: Int, alpha: Double? = nil, targets: [String], rsLoRA: Bool = false, dropout: Double = 0) {
        self.rank = rank
        self.alpha = alpha ?? Double(2 * rank)
        self.targets = targets
        self.rsLoRA = rsLoRA
        self.dropout = dropout
    }

    /// The factor of B A x.
    public var scaling: Float { Float(rsLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank)) }

    /// Every linear layer of a family's blocks, by PEFT's module names.
    public static func modules(_ family: GPTConfig.Family) -> [String] {
        family == .gpt2 ? ["c_attn", "c_proj", "c_fc"] : ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    }

    /// What is wrong with these settings for a model of `config`, if anything.
    public func problem(for config: GPTConfig) -> String? {
        if rank < 1 { return "the rank must be at least 1" }
        if !(0..<1).contains(dropout) { return "the dropout must be at least 0 and below 1" }
        if targets.isEmpty { return "no target modules" }
        let known = Self.modules(config.family)
        if let bad = targets.first(where: { !known.contains($0) }) {
            return "\(bad) is not a linear layer of a \(config.family.rawValue) model; those are \(known.joined(separator: ", "))"
        }
        return nil
    }
}

/// The matrix product of a block an adapter adds to.
public enum LoRASite: Sendable, Equatable {
    /// The fused q, k, v projection (GPT-2's c_attn; the Llama family's q_proj, k_proj, v_proj).
    case qkv
    /// The attention's output projection (c_proj, o_proj).
    case attentionOutput
    /// The MLP's first projection (c_fc; the Llama family's gate_proj and up_proj, fused).
    case mlpIn
    /// The MLP's output projection (mlp.c_proj, down_proj).
    case mlpOut
}

/// One adapter of one block: which product, which of its output columns, and
/// where A (rank, inputs) and B (columns, rank) are in the buffer.
public struct LoRAAdapter: Sendable, Equatable {
    public let site: LoRASite
    /// The output columns of the product it adds to (all of them, or q, k, v, gate or up).
    public let columns: Range<Int>
    /// The product's input width.
    public let inputs: Int
    public let a: Int, b: Int
}

extension ParameterLayout {
    /// The adapters on each layer's linear layers, per PEFT module name, with the
    /// tensor names PEFT gives them inside the model (`….q_proj.lora_A.weight`).
    static func adapters(
        config: GPTConfig, settings: LoRASettings,
        add: (String, [Int], ParameterRole) -> Int
    ) -> [[LoRAAdapter]] {
        let C = config.width, A = config.attentionWidth, KV = config.kvHeads * config.headSize, H = config.hidden, r = settings.rank
        let targets = Set(settings.targets)
        return (0..<config.layers).map { l in
            // (module path, PEFT name, site, output columns, input width), in the blocks' order.
            let modules: [(String, String, LoRASite, Range<Int>, Int)] = config.family == .gpt2
                ? [("transformer.h.\(l).attn.c_attn", "c_attn", .qkv, 0..<(3 * C), C),
                   ("transformer.h.\(l).attn.c_proj", "c_proj", .attentionOutput, 0..<C, C),
                   ("transformer.h.\(l).mlp.c_fc", "c_fc", .mlpIn, 0..<H, C),
                   ("transformer.h.\(l).mlp.c_proj", "c_proj", .mlpOut, 0..<C, H)]
                : [("model.layers.\(l).self_attn.q_proj", "q_proj", .qkv, 0..<A, C),
                   ("model.layers.\(l).self_attn.k_proj", "k_proj", .qkv, A..<(A + KV), C),
                   ("model.layers.\(l).self_attn.v_proj", "v_proj", .qkv, (A + KV)..<(A + 2 * KV), C),
                   ("model.layers.\(l).self_attn.o_proj", "o_proj", .attentionOutput, 0..<C, A),
                   ("model.layers.\(l).mlp.gate_proj", "gate_proj", .mlpIn, 0..<H, C),
                   ("model.layers.\(l).mlp.up_proj", "up_proj", .mlpIn, H..<(2 * H), C),
                   ("model.layers.\(l).mlp.down_proj", "down_proj", .mlpOut, 0..<C, H)]
            return modules.filter { targets.contains($0.1) }.map { path, _, site, columns, inputs in
                LoRAAdapter(site: site, columns: columns, inputs: inputs,
                            a: add(path + ".lora_A.weight", [r, inputs], .loraA),
                            b: add(path + ".lora_B.weight", [columns.count, r], .loraB))
            }
        }
    }
}
