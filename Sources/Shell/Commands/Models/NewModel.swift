import Kernels
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
            .option("tokenizer", .name, "a tokenizer in the session, or a model whose tokenizer to share, to read and write its text"),
            .option("seed", .integer(0...Int.max), "initialisation seed (default: from the session seed)"),
            .option("family", .choice(GPTConfig.Family.allCases.map(\.rawValue)),
                    "the blocks: GPT-2's, the Llama family's, or Qwen3's, OLMo 2's, Gemma 3's, SmolLM3's", default: "gpt2"),
            .option("head_dim", .integer(2...512), "the head size when it is not width / heads (default: width / heads; even)"),
            .option("kv_heads", .integer(1...64), "key/value heads, dividing heads (Llama family; default: heads)"),
            .option("mlp", .integer(1...65_536), "the MLP's hidden width (default: 4·width for GPT-2, 8/3·width rounded up to 8 for the Llama family)"),
            .option("tied", .bool, "LM head tied to the token embedding (Llama family; GPT-2's always is)", default: "true"),
            .option("rope_theta", .float(1...1e9), "rotary base θ (Llama family)", default: "10000"),
        ],
        summary: "make a freshly initialised model: GPT-2 style, or of the Llama family",
        help: """
            Creates a model with GPT-2's architecture and initialisation (weights \
            normal(0, 0.02), residual projections scaled by 1/√(2·layers)), or with \
            family=llama (qwen2, mistral) the Llama family's: RMSNorm, rotary \
            positions, a SwiGLU MLP, grouped-query attention with kv_heads \
            key/value heads, a tied or untied head (qwen2 adds q/k/v biases), all \
            weights normal(0, 0.02) as transformers initialises them. The newer \
            families bring their own blocks: qwen3 per-head \
            q/k norms, olmo2 norms after each sublayer, gemma3_text (1 + w) norms on \
            both sides, GeGLU, a scaled embedding, sliding-window layers (window \
            4096, every sixth layer global, local base 10000, query scalar head_dim) \
            as its config class defaults, smollm3 no rotary positions on every \
            fourth layer; head_dim= sets a head size apart from width / heads. Give it a \
            tokenizer so generate and pretrain can turn text into tokens; its \
            vocabulary size then defaults to the tokenizer's. Every command trains, \
            samples and saves either family the same way; save model writes the \
            family's Hugging Face layout.
            """,
        examples: ["new model tiny tokenizer=tok layers=2 width=64", "new model big layers=6 heads=6 width=384 vocab=8192",
                   "new model smol tokenizer=tok family=llama layers=4 heads=6 kv_heads=2 width=192",
                   "new model g tokenizer=tok family=gemma3_text layers=6 heads=4 kv_heads=1 width=128 head_dim=64"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("NAME")
        var tokenizer: BPETokenizer?
        if let t = invocation.optional("tokenizer") {
            // A tokenizer by name, or the one a model carries (new model tiny tokenizer=base).
            guard let found = s.tokenizers[t] ?? s.models[t]?.tokenizer else {
                throw invocation.error("no tokenizer '\(t)' (nor a model with one); make one with train tokenizer, or load a model and give its name", at: "tokenizer")
            }
            tokenizer = found
        }
        guard let vocab = invocation.optional("vocab").flatMap({ Int($0) }) ?? tokenizer?.vocabularySize else {
            throw invocation.error("give vocab=N or tokenizer=NAME so the model knows its vocabulary size")
        }
        if let tokenizer, vocab < tokenizer.vocabularySize {
            throw invocation.error("vocab=\(vocab) is smaller than the tokenizer's \(tokenizer.vocabularySize) tokens", at: "vocab")
        }
        let family = GPTConfig.Family(rawValue: invocation.option("family"))!
        let width = invocation.integer("width"), heads = invocation.integer("heads")
        var config = GPTConfig(layers: invocation.integer("layers"), heads: heads, width: width,
                               contextLength: invocation.integer("context"), vocabularySize: vocab)
        if family == .gpt2 {
            for key in ["kv_heads", "tied", "rope_theta", "head_dim"] where invocation.given.contains(key) {
                throw invocation.error("\(key) is an option of the Llama family; add family=llama", at: key)
            }
            config.mlpWidth = invocation.optional("mlp").flatMap { Int($0) }
        } else {
            config = .llama(layers: config.layers, heads: heads, keyValueHeads: invocation.optional("kv_heads").flatMap { Int($0) } ?? heads,
                            width: width, mlpWidth: invocation.optional("mlp").flatMap { Int($0) } ?? (8 * width / 3 + 7) / 8 * 8,
                            contextLength: config.contextLength, vocabularySize: vocab,
                            ropeTheta: invocation.float("rope_theta"), tiedHead: invocation.bool("tied"),
                            attentionBias: family == .qwen2, family: family)
            config.headDimension = invocation.optional("head_dim").flatMap { Int($0) }
            describeDefaults(family, &config)
        }
        if let problem = config.problem {
            let at = invocation.given.contains("head_dim") && problem.contains("head size") ? "head_dim"
                : config.kvHeads != heads ? "kv_heads" : "heads"
            throw invocation.error(problem, at: at)
        }
        let layout = ParameterLayout(config: config, scalarHead: false), parameters = layout.parameterCount
        if let available = Machine.memoryAvailable(), layout.parameterBytes > available {
            throw invocation.error("\(formatCount(parameters)) parameters in f32 take about \(Machine.byteSize(layout.parameterBytes)), more than "
                + "\(Machine.room(available)) (about \(formatCount(available / 4)) parameters); "
                + "give fewer layers, a smaller width or a smaller vocab", at: "layers")
        }
        var rng = s.random(invocation)
        let model = GPT(config: config, seed: rng.next())
        s.models[name] = ModelEntry(model: model, tokenizer: tokenizer, origin: "new")
        s.touch(name)
        let shape = family == .gpt2 ? "" : "\(family.rawValue): "
        let kv = config.kvHeads == config.heads ? "" : " (\(config.kvHeads) key/value)"
        return CommandOutput("\(name): new model, \(formatCount(model.parameterCount)) parameters "
            + "(\(shape)\(plural(config.layers, "layer")), \(plural(config.heads, "head"))\(kv), width \(config.width), context \(config.contextLength), vocab \(vocab))")
    }

    /// What a family's transformers config class sets by default beyond the sizes
    /// (Gemma3TextConfig: sliding window 4096 on five layers of six, local rope base
    /// 1e4, global 1e6, query_pre_attn_scalar = head_dim here; SmolLM3Config: no rope
    /// on every fourth layer).
    static func describeDefaults(_ family: GPTConfig.Family, _ config: inout GPTConfig) {
        switch family {
        case .gemma3:
            config.slidingWindow = 4096
            config.slidingLayers = (0..<config.layers).map { ($0 + 1) % 6 != 0 }
            config.localRopeTheta = 10_000
            config.queryScalar = Double(config.headSize)
        case .smollm3:
            config.rotaryLayers = (0..<config.layers).map { ($0 + 1) % 4 != 0 }
        default: break
        }
    }
}
