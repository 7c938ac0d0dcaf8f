import Datasets
import Foundation
import Kernels
import LanguageModel

/// How PPO runs (defaults after Ouyang et al. 2022 and Huang et al. 2024,
/// "The N implementation details of RLHF with PPO", scaled to the bundled model).
public struct PPOSettings: Sendable, Equatable {
    /// Prompts per rollout.
    public var batchSize = 64
    /// Coefficient of the per-token KL penalty to the reference.
    public var beta = 0.05
    /// Target KL (nats per response) of the adaptive controller; nil keeps beta fixed.
    public var targetKL: Double?
    /// The controller's horizon, in responses.
    public var horizon = 10_000.0
    /// Clip range ε of the policy ratio.
    public var clip: Float = 0.2
    /// Clip range of the value update.
    public var valueClip: Float = 0.2
    /// GAE's discount γ and λ.
    public var gamma: Float = 1, lambda: Float = 0.95
    /// Passes over each rollout.
    public var epochs = 2
    /// Responses per update.
    public var minibatchSize = 32
    /// Learning rates of the policy and the value model.
    public var learningRate: Float = 1e-5, valueLearningRate: Float = 1e-4
    /// PPO-ptx: coefficient of the pretraining loss mixed into each policy update (0: none).
    public var ptxCoefficient: Float = 0
    /// How responses are drawn (48 new tokens hold the world's longest answers, 49 with the end token at most).
    public var sampling = SamplingSettings(temperature: 1, maxNewTokens: 48)
    /// Subtracted from the reward of a response cut at max_tokens (TRL's missing_eos_penalty; 0: none).
    public var missingEndPenalty: Float = 0

    public init() {}
}

/// The rollout settings every RL method has: how it samples, and what a cut response costs.
public protocol RolloutSettings: Sendable {
    /// How responses are drawn.
    var sampling: SamplingSettings { get set }
    /// Subtracted from the reward of a response cut at max_tokens (TRL's missing_eos_penalty; 0: none).
    var missingEndPenalty: Float { get set }
}

extension PPOSettings: RolloutSettings {}
extension GroupRLSettings: RolloutSettings {}

/// What one PPO iteration did.
public struct PPOReport: Sendable {
    public var iteration: Int
    /// Mean reward-model score and mean gold score of the rollout.
    public var proxy: Double, gold: Double
    /// KL(π ‖ π_ref) per response, by the k1 estimator Σ (log π − log π_ref)
    /// and the k3 estimator Σ ((r − 1) − log r), r = π_ref/π (Schulman 2020).
    public var klK1: Double, klK3: Double
    /// Share of policy tokens whose ratio was clipped.
    public var clipFraction: Double
    /// Mean clipped value loss.
    public var valueLoss: Double
    /// Mean policy entropy per response token.
    public var entropy: Double
    /// Mean response length in tokens.
    public var length: Double
    /// The KL coefficient used (the adaptive controller changes it).
    public var beta: Double
}

/// PPO for language models, one iteration at a time (Ouyang et al. 2022, §3.5;
/// Ziegler et al. 2019; Huang et al. 2024):
///
///     r_t = −β (log π(y_t) − log π_ref(y_t)) + [t = last] · R(x, y)
///     δ_t = r_t + γ V(s_{t+1}) − V(s_t),   A_t = δ_t + γλ A_{t+1}   (GAE)
///     L_π = E[max(−A ρ, −A clip(ρ, 1−ε, 1+ε))],   ρ = π(y_t)/π_old(y_t)
///     L_V = ½ E[max((V − G)², (V_old + clip(V − V_old, ±ε_V) − G)²)],   G = A + V_old
///
/// with advantages whitened over the batch, several epochs over minibatches,
/// an optional adaptive β and an optional pretraining-loss mix (PPO-ptx).
public final class PPO {
    public let policy: GPT, reference: GPT, value: GPT
    public let tokenizer: BPETokenizer
    public var reward: Reward
    public var settings: PPOSettings
    /// The KL coefficient now.
    public private(set) var beta: Double
    public let prompts: [PromptItem]
    /// Who judges gold reward (nil: none reported).
    public let judge: Judge?
    /// Tokens of pretraining text for PPO-ptx.
    public let pretraining: [Int32]
    public private(set) var iteration = 0
    /// The last rollout, for inspection.
    public private(set) var last: Rollout?
    private var passes: ShuffledPasses
    /// Where each step saves the models, to put back after a rejected update (made once).
    private let policySnapshot = Snapshot(), valueSnapshot = Snapshot()

