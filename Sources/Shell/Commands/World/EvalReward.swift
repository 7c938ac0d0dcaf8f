import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel

extension Commands {
    /// `eval MODEL on=DATA reward=R [pass_at=…]`: a model judged by a reward
    /// instead of gold, on prompts that carry their own answers. One answer
    /// per prompt (greedy unless temperature= says): the mean reward with its
    /// interval, and the accuracy by R's answer check with the Wilson
    /// interval; with pass_at=, pass@k and maj@k by that check.
    static func evalByReward(_ invocation: Invocation, _ s: Session) throws -> CommandOutput {
        for option in ["k", "AGAINST..."] where invocation.given.contains(option) || invocation.arguments[option] != nil {
            throw invocation.error("reward= without best_of judges one model by the reward; leave \(option == "k" ? "k=" : "against OTHER") out "
                + "(eval each model in turn)", at: option)
        }
        let name = invocation.argument("MODEL")
        let (entry, tokenizer) = try chatModel(name, invocation, s, argument: "MODEL")
        let rewardName = invocation.option("reward")
        let reward = try s.reward(rewardName, in: invocation, argument: "reward").reward
        let source = invocation.optional("on")
        let prompts = try source.map { try promptItems($0, invocation, s, argument: "on").map(\.item) }
            ?? heldOutPrompts(s).map { PromptItem(prompt: $0.prompt, unsafe: $0.unsafe) }
        try checkReward(reward, rewardName, on: prompts, from: source ?? "the world's held-out prompts", invocation, at: "reward")
        let check = reward.answerCheck
        if invocation.given.contains("pass_at") {
            guard let check else {
                throw invocation.error("pass@k counts right answers, and \(rewardName) has no answer check; give a match reward (or a sum holding one)",
                                       at: "reward")
            }
            let checked = prompts.map { p in
                CheckedPrompt(prompt: p.prompt, group: nil, right: check.reference(p.fields) ?? "", read: check.answer(in:))
            }
            return try evalPassAtK(name, (entry.model, tokenizer), against: nil, checked: checked, invocation, s)
        }
        let sampling = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: s.maxTokens(invocation))
        var rng = s.random(invocation)
        // Every answer and score first: a stop at Ctrl-C leaves no value behind.
        let (answers, scores) = try s.work("eval \(name)") { monitor in
            let answers = try PolicySampling.sample(entry.model, tokenizer: tokenizer, prompts: prompts.map(\.prompt), k: 1, settings: sampling,
                                                    rng: &rng, monitor: monitor.phase("answering")).map { $0[0] }
            let items = zip(answers, prompts).map { $0.rewardItem($1) }
            return (answers, try reward.rawScores(items, monitor: monitor.phase("scoring by \(rewardName)")))
        }
        s.values = s.values.filter { !$0.key.hasPrefix("eval.") }
        let mean = MeanInterval(scores.map(Double.init))
        for (key, v) in [("", mean.value), (".low", mean.low), (".high", mean.high)] { s.values["eval.reward\(key)"] = v }
        let cut = answers.filter { !$0.stopped }.count
        s.values["eval.cut"] = Double(cut)
        let length = Double(answers.map { $0.tokens.count }.reduce(0, +)) / Double(answers.count)
        var out = "\(name) on \(prompts.count) prompts of \(source ?? "the world's held-out prompts"), judged by \(rewardName)\n"
            + String(format: "  mean reward %+.3f [%+.3f, %+.3f]   length %.1f tokens   %d cut at max_tokens=%d\n",
                     mean.value, mean.low, mean.high, length, cut, sampling.maxNewTokens)
        if let check {
            let right = zip(answers, prompts).map { a, p in check.answer(in: a.text).map { $0 == check.reference(p.fields) } ?? false }
            let rate = Rate.proportion(right.filter { $0 }.count, of: right.count)
            recordRate(rate, "eval.accuracy", s)
            out += "  accuracy \(rate) prompts, by \(rewardName)'s check of \"\(check.field)\"\n"
        }
        for i in prompts.indices.prefix(invocation.integer("show")) {
            var line = String(format: "     reward %+.3f", scores[i])
            if let check {
                let read: String = check.answer(in: answers[i].text).map(jsonQuoted) ?? "nothing"
                line += " read \(read), right \(jsonQuoted(check.reference(prompts[i].fields) ?? ""))"
            }
            out += "  \(i + 1). \(prompts[i].prompt.singleLine(72))\n"
            out += line + "  " + answers[i].text.singleLine(60) + (answers[i].stopped ? "" : cutMark) + "\n"
        }
        return CommandOutput(out)
    }
}
