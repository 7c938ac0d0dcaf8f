import Foundation
import Datasets
import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// DPO's losses against numpy, their gradients against finite differences
/// (the pair loss, and through the model), and a toy it must learn.
@Suite struct DPOTests {
    /// (log π_w, log π_l, log π_ref_w, log π_ref_l, |y_w|, |y_l|, [sigmoid, cdpo, robust, hinge, ipo, simpo, orpo]) from
    /// python3 with numpy: ls = lambda x: -np.logaddexp(0, -x); β 0.1, ε 0.1; h = (pc−rc)−(pr−rr), z = βh;
    /// sigmoid −ls(z); cdpo −0.9 ls(z) − 0.1 ls(−z); robust (−0.9 ls(z) + 0.1 ls(−z))/0.8; hinge max(0, 1−z);
    /// ipo (h − 1/(2β))²; simpo (β 2, γ 0.5) −ls(2 (pc/|y_w| − pr/|y_l|) − 0.5);
    /// orpo (λ 0.1, Hong et al. 2024 eq. 6–7) with a = pc/|y_w|, b = pr/|y_l|, lo(m) = m − log1p(−eᵐ):
    /// −a − 0.1 ls(lo(a) − lo(b)).
    static let reference: [(Double, Double, Double, Double, Int, Int, [Double])] = [
        (-10.0, -12.0, -11.0, -11.5, 5, 7, [0.620957047790, 0.635957047790, 0.602207047790, 0.850000000000, 12.250000000000, 1.365976163493, 2.087686483138]),
        (-20.0, -18.0, -19.0, -19.0, 10, 4, [0.798138869382, 0.778138869382, 0.823138869382, 1.200000000000, 49.000000000000, 0.011047744849, 2.006931459606]),
        (-3.0, -9.0, -4.0, -6.0, 3, 6, [0.513015252400, 0.553015252400, 0.463015252400, 0.600000000000, 1.000000000000, 0.474076984180, 1.040113548811]),
    ]
    static let losses: [DPOLoss] = [.sigmoid, .cdpo, .robust, .hinge, .ipo, .simpo, .orpo]

    static func settings(_ loss: DPOLoss) -> DPOSettings {
        var s = DPOSettings()
        s.loss = loss
        if loss == .simpo { s.beta = 2; s.gamma = 0.5 }
        return s
    }

    @Test func lossesMatchNumpy() {
        for (pc, pr, rc, rr, lc, lr, expected) in Self.reference {
            for (loss, value) in zip(Self.losses, expected) {
                let l = DPO.pairLoss(Self.settings(loss), chosen: pc, rejected: pr, referenceChosen: rc, referenceRejected: rr,
                                     chosenLength: lc, rejectedLength: lr)
                #expect(abs(l.loss - value) < 1e-10, "\(loss): \(l.loss) against \(value)")
            }
        }
    }

    @Test func pairGradientsMatchFiniteDifferences() {
        let eps = 1e-6
        for (pc, pr, rc, rr, lc, lr, _) in Self.reference {
            for loss in Self.losses {
                let s = Self.settings(loss)
                func f(_ c: Double, _ r: Double) -> Double {
                    DPO.pairLoss(s, chosen: c, rejected: r, referenceChosen: rc, referenceRejected: rr, chosenLength: lc, rejectedLength: lr).loss
                }
                let l = DPO.pairLoss(s, chosen: pc, rejected: pr, referenceChosen: rc, referenceRejected: rr, chosenLength: lc, rejectedLength: lr)
                let dc = (f(pc + eps, pr) - f(pc - eps, pr)) / (2 * eps), dr = (f(pc, pr + eps) - f(pc, pr - eps)) / (2 * eps)
                #expect(abs(l.dChosen - dc) < 1e-6 && abs(l.dRejected - dr) < 1e-6, "\(loss): (\(l.dChosen), \(l.dRejected)) against (\(dc), \(dr))")
            }
        }
        // The hinge is flat once the margin is met; IPO pulls h to 1/(2β) from both sides.
        let flat = DPO.pairLoss(Self.settings(.hinge), chosen: 0, rejected: -20, referenceChosen: 0, referenceRejected: 0, chosenLength: 1, rejectedLength: 1)
        #expect(flat.loss == 0 && flat.dChosen == 0 && flat.dRejected == 0)
        let over = DPO.pairLoss(Self.settings(.ipo), chosen: 0, rejected: -20, referenceChosen: 0, referenceRejected: 0, chosenLength: 1, rejectedLength: 1)
        #expect(over.dChosen > 0 && over.dRejected < 0)
    }

