import Datasets
import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// PPO's two updates through a whole model: the gradient `policyGradient` and
/// `valueGradient` write against central differences of the loss they
/// report, on a rollout where some ratios and some values are outside their
/// clip ranges; and PPO-ptx's pretraining term, which pulls the policy toward
/// the pretraining text.
@Suite struct PolicyGradientTests {
    static let tokenizer = RLHFTrainingTests.tokenizer
    static let config = RLHFTrainingTests.config
    static let prompts = ["What is 3 + 4?", "Where does Ada live?", "What is 4 + 3?", "Where does Lune live?"]

    /// Four sampled responses of a random policy, with log π_old moved off
    /// log π now (every third token far past the clip range), advantages of
    /// both signs, and (for the value model) old values moved off, every
    /// fourth token past the value clip.
    static func rollout(_ policy: GPT, value: GPT) throws -> Rollout {
        let rm = GPT(scalarHeadOn: GPT(config: config, seed: 9), seed: 4)
        var rng = Random(seed: 6)
        var rollout = try Rollout.sample(
            policy: policy, reference: policy.copy(), tokenizer: tokenizer, prompts: prompts.map { PromptItem(prompt: $0, unsafe: false) },
            reward: .single(ScoringModel(model: rm, tokenizer: tokenizer)), judge: nil,
            sampling: SamplingSettings(temperature: 1, maxNewTokens: 6), batchSize: 8, value: value, rng: &rng)
        var k = 0
        rollout.advantages = rollout.logProbs.map { lp in lp.map { _ in k += 1; return k % 2 == 0 ? 0.7 : -1.1 } }
        rollout.logProbs = rollout.logProbs.map { lp in lp.map { k += 1; return $0 + (k % 3 == 0 ? 0.6 : 0.05) } }
        rollout.returns = rollout.values.map { v in v.map { k += 1; return $0 + (k % 2 == 0 ? 0.8 : -0.3) } }
        rollout.values = rollout.values.map { v in v.map { k += 1; return $0 + (k % 4 == 0 ? 0.5 : 0.02) } }
        return rollout
    }

    /// The worst relative difference between `analytic` and central
    /// differences of `loss` at 60 parameters spread over `model`'s buffer.
    static func worstDifference(_ model: GPT, analytic: [Float], _ loss: () -> Float) -> Double {
        let typical = analytic.map { abs(Double($0)) }.reduce(0, +) / Double(analytic.count)
        var worst = 0.0
        for k in 0..<60 {
            let i = (k * 7919) % model.parameters.count
            let saved = model.parameters[i], eps: Float = 3e-3
            model.parameters[i] = saved + eps
            let up = Double(loss())
            model.parameters[i] = saved - eps
            let down = Double(loss())
            model.parameters[i] = saved
            let numeric = (up - down) / (2 * Double(eps))
            worst = max(worst, abs(numeric - Double(analytic[i])) / (1e-3 + 0.1 * typical + abs(numeric)))
        }
        return worst
    }

    @Test func thePolicyUpdatesGradientMatchesFiniteDifferences() throws {
        Parallel.threads = 2
        let policy = GPT(config: Self.config, seed: 5), value = GPT(scalarHeadOn: policy, seed: 7)
        let rollout = try Self.rollout(policy, value: value)
        let members = Array(rollout.responses.indices), rows = ResponseBatch(rollout.responses, rows: members)
        let g = PolicyUpdate.policyGradient(policy, rollout, members: members, rows: rows, advantages: rollout.advantages, clip: 0.2)
        #expect(g.clipped > 0 && g.clipped < g.tokens, "some ratios clipped, not all: \(g.clipped) of \(g.tokens)")
        let analytic = policy.gradients.array
        let worst = Self.worstDifference(policy, analytic: analytic) {
            PolicyUpdate.policyGradient(policy, rollout, members: members, rows: rows, advantages: rollout.advantages, clip: 0.2).loss
        }
        print("PPO policy update: max relative difference \(worst)")
        #expect(worst < 2e-2)
    }

    @Test func theValueUpdatesGradientMatchesFiniteDifferences() throws {
        Parallel.threads = 2
        let policy = GPT(config: Self.config, seed: 5), value = GPT(scalarHeadOn: policy, seed: 7)
        let rollout = try Self.rollout(policy, value: value)
        let members = Array(rollout.responses.indices), rows = ResponseBatch(rollout.responses, rows: members)
        _ = PolicyUpdate.valueGradient(value, rollout, members: members, rows: rows, clip: 0.2)
        let analytic = value.gradients.array
        let worst = Self.worstDifference(value, analytic: analytic) {
            PolicyUpdate.valueGradient(value, rollout, members: members, rows: rows, clip: 0.2).loss
        }
        print("PPO value update: max relative difference \(worst)")
        #expect(worst < 2e-2)
    }

    /// PPO-ptx (Ouyang et al. 2022, eq. 2): with the pretraining term, the
    /// same PPO steps leave the policy's next-token loss on the pretraining
    /// text lower than without it.
    @Test func ptxPullsThePolicyTowardThePretrainingText() throws {
        Parallel.threads = 2
        let text = Self.tokenizer.encode(String(repeating: "Ada lives in Lune. Where does Ada live? ", count: 30))
        func textLoss(_ model: GPT) -> Float {
            let T = 32, B = 4
            var input: [Int32] = [], targets: [Int32] = []
            for b in 0..<B { input += text[(b * T)..<(b * T + T)]; targets += text[(b * T + 1)..<(b * T + T + 1)] }
            model.forward(tokens: input, B: B, T: T)
            return model.languageModelLoss(targets: targets, weights: [Float](repeating: 1 / Float(B * T), count: B * T), backward: false)
        }
        func trainer(ptx: Float) -> PPO {
            var s = RLHFTrainingTests.ppo(seed: 5).settings
            s.ptxCoefficient = ptx
            let policy = GPT(config: Self.config, seed: 5), rm = GPT(scalarHeadOn: GPT(config: Self.config, seed: 9), seed: 4)
            return PPO(policy: policy, reference: policy.copy(), value: rm.copy(), tokenizer: Self.tokenizer,
                       reward: .single(ScoringModel(model: rm, tokenizer: Self.tokenizer)),
                       prompts: Self.prompts.map { PromptItem(prompt: $0, unsafe: false) }, settings: s, judge: nil,
                       pretraining: ptx > 0 ? text : [])
        }
        let plain = trainer(ptx: 0), mixed = trainer(ptx: 1)
        let before = textLoss(plain.policy)
        for trainer in [plain, mixed] {
            var rng = Random(seed: 8)
            for _ in 0..<4 { _ = try trainer.step(rng: &rng) }
        }
        let (withoutPtx, withPtx) = (textLoss(plain.policy), textLoss(mixed.policy))
        print("pretraining-text loss: before \(before), after PPO \(withoutPtx), after PPO-ptx \(withPtx)")
        #expect(withPtx < before - 0.1 && withPtx < withoutPtx - 0.1)
    }
}
