import Alignment
import LanguageModel

extension Commands {
    static let info = CommandSpec(
        "info",
        arguments: [.argument("NAME", .name, "a model")],
        summary: "a model's config, parameter count and memory",
        help: "Shows the model's shape (as Hugging Face's config for its family names it), its parameters, and the memory it holds.",
        examples: ["info sft"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let entry = try context.session.model(name, in: invocation, argument: "NAME")
        return CommandOutput(describe(name, entry))
    }

    /// A model's description for info and show.
    static func describe(_ name: String, _ entry: ModelEntry) -> String {
        let m = entry.model, c = m.config
        var rows: [[String]] = [["kind", m.hasScalarHead ? "scalar head (reward/value model)" : "language model"]]
        if c.family == .gpt2 {
            rows += [["n_layer", String(c.layers)], ["n_head", String(c.heads)], ["n_embd", String(c.width)],
                     ["n_positions", String(c.contextLength)], ["vocab_size", String(c.vocabularySize)]]
        } else {
            rows += [["model_type", c.family.rawValue], ["num_hidden_layers", String(c.layers)],
                     ["num_attention_heads", String(c.heads)], ["num_key_value_heads", String(c.kvHeads)],
                     ["hidden_size", String(c.width)], ["intermediate_size", String(c.hidden)],
                     ["max_position_embeddings", String(c.contextLength)], ["vocab_size", String(c.vocabularySize)],
                     ["rope_theta", String(format: "%g", c.ropeTheta) + (c.ropeScaling == nil ? "" : ", llama3 scaling")],
                     ["tie_word_embeddings", String(c.tiedHead)]]
            if let h = c.headDimension { rows.append(["head_dim", String(h)]) }
            if let w = c.slidingWindow, let s = c.slidingLayers {
                rows.append(["sliding_window", "\(w) on \(s.filter { $0 }.count) of \(c.layers) layers"
                             + (c.localRopeTheta.map { String(format: " (rope_theta %g)", $0) } ?? "")])
            }
            if let q = c.queryScalar { rows.append(["query_pre_attn_scalar", String(format: "%g", q)]) }
            if let r = c.rotaryLayers { rows.append(["no_rope_layers", "\(r.filter { !$0 }.count) of \(c.layers) layers without rotary positions"]) }
        }
        let embeddings = m.layout.specs.filter { $0.role == .embedding }.map(\.count).reduce(0, +)
        rows += [["parameters", "\(formatCount(m.parameterCount)) (\(m.parameterCount))"],
                 ["embeddings", formatCount(embeddings)],
                 ["dtype", m.precision == .bfloat16 ? "bf16 matrices (norms, biases, heads, adapters f32)" : "f32"],
                 ["memory", String(format: "%.1f MiB", Double(m.byteCount) / 1_048_576)],
                 ["tokenizer", entry.tokenizer.map { "\($0.vocabularySize) tokens" } ?? "none"]]
        if let t = entry.tokenizer, t.chatTemplate != nil || ChatFormat.supports(t) {
            let end = ChatFormat.stopToken(t).flatMap(t.token(for:)) ?? "none"
            rows.append(["chat format", (t.chatTemplate == nil ? "<|user|> <|assistant|> markers" : "its chat template") + ", turns end at \(end)"])
        }
        if let adapters = describeAdapters(m) { rows.append(["adapters", adapters]) }
        rows += trainingMemoryRows(m)
        rows.append(["origin", entry.origin])
        return "\(name)\n" + Table(["", ""], rows).render(header: false)
    }

    /// What a training step at sft's default shape (16 rows of 96 tokens, or the context)
    /// would take beside the parameters: every weight training (widened to f32 first when
    /// held in bf16), and when the model has no adapters, low-rank adapters of rank 16.
    static func trainingMemoryRows(_ m: GPT) -> [[String]] {
        let B = sftTraining.defaults.batchSize, T = min(sftTraining.defaults.sequenceLength, m.config.contextLength)
        let shape = "\(B) × \(T) tokens"
        if m.lora != nil { return [["to train", "\(describeMemory(m.trainingMemory(as: m.layout, B: B, T: T))) for a step of \(shape)"]] }
        let full = m.trainingMemory(as: ParameterLayout(config: m.config, scalarHead: m.hasScalarHead), B: B, T: T)
        let lora = ParameterLayout(config: m.config, scalarHead: m.hasScalarHead,
                                   lora: LoRASettings(rank: 16, targets: LoRASettings.modules(m.config.family)), precision: m.precision)
        let adapters = m.trainingMemory(as: lora, B: B, T: T)
        return [["to train", "\(describeMemory(full)) for a step of \(shape)\(m.precision == .bfloat16 ? " (widened to f32)" : "")"],
                ["with lora=16", "\(describeMemory(adapters))"]]
    }
}
