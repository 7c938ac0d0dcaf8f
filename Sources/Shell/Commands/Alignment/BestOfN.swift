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
            .option("prompts", .integer(0...1_000_000), "prompts of the set to use, drawn at random (0: all)", default: "0"),
            .option("curve", .name, "also record best-of-1, 2, 4, … n from the same samples as a run (for plot)"),
            .option("control", .choice(["random"]), "also a random pick from the same samples, and best-of-n against it paired by gold"),
            .option("temperature", .float(0...10), "sampling temperature", default: "1"),
            .option("max_tokens", .integer(1...1000), "new tokens per response at most (default: the max_tokens setting, 48)"),
            .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
        ],
        summary: "sample n responses, score them, keep the best (best-of-n)",
        help: """
            For one prompt: every candidate with its log-probability, reward and \
            gold score, and the pick. For a prompt set: the mean reward and gold \
            score of the picks against those of a single sample, so the gap between \
            proxy and gold shows. Either way, the analytic KL of best-of-n from the \
            policy, log n − (n−1)/n.

            With curve=NAME (a prompt set only): best-of-m for m = 1, 2, 4, … n, \
            estimated from the same n samples without bias (each m-subset's pick, \
            averaged; Gao et al. 2022), as a table and as run NAME with proxy, \
            gold and kl against d = √KL, so `plot proxy,gold of NAME` shows \
            whether gold keeps up as the proxy is pushed (overoptimisation).

            control=random (a prompt set only) is the matched control: one of \
            the same n samples per prompt drawn at random, as a row of its own, \
            and the picks against it prompt by prompt by gold: the mean gold \
            gain and how often gold prefers the pick (a tie counts half), each \
            with its 95% interval (values bestofn.control.gold, bestofn.gain, \
            bestofn.control.win_rate, with .low and .high). It says how much of \
            best-of-n is the selection rather than the samples.
            """,
        why: "it is the simplest way to spend a reward model: no training, a KL from the policy bounded by a simple formula, and a strong baseline for what a trained policy reaches at the same KL (Nakano et al. 2021, WebGPT; Stiennon et al. 2020). Its cost is n samples at every use, and it can only pick what the policy already says.",
        examples: ["bestofn sft \"What is 1 + 9?\" reward=helpful n=8", "bestofn sft on=heldout reward=helpful n=16",
                   "bestofn sft on=heldout prompts=200 reward=helpful n=64 curve=bon",
                   "bestofn sft on=heldout reward=helpful n=16 control=random"]
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
        try checkReward(reward, rewardName, on: prompts, from: invocation.optional("on") ?? "a typed prompt", invocation, at: "reward")
        let n = invocation.integer("n")
        var rng = s.random(invocation)
        let count = invocation.integer("prompts")
        if count > 0 && count < prompts.count {
            rng.shuffle(&prompts)
            prompts = Array(prompts.prefix(count))
        }
        let curveName = invocation.optional("curve")
        if let curveName {
            guard invocation.optional("on") != nil else { throw invocation.error("curve= needs a prompt set (on=PROMPTS): one prompt's curve is noise", at: "curve") }
            guard n >= 2 else { throw invocation.error("a curve needs n of at least 2", at: "n") }
        }
        let control = invocation.optional("control") != nil
        if control && invocation.optional("on") == nil {
            throw invocation.error("control=random needs a prompt set (on=PROMPTS): one prompt's comparison is noise", at: "control")
        }
        if control && curveName != nil {
            throw invocation.error("control=random and curve= are separate views of the samples; run them one at a time", at: "control")
        }
        s.values = s.values.filter { !$0.key.hasPrefix("bestofn.") }
        let settings = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: s.maxTokens(invocation))
        let selections = try s.work("bestofn \(modelName)") { monitor in
            try RejectionSampling.bestOfN(entry.model, tokenizer: tokenizer, prompts: prompts, n: n, reward: reward,
                                          sampling: settings, rng: &rng, monitor: monitor)
        }
        let kl = RejectionSampling.bestOfNKL(n)
        s.values["bestofn.kl"] = kl
        func gold(_ p: PromptItem, _ text: String) -> Double { world.gold(prompt: p.prompt, response: text).total }
        if selections.count == 1, !control, let one = selections.first {
            var rows: [[String]] = []
            for (i, c) in one.candidates.enumerated() {
                rows.append([i == one.best ? "→ \(i + 1)" : "  \(i + 1)", String(format: "%.2f", c.logProbability),
                             String(format: "%+.3f", one.rewards[i]), String(format: "%+.2f", gold(one.prompt, c.text)), c.text + (c.stopped ? "" : cutMark)])
            }
            s.values["bestofn.reward"] = Double(one.rewards[one.best])
            s.values["bestofn.gold"] = gold(one.prompt, one.candidates[one.best].text)
            return CommandOutput(Table(["#", "log p", "reward", "gold", "response"], rows).render()
                + String(format: "picked %d of %d; KL(best-of-%d ‖ %@) ≤ log %d − %d/%d = %.3f nats\n",
                         one.best + 1, n, n, modelName, n, n - 1, n, kl)
                + (noZeroNote(reward, picks: Double(one.rewards[one.best])) ?? ""))
        }
        var pickReward = 0.0, pickGold = 0.0, firstReward = 0.0, firstGold = 0.0, pickGolds: [Double] = []
        for sel in selections {
            pickReward += Double(sel.rewards[sel.best])
            pickGolds.append(gold(sel.prompt, sel.candidates[sel.best].text))
            pickGold += pickGolds.last!
            firstReward += Double(sel.rewards[0])
            firstGold += gold(sel.prompt, sel.candidates[0].text)
        }
        if let curveName {
            return bestOfNCurve(curveName, selections, n: n, gold: gold, s)
        }
        let m = Double(selections.count)
        s.values["bestofn.reward"] = pickReward / m
        s.values["bestofn.gold"] = pickGold / m
        s.values["bestofn.gold_single"] = firstGold / m
        var rows = [["one sample", String(format: "%+.3f", firstReward / m), String(format: "%+.3f", firstGold / m), "0"],
                    ["best of \(n)", String(format: "%+.3f", pickReward / m), String(format: "%+.3f", pickGold / m), String(format: "%.3f", kl)]]
        var comparison = ""
        if control {
            let drawn = RejectionSampling.randomPicks(selections, rng: rng)
            let c = RandomControl(selections, drawn: drawn, pickGolds: pickGolds, gold: gold)
            rows.append(["random of \(n) (control)", String(format: "%+.3f", c.reward), String(format: "%+.3f", c.gold), "0"])
            comparison = c.report(n: n, s)
        }
        return CommandOutput("\(selections.count) prompts, \(n) candidates each, picked by \(rewardName)\n"
            + Table(["policy", "reward", "gold", "KL (nats)"], rows).render() + comparison + (noZeroNote(reward, picks: pickReward / m) ?? ""))
    }

    /// Best-of-n's picks against a random pick from the same samples, paired by gold over the prompts.
    private struct RandomControl {
        var reward = 0.0, gold = 0.0
        let gain: MeanInterval, wins: Rate

        /// `pickGolds`: the gold of each selection's pick, already scored.
        init(_ selections: [Selection], drawn: [Int], pickGolds: [Double], gold score: (PromptItem, String) -> Double) {
            var gains: [Double] = [], won = 0, tied = 0
            for ((sel, r), picked) in zip(zip(selections, drawn), pickGolds) {
                let random = score(sel.prompt, sel.candidates[r].text)
                reward += Double(sel.rewards[r]) / Double(selections.count)
                gold += random / Double(selections.count)
                gains.append(picked - random)
                if picked > random { won += 1 } else if picked == random { tied += 1 }
            }
            gain = MeanInterval(gains)
            wins = Rate.winRate(wins: won, ties: tied, losses: selections.count - won - tied)
        }

        /// The paired comparison's line, its values kept for expect.
        func report(n: Int, _ s: Session) -> String {
            s.values["bestofn.control.reward"] = reward
            s.values["bestofn.control.gold"] = gold
            for (key, v) in [("", gain.value), (".low", gain.low), (".high", gain.high)] { s.values["bestofn.gain" + key] = v }
            for (key, v) in [("", wins.value), (".low", wins.low), (".high", wins.high)] { s.values["bestofn.control.win_rate" + key] = v }
            return String(format: "best of %d against its random control, paired by gold over %d prompts: gold %+.3f [%+.3f, %+.3f]; "
                          + "gold prefers the pick on %.1f%% [%.1f, %.1f] (ties count half)\n",
                          n, gain.count, gain.value, gain.low, gain.high, 100 * wins.value, 100 * wins.low, 100 * wins.high)
        }
    }

    /// Said where picks score below 0 by a reward model, whose scale has no zero
    /// point: it learned only differences, σ(r_a − r_b) (Bradley–Terry), so a
    /// negative pick may still be the best of its set. Nil for a judge or a labeler.
    static func noZeroNote(_ reward: Reward, picks: Double) -> String? {
        guard picks < 0, !reward.models.isEmpty else { return nil }
        return "note: the picks score below 0, which says nothing by itself: a reward model learns only differences "
            + "(p(a better than b) = σ(r_a − r_b)), so its 0 is arbitrary; compare picks with other answers to the same prompts\n"
    }

    /// The best-of-m table and run for m = 1, 2, 4, … n.
    private static func bestOfNCurve(_ name: String, _ selections: [Selection], n: Int,
                                     gold: (PromptItem, String) -> Double, _ s: Session) -> CommandOutput {
        var sizes = Array(sequence(first: 1) { $0 * 2 }.prefix { $0 <= n })
        if sizes.last != n { sizes.append(n) }
        let curve = RejectionSampling.bestOfNCurve(proxy: selections.map(\.rewards),
                                                   gold: selections.map { sel in sel.candidates.map { gold(sel.prompt, $0.text) } },
                                                   sizes: sizes)
        let run = Run(name: name, kind: "bestofn", xAxis: "√KL")
        var rows: [[String]] = []
        for p in curve {
            let d = p.kl.squareRoot()
            for (metric, v) in [("proxy", p.proxy), ("gold", p.gold), ("kl", p.kl), ("n", Double(p.n))] { run.record(metric, at: d, v) }
            rows.append([String(p.n), String(format: "%.3f", p.kl), String(format: "%.3f", d), String(format: "%+.3f", p.proxy), String(format: "%+.3f", p.gold)])
        }
        s.runs[name] = run
        s.touch(name)
        let peak = curve.max { $0.gold < $1.gold }!
        s.values["bestofn.reward"] = curve.last!.proxy
        s.values["bestofn.gold"] = curve.last!.gold
        s.values["bestofn.gold_single"] = curve[0].gold
        s.values["bestofn.gold_peak"] = peak.gold
        s.values["bestofn.gold_peak_n"] = Double(peak.n)
        let rising = zip(curve, curve.dropFirst()).allSatisfy { $0.proxy < $1.proxy }
        s.values["bestofn.proxy_rising"] = rising ? 1 : 0
        let last = curve.last!
        let drop = MeanInterval(zip(peak.goldPerPrompt, last.goldPerPrompt).map { $0 - $1 })
        for (key, v) in [("", drop.value), (".low", drop.low), (".high", drop.high)] { s.values["bestofn.gold_drop" + key] = v }
        var out = "\(selections.count) prompts, \(n) candidates each; best-of-m estimated from them (every m-subset's pick, averaged)\n"
            + Table(["n", "KL (nats)", "√KL", "proxy", "gold"], rows).render()
            + "the proxy \(rising ? "rises at every n" : "does not rise at every n"); gold peaks at n = \(peak.n)"
        if peak.n != last.n {
            out += String(format: "; at n = %d it is %.3f [%.3f, %.3f] below its peak (paired over the prompts, 95%%)",
                          last.n, drop.value, drop.low, drop.high)
        }
        return CommandOutput(out + "\nrun \(name): plot proxy,gold of \(name)")
    }
}
