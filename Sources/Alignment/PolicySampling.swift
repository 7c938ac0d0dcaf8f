import Kernels
import LanguageModel

/// One response a policy gave to a prompt in the chat format.
public struct SampledResponse: Sendable, Equatable {
    /// The response's text (the `<|end|>` marker removed, spaces trimmed).
    public var text: String
    /// The prompt's tokens, as the policy read them.
    public var promptTokens: [Int32]
    /// The new tokens, `<|end|>` included when the policy ended its turn.
    public var tokens: [Int32]
    /// Σ log p of the new tokens under the policy at the sampling temperature.
    public var logProbability: Float
    /// Whether the policy ended its turn (rather than running out of tokens).
    public var stopped: Bool
}

extension SampledResponse {
    /// The response as a reward scores it: to `prompt`, ended or cut as it was sampled.
    public func rewardItem(_ prompt: PromptItem) -> RewardItem {
        RewardItem(prompt: prompt.prompt, response: text, unsafe: prompt.unsafe, ended: stopped,
                   tokens: stopped ? tokens.count - 1 : tokens.count, fields: prompt.fields)
    }
}

/// Drawing responses from a chat policy.
public enum PolicySampling {
    /// `k` responses to each prompt, at most `batchSize` sequences at a time
    /// through one KV cache, a finished answer's slot refilled from the next
    /// response to draw (`ContinuousBatch`); prompts too long for the context
    /// keep their last tokens. Generation stops at the end of the assistant's
    /// turn (`ChatFormat.stopToken`). Passes `monitor`'s checkpoint before each
    /// token step and reports the responses done after it.
    public static func sample<Failure: Error>(
        _ model: GPT, tokenizer: BPETokenizer, prompts: [String], k: Int = 1, settings: SamplingSettings,
        rng: inout Random, batchSize: Int = ContinuousBatch.defaultSlots, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> [[SampledResponse]] {
        var settings = settings
        settings.stopToken = ChatFormat.stopToken(tokenizer)
        let room = max(1, model.config.contextLength - settings.maxNewTokens)
        let encoded = prompts.map { Array(ChatFormat.promptTokens($0, tokenizer: tokenizer).suffix(room)) }
        let jobs = encoded.indices.flatMap { p in Array(repeating: p, count: k) }
        var batch = ContinuousBatch(model, prompts: jobs.map { encoded[$0] }, settings: settings, slots: batchSize)
        monitor.progress(0, of: jobs.count)
        while !batch.isDone {
            try monitor.checkpoint()
            let before = batch.finished
            batch.step(rng: &rng)
            if batch.finished > before { monitor.progress(batch.finished, of: jobs.count) }
        }
        var out = [[SampledResponse]](repeating: [], count: prompts.count)
        for (p, g) in zip(jobs, batch.results) {
            let body = g.stopped ? Array(g.tokens.dropLast()) : g.tokens
            out[p].append(SampledResponse(text: tokenizer.decodeText(body).trimmingSpaces(), promptTokens: encoded[p],
                                          tokens: g.tokens, logProbability: g.logProbabilities.reduce(0, +),
                                          stopped: g.stopped))
        }
        return out
    }
}
