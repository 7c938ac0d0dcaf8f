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

    /// A grown dataset and the Improve steps taken on it: ReST's state
    /// between commands, held by the policy's run. The rewards are each
    /// sample's before any whitening; `gold` the judge's score of each.
    public final class Grown {
        public let rewardName: String
        public let samples: [Sample]
        public let gold: [Double]
        /// The thresholds of the Improve steps so far, rising.
        public private(set) var thresholds: [Double] = []
        /// The policy's held-out evaluation after the last Improve step (or before the first).
        public var lastReport: PolicySummary?

        public init(rewardName: String, samples: [Sample], gold: [Double], lastReport: PolicySummary? = nil) {
            precondition(samples.count == gold.count, "ReST.Grown: one gold score per sample")
            self.rewardName = rewardName
            self.samples = samples
            self.gold = gold
            self.lastReport = lastReport
        }

        public var rewards: [Float] { samples.map(\.reward) }
        /// The Improve step that comes next, from 1.
        public var nextStep: Int { thresholds.count + 1 }

        /// Why the next Improve step cannot take a threshold.
        public enum ThresholdError: Error, Equatable {
            /// A given threshold does not rise above the last one.
            case notRising(last: Double)
            /// No sample scores above the last threshold.
            case exhausted(last: Double)
            /// No sample reaches the threshold.
            case nothingKept(threshold: Double, best: Double)
        }

        /// The next Improve step's threshold (`given`, or the default of
        /// `ReST.threshold(step:)`), the samples it keeps, and whether it was
        /// the step's quantile itself (false: given, or the lowest reward above
        /// the last threshold where the quantile ties with it).
        public func next(given: Double?) throws(ThresholdError) -> (threshold: Double, kept: [Int], isQuantile: Bool) {
            let threshold: Double
            if let given {
                if let last = thresholds.last, given <= last { throw .notRising(last: last) }
                threshold = given
            } else {
                guard let t = ReST.threshold(step: nextStep, rewards: rewards, last: thresholds.last) else {
                    throw .exhausted(last: thresholds.last!)
                }
                threshold = t
            }
            let kept = ReST.filter(rewards, threshold: threshold)
            guard !kept.isEmpty else { throw .nothingKept(threshold: threshold, best: Double(rewards.max()!)) }
            return (threshold, kept, given == nil && threshold == ReST.quantile(rewards, ReST.defaultQuantile(step: nextStep)))
        }

        /// Records an Improve step's threshold, once its finetuning has run.
        public func improved(threshold: Double) {
            precondition(thresholds.last.map { threshold > $0 } ?? true, "ReST.Grown: thresholds rise")
            thresholds.append(threshold)
        }

        /// The chat examples of the samples `kept`, a cut response without its end-of-turn token.
        public func examples(_ kept: [Int], tokenizer: BPETokenizer) -> [ChatExample] {
            kept.map { ChatExample(prompt: samples[$0].prompt.prompt, response: samples[$0].response.text,
                                   ended: samples[$0].response.stopped, tokenizer: tokenizer) }
        }
    }
}

