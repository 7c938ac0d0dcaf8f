import Datasets
import Kernels
import LanguageModel

/// What an RL method holds that a held-out probe reads: the policy it trains,
/// the frozen reference, the reward it optimises and the judge that knows gold.
public protocol PolicyTrainer: AnyObject {
    var policy: GPT { get }
    var reference: GPT { get }
    var tokenizer: BPETokenizer { get }
    var reward: Reward { get }
    var judge: Judge? { get }
    /// Steps taken so far.
    var iteration: Int { get }
}

extension PPO: PolicyTrainer {}
extension GroupRL: PolicyTrainer {}

/// Proxy, gold and KL of a policy on fixed prompts, read between RL steps.
///
/// Gao et al. 2022 (§2, §3.2) plot an RL run's gold and proxy against
/// d = √KL(π ‖ π_init), both measured on the policy's own samples. A step's
/// batch draws other prompts each time, so its gold moves with the prompts as
/// much as with the policy; the probe answers the same prompts at every
/// checkpoint, from the same seed (common random numbers: what changes between
/// two readings is the policy).
public struct HeldOutProbe: Sendable {
    public var prompts: [PromptItem]
    public var sampling: SamplingSettings
    public var seed: UInt64

    public init(prompts: [PromptItem], sampling: SamplingSettings, seed: UInt64) {
        self.prompts = prompts
        self.sampling = sampling
        self.seed = seed
    }

    public struct Reading: Sendable, Equatable {
        /// Mean reward (before any whitening) and mean gold helpfulness + safety.
        public var proxy: Double, gold: Double
        /// KL(π ‖ π_ref) per response by the k1 and k3 estimators.
        public var klK1: Double, klK3: Double
    }

    /// One response from the trainer's policy to each prompt, scored by its
    /// reward and judge, with both models' log-probabilities for the KL.
    public func read(_ trainer: PolicyTrainer) throws(PPOError) -> Reading {
        var rng = Random(seed: seed)
        let r = try Rollout.sample(policy: trainer.policy, reference: trainer.reference, tokenizer: trainer.tokenizer,
                                   prompts: prompts, reward: trainer.reward, judge: trainer.judge, sampling: sampling,
                                   batchSize: 32, rng: &rng)
        let n = Double(max(prompts.count, 1))
        let kl = r.kl
        return Reading(proxy: r.rawScores.map(Double.init).reduce(0, +) / n,
                       gold: r.gold.isEmpty ? .nan : r.gold.reduce(0, +) / n, klK1: kl.k1, klK3: kl.k3)
    }
}
