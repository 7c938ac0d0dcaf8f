import Foundation
import Kernels
import LanguageModel

/// The update stage of the policy-gradient methods, on one minibatch of a
/// rollout: a clipped-surrogate step of the policy (Schulman et al. 2017,
/// eq. 7) and a clipped step of a value model (Huang et al. 2024, detail 9).
public enum PolicyUpdate {
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

    /// One AdamW step of `policy` on the responses `members` of `rollout`
    /// (laid out as `rows`): the mean over their tokens of `policyLoss` with
    /// per-token `advantages`. `addGradient` may add a further loss's gradient
    /// before the step (PPO-ptx). Returns how many tokens were clipped, of how many.
    public static func policyStep(
        _ policy: GPT, _ optimizer: AdamW, _ rollout: Rollout, members: [Int], rows: ResponseBatch, advantages: [[Float]],
        clip: Float, addGradient: (ResponseBatch) throws(PPOError) -> Void = { _ in }
    ) throws(PPOError) -> (clipped: Int, tokens: Int) {
        let count = rows.lengths.reduce(0, +)
        let now = rows.logProbabilities(policy)
        var dlogp: [[Float]] = []
        var lossSum: Float = 0, clipped = 0
        for (k, i) in members.enumerated() {
            dlogp.append(now[k].indices.map { j in
                let l = policyLoss(logProb: now[k][j], oldLogProb: rollout.logProbs[i][j], advantage: advantages[i][j], clip: clip)
                lossSum += l.loss
                clipped += l.clipped ? 1 : 0
                return l.dLogProb / Float(count)
            })
        }
        guard lossSum.isFinite else { throw .nonFiniteUpdate(model: "policy") }
        policy.zeroGradients()
        rows.backward(policy, dLogProbabilities: dlogp)
        try addGradient(rows)
        guard optimizer.update(parameters: policy.parameters.pointer, gradients: policy.gradients.pointer).applied
        else { throw .nonFiniteUpdate(model: "policy") }
        return (clipped, count)
    }

    /// One AdamW step of `value` on the responses `members` of `rollout` (laid
    /// out as `rows`): the mean over their tokens of `valueLoss` toward the
    /// rollout's returns. Returns the summed loss and the token count.
    public static func valueStep(
        _ value: GPT, _ optimizer: AdamW, _ rollout: Rollout, members: [Int], rows: ResponseBatch, clip: Float
    ) throws(PPOError) -> (loss: Double, tokens: Int) {
        let count = rows.lengths.reduce(0, +)
        let v = rows.responseValues(value)
        var dv: [[Float]] = []
        var lossSum: Float = 0
        for (k, i) in members.enumerated() {
            dv.append(v[k].indices.map { j in
                let l = valueLoss(value: v[k][j], oldValue: rollout.values[i][j], target: rollout.returns[i][j], clip: clip)
                lossSum += l.loss
                return l.dValue / Float(count)
            })
        }
        guard lossSum.isFinite else { throw .nonFiniteUpdate(model: "value") }
        value.zeroGradients()
        rows.responseValuesBackward(value, dValues: dv)
        guard optimizer.update(parameters: value.parameters.pointer, gradients: value.gradients.pointer).applied
        else { throw .nonFiniteUpdate(model: "value") }
        return (Double(lossSum), count)
    }

    /// `model`'s AdamW for RL-style updates: no weight decay, gradients clipped at norm 1.
    public static func adamW(_ model: GPT, learningRate: Float) -> AdamW {
        var settings = AdamWSettings(learningRate: learningRate, weightDecay: 0)
        settings.maxGradNorm = 1
        let optimizer = model.optimizer(settings)
        optimizer.settings = settings
        return optimizer
    }
}
