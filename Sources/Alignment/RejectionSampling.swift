import Kernels
import LanguageModel

/// A prompt to optimise on, with its safety tag (Llama 2's combined reward reads it).
public struct PromptItem: Sendable, Equatable {
    public var prompt: String
    public var unsafe: Bool
    /// The prompt record's other fields as text (`answer`, …), for rewards that check answers.
    public var fields: [String: String]
    public init(prompt: String, unsafe: Bool, fields: [String: String] = [:]) {
        self.prompt = prompt
        self.unsafe = unsafe
        self.fields = fields
    }
}

/// The candidates for one prompt, their rewards, and the one picked.
public struct Selection: Sendable {
    public var prompt: PromptItem
    public var candidates: [SampledResponse]
    public var rewards: [Float]
    /// Index of the kept candidate: the highest reward (the first of equals),
    /// or the random pick of a control round (`Pick.random`).
    public var best: Int
    /// Whether the best clears the round's minimum reward (always, without one).
    public var kept = true
}

/// Best-of-n and Llama 2's rejection sampling.
public enum RejectionSampling {
    /// The KL divergence of best-of-n from the policy it samples, in nats
    /// (Stiennon et al. 2020, App. G.3; Gao et al. 2022, §2.1):
    ///
    ///     KL(π_best-of-n ‖ π) = log n − (n − 1)/n
    public static func bestOfNKL(_ n: Int) -> Double {
        precondition(n >= 1, "bestOfNKL: n must be at least 1")
        return portableLog(Double(n)) - Double(n - 1) / Double(n)
    }

