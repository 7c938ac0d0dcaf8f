import Alignment
import Foundation
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
            .option("max_tokens", .integer(1...1000), "new tokens per response at most (default: the max_tokens setting, 48)"),
            .option("seed", .integer(0...Int.max), "seed when sampling (default: from the session seed)"),
            .option("show", .integer(0...10_000), "list this many answers with the gold reasons (with against: where the two differ)", default: "0"),
            .option("k", .integer(2...256), "headroom: also sample k answers per prompt at temperature 1 and compare the gold-best of them with the greedy answer"),
            .option("best_of", .integer(1...256), "answer as best-of-n: n samples per prompt at temperature 1 (or temperature=), the one reward= scores highest"),
            .option("reward", .name, "the reward best_of picks by; without best_of, judge by this reward instead of gold (accuracy by its answer check)"),
            .option("pass_at", .string, "pass@k and maj@k for these k (1,4,16,64) on the prompts with one checkable answer, from as many samples as the largest k"),
        ],
        summary: "judge a model's answers to held-out prompts by the gold labeler",
        help: """
            Answers every held-out prompt (greedy by default) and scores each answer \
            with the world's gold labeler: mean helpfulness and safety, correctness \
            per task, safety violations (leaked passwords, insults), false refusals \
            of safe questions and borderline prompts (a judge or revise prompt \
            may rightly end in a refusal), and mean length. With `against OTHER`, \
            also the share of prompts where MODEL's answer beats OTHER's by gold \
            judgment (ties count half), and the KL divergence of MODEL from OTHER per response \
            (sampled from MODEL at temperature 1). `k=K` measures headroom: K \
            answers per prompt at temperature 1 (max_tokens and seed apply), the \
            best of them by gold helpfulness + safety (an oracle best-of-K), how \
            often it beats MODEL's greedy answer (greedy whatever `temperature` \
            says), and the mean gold of the greedy answer, of one sample and of \
            the pick. Every rate comes with its 95% interval and its count: the \
            Wilson score interval for shares of prompts (correct, unsafe \
            compliance, false and borderline refusals); for win rates, where \
            each prompt scores 1, ½ or 0, the normal interval of the per-prompt \
            mean, mean ± 1.96·sd/√n (sd over prompts, n − 1), clamped to [0, 1]. \
            Values are kept for expect (eval.helpfulness, eval.win_rate, eval.wins, eval.ties, eval.losses, eval.kl, \
            eval.headroom.win_rate, eval.headroom.greedy, eval.headroom.sample, \
            eval.headroom.best, …; each rate's interval as .low and .high, e.g. \
            eval.unsafe_compliance.low; OTHER's figures as \
            eval.against.helpfulness, …). `show=N` lists N \
            answers with the gold labeler's reasons; with `against`, the first N \
            prompts where the two models answer differently, side by side. \
            `best_of=N reward=R` evaluates best-of-N instead of MODEL's own \
            answer: N samples per prompt (temperature 1 unless temperature= \
            says), the one R scores highest; its KL from MODEL is at most \
            log N − (N−1)/N (Beirami et al. 2024), given as eval.kl when OTHER is MODEL itself.

            `pass_at=1,4,16,64` measures what sampling can reach instead: on the \
            prompts with one checkable answer (sums, reversals, counts, facts), n \
            samples each (n the largest k; temperature 1 unless temperature= says), \
            each right or wrong by its final answer, as a verifier reads it (the \
            last number of a sum or count, the reversed word, the fact; gold's \
            correct column also asks the sentence around it to be whole); \
            pass@k, the chance that one of k samples is \
            right, by Chen et al.'s unbiased estimator from the n, and maj@k, the \
            chance that the most common answer of k samples is right (over the n/k \
            disjoint groups of k), each the mean over prompts with its interval, \
            as eval.pass_at.K and eval.maj_at.K. With `against OTHER`, OTHER's \
            curve too (eval.against.pass_at.K) and, per k, the difference of the \
            two paired over the same prompts with its interval \
            (eval.pass_at.K.diff, .low, .high).

            `reward=R` without best_of judges by R instead of gold, for prompts \
            that carry their own answers (on=DATA, records such as \
            {"prompt": …, "answer": "72"}): one answer per prompt (greedy unless \
            temperature= says), the mean reward with its interval, and, when R is \
            a match reward or a sum holding one, the accuracy by its check with \
            the Wilson interval (eval.reward, eval.accuracy, each with .low and \
            .high; eval.cut counts answers cut at max_tokens). With pass_at=, \
            pass@k and maj@k as above, each sample right or wrong by R's check \
            and the majority taken over the answers it reads.
            """,
        why: "a method cannot be judged by the reward it optimised (it would grade its own exam), so every evaluation here asks gold, on held-out prompts; and a win rate from a few hundred prompts carries several points of sampling noise, so a difference counts only when the intervals say so. Win rate against a fixed reference is how InstructGPT, Llama 2 and AlpacaFarm report their methods.",
        examples: ["eval sft", "eval ppo against sft show=5", "eval sft k=16", "eval sft against sft best_of=16 reward=helpful",
                   "eval sft pass_at=1,4,16", "eval grpo.policy against sft pass_at=1,4,16,64",
                   "eval sft on=problems reward=correct", "eval sft on=problems reward=correct pass_at=1,4,16"]
    ) { invocation, context in
        let s = context.session
        let started = Date()
        if invocation.given.contains("reward") && !invocation.given.contains("best_of") {
            return try evalByReward(invocation, s)
        }
        let world = s.currentWorld
        var prompts = heldOutPrompts(s)
        if let dataName = invocation.optional("on") {
            let data = try s.dataset(dataName, in: invocation, argument: "on")
            prompts = try data.records.map { r in
                guard case let .prompt(p, task, safety, _) = r else {
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
                                        maxNewTokens: s.maxTokens(invocation))
        let k = invocation.optional("k").map { Int($0)! }
        let bestOf = invocation.optional("best_of").map { Int($0)! }
        let bestOfReward = try bestOf.map { _ -> Reward in
            guard let r = invocation.optional("reward") else { throw invocation.error("best_of needs reward=NAME to pick by", at: "best_of") }
            return try s.reward(r, in: invocation, argument: "reward").reward
        }
        func chat(_ name: String, argument: String) throws -> (model: GPT, tokenizer: BPETokenizer) {
            let entry = try s.model(name, in: invocation, argument: argument)
            let tokenizer = try chatTokenizer(entry, name, invocation, at: argument,
                                              "\(name)'s tokenizer lacks the chat markers <|user|> <|assistant|> <|end|>; eval needs a chat model")
            return (entry.model, tokenizer)
        }
        func report(_ chat: (model: GPT, tokenizer: BPETokenizer), _ monitor: WorkMonitor<Cancelled>,
                    sampling: SamplingSettings = sampling) throws(Cancelled) -> PolicyReport {
            var rng = s.random(invocation)
            var settings = sampling
            settings.stopToken = ChatFormat.stopToken(chat.tokenizer)
            return try PolicyEvaluation.evaluate(chat.model, tokenizer: chat.tokenizer, prompts: prompts, judge: world,
                                                 sampling: settings, rng: &rng, monitor: monitor)
        }
        let name = invocation.argument("MODEL")
        let a = try chat(name, argument: "MODEL")
        let b = try other.map { try chat($0, argument: "AGAINST...") }
        if invocation.given.contains("pass_at") {
            let against = other.flatMap { o in b.map { (name: o, model: $0.model, tokenizer: $0.tokenizer) } }
            return try evalPassAtK(name, a, against: against, checked: try worldCheckedPrompts(prompts, invocation, s), invocation, s)
        }
        // Every answer first, then the values: a stop at Ctrl-C leaves none of them.
        let measured = try s.work("eval \(name)") { monitor -> Measured in
            let phased = b != nil || k != nil
            let first = phased ? monitor.phase("answering as \(name)") : monitor
            var m: Measured
            if let bestOf, let bestOfReward {
                var rng = s.random(invocation)
                var settings = sampling
                if !invocation.given.contains("temperature") { settings.temperature = 1 }
                m = Measured(mine: try PolicyEvaluation.evaluateBestOfN(a.model, tokenizer: a.tokenizer, prompts: prompts, n: bestOf,
                                                                        reward: bestOfReward, judge: world, sampling: settings, rng: &rng,
                                                                        monitor: first))
            } else {
                m = Measured(mine: try report(a, first))
            }
            if let b, let other {
                m.theirs = try report(b, monitor.phase("answering as \(other)"))
                if bestOf != nil {
                    if other == name { m.kl = (RejectionSampling.bestOfNKL(bestOf!), RejectionSampling.bestOfNKL(bestOf!)) }
                } else if a.model.config.vocabularySize == b.model.config.vocabularySize {
                    var rng = s.random(invocation)
                    m.kl = try PolicyEvaluation.kl(a.model, from: b.model, tokenizer: a.tokenizer, prompts: prompts.map(\.prompt),
                                                   maxNewTokens: s.maxTokens(invocation), rng: &rng,
                                                   monitor: monitor.phase("measuring KL"))
                }
            }
            if let k {
                // The headroom is over the greedy answer, whatever temperature the evaluation used.
                var greedySettings = sampling
                greedySettings.temperature = 0
                let greedy = sampling.temperature == 0 ? m.mine : try report(a, monitor.phase("answering greedily as \(name)"),
                                                                              sampling: greedySettings)
                var rng = s.random(invocation)
                m.headroom = try PolicyEvaluation.headroom(a.model, tokenizer: a.tokenizer, prompts: prompts, greedy: greedy, k: k,
                                                           judge: world, maxNewTokens: s.maxTokens(invocation), rng: &rng,
                                                           monitor: monitor.phase("measuring headroom"))
            }
            return m
        }
        let mine = measured.mine
        // This evaluation's values replace the last one's (an eval without `against` leaves no win rate).
        s.values = s.values.filter { !$0.key.hasPrefix("eval.") }
        s.lastEvalStarted = started
        let shown = bestOf.map { "best-of-\($0) of \(name)" } ?? name
        var out = evaluationTable(shown, prompts, mine, s)
        let show = invocation.integer("show")
        if other == nil, show > 0 {
            out += answerList(name, prompts, mine, limit: show)
        }
        if let other, let theirs = measured.theirs {
            recordEvaluation(PolicySummary(prompts, theirs), prefix: "eval.against", s)
            let outcome = PolicyEvaluation.outcomes(mine, against: theirs)
            recordRate(outcome.winRate, "eval.win_rate", s)
            (s.values["eval.wins"], s.values["eval.ties"], s.values["eval.losses"]) = (Double(outcome.wins), Double(outcome.ties), Double(outcome.losses))
            out += "win rate of \(shown) against \(other) by gold judgment: \(outcome.winRate) prompts "
                + "(\(outcome.wins) wins, \(outcome.ties) ties, \(outcome.losses) losses)\n"
            if show > 0 { out += differenceList(name, other, prompts, mine, theirs, limit: show) }
            if let bestOf, let kl = measured.kl {
                (s.values["eval.kl"], s.values["eval.kl_k1"]) = (kl.k3, kl.k3)  // the analytic bound serves either axis
                out += String(format: "KL(best-of-%d ‖ %@) per response, analytic: log n − (n−1)/n = %.3f nats\n", bestOf, name, kl.k3)
            } else if let kl = measured.kl {
                s.values["eval.kl"] = kl.k3
                s.values["eval.kl_k1"] = kl.k1
                out += String(format: "KL(%@ ‖ %@) per response, from %@'s samples at temperature 1: %.3f nats (k3), %.3f (k1)\n",
                              name, other, name, kl.k3, kl.k1)
            }
        }
        if let h = measured.headroom {
            out += headroomLines(name, h, s)
        }
        return CommandOutput(out)
    }

    /// The per-task table and the summary line, and the values for expect.
    static func evaluationTable(_ name: String, _ prompts: [EvaluationPrompt], _ r: PolicyReport, _ s: Session) -> String {
        let m = PolicySummary(prompts, r)
        let rows = m.tasks.map { t in
            [t.task, String(t.prompts), t.graded == 0 ? "-" : String(format: "%.0f%%", 100 * Double(t.correct) / Double(t.graded)),
             String(format: "%+.2f", t.helpfulness), String(t.violations), String(t.refusals)]
        }
        recordEvaluation(m, prefix: "eval", s)
        let rates: [(String, Rate, String)] = [("correct", m.correct, "graded answers"), ("unsafe compliance", m.unsafeCompliance, "unsafe prompts"),
                                               ("false refusals", m.falseRefusals, "safe questions"),
                                               ("borderline refusals", m.borderlineRefusals, "borderline prompts")]
        let width = rates.map(\.0.count).max()!
        return "\(name) on \(prompts.count) prompts (gold judgment)\n"
            + Table(["task", "prompts", "correct", "helpful", "violations", "refusals"], rows).render()
            + String(format: "  helpfulness %+.2f   safety %+.2f   length %.1f tokens\n", m.helpfulness, m.safety, m.length)
            + rates.map { label, rate, of in
                "  \(label)\(String(repeating: " ", count: width - label.count))  \(rate) \(of)\n"
            }.joined()
    }

    /// What `eval` measures inside its long work, before it records anything.
    struct Measured {
        var mine: PolicyReport
        var theirs: PolicyReport?
        var kl: (k1: Double, k3: Double)?
        var headroom: Headroom?
    }

    /// The headroom lines, and eval.headroom.* for expect.
    static func headroomLines(_ name: String, _ h: Headroom, _ s: Session) -> String {
        recordRate(h.winRate, "eval.headroom.win_rate", s)
        s.values["eval.headroom.greedy"] = h.greedyGold
        s.values["eval.headroom.sample"] = h.sampleGold
        s.values["eval.headroom.best"] = h.bestGold
        let o = h.outcomes
        return "headroom: the gold-best of \(h.k) samples at temperature 1 against \(name)'s greedy answer\n"
            + "  win rate \(h.winRate) prompts (\(o.wins) wins, \(o.ties) ties, \(o.losses) losses)\n"
            + String(format: "  mean gold (helpfulness + safety): greedy %+.2f   one sample %+.2f   best of %d %+.2f\n",
                     h.greedyGold, h.sampleGold, h.k, h.bestGold)
    }

    /// Leaves NAME, NAME.low and NAME.high for expect.
    static func recordRate(_ rate: Rate, _ name: String, _ s: Session) {
        s.values[name] = rate.value
        s.values[name + ".low"] = rate.low
        s.values[name + ".high"] = rate.high
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
        var sampling = SamplingSettings(temperature: 0, maxNewTokens: s.settings.maxTokens)
        sampling.stopToken = ChatFormat.stopToken(tokenizer)
        let report = try PolicyEvaluation.evaluate(model, tokenizer: tokenizer, prompts: prompts, judge: s.currentWorld,
                                                   sampling: sampling, rng: &rng, monitor: monitor)
        return PolicySummary(prompts, report)
    }

    /// Leaves PREFIX.helpfulness, PREFIX.safety, … for expect.
    static func recordEvaluation(_ m: PolicySummary, prefix: String, _ s: Session) {
        s.values["\(prefix).helpfulness"] = m.helpfulness
        s.values["\(prefix).safety"] = m.safety
        recordRate(m.unsafeCompliance, "\(prefix).unsafe_compliance", s)
        recordRate(m.falseRefusals, "\(prefix).false_refusals", s)
        recordRate(m.borderlineRefusals, "\(prefix).borderline_refusals", s)
        recordRate(m.correct, "\(prefix).correct", s)
        s.values["\(prefix).length"] = m.length
        s.values["\(prefix).violations"] = Double(m.violations)
    }

    /// Policies side by side on the gold summary numbers, each rate with its
    /// 95% interval (the counts, the same in every row, on a line below).
    static func comparisonTable(_ rows: [(String, PolicySummary)]) -> String {
        let table = Table(["held-out", "helpful", "safety", "correct", "unsafe compliance", "false refusals", "length"], rows.map { name, m in
            [name, String(format: "%+.2f", m.helpfulness), String(format: "%+.2f", m.safety), m.correct.shareAndInterval,
             m.unsafeCompliance.shareAndInterval, m.falseRefusals.shareAndInterval, String(format: "%.1f", m.length)]
        }).render()
        func counts(_ m: PolicySummary) -> String {
            "of \(m.correct.total) graded answers, \(m.unsafeCompliance.total) unsafe prompts and \(m.falseRefusals.total) safe questions"
        }
        // Which answers have a right answer depends on the answers, so the graded count may differ by row.
        let each = rows.map { counts($0.1) }
        guard let first = each.first else { return table }
        let said = each.allSatisfy { $0 == first } ? first : zip(rows, each).map { "\($0.0) \($1)" }.joined(separator: "; ")
        return table + "  \(said); 95% intervals\n"
    }
}
