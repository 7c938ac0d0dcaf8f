import LanguageModel
import Testing

/// The chat formats a model can be given by name render the layouts their
/// makers publish, written out here by hand.
@Suite struct NamedChatTemplateTests {
    static let conversation = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: " Hi "),
                               ChatMessage(role: "assistant", content: "Hello.")]

    @Test func eachFormatRendersItsPublishedLayout() throws {
        func render(_ name: String, generation: Bool = false, _ messages: [ChatMessage] = Self.conversation) throws -> String {
            try ChatTemplate(try #require(NamedChatTemplate.named(name)).source).render(messages, addGenerationPrompt: generation)
        }
        #expect(try render("chatml") == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n Hi <|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n")
        #expect(try render("chatml", generation: true, [ChatMessage(role: "user", content: "Hi")])
                == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(try render("llama3") == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>")
        #expect(try render("llama3", generation: true, [ChatMessage(role: "user", content: "Hi")])
                == "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        #expect(try render("gemma") == "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n")
        #expect(try render("gemma", generation: true, [ChatMessage(role: "user", content: "Hi")])
                == "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")
        #expect(NamedChatTemplate.named("vicuna") == nil)
    }
}
