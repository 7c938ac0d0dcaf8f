import Datasets
import Foundation
import Kernels
import LanguageModel

/// The preference losses `dpo init` knows, by the name loss= takes; each is a
/// `PairObjective` (`objective` makes it from the settings).
public enum DPOLoss: String, Sendable, CaseIterable {
    /// Rafailov et al. 2023, eq. 7: −log σ(β h).
    case sigmoid
    /// Azar et al. 2023 (IPO), eq. 17: (h − 1/(2β))².
    case ipo
    /// Conservative DPO (Mitchell 2023), labels flipped with probability ε:
    /// −(1−ε) log σ(β h) − ε log σ(−β h).
    case cdpo
    /// Chowdhury et al. 2024 (robust DPO), unbiased under flip rate ε:
    /// (−(1−ε) log σ(β h) + ε log σ(−β h)) / (1 − 2ε).
    case robust
    /// SLiC's hinge (Zhao et al. 2023): max(0, 1 − β h).
    case hinge
    /// SimPO (Meng et al. 2024), without a reference: −log σ(β (log π(y_w)/|y_w|
    /// − log π(y_l)/|y_l|) − γ).
    case simpo
    /// ORPO (Hong et al. 2024), without a reference: SFT on y_w plus λ times a
    /// log odds-ratio loss.
    case orpo
    /// KTO (Ethayarajh et al. 2024), on single responses labelled desirable or not.
    case kto
}

/// How DPO runs. Defaults: β 0.1 as in Rafailov et al. 2023 and TRL; SimPO's
/// β 2 and γ 1 from Meng et al. 2024 (γ/β = 0.5); ε 0.1 for the noisy-label
/// variants; lr 5e-6 scaled up for the bundled model's size.
public struct DPOSettings: Sendable, Equatable {
    public var loss = DPOLoss.sigmoid
    /// β: the KL coefficient, the inverse temperature of the implicit reward.
    public var beta = 0.1
    /// ε of cdpo and robust: the assumed rate of flipped labels.
    public var epsilon = 0.1
    /// γ of SimPO: the target margin.
    public var gamma = 1.0
    /// Pairs per step.
    public var batchSize = 16
    /// Peak learning rate, after `warmup` steps of linear warm-up; then constant.
    public var learningRate: Float = 5e-5
    public var warmup = 10
    /// Tokens per prompt + response at most (longer prompts are cut from the left).
    public var context = 96
    /// Whether a response's log π (and log π_ref) is the mean over its tokens
    /// rather than the sum: IPO's default, as TRL computes it (its DPOTrainer
    /// divides IPO's log-probabilities by the completion length), so that the
    /// target margin 1/(2β) is per token. SimPO normalises by itself.
    public var averagesLogProbs = false
    /// Prompts of each step's batch that π answers, for the step's KL estimate (0: none).
    public var klSamples = 8
    /// α of RPO (Pang et al. 2024, "Iterative Reasoning Preference
    /// Optimization", eq. 1; TRL's rpo_alpha, whose docs recommend 1): the loss
    /// gains α·(−log π(y_w|x)/|y_w|), the chosen response's per-token negative
    /// log-likelihood, which holds the chosen responses' probability up against
    /// likelihood displacement. 0: plain DPO.
    public var nllWeight = 0.0
    /// KTO's λ_D and λ_U: the weights of desirable and undesirable responses.
    public var desirableWeight = 1.0, undesirableWeight = 1.0

    public init() {}

    /// The settings with SimPO's defaults where `loss` is simpo.
    public static func defaults(for loss: DPOLoss) -> DPOSettings {
        var s = DPOSettings()
        s.loss = loss
        if loss == .simpo { s.beta = 2 }
        if loss == .ipo { s.averagesLogProbs = true }
        return s
    }

    /// KTO with these settings (its β and weights).
    public var kto: KTO { KTO(beta: beta, desirableWeight: desirableWeight, undesirableWeight: undesirableWeight) }

    /// Whether the loss trains on single labelled responses (KTO) rather than pairs.
    public var isUnpaired: Bool { loss == .kto }

    /// The pair objective `loss` names, with these settings (KTO, which takes
    /// no pairs, has `kto`; here it stands as sigmoid DPO, for a pair opened by `dpo show`).
    public var objective: any PairObjective {
        switch loss {
        case .sigmoid: DirectPreference(.sigmoid, beta: beta, averages: averagesLogProbs)
        case .ipo: DirectPreference(.ipo, beta: beta, averages: averagesLogProbs)
        case .cdpo: DirectPreference(.cdpo, beta: beta, epsilon: epsilon, averages: averagesLogProbs)
        case .robust: DirectPreference(.robust, beta: beta, epsilon: epsilon, averages: averagesLogProbs)
        case .hinge: DirectPreference(.hinge, beta: beta, averages: averagesLogProbs)
        case .simpo: SimPO(beta: beta, gamma: gamma)
        case .orpo: ORPO(lambda: beta)
        case .kto: DirectPreference(.sigmoid, beta: beta)
        }
    }
}