    static let tokenizer = RLHFTrainingTests.tokenizer
    static let config = RLHFTrainingTests.config

    static func pairs() -> [PreferencePair] {
        [("What is 3 + 4?", "3 + 4 = 7.", "No."), ("Where does Ada live?", "Ada lives in Lune.", "No.")].map {
            PreferencePair(Comparison(prompt: $0.0, chosen: $0.1, rejected: $0.2), tokenizer: tokenizer, context: 48)
        }
    }

    /// The sum over pairs of the sigmoid (and the ORPO) loss, as a function of
    /// the policy's parameters, against its gradient from ResponseBatch.backward.
    @Test(arguments: [DPOLoss.sigmoid, .orpo])
    func gradientThroughTheModelMatchesFiniteDifferences(_ objective: DPOLoss) {
        let policy = GPT(config: Self.config, seed: 3), reference = GPT(config: Self.config, seed: 4)
        let pairs = Self.pairs(), s = Self.settings(objective)
        let rows = ResponseBatch(pairs.map { (prompt: $0.promptTokens, response: $0.chosenTokens) }
            + pairs.map { (prompt: $0.promptTokens, response: $0.rejectedTokens) })
        let ref = rows.logProbabilities(reference).map { $0.reduce(0.0) { $0 + Double($1) } }
        func loss(grads: Bool) -> Double {
            let now = rows.logProbabilities(policy)
            var total = 0.0, d = [[Float]](repeating: [], count: now.count)
            for i in pairs.indices {
                let j = pairs.count + i
                let l = DPO.pairLoss(s, chosen: now[i].reduce(0.0) { $0 + Double($1) }, rejected: now[j].reduce(0.0) { $0 + Double($1) },
                                     referenceChosen: ref[i], referenceRejected: ref[j], chosenLength: now[i].count, rejectedLength: now[j].count)
                total += l.loss
                d[i] = [Float](repeating: Float(l.dChosen), count: now[i].count)
                d[j] = [Float](repeating: Float(l.dRejected), count: now[j].count)
            }
            if grads { policy.zeroGradients(); rows.backward(policy, dLogProbabilities: d) }
            return total
        }
        _ = loss(grads: true)
        let p = policy.parameters.pointer, g = policy.gradients.pointer
        var rng = Random(seed: 11), worst = 0.0
        for _ in 0..<12 {
            let k = rng.int(below: policy.parameterCount)
            let saved = p[k], h: Float = 1e-2
            p[k] = saved + h; let up = loss(grads: false)
            p[k] = saved - h; let down = loss(grads: false)
            p[k] = saved
            let numeric = (up - down) / Double(2 * h), analytic = Double(g[k])
            worst = max(worst, abs(numeric - analytic) / max(1e-3, abs(numeric) + abs(analytic)))
        }
        #expect(worst < 0.05, "max relative difference \(worst)")
    }

