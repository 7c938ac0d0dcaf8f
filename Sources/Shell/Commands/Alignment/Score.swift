import Alignment
import Foundation
import Kernels

extension Commands {
    static let score = CommandSpec(
        "score",
        arguments: [.argument("REWARD", .name, "a reward model or a reward defined with reward"),
                    .argument("TARGET", .string, "a prompt, or the name of a sample set"),
                    .argument("RESPONSE", .string, "the response, when TARGET is a prompt", required: false)],
        summary: "score a response, or every response of a sample set, with a reward",
        help: """
            With a prompt and a response, prints the reward (before the whitening \
            of Llama 2's combination, which needs a batch) and the gold scores side \
            by side; for Llama 2's combination also both models' scores, σ(R_s) \
            and which branch of the rule fired (values score.helpfulness, score.safety). With a sample set, scores every response (kept in the set for \
            show), and prints the mean reward, the mean gold score, and how often \
            the reward's favourite response per prompt is also gold's.
            """,
        examples: ["score helpful \"What is 1 + 9?\" \"1 + 9 = 10.\"", "score helpful prefs"]
    ) { invocation, context in
        let s = context.session
        let rewardName = invocation.argument("REWARD")
        let reward = try s.reward(rewardName, in: invocation, argument: "REWARD").reward
        let target = invocation.argument("TARGET")
        let world = s.currentWorld
        if let response = invocation.arguments["RESPONSE"] {
            let unsafe = world.task(for: target)?.isUnsafe ?? false
            let item = RewardItem(prompt: target, response: response, unsafe: unsafe)
            try checkReward(reward, rewardName, on: [PromptItem(prompt: target, unsafe: unsafe)], from: "a typed prompt", invocation,
                            at: "REWARD", lengthsKnown: false)
            let g = world.gold(prompt: target, response: response)
            // Llama 2's rule, one example at a time: each model read once, both scores, σ(R_s) and the branch that fired.
            var rule = ""
            let r: Float
            if case let .llama2(h, safety, threshold) = reward {
                let rh = h.scores([item])[0], rs = safety.scores([item])[0], p = sigmoid(Double(rs))
                let branch = Reward.branch(safety: rs, unsafe: unsafe, threshold: threshold)
                r = branch == .helpfulness ? rh : rs
                let why = switch branch {
                case .safetyTagged: "the prompt is safety-tagged, so R_s"
                case .lowSafety: String(format: "σ(R_s) = %.3f is below %g, so R_s", p, threshold)
                case .helpfulness: String(format: "the prompt is not safety-tagged and σ(R_s) = %.3f ≥ %g, so R_h", p, threshold)
                }
                rule = String(format: "\n  R_h %+.3f   R_s %+.3f   σ(R_s) %.3f:   ", rh, rs, p) + why
                (s.values["score.helpfulness"], s.values["score.safety"]) = (Double(rh), Double(rs))
            } else {
                r = reward.rawScores([item])[0]
            }
            s.values["score"] = Double(r)
            return CommandOutput(String(format: "reward %+.3f   gold helpfulness %+.2f, safety %+.2f", r, g.helpfulness, g.safety)
                + (g.reasons.isEmpty ? "" : " (" + g.reasons.joined(separator: "; ") + ")") + rule)
        }
        guard var set = s.samples[target] else {
            throw invocation.error("no sample set '\(target)'; give a sample set's name, or a prompt and a response", at: "TARGET")
        }
        try checkReward(reward, rewardName, on: set.items.map(\.prompt), from: target, invocation, at: "REWARD")
        let items = set.items.flatMap { item in item.responses.map { $0.rewardItem(item.prompt) } }
        let (scores, golds) = try s.work("score \(target)") { monitor in
            (try reward.rawScores(items, monitor: monitor.phase("scoring")),
             try monitor.phase("judging by gold").map(items) { world.gold(prompt: $0.prompt, response: $0.response) })
        }
        var at = 0, gold = 0.0, agreeOnBest = 0, contested = 0
        for i in set.items.indices {
            let k = set.items[i].responses.count
            let r = Array(scores[at..<(at + k)])
            set.items[i].scores = r
            let g = golds[at..<(at + k)].map(\.total)
            gold += g.reduce(0, +)
            if Set(g).count > 1 {
                contested += 1
                let best = r.indices.max { r[$0] < r[$1] }!
                agreeOnBest += g[best] == g.max()! ? 1 : 0
            }
            at += k
        }
        s.samples[target] = set
        let mean = Double(scores.reduce(0, +)) / Double(scores.count)
        s.values["score.mean"] = mean
        s.values["score.gold"] = gold / Double(scores.count)
        var out = String(format: "%@: %d responses scored by %@; mean reward %+.3f, mean gold %+.2f", target, scores.count, rewardName, mean, gold / Double(scores.count))
        if contested > 0 {
            s.values["score.best_agreement"] = Double(agreeOnBest) / Double(contested)
            out += String(format: "; the reward's favourite is gold's best on %.1f%% of %d prompts with a real choice", 100 * Double(agreeOnBest) / Double(contested), contested)
        }
        return CommandOutput(out)
    }

