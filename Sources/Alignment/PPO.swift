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
    /// How responses are drawn.
    public var sampling = SamplingSettings(temperature: 1, maxNewTokens: 24)

    public init() {}
}

/// Why a PPO step was rejected (the models are left as they were).
public enum PPOError: Error, Equatable {
    /// The reward of a response was NaN or infinite.
    case nonFiniteReward(prompt: String, response: String)
    /// A loss or gradient was NaN or infinite during the update.
    case nonFiniteUpdate(model: String)
}

/// One rollout and what PPO computed from it, per response and per token
/// (token j of a response is predicted at sequence position P + j − 1).
public struct Rollout: Sendable {
    public var prompts: [PromptItem]
    public var responses: [SampledResponse]
    /// The reward of each response as PPO uses it (whitened for Llama 2's rule).
    public var scores: [Float]
    /// The reward before whitening (the proxy reward reported).
    public var rawScores: [Float]
    /// Gold helpfulness + safety of each response, when a judge is given.
    public var gold: [Double]
    /// Per token: log π_old, log π_ref, value, the reward with its KL
    /// penalty, GAE advantage (before whitening), and return.
    public var logProbs: [[Float]], referenceLogProbs: [[Float]], values: [[Float]]
    public var rewards: [[Float]], advantages: [[Float]], returns: [[Float]]
    /// Mean entropy of the policy over response tokens.
    public var entropy: Float
}

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

    /// One iteration: roll out, score, penalise KL, GAE, then `epochs` passes of
    /// clipped policy and value updates over minibatches. A non-finite reward
    /// rejects the step before any update; a non-finite update restores both
    /// models (and their optimisers) to where the step began.
    public func step(rng: inout Random) throws(PPOError) -> PPOReport {
        let batch = nextPrompts(rng: &rng)
        var rollout = try roll(batch, rng: &rng)
        let optimizers = makeOptimizers()
        policySnapshot.capture(policy, optimizers.policy)
        valueSnapshot.capture(value, optimizers.value)
        let update: (clipFraction: Double, valueLoss: Double)
        do {
            update = try optimise(&rollout, optimizers, rng: &rng)
        } catch {
            policySnapshot.restore(policy, optimizers.policy)
            valueSnapshot.restore(value, optimizers.value)
            throw error
        }
        iteration += 1
        let n = Double(rollout.responses.count)
        let (k1, k3) = PPO.klEstimates(logProbs: rollout.logProbs, referenceLogProbs: rollout.referenceLogProbs)
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

    /// The next `batchSize` prompts of shuffled passes over all prompts (a set
    /// smaller than the batch repeats).
    private func nextPrompts(rng: inout Random) -> [PromptItem] {
        passes.next(settings.batchSize, rng: &rng).map { prompts[$0] }
    }

    /// Samples responses and computes every per-token quantity of the update.
    private func roll(_ batch: [PromptItem], rng: inout Random) throws(PPOError) -> Rollout {
        let responses = PolicySampling.sample(policy, tokenizer: tokenizer, prompts: batch.map(\.prompt),
                                              settings: settings.sampling, rng: &rng).map { $0[0] }
        let items = zip(batch, responses).map { (prompt: $0.prompt, response: $1.text, unsafe: $0.unsafe) }
        let raw = reward.rawScores(items)
        if let bad = raw.indices.first(where: { !raw[$0].isFinite }) {
            throw .nonFiniteReward(prompt: batch[bad].prompt, response: responses[bad].text)
        }
        let scores: [Float] = if case .llama2 = reward { whiten(raw) } else { raw }
        let gold = judge.map { j in zip(batch, responses).map { j.judge(prompt: $0.prompt, response: $1.text) }.map(\.total) } ?? []
        var logProbs = [[Float]](repeating: [], count: responses.count), referenceLogProbs = logProbs, values = logProbs
        var entropies: [Float] = []
        // Rows of similar length together, so a long prompt pads few others.
        for chunk in PPO.lengthGroups(responses, Array(responses.indices), size: settings.minibatchSize) {
            let rows = ResponseBatch(responses, rows: chunk)
            let lp = rows.logProbabilities(policy)
            entropies += rows.perResponse(policy.tokenEntropies()).flatMap { $0 }
            let ref = rows.logProbabilities(reference)
            let v = rows.responseValues(value)
            for (k, i) in chunk.enumerated() { (logProbs[i], referenceLogProbs[i], values[i]) = (lp[k], ref[k], v[k]) }
        }
        var rewards: [[Float]] = [], advantages: [[Float]] = [], returns: [[Float]] = []
        for i in responses.indices {
            var r = zip(logProbs[i], referenceLogProbs[i]).map { Float(-beta) * ($0 - $1) }
            r[r.count - 1] += scores[i]
            let a = PPO.advantages(rewards: r, values: values[i], gamma: settings.gamma, lambda: settings.lambda)
            rewards.append(r)
            advantages.append(a)
            returns.append(zip(a, values[i]).map(+))
        }
        return Rollout(prompts: batch, responses: responses, scores: scores, rawScores: raw, gold: gold, logProbs: logProbs,
                       referenceLogProbs: referenceLogProbs, values: values, rewards: rewards, advantages: advantages,
                       returns: returns, entropy: entropies.reduce(0, +) / Float(max(entropies.count, 1)))
    }

    /// KL(π ‖ π_ref) per response, averaged over responses, estimated from the
    /// sampled tokens two ways (Schulman 2020, "Approximating KL divergence"):
    /// k1 = Σ_t (log π − log π_ref), unbiased but negative on some samples, and
    /// k3 = Σ_t ((ρ − 1) − log ρ) with ρ = π_ref/π, unbiased and never negative.
    public static func klEstimates(logProbs: [[Float]], referenceLogProbs: [[Float]]) -> (k1: Double, k3: Double) {
        var k1 = 0.0, k3 = 0.0
        for (lp, ref) in zip(logProbs, referenceLogProbs) {
            for (a, b) in zip(lp, ref) {
                let logRatio = Double(b - a)
                k1 -= logRatio
                k3 += (exp(logRatio) - 1) - logRatio
            }
        }
        let n = Double(max(logProbs.count, 1))
        return (k1 / n, k3 / n)
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

    /// The clipped surrogate of one token and its gradient with respect to
    /// log π: loss = max(−A ρ, −A clip(ρ, 1−ε, 1+ε)), ρ = exp(log π − log π_old).
    public static func policyLoss(logProb: Float, oldLogProb: Float, advantage a: Float, clip: Float)
        -> (loss: Float, dLogProb: Float, clipped: Bool) {
        let ratio = exp(logProb - oldLogProb)
        let unclipped = -a * ratio, clipped = -a * min(max(ratio, 1 - clip), 1 + clip)
        return clipped > unclipped ? (clipped, 0, true) : (unclipped, -a * ratio, false)
    }

    /// The clipped value loss of one token and its gradient with respect to V:
    /// ½ max((V − G)², (V_old + clip(V − V_old, ±ε) − G)²).
    public static func valueLoss(value v: Float, oldValue: Float, target g: Float, clip: Float) -> (loss: Float, dValue: Float) {
        let inside = abs(v - oldValue) < clip
        let vc = oldValue + min(max(v - oldValue, -clip), clip)
        let l1 = (v - g) * (v - g), l2 = (vc - g) * (vc - g)
        return l1 >= l2 ? (0.5 * l1, v - g) : (0.5 * l2, inside ? vc - g : 0)
    }

    /// Epochs of minibatch updates of the policy and the value model.
    /// The policy's and the value model's AdamW (no weight decay, gradients clipped at norm 1).
    private func makeOptimizers() -> (policy: AdamW, value: AdamW) {
        (PPO.adamW(policy, learningRate: settings.learningRate), PPO.adamW(value, learningRate: settings.valueLearningRate))
    }

    /// `model`'s AdamW for RL-style updates: no weight decay, gradients clipped at norm 1.
    static func adamW(_ model: GPT, learningRate: Float) -> AdamW {
        var settings = AdamWSettings(learningRate: learningRate, weightDecay: 0)
        settings.maxGradNorm = 1
        let optimizer = model.optimizer(settings)
        optimizer.settings = settings
        return optimizer
    }

    private func optimise(_ rollout: inout Rollout, _ optimizers: (policy: AdamW, value: AdamW),
                          rng: inout Random) throws(PPOError) -> (clipFraction: Double, valueLoss: Double) {
        let flat = rollout.advantages.flatMap { $0 }
        let white = whiten(flat)
        var whitened: [[Float]] = [], at = 0
        for a in rollout.advantages { whitened.append(Array(white[at..<(at + a.count)])); at += a.count }
        let (policyOptimizer, valueOptimizer) = optimizers
        var clippedTokens = 0, tokens = 0, valueLossSum = 0.0, valueTokens = 0
        let n = rollout.responses.count
        for _ in 0..<settings.epochs {
            var order = Array(0..<n)
            rng.shuffle(&order)
            var minibatches = PPO.lengthGroups(rollout.responses, order, size: settings.minibatchSize)
            rng.shuffle(&minibatches)
            for members in minibatches {
                let rows = ResponseBatch(rollout.responses, rows: members)
                let count = Float(members.map { rollout.responses[$0].tokens.count }.reduce(0, +))
                // Policy.
                let now = rows.logProbabilities(policy)
                var dlogp: [[Float]] = []
                var lossSum: Float = 0
                for (k, i) in members.enumerated() {
                    dlogp.append(now[k].indices.map { j in
                        let l = PPO.policyLoss(logProb: now[k][j], oldLogProb: rollout.logProbs[i][j],
                                               advantage: whitened[i][j], clip: settings.clip)
                        lossSum += l.loss
                        clippedTokens += l.clipped ? 1 : 0
                        return l.dLogProb / count
                    })
                }
                tokens += Int(count)
                guard lossSum.isFinite else { throw .nonFiniteUpdate(model: "policy") }
                policy.zeroGradients()
                rows.backward(policy, dLogProbabilities: dlogp)
                if settings.ptxCoefficient > 0 && pretraining.count > 2 {
                    let T = min(rows.T, pretraining.count - 1), B = rows.B
                    var input = [Int32](), targets = [Int32]()
                    for _ in 0..<B {
                        let s = rng.int(below: pretraining.count - T)
                        input += pretraining[s..<(s + T)]
                        targets += pretraining[(s + 1)..<(s + T + 1)]
                    }
                    policy.forward(tokens: input, B: B, T: T)
                    let ptx = policy.languageModelLoss(targets: targets, weights: [Float](repeating: 1 / Float(B * T), count: B * T),
                                                       dloss: settings.ptxCoefficient, backward: true)
                    guard ptx.isFinite else { throw .nonFiniteUpdate(model: "policy") }
                    policy.backward()
                }
                guard policyOptimizer.update(parameters: policy.parameters.pointer, gradients: policy.gradients.pointer).applied
                else { throw .nonFiniteUpdate(model: "policy") }
                // Value.
                let v = rows.responseValues(value)
                var dv: [[Float]] = []
                var vLoss: Float = 0
                for (k, i) in members.enumerated() {
                    dv.append(v[k].indices.map { j in
                        let l = PPO.valueLoss(value: v[k][j], oldValue: rollout.values[i][j], target: rollout.returns[i][j],
                                              clip: settings.valueClip)
                        vLoss += l.loss
                        return l.dValue / count
                    })
                }
                guard vLoss.isFinite else { throw .nonFiniteUpdate(model: "value") }
                valueLossSum += Double(vLoss)
                valueTokens += Int(count)
                value.zeroGradients()
                rows.responseValuesBackward(value, dValues: dv)
                guard valueOptimizer.update(parameters: value.parameters.pointer, gradients: value.gradients.pointer).applied
                else { throw .nonFiniteUpdate(model: "value") }
            }
        }
        return (Double(clippedTokens) / Double(max(tokens, 1)), valueLossSum / Double(max(valueTokens, 1)))
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