    /// On two pairs, DPO orders both rightly and widens the margin; the
    /// reference does not move.
    @Test func dpoLearnsAToyPreference() {
        let policy = GPT(config: Self.config, seed: 5), reference = policy.copy()
        var s = Self.settings(.sigmoid)
        s.batchSize = 2
        s.learningRate = 3e-3
        s.warmup = 1
        let dpo = DPO(policy: policy, reference: reference, tokenizer: Self.tokenizer, pairs: Self.pairs(), heldOut: Self.pairs(), settings: s)
        let before = dpo.evaluateHeldOut()!
        let frozen = reference.parameters.pointer[7]
        var rng = Random(seed: 1)
        for _ in 0..<30 { #expect(dpo.step(rng: &rng) != nil) }
        let after = dpo.evaluateHeldOut()!
        #expect(before.margin == 0 && before.loss > 0.69 && before.loss < 0.7)
        #expect(after.accuracy == 1 && after.margin > 1 && after.loss < 0.4, "margin \(after.margin), loss \(after.loss)")
        #expect(reference.parameters.pointer[7] == frozen && dpo.step == 30)
        // π_ref of every pair was read once, when a batch first met it, and is what a fresh read gives.
        let fresh = dpo.referenceLogProbabilities(dpo.pairs)
        #expect(dpo.referenceSums.keys.filter { $0 >= 0 }.count == dpo.pairs.count)
        for (i, f) in fresh.enumerated() {
            let cached = dpo.referenceSums[i]!
            #expect(abs(cached.chosen - f.chosen) < 1e-4 && abs(cached.rejected - f.rejected) < 1e-4, "pair \(i): \(cached) vs \(f)")
        }
    }

    /// IPO on per-token mean log-probabilities (as TRL): with h the difference
    /// of the mean log-ratios, ℓ = (h − 1/(2β))², and each token of the chosen
    /// response gets 2(h − 1/(2β)) / |y_w| per pair (divided by the pairs).
    @Test func ipoAveragesLogProbabilitiesPerToken() {
        let policy = GPT(config: Self.config, seed: 3), reference = GPT(config: Self.config, seed: 4)
        let pairs = Self.pairs()
        var s = DPOSettings.defaults(for: .ipo)
        s.beta = 0.5
        #expect(s.averagesLogProbs)
        let dpo = DPO(policy: policy, reference: reference, tokenizer: Self.tokenizer, pairs: pairs, heldOut: [], settings: s)
        let (report, grads, _) = dpo.measure(pairs, withGradient: true)
        let rows = ResponseBatch(pairs.map { (prompt: $0.promptTokens, response: $0.chosenTokens) }
            + pairs.map { (prompt: $0.promptTokens, response: $0.rejectedTokens) })
        let now = rows.logProbabilities(policy), ref = rows.logProbabilities(reference)
        func mean(_ x: [Float]) -> Double { x.reduce(0.0) { $0 + Double($1) } / Double(x.count) }
        var loss = 0.0
        for i in pairs.indices {
            let j = pairs.count + i
            let h = (mean(now[i]) - mean(ref[i])) - (mean(now[j]) - mean(ref[j]))
            let d = h - 1 / (2 * s.beta)
            loss += d * d / 2
            let perToken = 2 * d / Double(now[i].count) / 2
            #expect(grads[i].allSatisfy { abs(Double($0) - perToken) < 1e-6 }, "pair \(i): \(grads[i][0]) vs \(perToken)")
            #expect(grads[j].allSatisfy { abs(Double($0) + 2 * d / Double(now[j].count) / 2) < 1e-6 })
        }
        #expect(abs(report.loss - loss) < 1e-6, "\(report.loss) vs \(loss)")
    }

    /// RPO (Pang et al. 2024): sigmoid DPO plus α times the chosen response's
    /// per-token negative log-likelihood, by hand from the two models' log-probabilities.
    @Test func rpoAddsTheChosenResponsesNegativeLogLikelihood() {
        let policy = GPT(config: Self.config, seed: 3), reference = GPT(config: Self.config, seed: 4)
        let pairs = Self.pairs()
        var s = DPOSettings()
        s.beta = 0.2
        s.nllWeight = 0.7
        let dpo = DPO(policy: policy, reference: reference, tokenizer: Self.tokenizer, pairs: pairs, heldOut: [], settings: s)
        let (report, grads, _) = dpo.measure(pairs, withGradient: true)
        let rows = ResponseBatch(pairs.map { (prompt: $0.promptTokens, response: $0.chosenTokens) }
            + pairs.map { (prompt: $0.promptTokens, response: $0.rejectedTokens) })
        let now = rows.logProbabilities(policy), ref = rows.logProbabilities(reference)
        func sum(_ x: [Float]) -> Double { x.reduce(0.0) { $0 + Double($1) } }
        let n = Double(pairs.count)
        var loss = 0.0
        for i in pairs.indices {
            let j = pairs.count + i
            let z = s.beta * ((sum(now[i]) - sum(ref[i])) - (sum(now[j]) - sum(ref[j])))
            let nll = -sum(now[i]) / Double(now[i].count)
            loss += (log(1 + exp(-z)) + s.nllWeight * nll) / n
            // d/dlog π_t(y_w) = −β σ(−z) − α/|y_w|; d/dlog π_t(y_l) = β σ(−z).
            let sigma = 1 / (1 + exp(z))
            let chosen = (-s.beta * sigma - s.nllWeight / Double(now[i].count)) / n
            #expect(grads[i].allSatisfy { abs(Double($0) - chosen) < 1e-6 }, "pair \(i): \(grads[i][0]) vs \(chosen)")
            #expect(grads[j].allSatisfy { abs(Double($0) - s.beta * sigma / n) < 1e-6 })
        }
        #expect(abs(report.loss - loss) < 1e-6, "\(report.loss) vs \(loss)")
    }
}

/// The likelihood-displacement warning reads the last ten steps' means.
@Suite struct LikelihoodDisplacementTests {
    @Test func bothRewardsBelowZeroTheRejectedLower() {
        let falling = (0..<12).map { -0.01 * Double($0) }
        #expect(LikelihoodDisplacement.isHappening(chosen: falling, rejected: falling.map { $0 - 0.1 }))
        // Nine steps are too few; a chosen reward above 0 on average, or a rejected one above the chosen, is no displacement.
        #expect(!LikelihoodDisplacement.isHappening(chosen: Array(falling.prefix(9)), rejected: falling.prefix(9).map { $0 - 0.1 }))
        #expect(!LikelihoodDisplacement.isHappening(chosen: falling.map { $0 + 0.2 }, rejected: falling.map { $0 - 0.1 }))
        #expect(!LikelihoodDisplacement.isHappening(chosen: falling, rejected: falling.map { $0 + 0.05 }))
    }
}

/// KTO (Ethayarajh et al. 2024) against numpy, its gradient against finite
/// differences, and a toy it must learn.
@Suite struct KTOTests {
    /// From python3 with numpy: sig = 1/(1+exp(−x)); β 0.1, λ_D 1, λ_U 1.5;
    /// z0 = max(0, mean(p − r over the mismatched)); desirable λ_D(1 − sig(β(u − z0))),
    /// undesirable λ_U(1 − sig(β(z0 − u))), u = p − r.
    static let examples: [(Double, Double, Bool, Double)] = [
        (-10, -12, true, 0.471904625592), (-20, -18, false, 0.642924027485),
        (-3, -9, true, 0.374607650279), (-7, -6.5, false, 0.698518584496),
    ]
    static let mismatched: [(Double, Double)] = [(-14, -13), (-9, -11.5), (-22, -21), (-5, -8)]
    static let kto = KTO(beta: 0.1, desirableWeight: 1, undesirableWeight: 1.5)

