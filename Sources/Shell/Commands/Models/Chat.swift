import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel

extension Commands {
    static let chat = CommandSpec(
        "chat",
        arguments: [.argument("MODEL", .name, "a chat model"),
                    .argument("MESSAGE", .string, "what the user says next (none: show the conversation so far)", required: false)],
        options: [
            .option("system", .string, "a system message at the conversation's start (replacing any earlier one)"),
            .option("reset", .bool, "forget the conversation first", default: "false"),
            .option("save", .name, "keep the conversation as a dataset of one messages record (TRL's conversational format)"),
            .option("temperature", .float(0...10), "sampling temperature; 0 is greedy (default: the temperature setting)"),
            .option("max_tokens", .integer(1...4096), "new tokens of the reply at most (default: the max_tokens setting)"),
            .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
        ],
        summary: "talk with a model turn after turn in its chat template: a system message, reset, the history as data",
        help: """
            Each chat MODEL "MESSAGE" adds a user turn to MODEL's conversation, \
            renders the whole conversation in the model's chat template (or the \
            world's markers), and samples the assistant's reply until the turn \
            ends, which then joins the conversation. After the reply: the turn's \
            number, the tokens read and written, and the time. system="…" starts \
            the conversation with a system message (a model without a template \
            has no system turn); reset=true forgets it; save=NAME keeps it as a \
            messages dataset (save data writes it as JSONL). Without a message, \
            shows the conversation so far; template MODEL data=NAME shows its \
            text and token ids. Ctrl-C stops a reply and leaves the \
            conversation as it was. A conversation longer than the model's \
            context is refused: reset, or start again with fewer turns. The \
            bundled models were finetuned on single turns: from the second \
            turn on they read a conversation unlike anything they were shown, \
            and answer worse; a model tuned on conversations keeps up.
            """,
        examples: ["chat sft \"What is 1 + 9?\"", "chat sft \"And 2 + 2?\"", "chat qwen \"Hi\" system=\"You are brief.\" reset=true",
                   "chat sft save=talk"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("MODEL")
        let entry = try s.model(name, in: invocation, argument: "MODEL")
        guard let tokenizer = entry.tokenizer else { throw invocation.error("\(name) has no tokenizer to read a message with", at: "MODEL") }
        guard !entry.model.hasScalarHead else {
            throw invocation.error("\(name) is a reward or value model (it has a scalar head); it cannot reply", at: "MODEL")
        }
        do { try ChatFormat.check(tokenizer) } catch {
            throw invocation.error("\(name) cannot chat: \(error); give it a template (load model … chat_template=chatml, llama3 or gemma)", at: "MODEL")
        }
        var turns = invocation.bool("reset") ? [] : s.conversations[name] ?? []
        if let system = invocation.optional("system") {
            turns.removeAll { $0.role == "system" }
            turns.insert(ChatMessage(role: "system", content: system), at: 0)
        }
        guard let message = invocation.arguments["MESSAGE"] else {
            // No message: settle the conversation's start and show it.
            if !turns.isEmpty { try checkRenders(turns, name, tokenizer, invocation) }
            s.conversations[name] = turns
            if let saved = invocation.optional("save") { try saveConversation(turns, as: saved, name, invocation, s) }
            return CommandOutput(conversationText(name, turns, saved: invocation.optional("save")))
        }
        turns.append(ChatMessage(role: "user", content: message))
        let prompt = tokenizer.encode(try checkRenders(turns, name, tokenizer, invocation, generation: true))
        let room = entry.model.config.contextLength - prompt.count
        guard room >= 1 else {
            throw invocation.error("the conversation is \(prompt.count) tokens and \(name) reads at most \(entry.model.config.contextLength - 1); "
                + "start again with chat \(name) reset=true", at: "MESSAGE")
        }
        // The reply stops at the turn's end, max_tokens, or the context's end, whichever comes first.
        let limited = SamplingSettings(
            temperature: Float(invocation.optional("temperature").flatMap(Double.init) ?? s.settings.temperature),
            topK: s.settings.topK, topP: Float(s.settings.topP),
            maxNewTokens: min(invocation.optional("max_tokens").flatMap { Int($0) } ?? s.settings.maxTokens, room),
            stopToken: ChatFormat.stopToken(tokenizer))
        var rng = s.random(invocation)
        let started = Date()
        let reply = try s.work("chat \(name)", unit: "token") { monitor in
            try entry.model.generate(prompts: [prompt], settings: limited, rng: &rng, monitor: monitor)[0]
        }
        let seconds = Date().timeIntervalSince(started)
        let body = reply.stopped ? Array(reply.tokens.dropLast()) : reply.tokens
        let text = tokenizer.decodeText(body).trimmingSpaces()
        turns.append(ChatMessage(role: "assistant", content: text))
        s.conversations[name] = turns
        if let saved = invocation.optional("save") { try saveConversation(turns, as: saved, name, invocation, s) }
        let number = turns.filter { $0.role == "user" }.count
        s.values["chat.turns"] = Double(number)
        s.values["chat.read"] = Double(prompt.count)
        s.values["chat.written"] = Double(reply.tokens.count)
        let cut = reply.stopped ? "" : ", cut at max_tokens=\(limited.maxNewTokens)"
        return CommandOutput("\(name): " + text.terminalSafeLines(indent: name.count + 2)
            + "\n  (turn \(number): \(prompt.count) tokens read, \(reply.tokens.count) written\(cut)) "
            + String(format: "[%.2f s]", seconds))
    }

    /// The conversation's text for the model, or an error that says why it cannot be rendered.
    @discardableResult
    private static func checkRenders(_ turns: [ChatMessage], _ name: String, _ tokenizer: BPETokenizer, _ invocation: Invocation,
                                     generation: Bool = false) throws -> String {
        do {
            return try ChatFormat.text(of: turns, tokenizer: tokenizer, generation: generation)
        } catch {
            throw invocation.error("\(name) cannot hold this conversation: \(error)", at: invocation.given.contains("system") ? "system" : "MODEL")
        }
    }

    private static func saveConversation(_ turns: [ChatMessage], as saved: String, _ name: String, _ invocation: Invocation, _ s: Session) throws {
        guard !turns.isEmpty else { throw invocation.error("\(name)'s conversation is empty; nothing to keep", at: "save") }
        s.datasets[saved] = Dataset(records: [.messages(turns.map { Message(role: $0.role, content: $0.content) })], source: "chat \(name)")
        s.touch(saved)
    }

    /// The turns so far, one per line.
    private static func conversationText(_ name: String, _ turns: [ChatMessage], saved: String?) -> String {
        guard !turns.isEmpty else { return "\(name)'s conversation is empty; chat \(name) \"MESSAGE\" starts it" }
        let kept = saved.map { "; kept as dataset \($0)" } ?? ""
        return "\(name)'s conversation, \(turns.count) turn\(turns.count == 1 ? "" : "s")\(kept):\n"
            + turns.map { "  \($0.role): " + $0.content.terminalSafeLines(indent: $0.role.count + 4) }.joined(separator: "\n")
    }
}
