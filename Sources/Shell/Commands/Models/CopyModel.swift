import LanguageModel

extension Commands {
    static let copyModel = CommandSpec(
        "copy model",
        arguments: [.argument("FROM", .name, "an existing model"), .argument("TO", .name, "the copy's name")],
        options: [.option("dtype", .choice(Precision.allCases.map(\.rawValue)), "hold the copy's weight matrices in f32 or bf16 (default: as FROM)")],
        summary: "copy a model (a frozen reference, a starting point)",
        help: """
            Makes an independent copy of a model's parameters and tokenizer: training one later leaves the other as it was. \
            dtype=bf16 holds the copy's weight matrices in bf16 (half the memory, each rounded to the nearest bf16): \
            a frozen reference for dpo init reference=, or a model that samples faster.
            """,
        examples: ["copy model sft reference", "copy model sft reference dtype=bf16"]
    ) { invocation, context in
        let s = context.session
        let source = try s.model(invocation.argument("FROM"), in: invocation, argument: "FROM")
        let to = invocation.argument("TO")
        let copy = source.model.copy()
        let model = invocation.optional("dtype").flatMap(Precision.init(rawValue:)).map { copy.converted(to: $0) } ?? copy
        s.models[to] = ModelEntry(model: model, tokenizer: source.tokenizer, origin: "copy of \(invocation.argument("FROM"))", chat: source.chat)
        s.touch(to)
        return CommandOutput("\(to): copy of \(invocation.argument("FROM"))" + (model.precision == source.model.precision ? "" : " in \(model.precision.rawValue)"))
    }
}
