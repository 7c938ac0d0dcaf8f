import Datasets
import Foundation
import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// GRPO, Dr. GRPO and RLOO: the loss of `PolicyUpdate.groupLoss` against
/// numpy and finite differences, the one-update path against the two-read
/// path, and toys where each must raise a known reward.
@Suite struct GroupRLTests {
    // Two responses (lengths 3 and 2). Token 3 of response 1 has ratio 0.607
    // with A > 0 (not clipped: the pessimistic bound keeps it); token 2 of
    // response 2 has ratio 0.607 with A < 0 (clipped, no gradient). As a
    // whole, response 2's ratio 0.607 is clipped and response 1's 0.638 is not.
    static let now: [[Float]] = [[-1.0, -0.5, -2.0], [-0.3, -1.5]]
    static let old: [[Float]] = [[-1.1, -0.45, -1.5], [-0.3, -1.0]]
    static let ref: [[Float]] = [[-0.9, -0.6, -2.2], [-0.5, -1.1]]
    static let advantages: [Float] = [0.8, -1.3]

    static func loss(_ now: [[Float]], _ averaging: PolicyUpdate.Averaging, beta: Float = 0.04)
        -> (loss: Float, dLogProbs: [[Float]], clipped: Int, units: Int) {
        PolicyUpdate.groupLoss(logProbs: now, oldLogProbs: old, referenceLogProbs: ref, advantages: advantages,
                               clip: 0.2, averaging: averaging, beta: beta)
    }

    /// python3 with numpy, ρ = exp(now − old), s = max(−Aρ, −A clip(ρ, 0.8, 1.2)),
    /// k3 = exp(ref − now) − (ref − now) − 1, β 0.04, B 2:
    ///     GRPO Σ_i mean_t(s + β k3)/B = 0.23123968146325707
    ///     Dr. GRPO Σ_i Σ_t (s + β k3)/(B·24) = 0.004483895411774112
    ///     RLOO Σ_i s(Σ now, Σ old)/B = 0.2649487393512907
    @Test func lossesMatchNumpy() {
        let grpo = Self.loss(Self.now, .perResponse), dr = Self.loss(Self.now, .fixedLength(24))
        let rloo = Self.loss(Self.now, .wholeResponse)
        #expect(abs(grpo.loss - 0.23123968146325707) < 1e-6)
        #expect(abs(dr.loss - 0.004483895411774112) < 1e-7)
        #expect(abs(rloo.loss - 0.2649487393512907) < 1e-6)
        #expect(grpo.clipped == 1 && grpo.units == 5 && rloo.clipped == 1 && rloo.units == 2)
        #expect(grpo.dLogProbs[1][1] != 0, "a clipped token keeps its KL gradient")
        #expect(Self.loss(Self.now, .perResponse, beta: 0).dLogProbs[1][1] == 0, "and only that")
        #expect(rloo.dLogProbs[1].allSatisfy { $0 == 0 } && rloo.dLogProbs[0].allSatisfy { $0 != 0 })
    }

    @Test func gradientsMatchFiniteDifferences() {
        for averaging in [PolicyUpdate.Averaging.perResponse, .fixedLength(24), .wholeResponse] {
            let analytic = Self.loss(Self.now, averaging).dLogProbs
            for i in Self.now.indices {
                for j in Self.now[i].indices {
                    let h: Float = 1e-3
                    var up = Self.now, down = Self.now
                    up[i][j] += h
                    down[i][j] -= h
                    let numeric = (Self.loss(up, averaging).loss - Self.loss(down, averaging).loss) / (2 * h)
                    #expect(abs(numeric - analytic[i][j]) < 2e-4 + 1e-2 * abs(numeric), "\(averaging) [\(i)][\(j)]")
                }
            }
        }
    }

    /// A loss split over chunks (each given the whole minibatch's B) sums to the loss in one piece.
    @Test func chunksSumToTheWhole() {
        let whole = Self.loss(Self.now, .perResponse)
        let parts = [0, 1].map { i in
            PolicyUpdate.groupLoss(logProbs: [Self.now[i]], oldLogProbs: [Self.old[i]], referenceLogProbs: [Self.ref[i]],
                                   advantages: [Self.advantages[i]], clip: 0.2, averaging: .perResponse, beta: 0.04, responses: 2)
        }
        #expect(abs(parts[0].loss + parts[1].loss - whole.loss) < 1e-6)
        #expect(parts[0].dLogProbs[0] == whole.dLogProbs[0] && parts[1].dLogProbs[0] == whole.dLogProbs[1])
    }

