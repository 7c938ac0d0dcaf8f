import Datasets
import Foundation
import Kernels
import LanguageModel

/// Why an RL step was rejected (the models are left as they were).
public enum PPOError: Error, Equatable {
    /// The reward of a response was NaN or infinite.
    case nonFiniteReward(prompt: String, response: String)
    /// A loss or gradient was NaN or infinite during the update.
    case nonFiniteUpdate(model: String)
}

/// One rollout of an RL method and what the method computed from it, per
/// response and per token (token j of a response is predicted at sequence
/// position P + j − 1). The first stage, `sample`, fills the responses, their
/// scores and both models' log-probabilities; a method's advantage estimator
/// fills the rest.
public struct Rollout: Sendable {
    /// The prompt of each response (a prompt repeats when it has several).
    public var prompts: [PromptItem]
    public var responses: [SampledResponse]
    /// The reward of each response as the method uses it (whitened for Llama 2's rule).
    public var scores: [Float]
    /// The reward before whitening (the proxy reward reported).
    public var rawScores: [Float]
    /// Gold helpfulness + safety of each response, when a judge is given.
    public var gold: [Double]
    /// Per token: log π_old and log π_ref.
    public var logProbs: [[Float]], referenceLogProbs: [[Float]]
    /// Per token, where the method has them: the value model's estimate, the
    /// reward with its KL penalty, the advantage (before whitening), and the return.
    public var values: [[Float]] = [], rewards: [[Float]] = [], advantages: [[Float]] = [], returns: [[Float]] = []
    /// Mean entropy of the policy over response tokens.
    public var entropy: Float

    /// Rollout: one response from `policy` to each of `prompts`, scored by
    /// `reward` (and `judge` for gold), with log π and log π_ref of every
    /// token read back in batches of `batchSize` (log π_ref alone when not
    /// `readingPolicy`: a method whose one update reads log π_old itself), and
    /// with a `value` model its estimate at every token, from the same batches.
    /// A response cut at max_tokens is scored as cut (no end token), less
    /// `missingEndPenalty` (TRL's missing_eos_penalty). A non-finite reward throws.
    public static func sample(
        policy: GPT, reference: GPT, tokenizer: BPETokenizer, prompts: [PromptItem], reward: Reward, judge: Judge?,
        sampling: SamplingSettings, batchSize: Int, readingPolicy: Bool = true, value: GPT? = nil, missingEndPenalty: Float = 0,
        rng: inout Random
    ) throws(PPOError) -> Rollout {
        let responses = PolicySampling.sample(policy, tokenizer: tokenizer, prompts: prompts.map(\.prompt),
                                              settings: sampling, rng: &rng).map { $0[0] }
        let items = zip(prompts, responses).map { $1.rewardItem($0) }
        let penalties = responses.map { $0.stopped ? 0 : missingEndPenalty }
        let rewards = reward.rawAndScores(items)
        let raw = zip(rewards.raw, penalties).map(-)
        if let bad = raw.indices.first(where: { !raw[$0].isFinite }) {
            throw .nonFiniteReward(prompt: prompts[bad].prompt, response: responses[bad].text)
        }
        // Llama 2's combination whitens the penalised raw scores; a sum holding one whitens that part alone.
        let scores: [Float] = if case .llama2 = reward { whiten(raw) } else { zip(rewards.scores, penalties).map(-) }
        let gold = judge.map { j in zip(prompts, responses).map { j.judge(prompt: $0.prompt, response: $1.text).total } } ?? []
        let read = logProbabilities(responses, policy: readingPolicy ? policy : nil, reference: reference, value: value, batchSize: batchSize)
        return Rollout(prompts: prompts, responses: responses, scores: scores, rawScores: raw, gold: gold,
                       logProbs: read.policy, referenceLogProbs: read.reference, values: read.values, entropy: read.entropy)
    }

