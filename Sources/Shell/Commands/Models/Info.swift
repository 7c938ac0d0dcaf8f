import LanguageModel

extension Commands {
    static let info = CommandSpec(
        "info",
        arguments: [.argument("NAME", .name, "a model")],
        summary: "a model's config, parameter count and memory",
        help: "Shows the model's shape (as Hugging Face's GPT-2 config names it), its parameters tensor by tensor group, and the memory it holds.",
        examples: ["info sft"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let entry = try context.session.model(name, in: invocation, argument: "NAME")
        return CommandOutput(describe(name, entry))
    }

    /// A model's description for info and show.
    static func describe(_ name: String, _ entry: ModelEntry) -> String {
        let m = entry.model, c = m.config
        var rows: [[String]] = [
            ["kind", m.hasScalarHead ? "scalar head (reward/value model)" : "language model"],
            ["n_layer", String(c.layers)], ["n_head", String(c.heads)], ["n_embd", String(c.width)],
            ["n_positions", String(c.contextLength)], ["vocab_size", String(c.vocabularySize)],
            ["parameters", "\(formatCount(m.parameterCount)) (\(m.parameterCount))"],
            ["memory", String(format: "%.1f MiB", Double(m.byteCount) / 1_048_576)],
            ["tokenizer", entry.tokenizer.map { "\($0.vocabularySize) tokens" } ?? "none"],
            ["origin", entry.origin],
        ]
        let embeddings = m.layout.specs.filter { $0.name.hasSuffix("wte.weight") || $0.name.hasSuffix("wpe.weight") }.map(\.count).reduce(0, +)
        rows.insert(["embeddings", formatCount(embeddings)], at: 7)
        return "\(name)\n" + Table(["", ""], rows).render(header: false)
    }
}
