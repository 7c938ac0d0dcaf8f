import Alignment
import Kernels
import LanguageModel

extension Commands {
    static let rsRound = CommandSpec(
        "rs round",
        arguments: [.argument("MODEL", .name, "the chat policy, finetuned in place"), .keyword("on"),
                    .argument("PROMPTS", .name, "the prompts to sample on")],
        options: [
            .option("reward", .name, "the reward that picks the best sample"),
            .option("k", .integer(1...64), "samples per prompt", default: "8"),
            .option("min_reward", .float(-1000...1000), "keep a prompt's best only if its reward (before whitening) reaches this"),
            .option("pick", .choice(RejectionSampling.Pick.allCases.map(\.rawValue)),
                    "best: the highest reward; random: a matched control, one of the same samples at random", default: "best"),
            .option("n", .integer(0...1_000_000), "prompts per round, drawn at random (0: all)", default: "0"),
            .option("temperature", .float(0...10), "sampling temperature", default: "1"),
            .option("max_tokens", .integer(1...1000), "new tokens per response at most (default: the max_tokens setting, 48)"),
        ] + trainingOptions(rsTraining, heldout: nil) + loraOptions,
        summary: "one Llama 2 rejection-sampling round: sample K, keep the best, finetune on them",
        help: """
            Samples K responses per prompt from MODEL, scores them with the reward, \
            keeps the best of each prompt (a best from an earlier round of this \
            model stays if it still scores higher; MODEL's run holds them), and finetunes MODEL on the kept \
            responses with the SFT loss. Prints the picks' reward and gold score, \
            then the gold evaluation on held-out prompts before and after.

            pick=random is the matched control: the same samples (same seed=), the \
            same prompts kept, the same finetuning, but each prompt keeps one of its \
            samples at random. Whatever a best-of round gains beyond the control's \
            gain is the selection's doing; the rest is only more finetuning on the \
            policy's own answers.
            """,
        why: "it makes best-of-n's gain permanent at one sample's cost per use, and it is as stable as supervised finetuning; Llama 2 ran it before PPO, noting that it explores breadth (K samples per prompt) where PPO explores depth (one sample, many updates) (Touvron et al. 2023, §3.2.3).",
        examples: ["rs round policy on prompts reward=combined k=8 steps=100",
                   "rs round control on prompts reward=combined k=8 steps=100 pick=random"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("MODEL")
        let (entry, tokenizer) = try chatModel(name, invocation, s, argument: "MODEL")
        try checkTraining(entry.model, name, rsTraining.settings(invocation, s), unit: "example", invocation)
        let model = try adapted(entry.model, name, invocation, s)  // in the session once training starts
        guard let rewardName = invocation.optional("reward") else { throw invocation.error("rs round needs reward=NAME (a reward model or a reward)") }
        let reward = try s.reward(rewardName, in: invocation, argument: "reward").reward
        var (prompts, rng) = try drawnPrompts(invocation, s, n: invocation.integer("n"))
        try checkReward(reward, rewardName, on: prompts, from: invocation.argument("PROMPTS"), invocation, at: "reward")
        let world = s.currentWorld
        // The bests of earlier rounds live in MODEL's rs run (another training of MODEL starts afresh).
        var kept = (s.runs[name].flatMap { $0.kind == "rs" ? $0.method as? RejectionSampling.Kept : nil })?.responses ?? [:]
        let sampling = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: s.maxTokens(invocation))
        let settings = rsTraining.settings(invocation, s)
        // Until the finetuning starts a stop at Ctrl-C leaves everything as it was.
        let (before, selections) = try s.work("rs round \(name)") { monitor in
            (try heldOutReport(model, tokenizer, s, monitor: monitor.phase("evaluating on held-out prompts")),
             try RejectionSampling.select(model, tokenizer: tokenizer, prompts: prompts, k: invocation.integer("k"),
                                          reward: reward, sampling: sampling,
                                          minimumReward: invocation.optional("min_reward").flatMap(Float.init),
                                          pick: RejectionSampling.Pick(rawValue: invocation.option("pick"))!, kept: &kept, rng: &rng,
                                          monitor: monitor))
        }
        let output = try runTraining(kind: "rs", model: name, steps: settings.steps, method: RejectionSampling.Kept(kept), invocation, s) { (onStep: (TrainingStep) -> Void) throws(TrainingStop) in
            s.models[name]?.model = model
            try RejectionSampling.finetune(model, tokenizer: tokenizer, kept: kept, settings: settings, rng: &rng,
                                           isCancelled: s.isCancelled, onStep: onStep)
        } summary: { last, _ in
            "\(name): finetuned \(last.step) steps on \(kept.count) kept responses; loss \(String(format: "%.3f", last.loss))"
        }
        let m = Double(max(selections.count, 1))
        let pickReward = selections.map { Double($0.rewards[$0.best]) }.reduce(0, +) / m
        let pickGold = selections.map { world.gold(prompt: $0.prompt.prompt, response: $0.candidates[$0.best].text).total }.reduce(0, +) / m
        s.values["rs.reward"] = pickReward
        s.values["rs.gold"] = pickGold
        let dropped = selections.filter { !$0.kept }.count
        let picked = invocation.option("pick") == "random" ? "the random picks (a control)" : "the picks"
        var out = String(format: "%d prompts × %d samples; %@ score %+.3f by %@ and %+.2f by gold\n",
                         selections.count, invocation.integer("k"), picked, pickReward, rewardName, pickGold)
        if dropped > 0 { out += "\(plural(dropped, "prompt")) kept nothing: no sample reached min_reward\n" }
        out += noZeroNote(reward, picks: pickReward) ?? ""
        out += output.text + "\n"
        // After a stop in the finetuning, or in this evaluation, the round ends without it.
        do {
            let after = try s.work("rs round \(name)") { monitor in
                try heldOutReport(model, tokenizer, s, monitor: monitor.phase("evaluating on held-out prompts"))
            }
            out += comparisonTable([("before", before), ("after", after)])
            recordEvaluation(after, prefix: "rs", s)
        } catch is CommandStopped {
            out += comparisonTable([("before", before)]) + "the held-out evaluation after finetuning was skipped (Ctrl-C)\n"
        }
        return CommandOutput(out)
    }
}
