import Alignment
import Foundation
import Kernels
import LanguageModel

extension Commands {
    static let generate = CommandSpec(
        "generate",
        arguments: [.argument("MODEL", .name, "a model with a tokenizer (default: the language model loaded or made last)", required: false),
                    .argument("PROMPT", .string, "the text to continue (quoted)")],
        options: [
            .option("n", .integer(1...256), "samples", default: "1"),
            .option("temperature", .float(0...10), "0 is greedy (default: the temperature setting)"),
            .option("top_k", .integer(0...1_000_000), "keep the k likeliest tokens; 0 keeps all (default: setting)"),
            .option("top_p", .float(0...1), "keep the likeliest tokens up to this mass (default: setting)"),
            .option("max_tokens", .integer(1...100_000), "new tokens at most (default: setting)"),
            .option("chat", .bool, "wrap the prompt in the chat format and stop at the turn's end (default: true for chat models)"),
            .option("seed", .integer(0...Int.max), "seed for this call (default: from the session seed)"),
        ],
        summary: "sample continuations of a prompt, with their log-probabilities",
        help: """
            Samples n continuations through the KV cache and prints each with the sum \
            of its tokens' log-probabilities (under the sampling temperature, before \
            top-k/top-p). With chat=true the prompt is a user turn in the model's own \
            chat template (a Hugging Face model's tokenizer_config.json), or else \
            <|user|> PROMPT <|assistant|>, and generation stops at the token that ends \
            the assistant's turn (<|eot_id|>, <|im_end|>, <|end|>…); otherwise at \
            <|endoftext|>. Either way after max_tokens; a response cut there is marked [cut].
            """,
        examples: ["generate base \"Ada lives in\" n=4 temperature=0.8", "generate sft \"What is 1 + 9?\" chat=true"]
    ) { invocation, context in
        let s = context.session
        guard let name = invocation.arguments["MODEL"]
            ?? s.objectNames.last(where: { s.models[$0].map { !$0.model.hasScalarHead } ?? false }) else {
            throw invocation.error("there is no language model yet: load model sft, or name one: generate MODEL \"PROMPT\"")
        }
        let entry = try s.model(name, in: invocation, argument: "MODEL")
        guard let tokenizer = entry.tokenizer else {
            throw invocation.error("model \(name) has no tokenizer; give it one with new model … tokenizer=NAME", at: "MODEL")
        }
        guard !entry.model.hasScalarHead else { throw invocation.error("\(name) is a scalar-head model; it scores, it does not generate", at: "MODEL") }
        let chat = invocation.optional("chat").flatMap(parseBool) ?? entry.chat
        if chat {
            do { try ChatFormat.check(tokenizer) } catch {
                throw invocation.error(tokenizer.chatTemplate == nil ? "\(name)'s tokenizer has no chat markers; use chat=false"
                                                                     : "\(name) cannot chat: \(error); use chat=false", at: "chat")
            }
        }
        let prompt = chat ? ChatFormat.promptTokens(invocation.argument("PROMPT"), tokenizer: tokenizer)
                          : tokenizer.encode(invocation.argument("PROMPT"))
        guard !prompt.isEmpty else { throw invocation.error("the prompt is empty", at: "PROMPT") }
        let context_ = entry.model.config.contextLength
        guard prompt.count < context_ else {
            throw invocation.error("the prompt is \(prompt.count) tokens; \(name) reads at most \(context_ - 1)", at: "PROMPT")
        }
        let stop = chat ? ChatFormat.stopToken(tokenizer) : tokenizer.id(of: BPETokenizer.SpecialToken.endOfText)
        let settings = SamplingSettings(
            temperature: Float(invocation.optional("temperature").flatMap(Double.init) ?? s.settings.temperature),
            topK: invocation.optional("top_k").flatMap { Int($0) } ?? s.settings.topK,
            topP: Float(invocation.optional("top_p").flatMap(Double.init) ?? s.settings.topP),
            maxNewTokens: invocation.optional("max_tokens").flatMap { Int($0) } ?? s.settings.maxTokens,
            stopToken: stop)
        var rng = s.random(invocation)
        let n = invocation.integer("n")
        let samples = try s.work("generate \(name)", unit: "token") { monitor in
            try entry.model.generate(prompts: Array(repeating: prompt, count: n), settings: settings, rng: &rng, monitor: monitor)
        }
        var rows: [[String]] = []
        for (i, g) in samples.enumerated() {
            let body = g.stopped ? Array(g.tokens.dropLast()) : g.tokens
            let shown = tokenizer.decodeText(body).replacingOccurrences(of: "\n", with: "⏎") + (g.stopped ? "" : cutMark)
            rows.append([String(i + 1), String(format: "%.2f", g.logProbabilities.reduce(0, +)), String(g.tokens.count), shown])
        }
        s.values["generate.count"] = Double(n)
        s.values["generate.tokens"] = Double(samples.map(\.tokens.count).reduce(0, +))
        s.values["generate.logp"] = Double(samples.map { $0.logProbabilities.reduce(0, +) }.reduce(0, +)) / Double(n)
        return CommandOutput(Table(["#", "log p", "tokens", "response"], rows).render())
    }
}