/// Direct preference optimisation, one step at a time (Rafailov et al. 2023):
///
///     h = (log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))
///     L = E_(x, y_w, y_l) [ℓ(h)],   ℓ one of `DPOLoss`
///
/// with sequence log-probabilities summed over response tokens. The gradient
/// of ℓ with respect to each sequence log-probability reaches every token of
/// that response; the reference is frozen.
public final class DPO {
    public let policy: GPT, reference: GPT
    public let tokenizer: BPETokenizer
    public let settings: DPOSettings
    /// The loss, made once from the settings.
    public let objective: any PairObjective
    public let pairs: [PreferencePair], heldOut: [PreferencePair]
    /// KTO's labelled responses (the pairs are empty then), and its held-out ones.
    public let examples: [PreferenceExample], heldOutExamples: [PreferenceExample]
    public private(set) var step = 0
    /// The indices of the pairs (or KTO's examples) the first step trained on, once it has run.
    public private(set) var firstBatch: [Int] = []
    let optimizer: AdamW
    private var passes: ShuffledPasses
    /// Σ log π_ref of each pair's chosen and rejected response, read once: the
    /// reference is frozen, so a pair's are the same at every step (TRL's
    /// precompute_ref_log_probs, read as batches first meet the pairs). Keyed by
    /// the index of a training pair, and by −1 − the index of a held-out one.
    private(set) var referenceSums: [Int: (chosen: Double, rejected: Double)] = [:]
    /// The same for KTO's examples: Σ log π_ref of each response, by the same keys.
    var exampleReferenceSums: [Int: Double] = [:]

    public init(policy: GPT, reference: GPT, tokenizer: BPETokenizer, pairs: [PreferencePair], heldOut: [PreferencePair],
                examples: [PreferenceExample] = [], heldOutExamples: [PreferenceExample] = [], settings: DPOSettings) {
        precondition(settings.isUnpaired ? !examples.isEmpty : !pairs.isEmpty, "DPO: no pairs, or for KTO no examples")
        self.policy = policy
        self.reference = reference
        self.tokenizer = tokenizer
        self.pairs = pairs
        self.heldOut = heldOut
        self.examples = examples
        self.heldOutExamples = heldOutExamples
        self.settings = settings
        objective = settings.objective
        optimizer = PolicyUpdate.adamW(policy, learningRate: settings.learningRate)
        passes = ShuffledPasses(count: settings.isUnpaired ? examples.count : pairs.count)
    }

    /// ℓ of one pair under `s`'s objective and its derivatives with respect to
    /// the chosen and the rejected response's Σ log π, given both models' sums
    /// and the responses' lengths.
    public static func pairLoss(_ s: DPOSettings, chosen pc: Double, rejected pr: Double,
                                referenceChosen rc: Double, referenceRejected rr: Double,
                                chosenLength: Int, rejectedLength: Int) -> (loss: Double, dChosen: Double, dRejected: Double) {
        let t = s.objective.terms(chosen: SequenceLogProbs(policy: pc, reference: rc, length: chosenLength),
                                  rejected: SequenceLogProbs(policy: pr, reference: rr, length: rejectedLength))
        return (t.loss, t.dChosen, t.dRejected)
    }

    /// One step on the next `batchSize` pairs of shuffled passes, then the KL
    /// estimate on fresh samples of π for `klSamples` of its prompts. A
    /// non-finite loss or gradient leaves the policy and the optimiser as they
    /// were and returns nil.
    public func step(rng: inout Random) -> DPOReport? {
        let indices = passes.next(settings.batchSize, rng: &rng)
        policy.zeroGradients()
        policy.training = true  // adapters drop their inputs (LoRA dropout) in this pass
        let measured = settings.isUnpaired ? unpairedPass(indices, heldOut: false, withGradient: true)
            : pass(indices, heldOut: false, withGradient: true)
        policy.training = false
        guard var r = measured else { return nil }
        optimizer.settings.learningRate = settings.learningRate * min(1, Float(step + 1) / Float(max(settings.warmup, 1)))
        let update = optimizer.update(parameters: policy.parameters.pointer, gradients: policy.gradients.pointer)
        guard update.applied else { return nil }
        if step == 0 { firstBatch = indices }
        step += 1
        r.step = step
        r.gradientNorm = Double(update.gradientNorm)
        if settings.klSamples > 0 {
            let prompts = indices.prefix(settings.klSamples).map { settings.isUnpaired ? examples[$0].prompt : pairs[$0].prompt }
            let responses = PolicySampling.sample(policy, tokenizer: tokenizer, prompts: Array(prompts),
                                                  settings: SamplingSettings(temperature: 1, maxNewTokens: 48), rng: &rng).flatMap { $0 }
            let read = Rollout.logProbabilities(responses, policy: policy, reference: reference, batchSize: 32)
            r.kl = Rollout.klEstimates(logProbs: read.policy, referenceLogProbs: read.reference).k3
        }
        return r
    }

