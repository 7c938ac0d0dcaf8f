import LanguageModel

extension Commands {
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
        s.models[to] = ModelEntry(model: source.model.copy(), tokenizer: source.tokenizer, origin: "copy of \(invocation.argument("FROM"))", chat: source.chat)
        s.touch(to)
        return CommandOutput("\(to): copy of \(invocation.argument("FROM"))")
    }
}
