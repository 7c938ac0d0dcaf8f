import Foundation
import Kernels
import LanguageModel
import Testing

@testable import Alignment

/// The held-out probe of `eval_every=`: proxy, gold and KL of the policy's own
/// answers to fixed prompts, the same random numbers at every reading.
@Suite struct HeldOutProbeTests {
    static let probe = HeldOutProbe(prompts: (0..<12).map { PromptItem(prompt: GroupRLTests.prompts[$0 % 2], unsafe: false) },
                                    sampling: SamplingSettings(temperature: 1, maxNewTokens: 6), seed: 9)

    /// The reading counted another way: the same answers drawn by the sampler
    /// directly from the probe's seed, "Yes." counted by hand (YesJudge scores
    /// it 1, anything else 0, as gold and as the oracle reward), and
    /// k3 = Σ_t (e^{Δ} − 1 − Δ) with Δ = log π_ref − log π summed here.
    static func countedByHand(_ trainer: GroupRL) -> (yes: Double, k3: Double) {
        var rng = Random(seed: probe.seed)
        let answers = PolicySampling.sample(trainer.policy, tokenizer: trainer.tokenizer, prompts: probe.prompts.map(\.prompt),
                                            settings: probe.sampling, rng: &rng).map { $0[0] }
        let yes = Double(answers.filter { $0.text == "Yes." }.count) / Double(answers.count)
        let read = Rollout.logProbabilities(answers, policy: trainer.policy, reference: trainer.reference, batchSize: 5)
        var k3 = 0.0
        for (lp, ref) in zip(read.policy, read.reference) {
            for (a, b) in zip(lp, ref) {
                let delta = Double(b) - Double(a)
                k3 += exp(delta) - 1 - delta
            }
        }
        return (yes, k3 / Double(answers.count))
    }

    @Test func aReadingAtTheStartIsTheReferenceItself() throws {
        let trainer = GroupRLTests.trainer(try GroupRLTests.yesNoPolicy(), .grpo)
        let first = try Self.probe.read(trainer), again = try Self.probe.read(trainer)
        #expect(first == again)
        #expect(first.klK1 == 0 && first.klK3 == 0)
        let hand = Self.countedByHand(trainer)
        #expect(abs(first.proxy - hand.yes) < 1e-12 && abs(first.gold - hand.yes) < 1e-12)
    }

    @Test func readingsFollowThePolicyAsItLearns() throws {
        let trainer = GroupRLTests.trainer(try GroupRLTests.yesNoPolicy(), .grpo)
        let before = try Self.probe.read(trainer)
        var rng = Random(seed: 11)
        for _ in 0..<20 { _ = try trainer.step(rng: &rng) }
        let after = try Self.probe.read(trainer)
        let hand = Self.countedByHand(trainer)
        print("probe: Yes. share \(before.gold) → \(after.gold), k3 \(after.klK3) (by hand \(hand.k3))")
        #expect(after.gold > before.gold + 0.3)
        #expect(abs(after.gold - hand.yes) < 1e-12 && abs(after.proxy - hand.yes) < 1e-12)
        #expect(after.klK3 > 0.05 && abs(after.klK3 - hand.k3) < 1e-4 * max(1, hand.k3))
    }
}
