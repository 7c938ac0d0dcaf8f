import Datasets
import Kernels
import LanguageModel

/// How much better a policy's own samples can be than its greedy answer:
/// the oracle best-of-k (the judge picks the best of k samples at
/// temperature 1) against the greedy answer, prompt by prompt. A wide gap
/// is room that selection (rejection sampling, RL) can use; none means there
/// is nothing for it to find (DESIGN §2: pass@k far above pass@1).
public struct Headroom: Sendable {
    /// Samples per prompt.
    public var k: Int
    /// Per prompt, the index of the judge's pick among its k samples.
    public var picks: [Int]
    /// The pick's wins, ties and losses against the greedy answer by `Judgment.total`.
    public var outcomes: PairedOutcomes
    /// Mean helpfulness + safety of the greedy answers.
    public var greedyGold: Double
    /// Mean helpfulness + safety of one sample at temperature 1 (the first of the k).
    public var sampleGold: Double
    /// Mean helpfulness + safety of the judge's picks.
    public var bestGold: Double

    /// The pick's paired win rate over the greedy answer (ties count half).
    public var winRate: Rate { outcomes.winRate }
}

extension PolicyEvaluation {
    /// The index of the best of `judgments` by helpfulness + safety; the first
    /// of equals, so the pick does not depend on anything but the order sampled.
    public static func best(of judgments: [Judgment]) -> Int {
        precondition(!judgments.isEmpty, "best(of:): no judgments")
        var pick = 0
        for i in judgments.indices.dropFirst() where judgments[i].total > judgments[pick].total { pick = i }
        return pick
    }

    /// Headroom from judgments alone: `greedy[i]` is the greedy answer's
    /// judgment on prompt i, `samples[i]` those of its k samples (k ≥ 1).
    /// The pick is `best(of: samples[i])`; "one sample" is `samples[i][0]`.
    public static func headroom(greedy: [Judgment], samples: [[Judgment]]) -> Headroom {
        precondition(greedy.count == samples.count, "headroom: \(greedy.count) greedy answers, \(samples.count) sample sets")
        let k = samples.first?.count ?? 0
        precondition(samples.allSatisfy { $0.count == k && k > 0 }, "headroom: every prompt needs the same k ≥ 1 samples")
        let picks = samples.map(best(of:))
        let picked = zip(samples, picks).map { $0[$1] }
        func mean(_ js: [Judgment]) -> Double { js.map(\.total).reduce(0, +) / Double(max(js.count, 1)) }
        return Headroom(k: k, picks: picks, outcomes: outcomes(picked, against: greedy),
                        greedyGold: mean(greedy), sampleGold: mean(samples.map { $0[0] }), bestGold: mean(picked))
    }

    /// Samples `k` responses to each prompt at temperature 1 (at most
    /// `maxNewTokens` each), has `judge` score them, and compares the oracle
    /// best-of-k with `greedy`, the policy's report on the same prompts.
    /// `monitor` sees the sampling, batch by batch, then the judging.
    /// - Complexity: k · prompts generations, one judgment each.
    public static func headroom<Failure: Error>(
        _ model: GPT, tokenizer: BPETokenizer, prompts: [EvaluationPrompt], greedy: PolicyReport, k: Int, judge: Judge,
        maxNewTokens: Int, rng: inout Random, batchSize: Int = 64, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> Headroom {
        precondition(k >= 1 && greedy.judgments.count == prompts.count, "headroom: k \(k), \(greedy.judgments.count) judgments for \(prompts.count) prompts")
        let sampled = try PolicySampling.sample(model, tokenizer: tokenizer, prompts: prompts.map(\.prompt), k: k,
                                                settings: SamplingSettings(temperature: 1, maxNewTokens: maxNewTokens),
                                                rng: &rng, batchSize: batchSize, monitor: monitor.phase("sampling \(k) per prompt"))
        let judged = try monitor.phase("judging").map(prompts.indices, every: 16) { i in
            sampled[i].map { judge.judge(prompt: prompts[i].prompt, response: $0.text) }
        }
        return headroom(greedy: greedy.judgments, samples: judged)
    }
}
