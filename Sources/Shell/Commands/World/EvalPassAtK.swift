import Alignment
import Kernels
import LanguageModel
import World

/// A prompt with one right answer, and how a verifier reads a sample's answer.
struct CheckedPrompt {
    var prompt: String
    /// The task kind it reports under (world prompts), or nil.
    var group: String?
    var right: String
    var read: (String) -> String?
}

extension Commands {
    /// The held-out (or on=) prompts with one checkable answer (a sum, a
    /// reversal, a count, a fact), each read as a verifier reads it (`World.finalAnswer`).
    static func worldCheckedPrompts(_ all: [EvaluationPrompt], _ invocation: Invocation, _ s: Session) throws -> [CheckedPrompt] {
        let world = s.currentWorld
        let tasks = all.compactMap { p in world.understood(p.prompt).flatMap { $0.kind.isVerifiable ? (p.prompt, $0) : nil } }
        guard !tasks.isEmpty else {
            throw invocation.error("no prompt here has one checkable answer (a sum, a reversal, a count, a fact): pass@k needs them")
        }
        // A verifier reads the final answer only (gold's `correct` also asks the sentence around it to be whole).
        return tasks.map { prompt, task in
            CheckedPrompt(prompt: prompt, group: task.kind.rawValue, right: task.answers[0].lowercased(),
                          read: { world.finalAnswer(to: task, in: $0) })
        }
    }

    /// `eval MODEL [against OTHER] pass_at=1,4,16,64`: n = the largest k
    /// samples per checked prompt at temperature 1 unless temperature=
    /// says, each right or wrong by its final answer as `read` gives it; per
    /// k, pass@k by Chen et al.'s unbiased estimator and maj@k over disjoint
    /// groups of k, each the mean over prompts with its interval; against
    /// OTHER, OTHER's too and the paired difference per k (the same prompts),
    /// with its interval.
    static func evalPassAtK(_ name: String, _ mine: (model: GPT, tokenizer: BPETokenizer),
                            against other: (name: String, model: GPT, tokenizer: BPETokenizer)?,
                            checked tasks: [CheckedPrompt], _ invocation: Invocation, _ s: Session) throws -> CommandOutput {
        for option in ["k", "best_of", "show"] where invocation.given.contains(option) {
            throw invocation.error("pass_at= measures the models' own samples; leave \(option)= out", at: option)
        }
        let parsed = invocation.option("pass_at").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil && (1...256).contains($0!) }) else {
            throw invocation.error("pass_at= takes sample counts from 1 to 256 separated by commas, as pass_at=1,4,16,64", at: "pass_at")
        }
        let ks = Array(Set(parsed.map { $0! })).sorted(), n = ks.last!
        var sampling = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: s.maxTokens(invocation))
        if !invocation.given.contains("temperature") { sampling.temperature = 1 }
        let models = [(name, mine.model, mine.tokenizer)] + (other.map { [($0.name, $0.model, $0.tokenizer)] } ?? [])
        // Every sample first: a stop at Ctrl-C leaves no value behind.
        let samples = try s.work("eval \(name) pass_at") { monitor in
            try models.map { (label, model, tokenizer) in
                var rng = s.random(invocation)
                return try PolicySampling.sample(model, tokenizer: tokenizer, prompts: tasks.map(\.prompt), k: n, settings: sampling,
                                                 rng: &rng, monitor: models.count > 1 ? monitor.phase("sampling as \(label)") : monitor)
            }
        }
        let curves = samples.map { PassCurve(tasks, $0, ks: ks, n: n) }
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
        for (curve, label) in zip(curves, models.map(\.0)) where !curve.perTask.isEmpty {
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

    init(_ tasks: [CheckedPrompt], _ samples: [[SampledResponse]], ks: [Int], n: Int) {
        pass = Array(repeating: [], count: ks.count)
        majority = pass
        var ends: [String: (first: Double, last: Double, count: Int)] = [:]
        for (task, answers) in zip(tasks, samples) {
            let read = answers.map { task.read($0.text) }
            let right = read.filter { $0 == task.right }.count
            for (i, k) in ks.enumerated() {
                pass[i].append(PassAtK.estimate(samples: n, correct: right, k: k))
                majority[i].append(PassAtK.majority(read, right: task.right, k: k))
            }
            guard let group = task.group else { continue }
            let e = ends[group] ?? (0, 0, 0)
            ends[group] = (e.first + pass[0].last!, e.last + pass[ks.count - 1].last!, e.count + 1)
        }
        // Groups are the world's task kinds, in their order.
        perTask = TaskKind.allCases.map(\.rawValue).filter { ends[$0] != nil }.map { group in
            let e = ends[group]!
            return String(format: "%@ %.0f%% → %.0f%% (%d)", group, 100 * e.first / Double(e.count), 100 * e.last / Double(e.count), e.count)
        }
    }
}
