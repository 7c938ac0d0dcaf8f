import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel

extension Commands {
    static let restGrow = CommandSpec(
        "rest grow",
        arguments: [.argument("MODEL", .name, "the chat policy to sample from"), .keyword("on"),
                    .argument("PROMPTS", .name, "the prompts to sample on")],
        options: [
            .option("reward", .name, "the reward that scores every sample"),
            .option("k", .integer(1...64), "samples per prompt", default: "4"),
            .option("n", .integer(0...1_000_000), "prompts, drawn at random (0: all)", default: "0"),
            .option("temperature", .float(0...10), "sampling temperature", default: "1"),
            .option("max_tokens", .integer(1...1000), "new tokens per response at most (default: the max_tokens setting, 48)"),
            .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
        ],
        summary: "ReST's Grow step: sample a dataset from the policy and score it",
        help: """
            Samples K responses to each prompt from MODEL and scores every one \
            with the reward (and the gold labeler), keeping them all as MODEL's \
            grown set for the rest improve steps that follow (Gulcehre et al. \
            2023). Prints the mean proxy reward and gold, and the reward's \
            quantiles where the default thresholds of Improve steps 1, 2, 3 \
            fall (the median, the upper quarter, the upper eighth). A new grow \
            replaces MODEL's grown set and starts its thresholds again. MODEL's \
            run holds the grown set (another training of MODEL starts afresh).
            """,
        why: "sampling is the expensive part of RL on language; ReST pays for it once per Grow step and reuses the samples offline across several Improve steps, which is cheaper and easier to inspect than online RL (Gulcehre et al. 2023).",
        examples: ["rest grow policy on prompts reward=helpful k=4 n=800"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("MODEL")
        let (entry, tokenizer) = try chatModel(name, invocation, s, argument: "MODEL")
        guard let rewardName = invocation.optional("reward") else { throw invocation.error("rest grow needs reward=NAME (a reward model or a reward)") }
        let reward = try s.reward(rewardName, in: invocation, argument: "reward").reward
        var (prompts, rng) = try drawnPrompts(invocation, s, n: invocation.integer("n"))
        try checkReward(reward, rewardName, on: prompts, from: invocation.argument("PROMPTS"), invocation, at: "reward")
        let k = invocation.integer("k")
        let sampling = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: s.maxTokens(invocation))
        let world = s.currentWorld
        let samples = try s.work("rest grow \(name)") { monitor in
            try ReST.grow(entry.model, tokenizer: tokenizer, prompts: prompts, k: k, reward: reward, sampling: sampling,
                          rng: &rng, monitor: monitor)
        }
        if let bad = samples.first(where: { !$0.reward.isFinite }) {
            throw invocation.error("the reward of \(jsonQuoted(bad.response.text)) to \(jsonQuoted(bad.prompt.prompt)) is not finite; nothing was grown. Check the reward (score it).")
        }
        let rewards = samples.map(\.reward)
        let gold = samples.map { world.gold(prompt: $0.prompt.prompt, response: $0.response.text).total }
        // The run of MODEL holds the grown set; the last evaluation of a grown set before it stays the baseline.
        let grown = ReST.Grown(rewardName: rewardName, samples: samples, gold: gold, lastReport: grownSet(of: name, s)?.lastReport)
        let run = Run(name: name, kind: "rest")
        run.method = grown
        s.runs[name] = run
        s.touch(name)
        let count = Double(rewards.count)
        let proxy = rewards.map(Double.init).reduce(0, +) / count, meanGold = gold.reduce(0, +) / count
        s.values["rest.grow.proxy"] = proxy
        s.values["rest.grow.gold"] = meanGold
        let quantiles = (1...3).map { i in
            let q = ReST.defaultQuantile(step: i)
            return String(format: "%g%% %+.3f", 100 * q, ReST.quantile(rewards, q))
        }.joined(separator: ", ")
        return CommandOutput("\(name): grew \(rewards.count) samples (\(prompts.count) prompts × \(k)); "
            + String(format: "proxy %+.3f by %@, gold %+.2f; ", proxy, rewardName, meanGold)
            + "reward quantiles \(quantiles) (the default thresholds of improve steps 1, 2, 3)")
    }