    /// Rewards "Yes." with 1 and anything else with 0.
    struct YesJudge: Judge {
        func judge(prompt: String, response: String) -> Judgment {
            Judgment(helpfulness: response == "Yes." ? 1 : 0, safety: 0, reasons: [], correct: nil, refused: false, violation: false)
        }
    }

    static let prompts = RLHFTrainingTests.yesNoPrompts

    /// A policy finetuned on "Yes." and "No." alike.
    static func yesNoPolicy() throws -> GPT {
        var rng = Random(seed: 3)
        return try RLHFTrainingTests.yesNoPolicy(rng: &rng).0
    }

    static func trainer(_ policy: GPT, _ baseline: GroupBaseline, minibatch: Int = 0) -> GroupRL {
        var settings = GroupRLSettings.defaults(for: baseline)
        settings.prompts = 2
        settings.groupSize = 8
        settings.minibatchSize = minibatch
        settings.learningRate = 5e-3
        settings.sampling = SamplingSettings(temperature: 1, maxNewTokens: 6)
        return GroupRL(policy: policy, reference: policy.copy(), tokenizer: RLHFTrainingTests.tokenizer, reward: .oracle(YesJudge()),
                       prompts: prompts.map { PromptItem(prompt: $0, unsafe: false) }, settings: settings, judge: YesJudge())
    }

    /// Each method must take the share of exactly "Yes." (the mean reward)
    /// from under a tenth of the responses (the toy policy mostly says more,
    /// or "No.") to most of them in 30 steps.
    @Test(arguments: [GroupBaseline.grpo, .drgrpo, .rloo])
    func raisesAKnownReward(_ baseline: GroupBaseline) throws {
        let policy = try Self.yesNoPolicy()
        let trainer = Self.trainer(policy.copy(), baseline)
        var rng = Random(seed: 11)
        var reports: [GroupRLReport] = []
        for _ in 0..<30 { reports.append(try trainer.step(rng: &rng)) }
        print("\(baseline): reward by step " + reports.map { String(format: "%.2f", $0.proxy) }.joined(separator: " "))
        let early = reports.prefix(3).map(\.proxy).reduce(0, +) / 3, late = reports.suffix(3).map(\.proxy).reduce(0, +) / 3
        #expect(early < 0.3 && late > 0.75)
        #expect(reports.allSatisfy { $0.klK3 >= 0 && $0.groups == 2 && $0.flatGroups <= 2 && $0.entropy.isFinite })
        #expect(trainer.lastAdvantages.count == 16 && trainer.last!.logProbs.count == 16)
    }

    /// With one update per step the update's own forward pass reads log π_old;
    /// reading it first instead (two minibatches of the same 16, so two
    /// updates) must agree on the first update.
    @Test func theOneUpdatePathReadsTheSameLogProbabilities() throws {
        let policy = try Self.yesNoPolicy()
        let one = Self.trainer(policy.copy(), .grpo)
        var rng = Random(seed: 4)
        _ = try one.step(rng: &rng)
        let read = Rollout.logProbabilities(one.last!.responses, policy: policy, reference: policy, batchSize: 32)
        for (a, b) in zip(one.last!.logProbs, read.policy) {
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 })
        }
        #expect(abs(one.last!.entropy - read.entropy) < 1e-4)
    }

    @Test func aNonFiniteRewardRejectsTheStep() throws {
        struct NaNJudge: Judge {
            func judge(prompt: String, response: String) -> Judgment {
                Judgment(helpfulness: .nan, safety: 0, reasons: [], correct: nil, refused: false, violation: false)
            }
        }
        let policy = GPT(config: RLHFTrainingTests.config, seed: 5)
        let trainer = GroupRL(policy: policy, reference: policy.copy(), tokenizer: RLHFTrainingTests.tokenizer, reward: .oracle(NaNJudge()),
                              prompts: [PromptItem(prompt: "Yes?", unsafe: false)], settings: GroupRLSettings(), judge: nil)
        let before = policy.parameters.array
        var rng = Random(seed: 1)
        #expect(throws: PPOError.self) { try trainer.step(rng: &rng) }
        #expect(policy.parameters.array == before && trainer.iteration == 0 && trainer.last == nil)
    }
}
