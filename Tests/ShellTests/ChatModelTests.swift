import Alignment
import Foundation
import Kernels
import LanguageModel
import Testing

/// Tiny Llama, Qwen2, Qwen3, OLMo 2, Gemma 3 and SmolLM3 folders with real chat templates
/// (Transcripts/make_chat_models.py, make_family_chat_models.py): the prompt ids rlhf builds are the ids of
/// transformers' apply_chat_template, and greedy decoding picks the same tokens.
@Suite struct ChatModelTests {
    struct Expected: Decodable {
        struct Case: Decodable {
            let messages: [[String: String]]
            let prompt_ids: [Int32]
            let ids: [Int32]
            let greedy: [Int32]
        }
        let cases: [Case]
    }

    static func load(_ name: String, expecting: Bool = true) throws -> (GPT, BPETokenizer, Expected?) {
        let folder = Bundle.module.url(forResource: "Transcripts", withExtension: nil)!.appendingPathComponent("hf-models/\(name)")
        let snapshot = try ModelDirectorySnapshot.open(folder)
        let model = try GPT.load(from: snapshot)
        let template = try TokenizerConfig.chatTemplate(config: snapshot.tokenizerConfigJSON, jinja: snapshot.chatTemplateJinja)
        let tokenizer = try TokenizerJSON.load(data: try #require(snapshot.tokenizerJSON), fileName: "tokenizer.json")
            .withChatTemplate(try #require(template))
        let expected = expecting ? try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json"))) : nil
        return (model, tokenizer, expected)
    }

    @Test(arguments: ["chat-llama", "chat-qwen2", "chat-qwen3", "chat-olmo2", "chat-gemma3", "chat-smollm3"])
    func promptsAndGreedyAnswersMatchTransformers(name: String) throws {
        let (model, tokenizer, expected) = try Self.load(name)
        let template = try #require(tokenizer.chatTemplate)
        for c in try #require(expected).cases {
            let messages = c.messages.map { ChatMessage(role: $0["role"]!, content: $0["content"]!) }
            #expect(tokenizer.encode(try template.render(messages, addGenerationPrompt: true)) == c.prompt_ids, "\(name)")
            #expect(tokenizer.encode(try template.render(messages, addGenerationPrompt: false)) == c.ids, "\(name)")
            if messages.count == 1 {
                #expect(ChatFormat.promptTokens(messages[0].content, tokenizer: tokenizer) == c.prompt_ids, "\(name)")
            }
            var rng = Random(seed: 1)
            let greedy = model.generate(prompts: [c.prompt_ids], settings: SamplingSettings(temperature: 0, maxNewTokens: 8), rng: &rng)
            #expect(greedy[0].tokens == c.greedy, "\(name)")
        }
    }

    @Test func eachFamilyEndsTheAssistantTurnWithItsOwnToken() throws {
        let (_, llama, _) = try Self.load("chat-llama")
        let (_, qwen, _) = try Self.load("chat-qwen2")
        #expect(ChatFormat.stopToken(llama) == llama.id(of: "<|eot_id|>"))
        #expect(ChatFormat.stopToken(qwen) == qwen.id(of: "<|im_end|>"))
        // The response is what the template writes after the generation prompt, through the end token.
        #expect(llama.decodeText(ChatFormat.responseTokens("  Seven. ", tokenizer: llama)) == "Seven.<|eot_id|>")
        #expect(qwen.decodeText(ChatFormat.responseTokens("Seven.", tokenizer: qwen)) == "Seven.<|im_end|>")
        // A response cut at max_tokens keeps its text and gets no end token it never produced.
        #expect(llama.decodeText(ChatFormat.responseTokens("Seven is", ended: false, tokenizer: llama)) == "Seven is")
        #expect(qwen.decodeText(ChatFormat.responseTokens("Seven is", ended: false, tokenizer: qwen)) == "Seven is")
        // A prompt and its response read as one conversation are the template's whole text.
        let whole = try #require(qwen.chatTemplate).render(
            [ChatMessage(role: "user", content: "Hi there"), ChatMessage(role: "assistant", content: "Seven.")], addGenerationPrompt: false)
        let joined = ChatFormat.promptTokens("Hi there", tokenizer: qwen) + ChatFormat.responseTokens("Seven.", tokenizer: qwen)
        #expect(qwen.encode(whole).starts(with: joined) && qwen.encode(whole).count == joined.count + 1)  // + the final "\n"
        // A template that opens the answer with a special token of its own (as reasoning models open
        // theirs with <think>) still stops at the token after the answer's text.
        let opening = try ChatTemplate("""
            {% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.role == 'assistant' %}<|im_start|>{% endif %}\
            {{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}
            """)
        let opens = qwen.withChatTemplate(opening)
        #expect(ChatFormat.stopToken(opens) == qwen.id(of: "<|im_end|>"))
        #expect(opens.decodeText(ChatFormat.responseTokens("Seven.", tokenizer: opens)) == "<|im_start|>Seven.<|im_end|>")
    }
}

/// A reward model as people ship one (Transcripts/make_chat_reward_model.py): a tiny
/// Qwen2ForSequenceClassification with Qwen2.5's template scores a (prompt, response)
/// through the template's whole answered turn, at its last token, as transformers does.
@Suite struct ChatRewardModelTests {
    struct Expected: Decodable {
        struct Case: Decodable { let prompt: String; let response: String; let ids: [Int32]; let score: Float }
        let cases: [Case]
    }

    @Test func scoresMatchTransformers() throws {
        Parallel.threads = 2
        let (rm, tokenizer, _) = try ChatModelTests.load("chat-qwen2-rm", expecting: false)
        let folder = Bundle.module.url(forResource: "Transcripts", withExtension: nil)!.appendingPathComponent("hf-models/chat-qwen2-rm")
        #expect(rm.hasScalarHead)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        for c in expected.cases {
            let example = ChatExample(prompt: c.prompt, response: c.response, tokenizer: tokenizer, wholeTurn: true)
            #expect(example.tokens == c.ids, "\(c.response): the ids apply_chat_template gives")
        }
        let items = expected.cases.map { RewardItem(prompt: $0.prompt, response: $0.response) }
        let scores = RewardModels.score(rm, tokenizer: tokenizer, items)
        for (s, c) in zip(scores, expected.cases) {
            print("chat-qwen2-rm \(c.response): \(s) against transformers' \(c.score)")
            #expect(abs(s - c.score) <= 1e-4)
        }
    }
}