    public init(policy: GPT, reference: GPT, value: GPT, tokenizer: BPETokenizer, reward: Reward, prompts: [PromptItem],
                settings: PPOSettings, judge: Judge?, pretraining: [Int32] = []) {
        precondition(value.hasScalarHead && !prompts.isEmpty, "PPO: the value model needs a scalar head, and prompts are needed")
        self.policy = policy
        self.reference = reference
        self.value = value
        self.tokenizer = tokenizer
        self.reward = reward
        self.settings = settings
        self.beta = settings.beta
        self.prompts = prompts
        self.judge = judge
        self.pretraining = pretraining
        passes = ShuffledPasses(count: prompts.count)
    }

    /// One iteration, stage by stage: roll out (sample, score, read log π and
    /// log π_ref), estimate values, GAE on the KL-penalised reward, then
    /// `epochs` passes of clipped policy and value updates over minibatches.
    /// A non-finite reward rejects the step before any update; a non-finite
    /// update restores both models (and their optimisers) to where the step began.
    public func step(rng: inout Random) throws(PPOError) -> PPOReport {
        let batch = passes.next(settings.batchSize, rng: &rng).map { prompts[$0] }
        var rollout = try Rollout.sample(policy: policy, reference: reference, tokenizer: tokenizer, prompts: batch,
                                         reward: reward, judge: judge, sampling: settings.sampling,
                                         batchSize: settings.minibatchSize, value: value, missingEndPenalty: settings.missingEndPenalty,
                                         rng: &rng)
        estimateAdvantages(&rollout)
        let optimizers = (policy: PolicyUpdate.adamW(policy, learningRate: settings.learningRate),
                          value: PolicyUpdate.adamW(value, learningRate: settings.valueLearningRate))
        policySnapshot.capture(policy, optimizers.policy)
        valueSnapshot.capture(value, optimizers.value)
        let update: (clipFraction: Double, valueLoss: Double)
        do {
            update = try optimise(rollout, optimizers, rng: &rng)
        } catch {
            policySnapshot.restore(policy, optimizers.policy)
            valueSnapshot.restore(value, optimizers.value)
            throw error
        }
        iteration += 1
        let n = Double(rollout.responses.count)
        let (k1, k3) = rollout.kl
        let report = PPOReport(
            iteration: iteration, proxy: rollout.rawScores.map(Double.init).reduce(0, +) / n,
            gold: rollout.gold.isEmpty ? .nan : rollout.gold.reduce(0, +) / n,
            klK1: k1, klK3: k3, clipFraction: update.clipFraction, valueLoss: update.valueLoss,
            entropy: Double(rollout.entropy), length: Double(rollout.responses.map(\.tokens.count).reduce(0, +)) / n,
            beta: beta)
        if let target = settings.targetKL {
            // Ziegler et al. 2019, §2.2: β ← β(1 + K_β e), e = clip(KL/target − 1, ±0.2), K_β = batch/horizon.
            let error = min(0.2, max(-0.2, report.klK1 / target - 1))
            beta *= 1 + error * n / settings.horizon
        }
        last = rollout
        return report
    }

    /// Advantage estimation: the per-token reward r_t = −β(log π − log π_ref)
    /// plus the score at the last token, GAE's advantages over it, and returns
    /// G = A + V.
    private func estimateAdvantages(_ rollout: inout Rollout) {
        rollout.rewards = []
        rollout.advantages = []
        rollout.returns = []
        for i in rollout.responses.indices {
            var r = zip(rollout.logProbs[i], rollout.referenceLogProbs[i]).map { Float(-beta) * ($0 - $1) }
            r[r.count - 1] += rollout.scores[i]
            let a = PPO.advantages(rewards: r, values: rollout.values[i], gamma: settings.gamma, lambda: settings.lambda)
            rollout.rewards.append(r)
            rollout.advantages.append(a)
            rollout.returns.append(zip(a, rollout.values[i]).map(+))
        }
    }

    /// Generalised advantage estimation (Schulman et al. 2016, eq. 16) over one
    /// response, with V = 0 after its last token.
    public static func advantages(rewards: [Float], values: [Float], gamma: Float, lambda: Float) -> [Float] {
        var out = [Float](repeating: 0, count: rewards.count)
        var running: Float = 0
        for t in rewards.indices.reversed() {
            let next = t + 1 < values.count ? values[t + 1] : 0
            let delta = rewards[t] + gamma * next - values[t]
            running = delta + gamma * lambda * running
            out[t] = running
        }
        return out
    }