    /// Pairs per forward pass: a step's pairs go through the model in chunks of
    /// similar length, so each pass pads its rows to a length near their own
    /// (one long prompt would pad every row of a whole batch to it).
    public static let chunkPairs = 16

    /// The pairs `indices` of the training (or held-out) pairs measured in
    /// length-sorted chunks, with π_ref read once per pair (the first time a
    /// chunk holds it); with `withGradient`, each chunk's gradient, weighted by
    /// its share of the pairs, is added into the policy's (so the sum is the
    /// mean loss's). Nil when a loss is not finite.
    private func pass(_ indices: [Int], heldOut useHeldOut: Bool, withGradient: Bool) -> DPOReport? {
        let set = useHeldOut ? heldOut : pairs
        func key(_ i: Int) -> Int { useHeldOut ? -1 - i : i }
        func length(_ i: Int) -> Int { set[i].promptTokens.count + max(set[i].chosenTokens.count, set[i].rejectedTokens.count) }
        let sorted = indices.enumerated().sorted { (length($0.element), $0.offset) < (length($1.element), $1.offset) }.map(\.element)
        var total: DPOReport?
        for start in stride(from: 0, to: sorted.count, by: Self.chunkPairs) {
            let chunk = Array(sorted[start..<min(start + Self.chunkPairs, sorted.count)])
            let batch = chunk.map { set[$0] }
            let rows = Self.rows(batch)
            var sums: [(chosen: Double, rejected: Double)]?
            if objective.usesReference {
                if chunk.contains(where: { referenceSums[key($0)] == nil }) {
                    let lp = rows.logProbabilities(reference, forBackward: false)
                    for (k, i) in chunk.enumerated() where referenceSums[key(i)] == nil {
                        referenceSums[key(i)] = (Self.sum(lp[k]), Self.sum(lp[batch.count + k]))
                    }
                }
                sums = chunk.map { referenceSums[key($0)]! }
            }
            let (part, grads) = score(batch.count, now: rows.logProbabilities(policy), reference: sums, withGradient: withGradient)
            guard part.loss.isFinite else { return nil }
            if withGradient {
                let share = Float(batch.count) / Float(indices.count)
                rows.backward(policy, dLogProbabilities: grads.map { $0.map { $0 * share } })
            }
            total = total.map { Self.combine($0, part) } ?? part
        }
        return total
    }

    /// Pair `index` of the training pairs (or of the held-out ones) token by
    /// token under the policy now and the reference.
    public func inspect(_ index: Int, heldOut useHeldOut: Bool = false) -> PairInspection {
        let pair = (useHeldOut ? heldOut : pairs)[index]
        let rows = ResponseBatch([(prompt: pair.promptTokens, response: pair.chosenTokens),
                                  (prompt: pair.promptTokens, response: pair.rejectedTokens)])
        let now = rows.logProbabilities(policy, forBackward: false), ref = rows.logProbabilities(reference, forBackward: false)
        let report = score(1, now: now, reference: objective.usesReference ? [(Self.sum(ref[0]), Self.sum(ref[1]))] : nil,
                           withGradient: false).report
        return PairInspection(pair: pair, chosenTokens: pair.chosenTokens, rejectedTokens: pair.rejectedTokens,
                              chosenLogProbs: now[0], chosenReferenceLogProbs: ref[0],
                              rejectedLogProbs: now[1], rejectedReferenceLogProbs: ref[1],
                              loss: report.loss, chosenReward: report.chosenReward, rejectedReward: report.rejectedReward)
    }

    /// The loss and implicit rewards on the held-out pairs (no update); nil
    /// without held-out pairs (or where a loss is not finite).
    public func evaluateHeldOut() -> DPOReport? {
        if settings.isUnpaired {
            guard !heldOutExamples.isEmpty else { return nil }
            var total = unpairedPass(Array(heldOutExamples.indices), heldOut: true, withGradient: false)
            total?.step = step
            return total
        }
        guard !heldOut.isEmpty else { return nil }
        var total = pass(Array(heldOut.indices), heldOut: true, withGradient: false)
        total?.step = step
        return total
    }

    /// The rows of `batch`: every chosen response, then every rejected one.
    static func rows(_ batch: [PreferencePair]) -> ResponseBatch {
        ResponseBatch(batch.map { (prompt: $0.promptTokens, response: $0.chosenTokens) }
            + batch.map { (prompt: $0.promptTokens, response: $0.rejectedTokens) })
    }

