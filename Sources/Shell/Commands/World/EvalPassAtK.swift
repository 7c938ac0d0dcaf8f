import Alignment
import Kernels
import LanguageModel
import World

extension Commands {
    /// `eval MODEL [against OTHER] pass_at=1,4,16,64`: n = the largest k
    /// samples per prompt with one checkable answer (a sum, a reversal, a
    /// count, a fact; held out, or of on=) at temperature 1 unless temperature=
    /// says, each right or wrong by its final answer as a verifier reads it
    /// (`World.finalAnswer`); per k, pass@k by Chen et al.'s
    /// unbiased estimator and maj@k over disjoint groups of k, each the mean
    /// over prompts with its interval; against OTHER, OTHER's too and the
    /// paired difference per k (the same prompts), with its interval.
    static func evalPassAtK(_ name: String, _ mine: (model: GPT, tokenizer: BPETokenizer),
                            against other: (name: String, model: GPT, tokenizer: BPETokenizer)?,
                            prompts all: [EvaluationPrompt], _ invocation: Invocation, _ s: Session) throws -> CommandOutput {
        for option in ["k", "best_of", "reward", "show"] where invocation.given.contains(option) {
            throw invocation.error("pass_at= measures the models' own samples; leave \(option)= out", at: option)
        }
        let parsed = invocation.option("pass_at").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil && (1...256).contains($0!) }) else {
            throw invocation.error("pass_at= takes sample counts from 1 to 256 separated by commas, as pass_at=1,4,16,64", at: "pass_at")
        }
        let ks = Array(Set(parsed.map { $0! })).sorted(), n = ks.last!
        let world = s.currentWorld
        let tasks = all.compactMap { p in world.understood(p.prompt).flatMap { $0.kind.isVerifiable ? (p.prompt, $0) : nil } }
        guard !tasks.isEmpty else {
            throw invocation.error("no prompt here has one checkable answer (a sum, a reversal, a count, a fact): pass@k needs them")
        }
        var sampling = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: s.maxTokens(invocation))
        if !invocation.given.contains("temperature") { sampling.temperature = 1 }
        let models = [(name, mine.model, mine.tokenizer)] + (other.map { [($0.name, $0.model, $0.tokenizer)] } ?? [])
        // Every sample first: a stop at Ctrl-C leaves no value behind.
        let samples = try s.work("eval \(name) pass_at") { monitor in
            try models.map { (label, model, tokenizer) in
                var rng = s.random(invocation)
                return try PolicySampling.sample(model, tokenizer: tokenizer, prompts: tasks.map(\.0), k: n, settings: sampling,
                                                 rng: &rng, monitor: models.count > 1 ? monitor.phase("sampling as \(label)") : monitor)
            }
        }
        let curves = samples.map { PassCurve(tasks, $0, ks: ks, n: n, world: world) }
        var rows: [[String]] = []
        for (i, k) in ks.enumerated() {
            var row = [String(k)]
            for (c, curve) in curves.enumerated() {
                let prefix = c == 0 ? "eval" : "eval.against"
                for (key, scores) in [("pass_at", curve.pass[i]), ("maj_at", curve.majority[i])] {
                    let rate = Rate.pairedMean(scores)
                    s.values["\(prefix).\(key).\(k)"] = rate.value
                    s.values["\(prefix).\(key).\(k).low"] = rate.low
                    s.values["\(prefix).\(key).\(k).high"] = rate.high
                    row.append(rate.shareAndInterval)
                }
            }
            if curves.count == 2 {
                let diff = MeanInterval(zip(curves[0].pass[i], curves[1].pass[i]).map { $0 - $1 })
                for (suffix, v) in [("", diff.value), (".low", diff.low), (".high", diff.high)] { s.values["eval.pass_at.\(k).diff\(suffix)"] = v }
                row.append(String(format: "%+.1f [%+.1f, %+.1f]", 100 * diff.value, 100 * diff.low, 100 * diff.high))
            }
            rows.append(row)
        }
        var header = ["k", "pass@k", "maj@k"]
        if let other { header = ["k", "\(name) pass@k", "maj@k", "\(other.name) pass@k", "maj@k", "difference (points)"] }
        let temperature = String(format: "%g", sampling.temperature)
        var out = "\(tasks.count) prompts with one checkable answer, \(n) samples each at temperature \(temperature)\n"
            + Table(header, rows).render()
        for (curve, label) in zip(curves, models.map(\.0)) {
            out += "\(label) per task, pass@\(ks[0]) → pass@\(n) (prompts): " + curve.perTask.joined(separator: ", ") + "\n"
        }
        return CommandOutput(out + "pass@k: some sample of k is right (Chen et al. 2021's unbiased estimate from the \(n)); maj@k: "
            + "the most common answer of k is right (\(n)/k disjoint groups); 95% intervals over the prompts"
            + (other == nil ? "" : "; the difference is paired over the same prompts"))
    }
}

/// One model's pass@k and maj@k per prompt, for each k, and pass@k's ends per task.
private struct PassCurve {
    var pass: [[Double]], majority: [[Double]]
    var perTask: [String] = []

    init(_ tasks: [(String, Task)], _ samples: [[SampledResponse]], ks: [Int], n: Int, world: World) {
        pass = Array(repeating: [], count: ks.count)
        majority = pass
        var ends: [TaskKind: (first: Double, last: Double, count: Int)] = [:]
        for ((prompt, task), answers) in zip(tasks, samples) {
            // A verifier reads the final answer only (gold's `correct` also asks the sentence around it to be whole).
            let read = answers.map { world.finalAnswer(to: task, in: $0.text) }
            let right = read.filter { $0 == task.answers[0].lowercased() }.count
            for (i, k) in ks.enumerated() {
                pass[i].append(PassAtK.estimate(samples: n, correct: right, k: k))
                majority[i].append(PassAtK.majority(read, right: task.answers[0].lowercased(), k: k))
            }
            let e = ends[task.kind] ?? (0, 0, 0)
            ends[task.kind] = (e.first + pass[0].last!, e.last + pass[ks.count - 1].last!, e.count + 1)
        }
        perTask = TaskKind.allCases.compactMap { kind in
            ends[kind].map { String(format: "%@ %.0f%% → %.0f%% (%d)", kind.rawValue, 100 * $0.first / Double($0.count),
                                    100 * $0.last / Double($0.count), $0.count) }
        }
    }
}