    static let reward = CommandSpec(
        "reward",
        arguments: [.argument("NAME", .name, "the reward to define"),
                    .argument("SOURCE", .name, "a reward model, llama2 to combine two, labeler (a chat model's verdict), gold (the labeler itself), "
                              + "match (an answer check), format (a pattern), length (DAPO's overlong penalty), or sum (a weighted sum of rewards)")],
        options: [
            .option("shift", .name, "demonstrations (prompt/completion) whose mean score is subtracted, so they average 0 (InstructGPT)"),
            .option("helpfulness", .name, "with llama2: the helpfulness reward model"),
            .option("safety", .name, "with llama2: the safety reward model"),
            .option("threshold", .float(0...1), "with llama2: use safety when σ(R_s) is below this", default: "0.15"),
            .option("by", .name, "with labeler: the chat model that judges"),
            .option("principle", .string, "with labeler: the rule it judges by, written into its judge prompt"),
            .option("baseline", .name, "with labeler: the chat model whose greedy answers each response is judged against", default: "sft"),
            .option("max_tokens", .integer(1...1000), "with labeler: new tokens of a baseline answer at most (default: the max_tokens setting, 48)"),
            .option("field", .name, "with match: the prompt records' field holding the reference answer", default: "answer"),
            .option("extract", .choice(["last-number", "boxed", "whole"]), "with match: how the answer is read from a response (default: last-number)"),
            .option("regex", .string, "with match: read the answer as the last match of this pattern (its first group); with format: the pattern a response must match"),
            .option("numeric", .bool, "with match: compare as numbers, 7 = 7.0 = 7.00 (default: true with last-number, else false)"),
            .option("max", .integer(1...100_000), "with length: L_max, the tokens beyond which a response scores −1"),
            .option("buffer", .integer(1...100_000), "with length: L_cache, the tokens before L_max over which the penalty grows from 0 to −1 (default: max/4)"),
        ],
        namedOptions: .option("REWARD", .float(-1000...1000), "with sum: the weight of the reward REWARD"),
        summary: "define a reward: a reward model (optionally shifted), Llama 2's combination, an AI labeler, gold, an answer check, a format, a length limit, or a sum",
        help: """
            reward NAME MODEL uses one reward model; with shift=DEMOS its scores are \
            shifted so the demonstrations average 0, as InstructGPT normalises its \
            reward model. reward NAME llama2 helpfulness=H safety=S combines two as \
            Llama 2 does: R = R_s when the prompt is safety-tagged or σ(R_s) < 0.15, \
            else R_h; then whiten(logit(R)) over each batch. reward NAME labeler \
            by=MODEL is direct RLAIF (d-RLAIF, Lee et al. 2023): no reward model, \
            the chat model MODEL judges each response against the baseline \
            model's greedy answer to the same prompt (made once per prompt), \
            both orders averaged as label … by=MODEL does, and the reward is \
            2·p(response better) − 1, from −1 to 1 (the baseline answer itself \
            scores 0). reward NAME gold is \
            the gold labeler's helpfulness + safety: a reward model without \
            mistakes, to see how far a recipe could go (Gao et al. 2022 call it \
            the gold reward.

            Rules instead of models, for datasets whose prompt records carry an \
            answer (`{"prompt": …, "answer": "72"}`, as GSM8K's do): reward NAME \
            match scores 1 when the answer read from a response equals the \
            record's field= (answer by default), else 0; extract=last-number \
            (the default, compared as numbers: 7 = 7.0, and the reference's own \
            last number is taken, so GSM8K's "… #### 72" works), boxed (the \
            last \\boxed{…}), whole (the response itself), or regex=PATTERN \
            (the last match, its first group if it has one). reward NAME format \
            regex=PATTERN scores 1 when the response matches anywhere (^ and $ \
            anchor; (?s) lets . cross lines), else 0. reward NAME length max=L \
            is DAPO's overlong penalty on a sampled response's tokens: 0 up to \
            L − buffer, then down to −1 at L, −1 beyond. reward NAME sum A=0.8 \
            B=0.2 adds defined rewards (or reward models) with weights, each as \
            it would enter RL. Rewards are used by score, bestofn, rs round, \
            eval, rest and every RL method's init.
            """,
        why: "a reward model's scale has no zero and drifts between models, so InstructGPT shifts it to make the demonstrations average 0 before RL. Llama 2 keeps two reward models because helpfulness and safety pull apart (a refusal is safe and unhelpful), which makes it hard for one model to do well on both; safety wins on risky prompts or a low safety score, and whitening keeps the RL step's scale steady (Touvron et al. 2023, §3.2.2). The gold reward is there to measure how much a proxy costs (Gao et al. 2022).",
        examples: ["reward r helpful shift=demos", "reward combined llama2 helpfulness=helpful safety=safe",
                   "reward ai labeler by=judge baseline=sft", "reward oracle gold", "reward correct match field=answer",
                   "reward boxed match extract=boxed", "reward tagged format regex=\"^.*answer is -?[0-9]+\"",
                   "reward short length max=40 buffer=10", "reward total sum correct=0.8 tagged=0.2"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("NAME")
        let source = invocation.argument("SOURCE")
        // Each source takes its own options; one given to another source is an error, never ignored.
        let accepted: [String] = switch source {
        case "gold": []
        case "labeler": ["by", "principle", "baseline", "max_tokens"]
        case "llama2": ["helpfulness", "safety", "threshold"]
        case "match": ["field", "extract", "regex", "numeric"]
        case "format": ["regex"]
        case "length": ["max", "buffer"]
        case "sum": Array(invocation.given)
        default: ["shift"]
        }
        if let extra = invocation.given.sorted().first(where: { !accepted.contains($0) }) {
            let kind = ["gold", "labeler", "llama2", "match", "format", "length"].contains(source) ? source : "a reward model"
            let known = Set(invocation.spec.options.map(\.name))
            let what = known.contains(extra) ? "\(extra)= is not an option of \(kind)" : "\(kind) has no option \(extra)="
            throw invocation.error(what + (accepted.isEmpty ? "; the gold reward is the labeler itself and takes none"
                : "; it takes " + accepted.map { $0 + "=" }.joined(separator: ", ")), at: extra)
        }
        if let rule = try ruleReward(name, source, invocation, s) { return rule }
        if source == "gold" {
            s.rewards[name] = RewardEntry(reward: .oracle(s.currentWorld), about: "the gold labeler's helpfulness + safety (an oracle)")
            s.touch(name)
            return CommandOutput("\(name): the gold labeler's helpfulness + safety, a reward model that makes no mistakes (an oracle, for comparison)")
        }
        if source == "labeler" {
            return try labelerReward(name, invocation, s)
        }
        if source == "llama2" {
            guard let h = invocation.optional("helpfulness"), let sf = invocation.optional("safety") else {
                throw invocation.error("llama2 needs helpfulness=MODEL and safety=MODEL", at: "SOURCE")
            }
            let entry = RewardEntry(reward: .llama2(helpfulness: try s.rewardModel(h, in: invocation, argument: "helpfulness"), safety: try s.rewardModel(sf, in: invocation, argument: "safety"),
                                                    threshold: Float(invocation.float("threshold"))),
                                    about: "Llama 2's combination of \(h) and \(sf)")
            s.rewards[name] = entry
            s.touch(name)
            return CommandOutput("\(name): R_s (\(sf)) on safety-tagged prompts or when σ(R_s) < \(format(invocation.float("threshold"))), else R_h (\(h)); then whitened per batch")
        }
        var model = try s.rewardModel(source, in: invocation, argument: "SOURCE")
        var about = "reward model \(source)"
        if let demosName = invocation.optional("shift") {
            let demos = try s.dataset(demosName, in: invocation, argument: "shift")
            let pairs = demos.records.compactMap { r -> RewardItem? in
                if case let .completion(p, c, truncated) = r { return RewardItem(prompt: p, response: c, ended: !truncated) }
                return nil
            }
            guard !pairs.isEmpty else { throw invocation.error("\(demosName) holds no prompt/completion demonstrations", at: "shift") }
            let scores = try s.work("reward \(name)") { monitor in try model.scores(pairs, monitor: monitor) }
            model.shift = scores.reduce(0, +) / Float(scores.count)
            about += String(format: " shifted by %+.3f, so %@'s %d demonstrations average 0", -model.shift, demosName, pairs.count)
        }
        s.rewards[name] = RewardEntry(reward: .single(model), about: about)
        s.touch(name)
        return CommandOutput("\(name): \(about)")
    }
}
