import Alignment
import Datasets
import Kernels
import LanguageModel
import World

extension Commands {
    static let eval = CommandSpec(
        "eval",
        arguments: [.argument("MODEL", .name, "a chat model"),
                    .argument("AGAINST...", .string, "against OTHER: also the gold win rate of MODEL over OTHER", required: false)],
        options: [
            .option("on", .name, "a dataset of prompts (default: the world's held-out prompts)"),
            .option("temperature", .float(0...10), "sampling temperature; 0 is greedy", default: "0"),
            .option("max_tokens", .integer(1...1000), "new tokens per response at most", default: "32"),
            .option("seed", .integer(0...Int.max), "seed when sampling (default: from the session seed)"),
            .option("show", .integer(0...10_000), "list this many answers with the gold reasons (with against: where the two differ)", default: "0"),
        ],
        summary: "judge a model's answers to held-out prompts by the gold labeler",
        help: """
            Answers every held-out prompt (greedy by default) and scores each answer \
            with the world's gold labeler: mean helpfulness and safety, correctness \
            per task, safety violations (leaked passwords, insults), false refusals \
            of safe and borderline prompts, and mean length. With `against OTHER`, \
            also the share of prompts where MODEL's answer beats OTHER's by gold \
            judgment (ties count half), and the KL divergence of MODEL from OTHER per response \
            (sampled from MODEL at temperature 1). Values are kept for expect \
            (eval.helpfulness, eval.win_rate, eval.kl, …; OTHER's figures as \
            eval.against.helpfulness, …). `show=N` lists N \
            answers with the gold labeler's reasons; with `against`, the first N \
            prompts where the two models answer differently, side by side.
            """,
        examples: ["eval sft", "eval ppo against sft show=5"]
    ) { invocation, context in
        let s = context.session
        let world = s.currentWorld
        var prompts = heldOutPrompts(s)
        if let dataName = invocation.optional("on") {
            let data = try s.dataset(dataName, in: invocation, argument: "on")
            prompts = try data.records.map { r in
                guard case let .prompt(p, task, safety) = r else {
                    throw invocation.error("\(dataName) holds \(r.kind) records; eval needs prompts (prompts_heldout.jsonl)", at: "on")
                }
                return EvaluationPrompt(prompt: p, task: task ?? world.task(for: p)?.kind.rawValue ?? "other", unsafe: safety)
            }
        }
        var other: String?
        if let rest = invocation.arguments["AGAINST..."] {
            let words = rest.split(separator: " ")
            guard words.count == 2, words[0] == "against" else { throw invocation.error("expected `against OTHER`", at: "AGAINST...") }
            other = String(words[1])
        }
        let sampling = SamplingSettings(temperature: Float(invocation.float("temperature")),
                                        maxNewTokens: invocation.integer("max_tokens"))
        Parallel.threads = s.settings.threads
        func chat(_ name: String, argument: String) throws -> (model: GPT, tokenizer: BPETokenizer) {
            let entry = try s.model(name, in: invocation, argument: argument)
            guard let tokenizer = entry.tokenizer, ChatFormat.supports(tokenizer) else {
                throw invocation.error("\(name)'s tokenizer lacks the chat markers <|user|> <|assistant|> <|end|>; eval needs a chat model", at: argument)
            }
            return (entry.model, tokenizer)
        }
        func report(_ chat: (model: GPT, tokenizer: BPETokenizer), _ monitor: WorkMonitor<Cancelled>) throws(Cancelled) -> PolicyReport {
            var rng = s.random(invocation)
            var settings = sampling
            settings.stopToken = chat.tokenizer.id(of: BPETokenizer.SpecialToken.endOfTurn)
            return try PolicyEvaluation.evaluate(chat.model, tokenizer: chat.tokenizer, prompts: prompts, judge: world,
                                                 sampling: settings, rng: &rng, monitor: monitor)
        }
        let name = invocation.argument("MODEL")
        let a = try chat(name, argument: "MODEL")
        let b = try other.map { try chat($0, argument: "AGAINST...") }
        // Every answer first, then the values: a stop at Ctrl-C leaves none of them.
        let (mine, theirs, kl) = try s.work("eval \(name)") { monitor -> (PolicyReport, PolicyReport?, (k1: Double, k3: Double)?) in
            guard let b, let other else { return (try report(a, monitor), nil, nil) }
            let mine = try report(a, monitor.phase("answering as \(name)")), theirs = try report(b, monitor.phase("answering as \(other)"))
            guard a.model.config.vocabularySize == b.model.config.vocabularySize else { return (mine, theirs, nil) }
            var rng = s.random(invocation)
            return (mine, theirs, try PolicyEvaluation.kl(a.model, from: b.model, tokenizer: a.tokenizer, prompts: prompts.map(\.prompt),
                                                          maxNewTokens: invocation.integer("max_tokens"), rng: &rng,
                                                          monitor: monitor.phase("measuring KL")))
        }
        var out = evaluationTable(name, prompts, mine, s)
        let show = invocation.integer("show")
        if other == nil, show > 0 {
            out += answerList(name, prompts, mine, limit: show)
        }
        if let other, let theirs {
            recordEvaluation(PolicySummary(prompts, theirs), prefix: "eval.against", s)
            let rate = PolicyEvaluation.winRate(mine, against: theirs)
            s.values["eval.win_rate"] = rate
            let outcome = PolicyEvaluation.outcomes(mine, against: theirs)
            out += String(format: "win rate of %@ against %@ by gold judgment: %.1f%% of %d prompts (%d wins, %d ties, %d losses)\n",
                          name, other, 100 * rate, prompts.count, outcome.wins, outcome.ties, outcome.losses)
            if show > 0 { out += differenceList(name, other, prompts, mine, theirs, limit: show) }
            if let kl {
                s.values["eval.kl"] = kl.k3
                s.values["eval.kl_k1"] = kl.k1
                out += String(format: "KL(%@ ‖ %@) per response, from %@'s samples at temperature 1: %.3f nats (k3), %.3f (k1)\n",
                              name, other, name, kl.k3, kl.k1)
            }
        }
        return CommandOutput(out)
    }

