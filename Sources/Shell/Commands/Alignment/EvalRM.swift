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
            reward model can reach on noisy labels. Then a calibration table: the \
            predicted probability σ(r_w − r_l) against how often the label agreed.
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
        Parallel.threads = s.settings.threads
        let groups = comparisons.map { ComparisonGroup(prompt: $0.prompt, responses: [$0.chosen, $0.rejected], pairs: [.init(winner: 0, loser: 1)]) }
        let world = s.currentWorld
        var rng = s.random(invocation)
        let safety = invocation.option("aspect") == "safety"
        struct Tally { var pairs = 0, right = 0, goldPairs = 0, goldRight = 0, agree = 0 }
        var buckets: [Rating?: Tally] = [:]
        var calibration = [(count: Int, agreed: Int, predicted: Double)](repeating: (0, 0, 0), count: 5)
        try s.work("eval rm \(name)") { monitor in
            let gaps = try RewardModels.rewardGaps(scoring.model, tokenizer: scoring.tokenizer, groups, monitor: monitor.phase("scoring"))
            try monitor.phase("judging by gold and annotators").forEach(comparisons.indices) { i in
                let c = comparisons[i], gap = gaps[i]
                var t = buckets[c.rating] ?? Tally()
                t.pairs += 1
                t.right += gap > 0 ? 1 : 0
                let aspect: Aspect = safety && (world.task(for: c.prompt)?.isUnsafe ?? false) ? .safety : .helpfulness
                let gw = world.gold(prompt: c.prompt, response: c.chosen), gl = world.gold(prompt: c.prompt, response: c.rejected)
                let goldGap = aspect == .helpfulness ? gw.helpfulness - gl.helpfulness : gw.safety - gl.safety
                if goldGap != 0 && gap != 0 {
                    t.goldPairs += 1
                    t.goldRight += (goldGap > 0) == (gap > 0) ? 1 : 0
                }
                let second = Annotator.pool[rng.int(below: Annotator.pool.count)]
                t.agree += second.compare(world, prompt: c.prompt, c.chosen, c.rejected, aspect: aspect, rng: &rng).aWins ? 1 : 0
                buckets[c.rating] = t
                // Calibration: the model's confidence in the side it prefers, against how often the label took that side.
                let p = 1 / (1 + exp(-Double(abs(gap))))
                let bin = min(4, Int((p - 0.5) * 10))
                calibration[bin].count += 1
                calibration[bin].agreed += gap > 0 ? 1 : 0
                calibration[bin].predicted += p
            }
        }
        func pct(_ a: Int, _ b: Int) -> String { b == 0 ? "-" : String(format: "%.1f%%", 100 * Double(a) / Double(b)) }
        var rows: [[String]] = []
        let order: [Rating?] = Rating.allCases.map { $0 } + [nil]
        var all = Tally()
        for key in order {
            guard let t = buckets[key] else { continue }
            rows.append([key?.label ?? "unrated", String(t.pairs), pct(t.right, t.pairs), pct(t.goldRight, t.goldPairs), pct(t.agree, t.pairs)])
            all.pairs += t.pairs; all.right += t.right; all.goldPairs += t.goldPairs; all.goldRight += t.goldRight; all.agree += t.agree
            if let key { s.values["rm_eval.accuracy.\(key.key)"] = Double(t.right) / Double(t.pairs) }
        }
        rows.append(["all", String(all.pairs), pct(all.right, all.pairs), pct(all.goldRight, all.goldPairs), pct(all.agree, all.pairs)])
        s.values["rm_eval.accuracy"] = Double(all.right) / Double(all.pairs)
        s.values["rm_eval.agreement"] = Double(all.agree) / Double(all.pairs)
        if all.goldPairs > 0 { s.values["rm_eval.gold_accuracy"] = Double(all.goldRight) / Double(all.goldPairs) }
        var out = "\(name) on \(dataName): \(all.pairs) comparisons\n"
            + Table(["rating bucket", "pairs", "accuracy", "vs gold", "annotator agreement"], rows).render()
        let calibrationRows = calibration.enumerated().compactMap { (i, c) -> [String]? in
            guard c.count > 0 else { return nil }
            return [String(format: "%.1f–%.1f", 0.5 + 0.1 * Double(i), 0.6 + 0.1 * Double(i)), String(c.count),
                    String(format: "%.2f", c.predicted / Double(c.count)), String(format: "%.2f", Double(c.agreed) / Double(c.count))]
        }
        out += "calibration (the model's preferred side):\n"
            + Table(["predicted", "pairs", "mean predicted", "observed"], calibrationRows).render()
        return CommandOutput(out)
    }
}
