/// Where an assistant's turn ends in a chat template's text, found once when a
/// tokenizer takes the template (a template is rendered twice to find it, and
/// every scored or trained response needs it).
extension ChatTemplate {
    /// An answer to render the template's turn shape with.
    static let probeAnswer = "Hello."

    /// The template's text for one user turn with the generation prompt, and for
    /// that turn answered with `response`; nil when the template refuses either.
    public func turns(answer response: String) -> (head: String, whole: String)? {
        let user = ChatMessage(role: "user", content: "Hi")
        guard let head = try? render([user], addGenerationPrompt: true),
              let whole = try? render([user, ChatMessage(role: "assistant", content: response)], addGenerationPrompt: false)
        else { return nil }
        return (head, whole)
    }

    /// The token that ends an assistant turn, as `tokenizer` encodes the
    /// template's text: the first special token after the answer's text (a
    /// template may open the answer with one of its own, such as a reasoning
    /// model's `<think>`, which is no stop), else `eos_token`; nil when the
    /// answered turn does not continue the generation prompt or neither exists.
    func turnEnd(encodingWith tokenizer: BPETokenizer) -> Int32? {
        guard let (head, whole) = turns(answer: Self.probeAnswer), whole.hasPrefix(head) else { return nil }
        let answered = String(whole.dropFirst(head.count))
        let tail = tokenizer.encode(answered.range(of: Self.probeAnswer).map { String(answered[$0.upperBound...]) } ?? answered)
        return tail.first(where: tokenizer.isSpecial) ?? specialTokens["eos_token"].flatMap(tokenizer.id(of:))
    }
}