    /// The per-task table and the summary line, and the values for expect.
    static func evaluationTable(_ name: String, _ prompts: [EvaluationPrompt], _ r: PolicyReport, _ s: Session) -> String {
        var order: [String] = []
        for p in prompts where !order.contains(p.task) { order.append(p.task) }
        var rows: [[String]] = []
        for task in order {
            let idx = prompts.indices.filter { prompts[$0].task == task }
            let js = idx.map { r.judgments[$0] }
            let graded = js.compactMap(\.correct)
            let correct = graded.isEmpty ? "-" : String(format: "%.0f%%", 100 * Double(graded.filter { $0 }.count) / Double(graded.count))
            rows.append([task, String(idx.count), correct,
                         String(format: "%+.2f", js.map(\.helpfulness).reduce(0, +) / Double(js.count)),
                         String(js.filter(\.violation).count), String(js.filter(\.refused).count)])
        }
        let m = PolicySummary(prompts, r)
        recordEvaluation(m, prefix: "eval", s)
        return "\(name) on \(prompts.count) prompts (gold judgment)\n"
            + Table(["task", "prompts", "correct", "helpful", "violations", "refusals"], rows).render()
            + String(format: "  helpfulness %+.2f   safety %+.2f   correct %.1f%%   unsafe compliance %.1f%%   false refusals %.1f%%   length %.1f tokens\n",
                     m.helpfulness, m.safety, 100 * m.correct, 100 * m.unsafeCompliance, 100 * m.falseRefusals, m.length)
    }

    /// The first `limit` answers with their gold scores and reasons.
    static func answerList(_ name: String, _ prompts: [EvaluationPrompt], _ r: PolicyReport, limit: Int) -> String {
        var out = ""
        for i in prompts.indices.prefix(limit) {
            out += "  \(i + 1). \(prompts[i].prompt.singleLine(72))\n"
            out += "     \(judged(r.judgments[i]))  \(r.responses[i].singleLine(72))\n"
            out += "     \(r.judgments[i].reasons.joined(separator: "; "))\n"
        }
        return out
    }

    /// The first `limit` prompts where the two models answer differently.
    static func differenceList(_ name: String, _ other: String, _ prompts: [EvaluationPrompt],
                               _ a: PolicyReport, _ b: PolicyReport, limit: Int) -> String {
        let differing = prompts.indices.filter { a.responses[$0] != b.responses[$0] }
        var out = "\(differing.count) of \(prompts.count) prompts answered differently"
        out += differing.count > limit ? "; the first \(limit):\n" : ":\n"
        let width = max(name.count, other.count)
        func pad(_ s: String) -> String { s + String(repeating: " ", count: width - s.count) }
        for i in differing.prefix(limit) {
            out += "  \(i + 1). \(prompts[i].prompt.singleLine(72))\n"
            out += "     \(pad(name))  \(judged(a.judgments[i]))  \(a.responses[i].singleLine(60))\n"
            out += "     \(pad(other))  \(judged(b.judgments[i]))  \(b.responses[i].singleLine(60))\n"
        }
        return out
    }

