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
}