    /// The update stage: advantages whitened over the batch, then `epochs`
    /// passes over minibatches, each a policy step (with the PPO-ptx loss
    /// mixed in when asked) and a value step.
    private func optimise(_ rollout: Rollout, _ optimizers: (policy: AdamW, value: AdamW),
                          rng: inout Random) throws(PPOError) -> (clipFraction: Double, valueLoss: Double) {
        let white = whiten(rollout.advantages.flatMap { $0 })
        var whitened: [[Float]] = [], at = 0
        for a in rollout.advantages { whitened.append(Array(white[at..<(at + a.count)])); at += a.count }
        var clippedTokens = 0, tokens = 0, valueLossSum = 0.0, valueTokens = 0
        for _ in 0..<settings.epochs {
            for members in rollout.minibatches(size: settings.minibatchSize, rng: &rng) {
                let rows = ResponseBatch(rollout.responses, rows: members)
                let p = try PolicyUpdate.policyStep(policy, optimizers.policy, rollout, members: members, rows: rows,
                                                    advantages: whitened, clip: settings.clip) { (rows: ResponseBatch) throws(PPOError) in
                    try addPretrainingGradient(rows: rows.B, length: rows.T, rng: &rng)
                }
                clippedTokens += p.clipped
                tokens += p.tokens
                let v = try PolicyUpdate.valueStep(value, optimizers.value, rollout, members: members, rows: rows,
                                                   clip: settings.valueClip)
                valueLossSum += v.loss
                valueTokens += v.tokens
            }
        }
        return (Double(clippedTokens) / Double(max(tokens, 1)), valueLossSum / Double(max(valueTokens, 1)))
    }

    /// PPO-ptx (Ouyang et al. 2022, eq. 2): adds γ times the gradient of the
    /// next-token loss on `rows` random windows of pretraining text.
    private func addPretrainingGradient(rows B: Int, length: Int, rng: inout Random) throws(PPOError) {
        guard settings.ptxCoefficient > 0 && pretraining.count > 2 else { return }
        let T = min(length, pretraining.count - 1)
        var input = [Int32](), targets = [Int32]()
        for _ in 0..<B {
            let s = rng.int(below: pretraining.count - T)
            input += pretraining[s..<(s + T)]
            targets += pretraining[(s + 1)..<(s + T + 1)]
        }
        policy.forward(tokens: input, B: B, T: T, head: .chunked)
        let ptx = policy.languageModelLoss(targets: targets, weights: [Float](repeating: 1 / Float(B * T), count: B * T),
                                           dloss: settings.ptxCoefficient, backward: true)
        guard ptx.isFinite else { throw .nonFiniteUpdate(model: "policy") }
        policy.backward()
    }

    /// The policy's log-probabilities now of response `index` of the last
    /// rollout (for the ratio π/π_old after the update).
    public func currentLogProbs(of index: Int) -> [Float] {
        guard let last, last.responses.indices.contains(index) else { return [] }
        return ResponseBatch(last.responses, rows: [index]).logProbabilities(policy)[0]
    }
}

/// Indices 0..<count drawn in shuffled passes: each pass a fresh permutation
/// (a count smaller than a batch repeats within it).
struct ShuffledPasses {
    let count: Int
    private var order: [Int] = [], cursor = 0

    init(count: Int) { self.count = count }

    mutating func next(_ n: Int, rng: inout Random) -> [Int] {
        var out: [Int] = []
        while out.count < n {
            if cursor == order.count {
                order = Array(0..<count)
                rng.shuffle(&order)
                cursor = 0
            }
            out.append(order[cursor])
            cursor += 1
        }
        return out
    }
}

/// A model's parameters and optimiser state, to put back after a rejected
/// step. Its buffers are made on the first capture and reused after.
final class Snapshot {
    private var parameters: FloatBuffer?, m: FloatBuffer?, v: FloatBuffer?
    private var step = 0

    func capture(_ model: GPT, _ optimizer: AdamW) {
        func copy(_ source: FloatBuffer, into kept: inout FloatBuffer?) {
            if kept?.count != source.count { kept = FloatBuffer(count: source.count) }
            kept!.copy(from: source)
        }
        copy(model.parameters, into: &parameters)
        copy(optimizer.m, into: &m)
        copy(optimizer.v, into: &v)
        step = optimizer.step
    }

    func restore(_ model: GPT, _ optimizer: AdamW) {
        guard let parameters, let m, let v else { return }
        model.parameters.copy(from: parameters)
        optimizer.restore(step: step, m: m, v: v)
    }
}
