import Alignment
import Kernels
import LanguageModel
import World

extension Commands {
    /// `eval MODEL pass_at=1,4,16,64`: n = the largest k samples per verifiable
    /// prompt (a sum, a reversal, a count, a fact; held out, or of on=) at
    /// temperature 1 unless temperature= says, each judged right or wrong by
    /// gold; per k, pass@k by Chen et al.'s unbiased estimator and maj@k over
    /// disjoint groups of k, each averaged over the prompts with its interval.
    static func evalPassAtK(_ name: String, model: GPT, tokenizer: BPETokenizer, prompts all: [EvaluationPrompt],
                            _ invocation: Invocation, _ s: Session) throws -> CommandOutput {
        for option in ["k", "best_of", "reward", "show"] where invocation.given.contains(option) {
            throw invocation.error("pass_at= measures \(name)'s own samples; leave \(option)= out", at: option)
        }
        if invocation.arguments["AGAINST..."] != nil {
            throw invocation.error("pass_at= measures one model; compare two with two evals", at: "AGAINST...")
        }
        let text = invocation.option("pass_at")
        let parsed = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil && (1...256).contains($0!) }) else {
            throw invocation.error("pass_at= takes sample counts from 1 to 256 separated by commas, as pass_at=1,4,16,64", at: "pass_at")
        }
        let ks = Array(Set(parsed.map { $0! })).sorted()
        let n = ks.last!
        let world = s.currentWorld
        let tasks = all.compactMap { p in world.understood(p.prompt).flatMap { $0.kind.isVerifiable ? (p, $0) : nil } }
        guard !tasks.isEmpty else {
            throw invocation.error("no prompt here has one checkable answer (a sum, a reversal, a count, a fact): pass@k needs them")
        }
        var sampling = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: s.maxTokens(invocation))
        if !invocation.given.contains("temperature") { sampling.temperature = 1 }
        var rng = s.random(invocation)
        let samples = try s.work("eval \(name) pass_at") { monitor in
            try PolicySampling.sample(model, tokenizer: tokenizer, prompts: tasks.map(\.0.prompt), k: n, settings: sampling,
                                      rng: &rng, monitor: monitor)
        }
        var pass = [[Double]](repeating: [], count: ks.count), majority = pass
        var byTask: [String: (first: [Double], last: [Double])] = [:]
        for ((prompt, task), answers) in zip(tasks, samples) {
            let right = answers.filter { world.gold(prompt: prompt.prompt, response: $0.text).correct == true }.count
            let read = answers.map { world.finalAnswer(to: task, in: $0.text) }
            for (i, k) in ks.enumerated() {
                pass[i].append(PassAtK.estimate(samples: n, correct: right, k: k))
                majority[i].append(PassAtK.majority(read, right: task.answers[0].lowercased(), k: k))
            }
            byTask[task.kind.rawValue, default: ([], [])].first.append(pass[0].last!)
            byTask[task.kind.rawValue]!.last.append(pass[ks.count - 1].last!)
        }
        var rows: [[String]] = []
        for (i, k) in ks.enumerated() {
            let p = Rate.pairedMean(pass[i]), m = Rate.pairedMean(majority[i])
            for (key, rate) in [("pass_at", p), ("maj_at", m)] {
                s.values["eval.\(key).\(k)"] = rate.value
                s.values["eval.\(key).\(k).low"] = rate.low
                s.values["eval.\(key).\(k).high"] = rate.high
            }
            rows.append([String(k), p.shareAndInterval, m.shareAndInterval])
        }
        let perTask = TaskKind.allCases.filter(\.isVerifiable).compactMap { kind -> String? in
            guard let t = byTask[kind.rawValue] else { return nil }
            let mean = { (xs: [Double]) in 100 * xs.reduce(0, +) / Double(xs.count) }
            return String(format: "%@ %.0f%% → %.0f%% (%d)", kind.rawValue, mean(t.first), mean(t.last), t.first.count)
        }
        let temperature = String(format: "%g", sampling.temperature)
        return CommandOutput("\(name) on \(tasks.count) prompts with one checkable answer, \(n) samples each at temperature \(temperature)\n"
            + Table(["k", "pass@k", "maj@k"], rows).render()
            + "per task, pass@\(ks[0]) → pass@\(n) (prompts): " + perTask.joined(separator: ", ") + "\n"
            + "pass@k: some sample of k is right (Chen et al. 2021's unbiased estimate from the \(n)); maj@k: the most common "
            + "answer of k is right (\(n)/k disjoint groups); 95% intervals over the prompts")
    }
}
