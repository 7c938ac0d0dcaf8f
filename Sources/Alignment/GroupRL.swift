import Datasets
import Foundation
import Kernels
import LanguageModel

/// How GRPO, Dr. GRPO and RLOO run. GRPO's defaults after Shao et al. 2024
/// (β 0.04, ε 0.2, one update per rollout as TRL's num_iterations = 1) with
/// G = 8; RLOO's after Ahmadian et al. 2024 (k = 4, KL in the reward).
public struct GroupRLSettings: Sendable, Equatable {
    /// The advantage estimator; it also decides where the KL goes (see `GroupRL`).
    public var baseline = GroupBaseline.grpo
    /// Prompts per step, and responses to each (G, RLOO's k).
    public var prompts = 16, groupSize = 8
    /// β: the KL coefficient (in the loss by k3 for GRPO, in the reward by k1 for RLOO).
    public var beta = 0.04
    /// Clip range ε of the ratio.
    public var clip: Float = 0.2
    /// Passes over each rollout, in minibatches of `minibatchSize` responses
    /// (0: the whole step in one update, whose ratio is then 1 and never clipped).
    public var epochs = 1, minibatchSize = 0
    public var learningRate: Float = 2e-5
    /// How responses are drawn (48 new tokens hold the world's longest answers).
    public var sampling = SamplingSettings(temperature: 1, maxNewTokens: 48)
    /// Subtracted from the reward of a response cut at max_tokens (TRL's missing_eos_penalty; 0: none).
    public var missingEndPenalty: Float = 0

    public init() {}

    /// The defaults of `baseline`: RLOO's k 4 and β 0.05 in the reward.
    public static func defaults(for baseline: GroupBaseline) -> GroupRLSettings {
        var s = GroupRLSettings()
        s.baseline = baseline
        if baseline == .rloo { (s.groupSize, s.beta) = (4, 0.05) }
        return s
    }
}

/// What one step of a group method did.
public struct GroupRLReport: Sendable {
    public var iteration: Int
    /// Mean proxy reward and gold reward of the rollout.
    public var proxy: Double, gold: Double
    /// KL(π_old ‖ π_ref) per response by k1 and k3.
    public var klK1: Double, klK3: Double
    /// Share of ratios clipped (tokens for GRPO, responses for RLOO).
    public var clipFraction: Double
    /// The loss the updates minimised, averaged over them (its value, not its
    /// gradient: with one update per step it sits near 0, since each group's
    /// advantages sum to 0 and the ratio is 1).
    public var loss: Double
    /// Mean policy entropy per response token, mean response length.
    public var entropy: Double, length: Double
    /// Groups whose rewards were all equal (every advantage 0), of how many.
    public var flatGroups: Int, groups: Int
}

/// The critic-free policy-gradient methods: G responses to each prompt, each
/// scored, each response's advantage read off its group (`GroupBaseline`),
/// then clipped updates. GRPO (Shao et al. 2024, eq. 3), per response i of
/// length |o_i| and token t, ρ = π/π_old:
///
///     L = −1/G Σ_i 1/|o_i| Σ_t [ min(ρ_t A_i, clip(ρ_t, 1±ε) A_i) − β k3_t ]
///
/// Dr. GRPO (Liu et al. 2025, §3.1) drops the std from A_i and the 1/|o_i|,
/// dividing the summed tokens by the fixed budget L_max instead (TRL's
/// loss_type "dr_grpo"), so long responses are not favoured when wrong.
/// RLOO (Ahmadian et al. 2024, §3.2) puts the KL in the reward,
/// r_i = R_i − β Σ_t (log π_old − log π_ref), uses the leave-one-out baseline,
/// and treats the whole response as one action: ρ = Π_t π/π_old, clipped.
public final class GroupRL {
    public let policy: GPT, reference: GPT
    public let tokenizer: BPETokenizer
    public let reward: Reward
    public let settings: GroupRLSettings
    public let prompts: [PromptItem]
    public let judge: Judge?
    public private(set) var iteration = 0
    /// The last rollout, its rewards as the method used them (RLOO's with the
    /// KL taken off) and each response's advantage, for inspection.
    public private(set) var last: Rollout?
    public private(set) var lastRewards: [Double] = [], lastAdvantages: [Double] = []
    private var passes: ShuffledPasses
    private let snapshot = Snapshot()