    /// Best-of-n: n samples per prompt, all scored by `reward` in one batch
    /// (before any whitening, which would not change the order), and the
    /// highest kept. `incumbents` (one per prompt, or none) join each
    /// prompt's candidates, so a best from an earlier round survives unless
    /// beaten. `monitor` sees the sampling, then the scoring.
    public static func bestOfN<Failure: Error>(
        _ policy: GPT, tokenizer: BPETokenizer, prompts: [PromptItem], n: Int, reward: Reward,
        sampling: SamplingSettings, rng: inout Random, incumbents: [SampledResponse?] = [],
        monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> [Selection] {
        let samples = try PolicySampling.sample(policy, tokenizer: tokenizer, prompts: prompts.map(\.prompt), k: n,
                                                settings: sampling, rng: &rng, monitor: monitor.phase("sampling"))
        let candidates = prompts.indices.map { i in
            samples[i] + (i < incumbents.count ? incumbents[i].map { [$0] } ?? [] : [])
        }
        let items = prompts.indices.flatMap { i in candidates[i].map { $0.rewardItem(prompts[i]) } }
        let scores = try reward.rawScores(items, monitor: monitor.phase("scoring"))
        var out: [Selection] = [], start = 0
        for i in prompts.indices {
            let r = Array(scores[start..<(start + candidates[i].count)])
            let best = r.indices.max { a, b in r[a] < r[b] || (r[a] == r[b] && a > b) }!
            out.append(Selection(prompt: prompts[i], candidates: candidates[i], rewards: r, best: best))
            start += candidates[i].count
        }
        return out
    }

    /// One point of a best-of-n curve: the mean proxy reward and gold score of
    /// the pick, its KL from the policy, and each prompt's expected gold.
    public struct CurvePoint: Sendable, Equatable {
        public var n: Int
        public var kl: Double
        public var proxy: Double
        public var gold: Double
        public var goldPerPrompt: [Double]
    }

    /// Best-of-m for every m in `sizes`, from the same N scored samples per
    /// prompt, by the unbiased estimator Gao et al. 2022 use for best-of-n
    /// (no resampling, far less noise than taking the first m): rank a
    /// prompt's N samples by proxy, lowest first, equals with the earlier
    /// sample ranked higher (as `bestOfN` picks); the one ranked i is the best
    /// of a random m-subset with probability
    ///
    ///     w_i = C(i−1, m−1) / C(N, m),   w_N = m/N,   w_{i−1} = w_i (i−m)/(i−1)
    ///
    /// so E[pick's gold] = Σ_i w_i gold_i. The result is the mean over prompts.
    public static func bestOfNCurve(proxy: [[Float]], gold: [[Double]], sizes: [Int]) -> [CurvePoint] {
        precondition(proxy.count == gold.count && !proxy.isEmpty, "bestOfNCurve: one proxy and gold row per prompt")
        return sizes.map { m in
            var sumProxy = 0.0, sumGold = 0.0, perPrompt: [Double] = []
            for (r, g) in zip(proxy, gold) {
                let count = r.count
                precondition(g.count == count && m >= 1 && m <= count, "bestOfNCurve: best-of-\(m) needs \(m) samples per prompt")
                let order = r.indices.sorted { a, b in r[a] < r[b] || (r[a] == r[b] && a > b) }
                var w = Double(m) / Double(count), expectedGold = 0.0
                var i = count
                while i >= m {
                    sumProxy += w * Double(r[order[i - 1]])
                    expectedGold += w * g[order[i - 1]]
                    w *= Double(i - m) / Double(i - 1 == 0 ? 1 : i - 1)
                    i -= 1
                }
                sumGold += expectedGold
                perPrompt.append(expectedGold)
            }
            let prompts = Double(proxy.count)
            return CurvePoint(n: m, kl: bestOfNKL(m), proxy: sumProxy / prompts, gold: sumGold / prompts, goldPerPrompt: perPrompt)
        }
    }

    /// Which sample of a prompt a round keeps.
    public enum Pick: String, CaseIterable, Sendable {
        /// The highest reward: rejection sampling.
        case best
        /// One drawn uniformly from the same samples, on the same prompts: the
        /// matched control that says how much of a round's gain is the selection
        /// (the RLHF book's rejection-sampling chapter; Lambert 2025, arXiv 2504.12501).
        case random
    }

    /// The selection half of a round of Llama 2's rejection sampling (Touvron
    /// et al. 2023, §3.2.3): K samples per prompt from the current policy, the
    /// best by reward kept (an earlier round's best stays if it still scores
    /// higher); `finetune` is the other half. With `minimumReward`, a prompt
    /// whose best falls short keeps nothing (where every sample leaks a
    /// password, finetuning on the "best" would teach the leak). With
    /// `pick: .random` the same prompts keep one of this round's samples drawn
    /// at random instead, from a generator split off `rng` without advancing it,
    /// so the samples and the finetuning's order match a `.best` round of the
    /// same seed exactly. Returns the selections (`best` is the kept index);
    /// `kept` is updated, per prompt text, only when the selection is whole (a
    /// stop by `monitor` leaves it as it was).
    public static func select<Failure: Error>(
        _ policy: GPT, tokenizer: BPETokenizer, prompts: [PromptItem], k: Int, reward: Reward,
        sampling: SamplingSettings, minimumReward: Float? = nil, pick: Pick = .best, kept: inout [String: SampledResponse],
        rng: inout Random, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> [Selection] {
        let incumbents = pick == .best ? prompts.map { kept[$0.prompt] } : []
        var selections = try bestOfN(policy, tokenizer: tokenizer, prompts: prompts, n: k, reward: reward,
                                     sampling: sampling, rng: &rng, incumbents: incumbents, monitor: monitor)
        let drawn = pick == .random ? randomPicks(selections, rng: rng) : nil
        for i in selections.indices {
            if let minimumReward, selections[i].rewards[selections[i].best] < minimumReward {
                selections[i].kept = false
                kept[selections[i].prompt.prompt] = nil
                continue
            }
            if let drawn { selections[i].best = drawn[i] }
            kept[selections[i].prompt.prompt] = selections[i].candidates[selections[i].best]
        }
        return selections
    }

    /// The matched control of a selection: one candidate of each drawn
    /// uniformly, from a generator split off `rng` without advancing it, so
    /// drawing the control changes nothing a best pick of the same seed sees.
    public static func randomPicks(_ selections: [Selection], rng: Random) -> [Int] {
        var ahead = rng
        var picker = Random(seed: ahead.next() ^ 0x9A4D_C0DE_5EED_0001)
        return selections.map { picker.int(below: $0.candidates.count) }
    }

    /// The finetuning half of a rejection-sampling round: the policy learns the
    /// kept responses with the SFT loss. Stops between steps when cancelled.
    public static func finetune(
        _ policy: GPT, tokenizer: BPETokenizer, kept: [String: SampledResponse], settings: TrainingSettings,
        rng: inout Random, isCancelled: () -> Bool = { false }, onStep: (TrainingStep) -> Void
    ) throws(TrainingStop) {
        let examples = kept.keys.sorted().map { ChatExample(prompt: $0, response: kept[$0]!.text, ended: kept[$0]!.stopped, tokenizer: tokenizer) }
        let padding = tokenizer.id(of: BPETokenizer.SpecialToken.endOfText) ?? 0
        guard !examples.isEmpty else { return }
        try LanguageModelTraining.finetune(policy, examples: examples, heldOut: [], padding: padding,
                                           settings: settings, rng: &rng, isCancelled: isCancelled, onStep: onStep)
    }

    /// The best responses rejection sampling has kept for a policy, by prompt
    /// text: its state from one round to the next, held by the policy's run.
    public final class Kept {
        public var responses: [String: SampledResponse]
        public init(_ responses: [String: SampledResponse] = [:]) { self.responses = responses }
    }
}

