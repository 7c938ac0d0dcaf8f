import Alignment
import Foundation
import Kernels
import LanguageModel

extension Commands {
    static let bestofn = CommandSpec(
        "bestofn",
        arguments: [.argument("MODEL", .name, "the chat policy that samples"),
                    .argument("PROMPT", .string, "one prompt (or on=PROMPTS for a set)", required: false)],
        options: [
            .option("reward", .name, "the reward that picks"),
            .option("n", .integer(1...256), "candidates per prompt", default: "8"),
            .option("on", .name, "a prompt set instead of one prompt"),
            .option("temperature", .float(0...10), "sampling temperature", default: "1"),
            .option("max_tokens", .integer(1...1000), "new tokens per response at most", default: "32"),
            .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
        ],
        summary: "sample n responses, score them, keep the best (best-of-n)",
        help: """
            For one prompt: every candidate with its log-probability, reward and \
            gold score, and the pick. For a prompt set: the mean reward and gold \
            score of the picks against those of a single sample, so the gap between \
            proxy and gold shows. Either way, the analytic KL of best-of-n from the \
            policy, log n − (n−1)/n.
            """,
        examples: ["bestofn sft \"What is 3 + 4?\" reward=helpful n=8", "bestofn sft on=heldout reward=helpful n=16"]
    ) { invocation, context in
        let s = context.session
        let modelName = invocation.argument("MODEL")
        let (entry, tokenizer) = try chatModel(modelName, invocation, s, argument: "MODEL")
        guard let rewardName = invocation.optional("reward") else { throw invocation.error("bestofn needs reward=NAME (a reward model or a reward)") }
        let reward = try s.reward(rewardName, in: invocation, argument: "reward").reward
        let world = s.currentWorld
        var prompts: [PromptItem]
        if let p = invocation.arguments["PROMPT"] {
            prompts = [PromptItem(prompt: p, unsafe: world.task(for: p)?.isUnsafe ?? false)]
        } else if let set = invocation.optional("on") {
            prompts = try promptItems(set, invocation, s, argument: "on").map(\.item)
        } else {
            throw invocation.error("bestofn needs a prompt, or on=PROMPTS")
        }
        let n = invocation.integer("n")
        var rng = s.random(invocation)
        Parallel.threads = s.settings.threads
        let settings = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: invocation.integer("max_tokens"))
        let selections = try s.work("bestofn \(modelName)") { monitor in
            try RejectionSampling.bestOfN(entry.model, tokenizer: tokenizer, prompts: prompts, n: n, reward: reward,
                                          sampling: settings, rng: &rng, monitor: monitor)
        }
        let kl = RejectionSampling.bestOfNKL(n)
        s.values["bestofn.kl"] = kl
        func gold(_ p: PromptItem, _ text: String) -> Double {
            let g = world.gold(prompt: p.prompt, response: text)
            return g.helpfulness + g.safety
        }
        if selections.count == 1, let one = selections.first {
            var rows: [[String]] = []
            for (i, c) in one.candidates.enumerated() {
                rows.append([i == one.best ? "→ \(i + 1)" : "  \(i + 1)", String(format: "%.2f", c.logProbability),
                             String(format: "%+.3f", one.rewards[i]), String(format: "%+.2f", gold(one.prompt, c.text)), c.text])
            }
            s.values["bestofn.reward"] = Double(one.rewards[one.best])
            s.values["bestofn.gold"] = gold(one.prompt, one.candidates[one.best].text)
            return CommandOutput(Table(["#", "log p", "reward", "gold", "response"], rows).render()
                + String(format: "picked %d of %d; KL(best-of-%d ‖ %@) = log %d − %d/%d = %.3f nats\n",
                         one.best + 1, n, n, modelName, n, n - 1, n, kl))
        }
        var pickReward = 0.0, pickGold = 0.0, firstReward = 0.0, firstGold = 0.0
        for sel in selections {
            pickReward += Double(sel.rewards[sel.best])
            pickGold += gold(sel.prompt, sel.candidates[sel.best].text)
            firstReward += Double(sel.rewards[0])
            firstGold += gold(sel.prompt, sel.candidates[0].text)
        }
        let m = Double(selections.count)
        s.values["bestofn.reward"] = pickReward / m
        s.values["bestofn.gold"] = pickGold / m
        s.values["bestofn.gold_single"] = firstGold / m
        let rows = [["one sample", String(format: "%+.3f", firstReward / m), String(format: "%+.3f", firstGold / m), "0"],
                    ["best of \(n)", String(format: "%+.3f", pickReward / m), String(format: "%+.3f", pickGold / m), String(format: "%.3f", kl)]]
        return CommandOutput("\(selections.count) prompts, \(n) candidates each, picked by \(rewardName)\n"
            + Table(["policy", "reward", "gold", "KL (nats)"], rows).render())
    }
}