    /// log π and log π_ref of every token of `responses` (in their order), and
    /// π's mean entropy over them, reading rows of similar length together in
    /// batches of `batchSize`, each batch built once for every model that reads
    /// it; `monitor` sees each batch. Without a policy, log π_ref alone (log π
    /// empty, entropy NaN); with a `value` model, its estimate at every token.
    public static func logProbabilities<Failure: Error>(
        _ responses: [SampledResponse], policy: GPT?, reference: GPT, value: GPT? = nil, batchSize: Int, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> (policy: [[Float]], reference: [[Float]], values: [[Float]], entropy: Float) {
        var mine = [[Float]](repeating: [], count: responses.count), theirs = mine, values = value == nil ? [] : mine
        var entropies: [Float] = [], done = 0
        monitor.progress(0, of: responses.count)
        for chunk in lengthGroups(responses, Array(responses.indices), size: batchSize) {
            try monitor.checkpoint()
            let rows = ResponseBatch(responses, rows: chunk)
            if let policy {
                let lp = rows.logProbabilities(policy, forBackward: false)
                entropies += rows.responseEntropies(policy).flatMap { $0 }
                for (k, i) in chunk.enumerated() { mine[i] = lp[k] }
            }
            let ref = rows.logProbabilities(reference, forBackward: false)
            for (k, i) in chunk.enumerated() { theirs[i] = ref[k] }
            if let value {
                let v = rows.responseValues(value, forBackward: false)
                for (k, i) in chunk.enumerated() { values[i] = v[k] }
            }
            done += chunk.count
            monitor.progress(done, of: responses.count)
        }
        guard policy != nil else { return ([], theirs, values, .nan) }
        return (mine, theirs, values, entropies.reduce(0, +) / Float(max(entropies.count, 1)))
    }

    /// KL(π ‖ π_ref) per response, averaged over responses, estimated from the
    /// sampled tokens two ways (Schulman 2020, "Approximating KL divergence"):
    /// k1 = Σ_t (log π − log π_ref), unbiased but negative on some samples, and
    /// k3 = Σ_t ((ρ − 1) − log ρ) with ρ = π_ref/π, unbiased and never negative.
    public static func klEstimates(logProbs: [[Float]], referenceLogProbs: [[Float]]) -> (k1: Double, k3: Double) {
        var k1 = 0.0, k3 = 0.0
        for (lp, ref) in zip(logProbs, referenceLogProbs) {
            for (a, b) in zip(lp, ref) {
                k1 -= Double(b - a)
                k3 += k3Divergence(logProb: a, referenceLogProb: b).value
            }
        }
        let n = Double(max(logProbs.count, 1))
        return (k1 / n, k3 / n)
    }

    /// The rollout's KL estimates.
    public var kl: (k1: Double, k3: Double) { Rollout.klEstimates(logProbs: logProbs, referenceLogProbs: referenceLogProbs) }

    /// One pass over the responses: a fresh shuffle cut into minibatches of
    /// `size` responses of similar length, in shuffled order.
    public func minibatches(size: Int, rng: inout Random) -> [[Int]] {
        var order = Array(responses.indices)
        rng.shuffle(&order)
        var pass = Rollout.lengthGroups(responses, order, size: size)
        rng.shuffle(&pass)
        return pass
    }

    /// `indices` split into groups of `size` by sequence length (a stable sort,
    /// so equal lengths keep their shuffled order): padding to the longest row
    /// of a group then wastes little, where a random minibatch with one long
    /// prompt would pad every row to it.
    static func lengthGroups(_ responses: [SampledResponse], _ indices: [Int], size: Int) -> [[Int]] {
        func length(_ i: Int) -> Int { responses[i].promptTokens.count + responses[i].tokens.count }
        let sorted = indices.enumerated().sorted { (length($0.element), $0.offset) < (length($1.element), $1.offset) }.map(\.element)
        return stride(from: 0, to: sorted.count, by: size).map { Array(sorted[$0..<min($0 + size, sorted.count)]) }
    }
}