    public init(policy: GPT, reference: GPT, tokenizer: BPETokenizer, reward: Reward, prompts: [PromptItem],
                settings: GroupRLSettings, judge: Judge?) {
        precondition(settings.groupSize >= 2 && !prompts.isEmpty, "GroupRL: groups of two or more, and prompts")
        self.policy = policy
        self.reference = reference
        self.tokenizer = tokenizer
        self.reward = reward
        self.settings = settings
        self.prompts = prompts
        self.judge = judge
        passes = ShuffledPasses(count: prompts.count)
    }

    /// One step: `prompts` prompts, each answered `groupSize` times; score,
    /// read log π and log π_ref, advantages per group, then `epochs` passes of
    /// clipped updates over minibatches. A non-finite reward rejects the step
    /// first; a non-finite update restores the policy and its optimiser.
    public func step(rng: inout Random) throws(PPOError) -> GroupRLReport {
        let G = settings.groupSize
        let batch = passes.next(settings.prompts, rng: &rng).map { prompts[$0] }
        // One update per step (GRPO's default, TRL's num_iterations = 1): its
        // own forward pass reads log π_old, so the rollout reads log π_ref alone.
        // RLOO's reward needs log π_old first.
        let responses = settings.prompts * G
        let minibatch = settings.minibatchSize == 0 ? responses : settings.minibatchSize
        let oneUpdate = settings.epochs == 1 && minibatch >= responses && settings.baseline != .rloo
        var rollout = try Rollout.sample(policy: policy, reference: reference, tokenizer: tokenizer,
                                         prompts: batch.flatMap { Array(repeating: $0, count: G) }, reward: reward,
                                         judge: judge, sampling: settings.sampling, batchSize: 32,
                                         readingPolicy: !oneUpdate, missingEndPenalty: settings.missingEndPenalty, rng: &rng)
        let rewards = rewards(of: rollout)
        let (advantages, flat) = settings.baseline.advantages(rewards, groupSize: G)
        let floatAdvantages = advantages.map(Float.init)  // once: every minibatch and epoch reads them
        let optimizer = PolicyUpdate.adamW(policy, learningRate: settings.learningRate)
        snapshot.capture(policy, optimizer)
        var clipped = 0, units = 0, losses: [Double] = []
        do {
            for _ in 0..<settings.epochs {
                for members in rollout.minibatches(size: minibatch, rng: &rng) {
                    let u = try PolicyUpdate.groupStep(
                        policy, optimizer, rollout, members: members, advantages: floatAdvantages, clip: settings.clip, averaging: averaging,
                        klPenalty: settings.baseline == .rloo ? 0 : Float(settings.beta))
                    clipped += u.clipped
                    units += u.units
                    losses.append(Double(u.loss))
                    if oneUpdate {
                        rollout.logProbs = rollout.responses.indices.map { u.read[$0]! }
                        rollout.entropy = u.entropy
                    }
                }
            }
        } catch {
            snapshot.restore(policy, optimizer)
            throw error
        }
        iteration += 1
        (last, lastRewards, lastAdvantages) = (rollout, rewards, advantages)
        let n = Double(rollout.responses.count), (k1, k3) = rollout.kl
        return GroupRLReport(
            iteration: iteration, proxy: rollout.rawScores.map(Double.init).reduce(0, +) / n,
            gold: rollout.gold.isEmpty ? .nan : rollout.gold.reduce(0, +) / n, klK1: k1, klK3: k3,
            clipFraction: Double(clipped) / Double(max(units, 1)), loss: losses.reduce(0, +) / Double(max(losses.count, 1)), entropy: Double(rollout.entropy),
            length: Double(rollout.responses.map(\.tokens.count).reduce(0, +)) / n, flatGroups: flat, groups: batch.count)
    }

    /// Each response's reward as the method uses it: the score, less RLOO's
    /// β Σ_t (log π_old − log π_ref).
    private func rewards(of rollout: Rollout) -> [Double] {
        rollout.scores.indices.map { i in
            let score = Double(rollout.scores[i])
            guard settings.baseline == .rloo else { return score }
            let k1 = zip(rollout.logProbs[i], rollout.referenceLogProbs[i]).reduce(0.0) { $0 + Double($1.0 - $1.1) }
            return score - settings.beta * k1
        }
    }

    private var averaging: PolicyUpdate.Averaging {
        switch settings.baseline {
        case .grpo: .perResponse
        case .drgrpo: .fixedLength(settings.sampling.maxNewTokens)
        case .rloo: .wholeResponse
        }
    }
}
