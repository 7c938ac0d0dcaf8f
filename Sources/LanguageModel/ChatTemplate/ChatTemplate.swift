/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A model's own chat template: the Jinja text of `tokenizer_config.json`'s
/// `chat_template` (or `chat_template.jinja`), read once and rendered the way
/// transformers' `apply_chat_template(tokenize=False)` renders it.
///
/// The template sees `messages` (dicts of `role` and `content`), `add_generation_prompt`,
/// the special tokens (`bos_token`, `eos_token`, …) and any extra variables.
/// `strftime_now` is left undefined, so templates that print today's date fall back
/// to their fixed default and the same script renders the same text every day.
public struct ChatTemplate: Sendable {
    /// The template's text.
    public let source: String
    /// Special tokens by their variable name (`bos_token`, `eos_token`, `unk_token`, `pad_token`).
    public let specialTokens: [String: String]
    private let nodes: [JinjaNode]

    /// Reads `source`.
    ///
    /// - Throws: ``JinjaError`` naming the line and the construct the subset lacks
    ///   (a macro, an unknown filter or test, a tag never closed).
    public init(_ source: String, specialTokens: [String: String] = [:]) throws {
        self.source = source
        self.specialTokens = specialTokens
        nodes = try JinjaParser.parse(source)
    }

    /// The template's text for `messages`.
    ///
    /// - Throws: ``JinjaError``: `raised` when the template refuses the conversation
    ///   (`raise_exception`, e.g. roles that do not alternate), else an evaluation error.
    public func render(
        _ messages: [ChatMessage], addGenerationPrompt: Bool, variables: [String: JinjaValue] = [:]
    ) throws -> String {
        let list = JinjaValue.list(messages.map { .dict(JinjaDict([("role", .string($0.role)), ("content", .string($0.content))])) })
        return try render(messages: list, addGenerationPrompt: addGenerationPrompt, variables: variables)
    }

    /// The template's text for messages given as values (tests pass JSON through here).
    public func render(
        messages: JinjaValue, addGenerationPrompt: Bool, variables: [String: JinjaValue] = [:]
    ) throws -> String {
        var all: [String: JinjaValue] = specialTokens.mapValues(JinjaValue.string)
        all["messages"] = messages
        all["add_generation_prompt"] = .bool(addGenerationPrompt)
        all["tools"] = JinjaValue.none  // apply_chat_template passes both, None unless given
        all["documents"] = JinjaValue.none
        all.merge(variables) { $1 }
        let renderer = JinjaRenderer(variables: all)
        try renderer.render(nodes)
        return renderer.output
    }
}
