import LanguageModel

/// How a model reads a conversation: its tokenizer's chat template when it has one
/// (a Hugging Face model's own format, rendered as transformers renders it), else the
/// world's markers of DESIGN §2, `<|user|> PROMPT <|assistant|> RESPONSE <|end|>`.
///
/// With a template, a prompt is the template's text for one user turn with the
/// generation prompt; a response is the tokens the template's text for the answered turn
/// has after the prompt's, up to and including the first special token it writes (the turn's end,
/// where sampling stops: `<|eot_id|>`, `<|im_end|>`, `</s>`). `check` refuses a template
/// whose assistant turn does not continue its generation prompt, or that ends the turn
/// with no special token and names no `eos_token`.
public enum ChatFormat {
    /// The tokens a model reads before it answers `prompt`.
    public static func promptTokens(_ prompt: String, tokenizer: BPETokenizer) -> [Int32] {
        guard let template = tokenizer.chatTemplate else {
            return tokenizer.encode("\(BPETokenizer.SpecialToken.user) \(prompt) \(BPETokenizer.SpecialToken.assistant)")
        }
        return tokenizer.encode(render(template, [ChatMessage(role: "user", content: prompt)], generation: true))
    }

    /// The tokens of a response, ending with the token that ends the turn when
    /// the response `ended` (its writer closed the turn). A response cut at a
    /// token limit (`ended` false) gets no end token it never produced: a reward
    /// model, a preference loss or finetuning reads it as the unfinished text it is.
    /// With `keepingTail`, an ended response keeps what the template writes after the
    /// turn's end too (Qwen's and Gemma's newline): the text `apply_chat_template`
    /// gives for the answered turn, whose last token a reward model of the family
    /// reads (Skywork-Reward-V2's model cards score exactly that).
    public static func responseTokens(_ response: String, ended: Bool = true, tokenizer: BPETokenizer,
                                      keepingTail: Bool = false) -> [Int32] {
        guard let template = tokenizer.chatTemplate else {
            let end = ended ? BPETokenizer.SpecialToken.endOfTurn : ""
            return tokenizer.encode(" " + response + end)
        }
        // The response's tokens as they follow the prompt in the whole text (a SentencePiece
        // tokenizer would put a "▁" before text encoded alone), unless a merge crosses the seam.
        var tokens = tokenizer.encode(response)
        if let (head, whole) = template.turns(answer: response), whole.hasPrefix(head) {
            let headTokens = tokenizer.encode(head), wholeTokens = tokenizer.encode(whole)
            if wholeTokens.starts(with: headTokens) { tokens = Array(wholeTokens.dropFirst(headTokens.count)) }
        }
        if let stop = tokenizer.turnEnd {
            if let end = tokens.firstIndex(of: stop) {
                if !(keepingTail && ended) { tokens.removeSubrange((end + 1)...) }
            } else {
                tokens.append(stop)
            }
            // A cut response ends where its text does: without the turn's end and what a template writes after it.
            if !ended { tokens.removeLast() }
        }
        // A cut response whose text is empty (its tokens were spaces, trimmed) is one space, as the world's format writes it.
        return tokens.isEmpty ? tokenizer.encode(" ") : tokens
    }

    /// The token that ends an assistant turn, where sampling stops.
    public static func stopToken(_ tokenizer: BPETokenizer) -> Int32? { tokenizer.turnEnd }

    /// Whether `tokenizer` can speak a chat: ``check(_:)`` passes.
    public static func supports(_ tokenizer: BPETokenizer) -> Bool {
        (try? check(tokenizer)) != nil
    }

    /// Refuses a tokenizer that cannot speak a chat, saying why.
    public static func check(_ tokenizer: BPETokenizer) throws(ChatFormatError) {
        guard let template = tokenizer.chatTemplate else {
            let markers = [BPETokenizer.SpecialToken.user, BPETokenizer.SpecialToken.assistant, BPETokenizer.SpecialToken.endOfTurn]
            if markers.allSatisfy({ tokenizer.id(of: $0) != nil }) { return }
            throw ChatFormatError("its tokenizer has no chat template and not the chat markers <|user|> <|assistant|> <|end|>")
        }
        let head: String, whole: String
        do {
            head = try template.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
            whole = try template.render(
                [ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: "Hello.")], addGenerationPrompt: false)
        } catch {
            throw ChatFormatError("its chat template cannot render a user turn and an answer (\(error))")
        }
        guard whole.hasPrefix(head) else {
            throw ChatFormatError("its chat template writes an answered turn that does not continue the generation prompt")
        }
        guard stopToken(tokenizer) != nil else {
            throw ChatFormatError("its chat template ends the assistant's turn with no special token and names no eos_token")
        }
    }

    /// A whole conversation's text as the model reads it: its chat template's
    /// rendering (`apply_chat_template(…, tokenize=False)`), or the world's
    /// markers, `<|user|> … <|assistant|> … <|end|>` turn after turn (no system turn).
    /// `generation` ends it with the prompt for the assistant's next turn.
    public static func text(of messages: [ChatMessage], tokenizer: BPETokenizer, generation: Bool) throws(ChatFormatError) -> String {
        if let template = tokenizer.chatTemplate {
            do {
                return try template.render(messages, addGenerationPrompt: generation)
            } catch {
                throw ChatFormatError("its chat template cannot render this conversation: \(error)")
            }
        }
        guard messages.allSatisfy({ $0.role != "system" }) else {
            throw ChatFormatError("it has no chat template, and the world's markers have no system turn")
        }
        typealias Marker = BPETokenizer.SpecialToken
        var text = ""
        for m in messages {
            text += m.role == "user" ? "\(Marker.user) \(m.content) \(Marker.assistant)" : " \(m.content)\(Marker.endOfTurn)"
        }
        if !generation, text.hasSuffix(Marker.assistant) { text.removeLast(Marker.assistant.count + 1) }
        return text
    }

    /// The template's text; a template that `check` passed and then refuses a particular
    /// text (none of the supported models' do) falls back to the content alone.
    private static func render(_ template: ChatTemplate, _ messages: [ChatMessage], generation: Bool) -> String {
        (try? template.render(messages, addGenerationPrompt: generation)) ?? messages.last!.content
    }
}

/// Why a model cannot speak in a chat.
public struct ChatFormatError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
