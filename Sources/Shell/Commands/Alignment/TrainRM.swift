import Alignment
import Datasets
import Kernels
import LanguageModel

extension Commands {
    static let trainRM = CommandSpec(
        "train rm",
        arguments: [.argument("NAME", .name, "the reward model to make"), .keyword("on"),
                    .argument("DATA", .name, "comparisons: rankings or preference pairs (from label)")],
        options: [
            .option("from", .name, "the language model whose trunk it starts from (default: sft)", default: "sft"),
            .option("loss", .choice(["ranking", "pairwise", "margin", "soft"]), "ranking (InstructGPT), pairwise (Bradley–Terry), margin (Llama 2) or soft (an AI labeler's probabilities, Lee et al.)", default: "ranking"),
            .option("margin", .choice(["small", "large"]), "Llama 2's margins for loss=margin: small 1, 2/3, 1/3, 0 or large 3, 2, 1, 0", default: "small"),
            truncatedOption(default: .keep),
        ] + trainingOptions(rmTraining,
                            heldout: "comparisons for held-out accuracy (default: DATA.heldout if it exists)") + loraOptions,
        summary: "train a reward model on comparisons (ranking, pairwise, margin or soft loss)",
        help: """
            Starts from MODEL's transformer with a fresh scalar head read at the \
            response's last token, and learns r(x, y) so that preferred responses \
            score higher: loss = −Σ w·log σ(r_w − r_l − m). loss=ranking puts the \
            C(K,2) pairs of each ranking in one batch element with w = 1/C(K,2) \
            (InstructGPT); loss=pairwise trains each pair on its own; loss=margin \
            adds Llama 2's margin m for each pair's rating; loss=soft trains each \
            pair towards its soft label p, the probability an AI labeler gave that \
            chosen is the better: −[p·log σ(Δ) + (1 − p)·log σ(−Δ)] (Lee et al. \
            2023; label … by=MODEL keeps p). A batch is `batch` \
            groups (rankings or pairs). Held-out accuracy is reported as it trains. \
            A response cut at max_tokens is read without an end-of-turn token \
            (truncated=keep), or leaves with its comparisons (truncated=drop). \
            lora=RANK trains low-rank adapters and the head only.
            """,
        why: "a ranking's comparisons are strongly correlated (each answer is in K − 1 of them), and InstructGPT found that shuffling them into the data as separate pairs made the reward model overfit within one epoch; one batch element per ranking, each comparison weighted 1/C(K,2), no longer overfits and needs one forward pass per answer instead of one per comparison (Ouyang et al. 2022, §3.5). Llama 2's margin asks a larger gap for a clearer preference, which raised accuracy most on the pairs rated clearly better (Touvron et al. 2023, §3.2.2).",
        examples: ["train rm helpful on prefs.rankings loss=ranking steps=200",
                   "train rm safe on safety_pairs loss=margin margin=large"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("NAME")
        let dataName = invocation.argument("DATA")
        let data = try s.dataset(dataName, in: invocation, argument: "DATA")
        let loss: RewardLoss = switch invocation.option("loss") {
        case "ranking": .ranking
        case "pairwise": .pairwise
        case "soft": .soft
        default: .margin(large: invocation.option("margin") == "large")
        }
        let truncated = TruncatedPairs(rawValue: invocation.option("truncated"))!
        let groups = ComparisonGroup.groups(data.records, loss: loss, truncated: truncated)
        if truncated == .drop, groups.isEmpty, !ComparisonGroup.groups(data.records, loss: loss).isEmpty {
            throw invocation.error("every comparison of \(dataName) has a response cut at max_tokens; keep them (truncated=keep) or sample with more max_tokens", at: "truncated")
        }
        guard !groups.isEmpty else {
            throw invocation.error("\(dataName) holds \(data.kind) records, not comparisons; make them with sample, then label", at: "DATA")
        }
        if loss == .soft, !groups.contains(where: { $0.pairs.contains { $0.target < 1 } }) {
            throw invocation.error("\(dataName) has no soft labels (a \"probability\" per pair); label a sample set by=MODEL for them, "
                + "or train with loss=pairwise", at: "loss")
        }
        var heldOut: [ComparisonGroup] = []
        if let h = invocation.optional("heldout") {
            heldOut = ComparisonGroup.groups(try s.dataset(h, in: invocation, argument: "heldout").records, loss: loss)
        } else if let h = s.datasets[dataName + ".heldout"] {
            heldOut = ComparisonGroup.groups(h.records, loss: loss)
        }
        let trunkName = invocation.option("from")
        guard invocation.given.contains("from") || s.models[trunkName] != nil else {
            throw invocation.error("train rm starts from a language model's trunk: give from=MODEL (the default, sft, is not loaded)")
        }
        let trunk = try s.model(trunkName, in: invocation, argument: "from")
        let tokenizer = try chatTokenizer(trunk, trunkName, invocation, at: "from",
                                          "\(trunkName)'s tokenizer lacks the chat markers; a reward model reads chat examples")
        let settings = rmTraining.settings(invocation, s)
        var rng = s.random(invocation)
        let model = try adapted(GPT(scalarHeadOn: trunk.model, seed: rng.next()), name, invocation, s)
        try checkTraining(model, name, settings, unit: "group", rows: groups.map(\.responses.count).max() ?? 2, invocation)
        s.models[name] = ModelEntry(model: model, tokenizer: tokenizer, origin: "reward model from \(trunkName)")
        s.touch(name)
        let heldOutPairs = heldOut.map(\.pairs.count).reduce(0, +)
        // For export: the model with its fresh head (the adapters it trains left out), the comparisons and the first batch.
        let initial = model.copy()
        let record = TrainingRecord(start: { initial.lora == nil ? initial : initial.withoutAdapters() }, tokenizer: tokenizer,
                                    examples: .comparisons(groups, loss), settings: settings, lora: model.lora, rng: rng)
        return try runTraining(kind: "rm", model: name, steps: settings.steps, method: record, invocation, s) { (onStep: (TrainingStep) -> Void) throws(TrainingStop) in
            try RewardModels.train(model, tokenizer: tokenizer, groups: groups, heldOut: heldOut, settings: settings,
                                   rng: &rng, isCancelled: s.isCancelled, onStep: onStep)
        } summary: { last, run in
            var out = "\(name): reward model from \(trunkName), \(last.step) steps of \(invocation.option("loss")) loss on "
                + "\(groups.count) groups (\(groups.map(\.pairs.count).reduce(0, +)) comparisons); loss \(String(format: "%.3f", last.loss)), "
                + "batch accuracy \(String(format: "%.1f%%", 100 * (run.last("accuracy") ?? 0)))"
            if let h = run.last("heldout_accuracy") {
                out += String(format: ", held-out accuracy %.1f%% (%d comparisons)", 100 * h, heldOutPairs)
            }
            return out + (describeAdapters(model).map { "\n\(name): \($0)" } ?? "")
        }
    }
}
