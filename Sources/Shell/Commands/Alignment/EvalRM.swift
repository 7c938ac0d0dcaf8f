import Alignment
import Datasets
import Foundation
import Kernels
import World

extension Commands {
    static let evalRM = CommandSpec(
        "eval rm",
        arguments: [.argument("NAME", .name, "a reward model"), .keyword("on"),
                    .argument("DATA", .name, "held-out comparisons (rankings or rated pairs)")],
        options: [
            .option("aspect", .choice(["helpfulness", "safety"]), "the gold score to compare against (safety: on safety-tagged prompts)", default: "helpfulness"),
            .option("seed", .integer(0...Int.max), "seed of the second annotators (default: from the session seed)"),
        ],
        summary: "a reward model's accuracy by rating bucket, against labels, gold and annotators",
        help: """
            Scores both responses of every comparison in DATA and reports, per \
            rating bucket (one row when the data has no ratings): how often the \
            model prefers the labelled winner (accuracy), how often it prefers the \
            gold labeler's winner (pairs the gold scores separate), and how often \
            a second simulated annotator agrees with the label, the ceiling a \
            reward model can reach on noisy labels. Each share comes with its 95% \
            Wilson score interval; "pairs" counts the comparisons of a bucket, and \
            the pairs the gold scores separate are counted beside "vs gold". Then a \
            calibration table: the predicted probability σ(r_w − r_l) against how \
            often the label agreed. Between them, agreement with gold by the kind \
            of task the prompt asks (facts, sums, reversals, …): where the model \
            cannot check an answer, it shows. Values for expect: rm_eval.accuracy \
            (and per bucket, rm_eval.accuracy.significantly_better, …), \
            rm_eval.gold_accuracy (and per task, rm_eval.gold_accuracy.arithmetic, …), \
            rm_eval.agreement, each with .low and .high.
            """,
        examples: ["eval rm helpful on prefs.rankings.heldout"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("NAME")
        let scoring = try s.rewardModel(name, in: invocation, argument: "NAME")
        let dataName = invocation.argument("DATA")
        let data = try s.dataset(dataName, in: invocation, argument: "DATA")
        let comparisons = data.records.flatMap(Rankings.comparisons)
        guard !comparisons.isEmpty else {
            throw invocation.error("\(dataName) holds \(data.kind) records, not comparisons; label a sample set first", at: "DATA")
        }
        let groups = comparisons.map {
            ComparisonGroup(prompt: $0.prompt, responses: [$0.chosen, $0.rejected], pairs: [.init(winner: 0, loser: 1)],
                            truncated: [$0.truncated.contains(.chosen), $0.truncated.contains(.rejected)])
        }
        let world = s.currentWorld
        s.values = s.values.filter { !$0.key.hasPrefix("rm_eval.") }
        var rng = s.random(invocation)
        let safety = invocation.option("aspect") == "safety"
        let accuracy = try s.work("eval rm \(name)") { monitor in
            let gaps = try RewardModels.rewardGaps(scoring.model, tokenizer: scoring.tokenizer, groups, monitor: monitor.phase("scoring"))
            return try world.rewardModelAccuracy(comparisons, gaps: gaps, safety: safety, rng: &rng,
                                                 monitor: monitor.phase("judging by gold and annotators"))
        }
        /// "80.0% [60.1, 91.2]", "-" for no pairs.
        func share(_ a: Int, _ b: Int) -> String { Rate.proportion(a, of: b).shareAndInterval }
        /// The share with its count, where the count is not the bucket's pairs.
        func shareOf(_ a: Int, _ b: Int) -> String { Rate.proportion(a, of: b).description }
        func record(_ a: Int, _ b: Int, _ name: String) { recordRate(Rate.proportion(a, of: b), name, s) }
        var rows: [[String]] = []
        let order: [Rating?] = Rating.allCases.map { $0 } + [nil]
        let all = accuracy.all
        for key in order {
            guard let t = accuracy.byRating[key] else { continue }
            rows.append([key?.label ?? "unrated", String(t.pairs), share(t.right, t.pairs), shareOf(t.goldRight, t.goldPairs), share(t.agree, t.pairs)])
            if let key { record(t.right, t.pairs, "rm_eval.accuracy.\(key.key)") }
        }
        rows.append(["all", String(all.pairs), share(all.right, all.pairs), shareOf(all.goldRight, all.goldPairs), share(all.agree, all.pairs)])
        record(all.right, all.pairs, "rm_eval.accuracy")
        record(all.agree, all.pairs, "rm_eval.agreement")
        if all.goldPairs > 0 { record(all.goldRight, all.goldPairs, "rm_eval.gold_accuracy") }
        var out = "\(name) on \(dataName): \(all.pairs) comparisons\n"
            + Table(["rating bucket", "pairs", "accuracy", "vs gold", "annotator agreement"], rows).render()
        // Where a number misleads, say so: an accuracy whose interval lies below ½ is worse than a coin.
        let overall = Rate.proportion(all.right, of: all.pairs)
        if all.pairs > 0, overall.high < 0.5 {
            out += "note: below chance: the model orders more of these pairs against the labels than with them "
                + "(a coin would get half); was it trained on another aspect, or on too little data?\n"
        }
        // Where the model is blind: agreement with gold by the kind of task asked.
        let kinds: [TaskKind?] = TaskKind.allCases.map { $0 } + [nil]
        let taskRows = kinds.compactMap { kind -> [String]? in
            guard let t = accuracy.byTask[kind], t.goldPairs > 0 else { return nil }
            if let kind { record(t.goldRight, t.goldPairs, "rm_eval.gold_accuracy.\(kind.rawValue)") }
            return [kind?.rawValue ?? "other", String(t.goldPairs), share(t.goldRight, t.goldPairs)]
        }
        if !taskRows.isEmpty { out += "by task (the pairs gold separates):\n" + Table(["task", "pairs", "vs gold"], taskRows).render() }
        let calibrationRows = accuracy.calibration.enumerated().compactMap { (i, c) -> [String]? in
            guard c.count > 0 else { return nil }
            return [String(format: "%.1f–%.1f", 0.5 + 0.1 * Double(i), 0.6 + 0.1 * Double(i)), String(c.count),
                    String(format: "%.2f", c.predicted / Double(c.count)), String(format: "%.2f", Double(c.agreed) / Double(c.count))]
        }
        out += "calibration (the model's preferred side):\n"
            + Table(["predicted", "pairs", "mean predicted", "observed"], calibrationRows).render()
        return CommandOutput(out)
    }
}
