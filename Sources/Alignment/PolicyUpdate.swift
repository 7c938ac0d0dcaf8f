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
    /// (laid out as `rows`): `policyGradient`, then `addGradient` may add a
    /// further loss's gradient (PPO-ptx), then the step. Returns how many
    /// tokens were clipped, of how many.
    public static func policyStep(
        _ policy: GPT, _ optimizer: AdamW, _ rollout: Rollout, members: [Int], rows: ResponseBatch, advantages: [[Float]],
        clip: Float, addGradient: (ResponseBatch) throws(PPOError) -> Void = { _ in }
    ) throws(PPOError) -> (clipped: Int, tokens: Int) {
        policy.training = true  // adapters drop their inputs (LoRA dropout) in these passes
        defer { policy.training = false }
        let g = policyGradient(policy, rollout, members: members, rows: rows, advantages: advantages, clip: clip)
        guard g.loss.isFinite else { throw .nonFiniteUpdate(model: "policy") }
        try addGradient(rows)
        guard optimizer.update(parameters: policy.parameters.pointer, gradients: policy.gradients.pointer).applied
        else { throw .nonFiniteUpdate(model: "policy") }
        return (g.clipped, g.tokens)
    }

    /// The mean over the tokens of `members` of `policyLoss` with per-token
    /// `advantages` against the rollout's log π_old, and its gradient, written
    /// into `policy`'s (zeroed first; left zero when the loss is not finite).
    public static func policyGradient(
        _ policy: GPT, _ rollout: Rollout, members: [Int], rows: ResponseBatch, advantages: [[Float]], clip: Float
    ) -> (loss: Float, clipped: Int, tokens: Int) {
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
        policy.zeroGradients()
        if lossSum.isFinite { rows.backward(policy, dLogProbabilities: dlogp) }
        return (lossSum / Float(count), clipped, count)
    }

    /// How a group method weighs its per-token losses over a minibatch of B responses.
    public enum Averaging: Sendable, Equatable {
        /// GRPO: the mean over each response's tokens, then over responses (1/(B·|o_i|)).
        case perResponse
        /// Dr. GRPO: every token alike, over the fixed budget (1/(B·L_max)).
        case fixedLength(Int)
        /// RLOO: the response is one action, its ratio Π_t π/π_old (1/B per response).
        case wholeResponse
    }

    /// The group methods' loss over B responses (`responses`; these may be
    /// some of them, the loss summing over chunks), each with one advantage:
    /// the clipped surrogate token by token or (`.wholeResponse`) on the
    /// response's summed log-probability, plus `beta` · k3 per token toward
    /// the reference, weighted as `averaging` says. Returns the loss, its
    /// gradient with respect to each log π now, and how many ratios were
    /// clipped, of how many.
    public static func groupLoss(
        logProbs now: [[Float]], oldLogProbs: [[Float]], referenceLogProbs: [[Float]], advantages: [Float],
        clip: Float, averaging: Averaging, beta: Float, responses: Int? = nil
    ) -> (loss: Float, dLogProbs: [[Float]], clipped: Int, units: Int) {
        let B = Float(responses ?? now.count)
        var dlogp: [[Float]] = []
        var lossSum: Float = 0, clipped = 0, units = 0
        for i in now.indices {
            let old = oldLogProbs[i], ref = referenceLogProbs[i], a = advantages[i]
            var d = [Float](repeating: 0, count: now[i].count)
            let tokenWeight: Float? = switch averaging {
            case .perResponse: 1 / (B * Float(now[i].count))
            case let .fixedLength(L): 1 / (B * Float(L))
            case .wholeResponse: nil
            }
            if let w = tokenWeight {
                for j in d.indices {
                    let l = policyLoss(logProb: now[i][j], oldLogProb: old[j], advantage: a, clip: clip)
                    let kl = k3Divergence(logProb: now[i][j], referenceLogProb: ref[j])
                    lossSum += w * (l.loss + beta * Float(kl.value))
                    clipped += l.clipped ? 1 : 0
                    d[j] = w * (l.dLogProb + beta * Float(kl.dLogProb))
                }
                units += d.count
            } else {
                let l = policyLoss(logProb: now[i].reduce(0, +), oldLogProb: old.reduce(0, +), advantage: a, clip: clip)
                lossSum += l.loss / B
                clipped += l.clipped ? 1 : 0
                units += 1
                for j in d.indices { d[j] = l.dLogProb / B }
            }
            dlogp.append(d)
        }
        return (lossSum, dlogp, clipped, units)
    }

    /// One AdamW step of `policy` by `groupLoss` on the responses `members`
    /// of `rollout` (`advantages` is indexed like its responses). The
    /// gradient is summed over rows of similar length, `chunk` at a time, so
    /// a large minibatch pads little and holds few activations. Where the
    /// rollout holds no log π_old (its only update, as TRL's GRPO with one
    /// iteration), this step's own forward pass is π_old: it returns those
    /// log-probabilities and their mean entropy, to fill the rollout.
    public static func groupStep(
        _ policy: GPT, _ optimizer: AdamW, _ rollout: Rollout, members: [Int], advantages: [Float],
        clip: Float, averaging: Averaging, klPenalty beta: Float, chunk: Int = 32
    ) throws(PPOError) -> (loss: Float, clipped: Int, units: Int, read: [Int: [Float]], entropy: Float) {
        policy.training = true  // adapters drop their inputs (LoRA dropout) in these passes
        defer { policy.training = false }
        let readsOld = rollout.logProbs.isEmpty
        policy.zeroGradients()
        var loss: Float = 0, clipped = 0, units = 0, read: [Int: [Float]] = [:], entropies: [Float] = []
        for rows in Rollout.lengthGroups(rollout.responses, members, size: chunk) {
            let batch = ResponseBatch(rollout.responses, rows: rows)
            let now = batch.logProbabilities(policy)
            if readsOld {
                for (k, i) in rows.enumerated() { read[i] = now[k] }
                entropies += batch.responseEntropies(policy).flatMap { $0 }
            }
            let l = groupLoss(logProbs: now, oldLogProbs: readsOld ? now : rows.map { rollout.logProbs[$0] },
                              referenceLogProbs: rows.map { rollout.referenceLogProbs[$0] }, advantages: rows.map { advantages[$0] },
                              clip: clip, averaging: averaging, beta: beta, responses: members.count)
            guard l.loss.isFinite else { throw .nonFiniteUpdate(model: "policy") }
            batch.backward(policy, dLogProbabilities: l.dLogProbs)
            loss += l.loss
            clipped += l.clipped
            units += l.units
        }
        guard optimizer.update(parameters: policy.parameters.pointer, gradients: policy.gradients.pointer).applied
        else { throw .nonFiniteUpdate(model: "policy") }
        return (loss, clipped, units, read, readsOld ? entropies.reduce(0, +) / Float(max(entropies.count, 1)) : .nan)
    }

    /// One AdamW step of `value` on the responses `members` of `rollout` (laid
    /// out as `rows`): `valueGradient`, then the step. Returns the summed loss
    /// and the token count.
    public static func valueStep(
        _ value: GPT, _ optimizer: AdamW, _ rollout: Rollout, members: [Int], rows: ResponseBatch, clip: Float
    ) throws(PPOError) -> (loss: Double, tokens: Int) {
        value.training = true  // adapters drop their inputs (LoRA dropout) in these passes
        defer { value.training = false }
        let g = valueGradient(value, rollout, members: members, rows: rows, clip: clip)
        guard g.loss.isFinite else { throw .nonFiniteUpdate(model: "value") }
        guard optimizer.update(parameters: value.parameters.pointer, gradients: value.gradients.pointer).applied
        else { throw .nonFiniteUpdate(model: "value") }
        return (Double(g.summed), g.tokens)
    }

    /// The mean over the tokens of `members` of `valueLoss` toward the
    /// rollout's returns (and the sum), and its gradient, written into
    /// `value`'s (zeroed first; left zero when the loss is not finite).
    public static func valueGradient(
        _ value: GPT, _ rollout: Rollout, members: [Int], rows: ResponseBatch, clip: Float
    ) -> (loss: Float, summed: Float, tokens: Int) {
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
        value.zeroGradients()
        if lossSum.isFinite { rows.responseValuesBackward(value, dValues: dv) }
        return (lossSum / Float(count), lossSum, count)
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
