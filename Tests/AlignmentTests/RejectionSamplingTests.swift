import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// Rejection sampling's matched control: a random pick sees the very samples a
/// best pick of the same seed sees, keeps the same prompts, and leaves the
/// generator where the best round leaves it (so the finetuning that follows is
/// the same too); only the kept answer differs.
@Suite struct RejectionSamplingTests {
    @Test func aRandomPickIsMatchedToTheBestPick() {
        Parallel.threads = 1
        let tokenizer = RLHFTrainingTests.tokenizer, config = RLHFTrainingTests.config
        let policy = GPT(config: config, seed: 5)
        let rm = GPT(scalarHeadOn: GPT(config: config, seed: 9), seed: 4)
        let reward = Reward.single(ScoringModel(model: rm, tokenizer: tokenizer))
        let prompts = CancellationTests.prompts.map { PromptItem(prompt: $0, unsafe: false) }
        let sampling = SamplingSettings(temperature: 1, maxNewTokens: 5)
        func round(_ pick: RejectionSampling.Pick, minimum: Float? = nil) -> ([Selection], [String: SampledResponse], UInt64) {
            var kept: [String: SampledResponse] = [:], rng = Random(seed: 7)
            let selections = RejectionSampling.select(policy, tokenizer: tokenizer, prompts: prompts, k: 8, reward: reward,
                                                      sampling: sampling, minimumReward: minimum, pick: pick, kept: &kept, rng: &rng)
            return (selections, kept, rng.next())
        }
        let (best, keptBest, afterBest) = round(.best), (random, keptRandom, afterRandom) = round(.random)
        #expect(afterBest == afterRandom)
        #expect(best.map { $0.candidates.map(\.text) } == random.map { $0.candidates.map(\.text) })
        #expect(best.map(\.rewards) == random.map(\.rewards))
        for s in best { #expect(s.rewards[s.best] == s.rewards.max()!) }
        #expect(Set(keptBest.keys) == Set(keptRandom.keys) && keptBest.count == prompts.count)
        for s in random { #expect(keptRandom[s.prompt.prompt]?.text == s.candidates[s.best].text) }
        // 5 prompts × 8 samples: a random pick that always lands on the best would be a broken control.
        #expect(zip(best, random).contains { $0.rewards[$0.best] != $1.rewards[$1.best] })
        // A minimum reward drops the same prompts under either pick: those whose best falls short.
        let cut = best.map { $0.rewards[$0.best] }.sorted()[2]
        let (bestCut, keptBestCut, _) = round(.best, minimum: cut), (randomCut, keptRandomCut, _) = round(.random, minimum: cut)
        #expect(bestCut.map(\.kept) == randomCut.map(\.kept) && Set(keptBestCut.keys) == Set(keptRandomCut.keys))
        #expect(keptBestCut.count == best.filter { $0.rewards.max()! >= cut }.count && keptBestCut.count < prompts.count)
    }
}