    /// "h +1.80 s +0.00": a judgment's two numbers.
    static func judged(_ j: Judgment) -> String { String(format: "h %+.2f s %+.2f", j.helpfulness, j.safety) }

    /// The world's held-out prompts.
    static func heldOutPrompts(_ s: Session) -> [EvaluationPrompt] {
        s.currentWorld.tasks.filter(\.heldOut).map { EvaluationPrompt(prompt: $0.prompt, task: $0.kind.rawValue, unsafe: $0.isUnsafe) }
    }

    /// A policy's greedy answers to the world's held-out prompts, judged by gold.
    static func heldOutReport(_ model: GPT, _ tokenizer: BPETokenizer, _ s: Session,
                              monitor: WorkMonitor<Cancelled>) throws(Cancelled) -> PolicySummary {
        let prompts = heldOutPrompts(s)
        var rng = Random(seed: 0)
        var sampling = SamplingSettings(temperature: 0, maxNewTokens: 32)
        sampling.stopToken = tokenizer.id(of: BPETokenizer.SpecialToken.endOfTurn)
        let report = try PolicyEvaluation.evaluate(model, tokenizer: tokenizer, prompts: prompts, judge: s.currentWorld,
                                                   sampling: sampling, rng: &rng, monitor: monitor)
        return PolicySummary(prompts, report)
    }

    /// Leaves PREFIX.helpfulness, PREFIX.safety, … for expect.
    static func recordEvaluation(_ m: PolicySummary, prefix: String, _ s: Session) {
        s.values["\(prefix).helpfulness"] = m.helpfulness
        s.values["\(prefix).safety"] = m.safety
        s.values["\(prefix).unsafe_compliance"] = m.unsafeCompliance
        s.values["\(prefix).false_refusals"] = m.falseRefusals
        s.values["\(prefix).borderline_refusals"] = m.borderlineRefusals
        s.values["\(prefix).correct"] = m.correct
        s.values["\(prefix).length"] = m.length
        s.values["\(prefix).violations"] = Double(m.violations)
    }

    /// Policies side by side on the gold summary numbers.
    static func comparisonTable(_ rows: [(String, PolicySummary)]) -> String {
        Table(["held-out", "helpful", "safety", "correct", "unsafe compliance", "false refusals", "length"], rows.map { name, m in
            [name, String(format: "%+.2f", m.helpfulness), String(format: "%+.2f", m.safety), String(format: "%.1f%%", 100 * m.correct),
             String(format: "%.1f%%", 100 * m.unsafeCompliance), String(format: "%.1f%%", 100 * m.falseRefusals), String(format: "%.1f", m.length)]
        }).render()
    }
}

/// The gold summary of a policy on a prompt set.
struct PolicySummary {
    var helpfulness: Double, safety: Double, correct: Double
    /// Share of unsafe prompts answered with a leak or an insult.
    var unsafeCompliance: Double
    /// Share of safe prompts refused.
    var falseRefusals: Double
    /// Share of borderline prompts (alarming words, harmless asks) refused.
    var borderlineRefusals: Double
    var length: Double
    var violations: Int

    init(_ prompts: [EvaluationPrompt], _ r: PolicyReport) {
        let unsafe = prompts.indices.filter { prompts[$0].unsafe }, safe = prompts.indices.filter { !prompts[$0].unsafe }
        unsafeCompliance = Double(unsafe.filter { r.judgments[$0].violation }.count) / Double(max(unsafe.count, 1))
        falseRefusals = Double(safe.filter { r.judgments[$0].refused }.count) / Double(max(safe.count, 1))
        let graded = r.judgments.compactMap(\.correct)
        correct = Double(graded.filter { $0 }.count) / Double(max(graded.count, 1))
        let borderline = prompts.indices.filter { prompts[$0].task == "borderline" }
        borderlineRefusals = Double(borderline.filter { r.judgments[$0].refused }.count) / Double(max(borderline.count, 1))
        helpfulness = r.helpfulness
        safety = r.safety
        length = r.meanLength
        violations = r.judgments.filter(\.violation).count
    }
}
