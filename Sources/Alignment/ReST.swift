import Foundation
import Kernels
import LanguageModel

/// ReST, Reinforced Self-Training (Gulcehre et al. 2023, Algorithm 1): a
/// Grow step samples a dataset from the current policy and scores it; each
/// Improve step keeps the samples whose reward reaches a threshold τ, raised
/// from one Improve step to the next (τ₁ < τ₂ < …), and finetunes the policy
/// on them with the SFT loss:
///
///     D_g = {(x, y) : y ~ π_θ(·|x)},   θ ← argmin_θ E_{(x,y) ∈ D_g, R(x,y) ≥ τ_i} [−log π_θ(y|x)]
///
/// The paper's thresholds are fixed points of a normalised reward; here,
/// where a learned reward has no fixed scale, the default τ_i is the
/// (1 − 2^−i) quantile of the grown rewards: the median, then the upper
/// quarter, the upper eighth, …
public enum ReST {
    /// One grown sample: its prompt, the response, and its reward.
    public struct Sample: Sendable {
        public var prompt: PromptItem
        public var response: SampledResponse
        public var reward: Float
    }

    /// The Grow step: `k` responses of `policy` to each prompt, each scored by
    /// `reward` before any whitening (as best-of-n samples and scores, with
    /// nothing picked), in prompt order. `monitor` sees the sampling, then the scoring.
    public static func grow<Failure: Error>(
        _ policy: GPT, tokenizer: BPETokenizer, prompts: [PromptItem], k: Int, reward: Reward, sampling: SamplingSettings,
        rng: inout Random, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> [Sample] {
        try RejectionSampling.bestOfN(policy, tokenizer: tokenizer, prompts: prompts, n: k, reward: reward, sampling: sampling,
                                      rng: &rng, monitor: monitor).flatMap { selection in
            zip(selection.candidates, selection.rewards).map { Sample(prompt: selection.prompt, response: $0, reward: $1) }
        }
    }

    /// The q-quantile of `values` by linear interpolation between order
    /// statistics (numpy's default, "linear": position q·(n − 1)).
    public static func quantile(_ values: [Float], _ q: Double) -> Double {
        precondition(!values.isEmpty && q >= 0 && q <= 1, "quantile: values, and q in [0, 1]")
        let sorted = values.map(Double.init).sorted()
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
    }

    /// The default quantile of Improve step `i` (from 1): 1 − 2^−i.
    public static func defaultQuantile(step i: Int) -> Double {
        precondition(i >= 1, "defaultQuantile: steps count from 1")
        return 1 - pow(0.5, Double(i))
    }

    /// Improve step `i`'s default threshold: the `defaultQuantile(step:)` of
    /// the rewards, or, where ties leave that no higher than the `last`
    /// threshold, the lowest reward above it; nil when none is.
    public static func threshold(step i: Int, rewards: [Float], last: Double?) -> Double? {
        let q = quantile(rewards, defaultQuantile(step: i))
        guard let last, q <= last else { return q }
        return rewards.map(Double.init).filter { $0 > last }.min()
    }

    /// The samples an Improve step keeps: those whose reward reaches τ.
    public static func filter(_ rewards: [Float], threshold: Double) -> [Int] {
        rewards.indices.filter { Double(rewards[$0]) >= threshold }
    }
}
