import LanguageModel

extension Commands {
    static let newModel = CommandSpec(
        "new model",
        arguments: [.argument("NAME", .name, "the new model's name")],
        options: [
            .option("layers", .integer(1...48), "transformer blocks", default: "4"),
            .option("heads", .integer(1...64), "attention heads (must divide width)", default: "4"),
            .option("width", .integer(8...4096), "residual width", default: "128"),
            .option("context", .integer(8...4096), "longest sequence", default: "128"),
            .option("vocab", .integer(2...200_000), "vocabulary size (default: the tokenizer's)"),
            .option("tokenizer", .name, "a tokenizer in the session to read and write its text"),
            .option("seed", .integer(0...Int.max), "initialisation seed (default: from the session seed)"),
        ],
        summary: "make a freshly initialised GPT-2 style model",
        help: """
            Creates a model with GPT-2's architecture and initialisation (weights \
            normal(0, 0.02), residual projections scaled by 1/√(2·layers)). Give it a \
            tokenizer so generate and pretrain can turn text into tokens; its vocabulary \
            size then defaults to the tokenizer's.
            """,
        examples: ["new model tiny tokenizer=tok layers=2 width=64", "new model big layers=6 heads=6 width=384 vocab=8192"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("NAME")
        var tokenizer: BPETokenizer?
        if let t = invocation.optional("tokenizer") {
            guard let found = s.tokenizers[t] else {
                throw invocation.error("no tokenizer '\(t)'; make one with train tokenizer or load one with load model", at: "tokenizer")
            }
            tokenizer = found
        }
        guard let vocab = invocation.optional("vocab").flatMap({ Int($0) }) ?? tokenizer?.vocabularySize else {
            throw invocation.error("give vocab=N or tokenizer=NAME so the model knows its vocabulary size")
        }
        if let tokenizer, vocab < tokenizer.vocabularySize {
            throw invocation.error("vocab=\(vocab) is smaller than the tokenizer's \(tokenizer.vocabularySize) tokens", at: "vocab")
        }
        let config = GPTConfig(layers: invocation.integer("layers"), heads: invocation.integer("heads"),
                               width: invocation.integer("width"), contextLength: invocation.integer("context"),
                               vocabularySize: vocab)
        if let problem = config.problem { throw invocation.error(problem, at: "heads") }
        var rng = s.random(invocation)
        let model = GPT(config: config, seed: rng.next())
        s.models[name] = ModelEntry(model: model, tokenizer: tokenizer, origin: "new")
        s.touch(name)
        return CommandOutput("\(name): new model, \(formatCount(model.parameterCount)) parameters "
            + "(\(plural(config.layers, "layer")), \(plural(config.heads, "head")), width \(config.width), context \(config.contextLength), vocab \(vocab))")
    }

    static let copyModel = CommandSpec(
        "copy model",
        arguments: [.argument("FROM", .name, "an existing model"), .argument("TO", .name, "the copy's name")],
        summary: "copy a model (a frozen reference, a starting point)",
        help: "Makes an independent copy of a model's parameters and tokenizer: training one later leaves the other as it was.",
        examples: ["copy model sft reference"]
    ) { invocation, context in
        let s = context.session
        let source = try s.model(invocation.argument("FROM"), in: invocation, argument: "FROM")
        let to = invocation.argument("TO")
        s.models[to] = ModelEntry(model: source.model.copy(), tokenizer: source.tokenizer, origin: "copy of \(invocation.argument("FROM"))")
        s.touch(to)
        return CommandOutput("\(to): copy of \(invocation.argument("FROM"))")
    }

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
