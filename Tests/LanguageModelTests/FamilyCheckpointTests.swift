import Foundation
import Kernels
import LanguageModel
import Testing

/// Qwen3, OLMo 2, Gemma 3 and SmolLM3 checkpoints as transformers writes them
/// (`Fixtures/make_family_fixtures.py`): greedy continuations, configs and
/// refusals here; their logits, reward-model scores and round trips run in
/// LlamaCheckpointTests beside Llama's and Qwen2's; the reverse direction (saved
/// here, loaded by transformers) is that script's `--reverse`.
@Suite struct FamilyCheckpointTests {
    struct Expected: Decodable { let tokens: [Int32]; let logits: [Float]; let greedy: [Int32]? }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: LlamaCheckpointTests.folder(name).appendingPathComponent("expected.json")))
    }

    static let causal = ["hf-qwen3", "hf-olmo2", "hf-gemma3", "hf-smollm3"]

    /// The cached pass (a sliding window in the cache for Gemma 3) picks transformers' greedy tokens.
    @Test(arguments: causal)
    func greedyTokensMatchTransformers(name: String) throws {
        Parallel.threads = 2
        let model = try GPT.load(from: LlamaCheckpointTests.folder(name))
        let expected = try Self.expected(name)
        let greedy = try #require(expected.greedy)
        var rng = Random(seed: 1)
        let g = model.generate(prompts: [Array(expected.tokens.prefix(4))], settings: SamplingSettings(temperature: 0, maxNewTokens: greedy.count),
                               rng: &rng)[0]
        #expect(g.tokens == greedy, "\(name): \(g.tokens) against transformers' \(greedy)")
    }

    /// What each family's config.json says, read into the description the passes use.
    @Test func configsDescribeTheFamilies() throws {
        let qwen3 = try GPT.load(from: LlamaCheckpointTests.folder("hf-qwen3")).config
        #expect(qwen3.family == .qwen3 && qwen3.headSize == 12 && qwen3.attentionWidth == 48 && qwen3.qkvWidth == 96)
        #expect(qwen3.architecture.qkNorm == .perHead && !qwen3.tiedHead)
        let olmo = try GPT.load(from: LlamaCheckpointTests.folder("hf-olmo2")).config
        #expect(olmo.architecture.placement == .after && olmo.architecture.qkNorm == .whole && olmo.headSize == 8)
        let gemma = try GPT.load(from: LlamaCheckpointTests.folder("hf-gemma3")).config
        #expect(gemma.family == .gemma3 && gemma.slidingLayers == [true, false, true] && gemma.slidingWindow == 4)
        #expect(gemma.ropeTheta == 1_000_000 && gemma.localRopeTheta == 10_000 && gemma.queryScalar == 10 && gemma.tiedHead)
        #expect(gemma.attention(layer: 0).window == 4 && gemma.attention(layer: 1).window == nil)
        let smol = try GPT.load(from: LlamaCheckpointTests.folder("hf-smollm3")).config
        #expect(smol.rotaryLayers == [true, true, true, false] && smol.rotates(layer: 2) && !smol.rotates(layer: 3))
    }

    static let rewardModels = ["hf-qwen3-rm", "hf-olmo2-rm", "hf-gemma3-rm", "hf-smollm3-rm"]

    /// Keys a family's description cannot honour are refused with the key named.
    @Test func unsupportedGemmaKeysAreRefused() throws {
        let cases: [(String, String, String)] = [
            ("\"attn_logit_softcapping\": null", "\"attn_logit_softcapping\": 50.0", "soft-capping"),
            ("\"use_bidirectional_attention\": false", "\"use_bidirectional_attention\": true", "use_bidirectional_attention"),
            ("\"hidden_activation\": \"gelu_pytorch_tanh\"", "\"hidden_activation\": \"relu\"", "hidden_activation is 'relu'"),
            ("\"sliding_attention\",\n    \"full_attention\"", "\"chunked_attention\",\n    \"full_attention\"", "'chunked_attention'"),
            ("\"query_pre_attn_scalar\": 10", "\"query_pre_attn_scalar\": -1", "query_pre_attn_scalar"),
        ]
        try LlamaCheckpointTests.expectRefusals(of: LlamaCheckpointTests.folder("hf-gemma3"), cases)
    }
}