    @Test func lossMatchesNumpyAndItsGradientFiniteDifferences() {
        let z = KTO.referencePoint(Self.mismatched.map { SequenceLogProbs(policy: $0.0, reference: $0.1, length: 3) })
        #expect(abs(z - 0.875) < 1e-12)
        // No reference point below 0: a policy less likely than its reference on the mismatched pairs gives 0.
        #expect(KTO.referencePoint([SequenceLogProbs(policy: -9, reference: -5, length: 2)]) == 0)
        for (p, r, desirable, expected) in Self.examples {
            let t = Self.kto.terms(SequenceLogProbs(policy: p, reference: r, length: 4), desirable: desirable, referencePoint: z)
            #expect(abs(t.loss - expected) < 1e-10, "\(t.loss) against \(expected)")
            let eps = 1e-6
            func f(_ x: Double) -> Double { Self.kto.terms(SequenceLogProbs(policy: x, reference: r, length: 4), desirable: desirable, referencePoint: z).loss }
            #expect(abs(t.d - (f(p + eps) - f(p - eps)) / (2 * eps)) < 1e-8)
            #expect(t.reward == 0.1 * (p - r))
        }
    }

    /// Desirable right answers and undesirable "No.": KTO raises the first's
    /// implicit reward above the second's; the reference does not move.
    @Test func ktoLearnsAToyPreference() {
        let policy = GPT(config: DPOTests.config, seed: 5), reference = policy.copy()
        let unpaired = [("What is 3 + 4?", "3 + 4 = 7.", true), ("What is 3 + 4?", "No.", false),
                        ("Where does Ada live?", "Ada lives in Lune.", true), ("Where does Ada live?", "No.", false)]
        let examples = unpaired.map {
            PreferenceExample(UnpairedExample(prompt: $0.0, completion: $0.1, desirable: $0.2), tokenizer: DPOTests.tokenizer, context: 48)
        }
        var s = DPOSettings.defaults(for: .kto)
        s.batchSize = 4
        s.learningRate = 3e-3
        s.warmup = 1
        s.klSamples = 0
        let dpo = DPO(policy: policy, reference: reference, tokenizer: DPOTests.tokenizer, pairs: [], heldOut: [],
                      examples: examples, heldOutExamples: examples, settings: s)
        let before = dpo.evaluateHeldOut()!
        var rng = Random(seed: 1)
        for _ in 0..<30 { #expect(dpo.step(rng: &rng) != nil) }
        let after = dpo.evaluateHeldOut()!
        print("kto toy: loss \(before.loss) -> \(after.loss), rewards \(after.chosenReward) / \(after.rejectedReward)")
        #expect(before.chosenReward == 0 && before.rejectedReward == 0 && abs(before.loss - 0.5) < 1e-6)
        #expect(after.chosenReward > after.rejectedReward + 0.5 && after.loss < before.loss - 0.1 && after.accuracy == 1)
        #expect(dpo.exampleReferenceSums.count == 8)  // four training and four held-out responses, each read once
    }
}