    /// Σ log π_ref of each pair's chosen and rejected response.
    func referenceLogProbabilities(_ batch: [PreferencePair]) -> [(chosen: Double, rejected: Double)] {
        let lp = Self.rows(batch).logProbabilities(reference, forBackward: false)
        return batch.indices.map { (Self.sum(lp[$0]), Self.sum(lp[batch.count + $0])) }
    }

    /// The pairs' mean loss and rewards against their reference sums (nil for
    /// SimPO); with `withGradient`, the per-token derivatives for the policy
    /// (chosen rows first, then rejected) and the rows.
    func measure(_ batch: [PreferencePair], reference: [(chosen: Double, rejected: Double)]?,
                 withGradient: Bool) -> (report: DPOReport, grads: [[Float]], rows: ResponseBatch?) {
        let rows = Self.rows(batch)
        let (report, grads) = score(batch.count, now: rows.logProbabilities(policy), reference: reference, withGradient: withGradient)
        return (report, grads, withGradient ? rows : nil)
    }

    /// The same, reading π_ref of the pairs afresh (a one-off read).
    func measure(_ batch: [PreferencePair], withGradient: Bool) -> (report: DPOReport, grads: [[Float]], rows: ResponseBatch?) {
        measure(batch, reference: objective.usesReference ? referenceLogProbabilities(batch) : nil, withGradient: withGradient)
    }

    /// The loss, rewards and (with `withGradient`) per-token derivatives of `n`
    /// pairs from their rows' token log-probabilities under π (chosen rows
    /// first, then rejected) and each pair's Σ log π_ref (nil: the objective
    /// reads none), with RPO's term (Pang et al. 2024, eq. 1) on the chosen
    /// response's per-token mean log π when `nllWeight` asks.
    private func score(_ n: Int, now: [[Float]], reference: [(chosen: Double, rejected: Double)]?,
                       withGradient: Bool) -> (report: DPOReport, grads: [[Float]]) {
        var loss = 0.0, right = 0, chosenReward = 0.0, rejectedReward = 0.0, chosenLogProb = 0.0, rejectedLogProb = 0.0
        var grads = [[Float]](repeating: [], count: 2 * n)
        // The reported log π: summed, or per-token means where the settings average.
        let averages = settings.averagesLogProbs && objective.usesReference
        for i in 0..<n {
            let w = SequenceLogProbs(policy: Self.sum(now[i]), reference: reference?[i].chosen ?? 0, length: now[i].count)
            let l = SequenceLogProbs(policy: Self.sum(now[n + i]), reference: reference?[i].rejected ?? 0, length: now[n + i].count)
            let t = objective.terms(chosen: w, rejected: l)
            loss += (t.loss + settings.nllWeight * -w.policyMean) / Double(n)
            right += t.chosenReward > t.rejectedReward ? 1 : 0
            chosenReward += t.chosenReward / Double(n)
            rejectedReward += t.rejectedReward / Double(n)
            chosenLogProb += (averages ? w.policyMean : w.policy) / Double(n)
            rejectedLogProb += (averages ? l.policyMean : l.policy) / Double(n)
            if withGradient {
                let dNLL = -settings.nllWeight / Double(max(w.length, 1))
                grads[i] = [Float](repeating: Float((t.dChosen + dNLL) / Double(n)), count: w.length)
                grads[n + i] = [Float](repeating: Float(t.dRejected / Double(n)), count: l.length)
            }
        }
        let report = DPOReport(step: step, loss: loss, accuracy: Double(right) / Double(n), chosenReward: chosenReward,
                               rejectedReward: rejectedReward, chosenLogProb: chosenLogProb, rejectedLogProb: rejectedLogProb, pairs: n)
        return (report, grads)
    }

    static func sum(_ x: [Float]) -> Double { x.reduce(0.0) { $0 + Double($1) } }

    /// Two reports' pair-weighted mean.
    static func combine(_ a: DPOReport, _ b: DPOReport) -> DPOReport {
        let n = Double(a.pairs + b.pairs), wa = Double(a.pairs) / n, wb = Double(b.pairs) / n
        return DPOReport(step: a.step, loss: a.loss * wa + b.loss * wb, accuracy: a.accuracy * wa + b.accuracy * wb,
                         chosenReward: a.chosenReward * wa + b.chosenReward * wb,
                         rejectedReward: a.rejectedReward * wa + b.rejectedReward * wb,
                         chosenLogProb: a.chosenLogProb * wa + b.chosenLogProb * wb,
                         rejectedLogProb: a.rejectedLogProb * wa + b.rejectedLogProb * wb, pairs: a.pairs + b.pairs)
    }
}
