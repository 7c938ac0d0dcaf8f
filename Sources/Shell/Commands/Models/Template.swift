import Alignment
import Datasets
import LanguageModel

extension Commands {
    static let template = CommandSpec(
        "template",
        arguments: [.argument("MODEL", .name, "a model with a tokenizer"),
                    .argument("PROMPT", .string, "the user's turn (or give data= and index=)", required: false)],
        options: [.option("answer", .string, "the assistant's answer after the prompt"),
                  .option("system", .string, "a system message before the prompt"),
                  .option("data", .name, "a dataset whose record to show (messages, prompt/completion, or prompt)"),
                  .option("index", .integer(1...10_000_000), "which record of data= (from 1)", default: "1"),
                  .option("generation", .bool, "end with the generation prompt (default: when the last turn is the user's)")],
        summary: "show a conversation as a model reads it: its chat template's text and the token ids",
        help: """
            Renders a conversation in MODEL's chat template (what transformers' \
            apply_chat_template(…, tokenize=False) gives) and tokenizes it \
            (apply_chat_template(…, tokenize=True)): the text, then each token \
            with its id. The conversation is PROMPT, with system= before it and \
            answer= after it, or record index= of data= (a messages record shows \
            every turn). A model without a template reads the world's markers \
            <|user|> … <|assistant|> … <|end|>, which are shown the same way. \
            Control characters show as escapes; newlines end the text's lines.
            """,
        examples: ["template sft \"What is 1 + 9?\"", "template smol \"Hi\" system=\"You are brief.\" answer=\"Hello.\"",
                   "template smol data=demos index=3"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("MODEL")
        let entry = try s.model(name, in: invocation, argument: "MODEL")
        guard let tokenizer = entry.tokenizer else { throw invocation.error("\(name) has no tokenizer", at: "MODEL") }
        var messages = try conversation(invocation, s)
        if let system = invocation.optional("system") { messages.insert(ChatMessage(role: "system", content: system), at: 0) }
        let generation = invocation.optional("generation").flatMap(parseBool) ?? (messages.last?.role == "user")
        let text: String
        do {
            text = try ChatFormat.text(of: messages, tokenizer: tokenizer, generation: generation)
        } catch {
            throw invocation.error("\(name) cannot show this conversation: \(error)", at: tokenizer.chatTemplate == nil && invocation.given.contains("system") ? "system" : nil)
        }
        let ids = tokenizer.encode(text)
        s.values["template.tokens"] = Double(ids.count)
        let shown = text.split(separator: "\n", omittingEmptySubsequences: false).map { "  │ " + String($0).terminalSafe }
        let rows = ids.enumerated().map { [String($0.offset), String($0.element), tokenizer.token(for: $0.element) ?? "?"] }
        let source = tokenizer.chatTemplate == nil ? "the world's chat markers" : "its chat template"
        return CommandOutput("\(name) reads \(messages.count) turn\(messages.count == 1 ? "" : "s") in \(source)"
            + (generation ? ", ending with the generation prompt" : "") + ":\n" + shown.joined(separator: "\n")
            + "\n\(ids.count) tokens\n" + Table(["#", "id", "token"], rows).render())
    }

    /// The conversation `template` shows: PROMPT (and answer=), or a dataset's record.
    private static func conversation(_ invocation: Invocation, _ s: Session) throws -> [ChatMessage] {
        if let prompt = invocation.arguments["PROMPT"] {
            guard invocation.optional("data") == nil else { throw invocation.error("give PROMPT or data=, not both", at: "data") }
            return [ChatMessage(role: "user", content: prompt)]
                + (invocation.optional("answer").map { [ChatMessage(role: "assistant", content: $0)] } ?? [])
        }
        guard let dataName = invocation.optional("data") else { throw invocation.error("give a PROMPT, or data=NAME and index=N") }
        let data = try s.dataset(dataName, in: invocation, argument: "data")
        let index = invocation.integer("index")
        guard index <= data.records.count else {
            throw invocation.error("\(dataName) has \(data.records.count) records; index= counts from 1", at: "index")
        }
        switch data.records[index - 1] {
        case let .messages(turns): return turns.map { ChatMessage(role: $0.role, content: $0.content) }
        case let .completion(prompt, completion, _), let .unpaired(prompt, completion, _, _):
            return [ChatMessage(role: "user", content: prompt), ChatMessage(role: "assistant", content: completion)]
        case let .prompt(prompt, _, _, _): return [ChatMessage(role: "user", content: prompt)]
        case let .preference(prompt, chosen, _, _, _, _, _):
            return [ChatMessage(role: "user", content: prompt), ChatMessage(role: "assistant", content: chosen)]
        case let .ranking(prompt, responses, ranking, _):
            return [ChatMessage(role: "user", content: prompt), ChatMessage(role: "assistant", content: responses[ranking[0]])]
        case .text:
            throw invocation.error("\(dataName) holds plain text, not conversations", at: "data")
        }
    }
}