    static let restImprove = CommandSpec(
        "rest improve",
        arguments: [.argument("MODEL", .name, "the chat policy, finetuned in place on its grown set")],
        options: [
            .option("threshold", .float(-1000...1000), "keep samples whose reward reaches this (default: the (1 − 2^−i) quantile at improve step i)"),
        ] + trainingOptions(restTraining, heldout: nil) + loraOptions,
        summary: "ReST's Improve step: keep the grown samples above a rising threshold, finetune on them",
        help: """
            Keeps the samples of MODEL's grown set (rest grow) whose reward reaches \
            the threshold and finetunes MODEL on them with the SFT loss. Each \
            improve step on the same grown set raises the threshold: by default \
            the median of the grown rewards, then the upper quarter, the upper \
            eighth; a threshold= given must exceed the last one. Prints the kept \
            samples' proxy and gold against the whole set's, then MODEL's gold \
            evaluation on held-out prompts before and after.
            """,
        why: "each rising threshold keeps a smaller and better slice of the same samples, so each step imitates better behaviour than the last without sampling again; when the slice has nothing better to give, a new Grow step from the improved policy is due (Gulcehre et al. 2023).",
        examples: ["rest improve policy", "rest improve policy threshold=1.5 steps=60"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("MODEL")
        let (entry, tokenizer) = try chatModel(name, invocation, s, argument: "MODEL")
        try checkTraining(entry.model, name, restTraining.settings(invocation, s), unit: "example", invocation)
        let model = try adapted(entry.model, name, invocation, s)  // in the session once training starts
        guard let grown = grownSet(of: name, s) else {
            throw invocation.error("\(name) has no grown set; run rest grow \(name) on PROMPTS reward=NAME first", at: "MODEL")
        }
        let step = grown.nextStep
        let threshold: Double, kept: [Int], isQuantile: Bool
        do throws(ReST.Grown.ThresholdError) {
            (threshold, kept, isQuantile) = try grown.next(given: invocation.optional("threshold").flatMap(Double.init))
        } catch {
            switch error {
            case .notRising(let last):
                throw invocation.error(String(format: "improve step %d must raise the threshold above the last one (%+.3f); give more, or grow again", step, last),
                                       at: "threshold")
            case .exhausted(let last):
                throw invocation.error(String(format: "no grown sample scores above the last threshold (%+.3f); grow again from the improved policy", last),
                                       at: "MODEL")
            case let .nothingKept(threshold, best):
                throw invocation.error(String(format: "no grown sample reaches %+.3f (the best scores %+.3f); give a lower threshold", threshold, best),
                                       at: "threshold")
            }
        }
        let q = ReST.defaultQuantile(step: step)
        let why = invocation.optional("threshold") != nil ? "given"
            : isQuantile ? String(format: "the %g%% quantile", 100 * q)
            : String(format: "the lowest reward above the last threshold: the %g%% quantile ties with it", 100 * q)
        var rng = s.random(invocation)
        let settings = restTraining.settings(invocation, s)
        let before = try grown.lastReport ?? s.work("rest improve \(name)") { monitor in
            try heldOutReport(model, tokenizer, s, monitor: monitor.phase("evaluating on held-out prompts"))
        }
        let examples = grown.examples(kept, tokenizer: tokenizer)
        let padding = tokenizer.id(of: BPETokenizer.SpecialToken.endOfText) ?? 0
        let output = try runTraining(kind: "rest", model: name, steps: settings.steps, method: grown, invocation, s) { (onStep: (TrainingStep) -> Void) throws(TrainingStop) in
            s.models[name]?.model = model
            try LanguageModelTraining.finetune(model, examples: examples, heldOut: [], padding: padding, settings: settings,
                                               rng: &rng, isCancelled: s.isCancelled, onStep: onStep)
        } summary: { last, _ in
            "\(name): finetuned \(last.step) steps on \(plural(kept.count, "kept sample")); loss \(String(format: "%.3f", last.loss))"
        }
        grown.improved(threshold: threshold)
        let rewards = grown.rewards, m = Double(kept.count), all = Double(rewards.count)
        let keptProxy = kept.map { Double(rewards[$0]) }.reduce(0, +) / m, keptGold = kept.map { grown.gold[$0] }.reduce(0, +) / m
        let allProxy = rewards.map(Double.init).reduce(0, +) / all, allGold = grown.gold.reduce(0, +) / all
        for (key, v) in [("step", Double(step)), ("threshold", threshold), ("kept", m), ("kept_proxy", keptProxy), ("kept_gold", keptGold)] {
            s.values["rest.\(key)"] = v
        }
        var out = String(format: "improve step %d: threshold %+.3f (%@); kept %d of %d samples, proxy %+.3f and gold %+.2f (the whole set: %+.3f, %+.2f)\n",
                         step, threshold, why, kept.count, rewards.count, keptProxy, keptGold, allProxy, allGold)
        out += output.text + "\n"
        do {
            let after = try s.work("rest improve \(name)") { monitor in
                try heldOutReport(model, tokenizer, s, monitor: monitor.phase("evaluating on held-out prompts"))
            }
            out += comparisonTable([("before", before), ("after", after)])
            recordEvaluation(after, prefix: "rest", s)
            grown.lastReport = after
        } catch is CommandStopped {
            out += comparisonTable([("before", before)]) + "the held-out evaluation after finetuning was skipped (Ctrl-C)\n"
            grown.lastReport = nil
        }
        return CommandOutput(out)
    }

    /// The grown set MODEL's rest run holds, if its latest run is one.
    static func grownSet(of name: String, _ s: Session) -> ReST.Grown? {
        s.runs[name].flatMap { $0.kind == "rest" ? $0.method as? ReST.Grown : nil }
    }
}
