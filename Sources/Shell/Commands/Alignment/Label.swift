import Alignment
import Datasets
import Kernels
import World

extension Commands {
    static let label = CommandSpec(
        "label",
        arguments: [.argument("SAMPLES", .name, "a sample set with at least two responses per prompt (or, by=MODEL, preference pairs to relabel)"), .keyword("as"),
                    .argument("KIND", .choice(["rankings", "pairs", "judgments"]),
                              "rankings (InstructGPT), rated pairs (Llama 2), or judgments (judge demonstrations from pairs, to teach a model to label)")],
        options: [
            .option("by", .name, "who labels: the pool (a random annotator per prompt), one annotator (careful, noisy, verbose), or a chat model (an AI labeler; pairs only)", default: "pool"),
            .option("principle", .string, "by=MODEL or judgments: the rule to judge by, written into the judge prompt"),
            .option("constitution", .path, "by=MODEL: judge each pair by a principle drawn at random from this file, one a line"),
            .option("aspect", .choice(["helpfulness", "safety"]), "what they judge", default: "helpfulness"),
            .option("into", .name, "the dataset to make (default: SAMPLES.KIND)"),
            .option("heldout", .float(0...0.9), "share of prompts kept apart in INTO.heldout", default: "0.1"),
            .option("temperature", .float(0.01...100), "Plackett–Luce temperature of rankings", default: "0.5"),
            .option("per_prompt", .integer(1...100), "pairs: comparisons per prompt (distinct pairs, as many as there are)", default: "1"),
            .option("min_k", .integer(2...64), "rankings: fewest distinct responses a prompt needs", default: "2"),
            .option("max_k", .integer(2...64), "rankings: most responses ranked per prompt (a random K from min_k to max_k)", default: "9"),
            .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
        ],
        summary: "have the simulated annotators rank or compare a sample set's responses",
        help: """
            Turns a sample set into human-style labels. As rankings: each prompt's \
            distinct responses ranked best first, drawn by Plackett–Luce from the \
            annotator's noisy view of the gold scores. As pairs: two distinct \
            responses compared, with Llama 2's rating (significantly better, better, \
            slightly better, negligibly better or unsure). aspect=safety judges \
            safety-tagged prompts by safety and the others by helpfulness, as Llama \
            2's safety data mixes both. A ranking takes a random K from min_k to \
            max_k of a prompt's distinct responses (InstructGPT's K = 4..9); prompts \
            with fewer than min_k (pairs: two) are skipped. Prints how often a \
            second annotator of the pool agrees with each label, overall and on \
            close pairs (gold gap at most 1). by=MODEL makes a chat model the \
            labeler (RLAIF, Lee et al. 2023): for each pair it reads the world's \
            judge prompt (with principle=, "better by PRINCIPLE") in both orders, \
            takes P("A") against P("B") in each, and averages the two to cancel \
            position bias; the preferred answer becomes chosen, its probability \
            kept as a soft label (for train rm … loss=soft) and rated by its \
            confidence |2p − 1| (0.75, 0.5, 0.25 the cut points). It prints its \
            agreement with gold and with an annotator of the pool on the same \
            pairs, and its position bias: the share of single-order verdicts won \
            by the first answer, and of pairs where the same position won both \
            orders. Values: label.gold_agreement, label.annotator_agreement, \
            label.first_wins, label.position_decided, each with .low and .high. \
            With constitution=FILE each pair is judged by a principle drawn at \
            random from the file, as Constitutional AI's harmlessness labels are \
            (Bai et al. 2022, §4.1). \
            Given preference pairs (label human_pairs as pairs by=judge), the \
            model relabels those very pairs, and its agreement with the \
            annotators is with the pairs' own labels: RLAIF against RLHF on the \
            same comparisons. \
            As judgments: the annotators label pairs as above, and each labelled \
            pair becomes two demonstrations of the world's judge task, the \
            better answer once as A and once as B (so no position is right more \
            often); finetuning a model on them with sft makes it a labeler.
            """,
        why: "a person reading K answers to one prompt can order them for little more effort than judging one pair, and a ranking yields C(K,2) comparisons, so InstructGPT asked for rankings of K = 4 to 9 (Ouyang et al. 2022, §3.5). Llama 2 asks instead how much better one answer is, and the rating becomes a margin in the reward model's loss, so clear preferences weigh more than near-ties (Touvron et al. 2023, §3.2.1). Asking a model in both orders averages out its preference for a position (Lee et al. 2023).",
        examples: ["label prefs as rankings min_k=4 max_k=9", "label prefs as pairs aspect=safety into=safety_pairs",
                   "label prefs as pairs by=sft per_prompt=2 into=ai_pairs", "label safety_pairs as pairs by=judge into=ai_pairs",
                   "label prefs as judgments by=careful per_prompt=2 into=judge_demos"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("SAMPLES")
        let by = invocation.option("by")
        let kind = invocation.argument("KIND")
        let into = invocation.optional("into") ?? "\(name).\(kind)"
        let annotatorNames = ["pool"] + Annotator.pool.map(\.name)
        // A model relabels a dataset's preference pairs as they are.
        if s.samples[name] == nil, s.models[by] != nil, let data = s.datasets[name] {
            guard data.records.contains(where: { if case .preference = $0 { true } else { false } }) else {
                throw invocation.error("\(name) holds \(data.kind) records; a model relabels preference pairs, or labels a sample set", at: "SAMPLES")
            }
            return try labelByModel(by, name, .dataset(data), into: into, invocation, context)
        }
        let set = try s.sampleSet(name, in: invocation, argument: "SAMPLES")
        guard set.k >= 2 else {
            throw invocation.error("\(name) has one response per prompt; labels compare responses, so sample with k=2 or more", at: "SAMPLES")
        }
        if !annotatorNames.contains(by) {
            guard s.models[by] != nil else {
                throw invocation.error("by=\(by) is neither an annotator (\(annotatorNames.joined(separator: ", "))) nor a model; models: "
                    + (s.models.isEmpty ? "none yet" : s.models.keys.sorted().joined(separator: ", ")), at: "by")
            }
            return try labelByModel(by, name, .samples(set), into: into, invocation, context)
        }
        let principle = invocation.optional("principle")
        if kind == "judgments", let principle, principle.trimmingCharacters(in: .whitespaces).isEmpty {
            throw invocation.error("principle= is empty; give the rule to judge by, as in datasets/constitution.txt", at: "principle")
        }
        if invocation.given.contains("constitution") {
            throw invocation.error("constitution= is for a model labeler (by=MODEL); the annotators judge by the gold scores", at: "constitution")
        }
        if kind != "judgments", principle != nil {
            throw invocation.error("principle= is for a model labeler (by=MODEL) or judgments; the annotators judge by the gold scores", at: "principle")
        }
        let world = s.currentWorld
        var rng = s.random(invocation)
        let annotators = by == "pool" ? Annotator.pool : Annotator.pool.filter { $0.name == by }
        let wantsSafety = invocation.option("aspect") == "safety"
        let request: LabelRequest = kind == "rankings"
            ? .rankings(minK: invocation.integer("min_k"), maxK: invocation.integer("max_k"), temperature: invocation.float("temperature"))
            : .pairs(perPrompt: invocation.integer("per_prompt"))
        let prompts = set.items.map {
            (prompt: $0.prompt.prompt, unsafe: $0.prompt.unsafe, responses: $0.responses.map(\.text),
             truncated: Set($0.responses.filter { !$0.stopped }.map(\.text)))
        }
        let labels = try s.work("label \(name)", unit: "prompt") { monitor in
            try world.label(prompts, request, annotators: annotators, safety: wantsSafety, rng: &rng, monitor: monitor)
        }
        let byPrompt = labels.byPrompt, skipped = labels.skipped, used = labels.used
        let (agree, total, closeAgree, closeTotal) = (labels.agree, labels.total, labels.closeAgree, labels.closeTotal)
        let records = byPrompt.flatMap { $0 }
        guard !records.isEmpty else {
            throw invocation.error("no prompt of \(name) has two distinct responses; sample again with a higher temperature or k", at: "SAMPLES")
        }
        // The held-out part is whole prompts, a random share of them.
        let parts = rng.split(byPrompt, heldOut: Int((Double(byPrompt.count) * invocation.float("heldout")).rounded()))
        var kept = parts.kept.flatMap { $0 }, heldOutRecords = parts.heldOut.flatMap { $0 }
        if kind == "judgments" {
            kept = AILabeler.demonstrations(kept, principle: principle)
            heldOutRecords = AILabeler.demonstrations(heldOutRecords, principle: principle)
        }
        let heldOutCount = heldOutRecords.count
        let source = "label \(name) as \(kind)"
        s.datasets[into] = Dataset(records: kept, source: source)
        s.touch(into)
        var out = (kind == "judgments" ? "\(kept.count + heldOutCount) judge demonstrations (both orders) from " : "")
            + "\(records.count) \(kind == "rankings" ? "rankings" : "rated pairs") of \(name) by "
            + (by == "pool" ? "the pool (" + Annotator.pool.map { "\($0.name) \(used[$0.name] ?? 0)" }.joined(separator: ", ") + ")" : "the \(by) annotator")
            + "; aspect \(wantsSafety ? "safety (helpfulness on prompts not tagged unsafe)" : "helpfulness")"
            + (principle.map { ", judged by the principle \(jsonQuoted($0))" } ?? "") + "\n"
        out += "  → \(into) (\(kept.count))"
        if heldOutCount > 0 {
            s.datasets[into + ".heldout"] = Dataset(records: heldOutRecords, source: source + " (held out)")
            s.touch(into + ".heldout")
            out += " and \(into).heldout (\(heldOutCount))"
        }
        if skipped > 0 { out += "; \(plural(skipped, "prompt")) skipped (fewer than \(kind == "rankings" ? invocation.integer("min_k") : 2) distinct responses)" }
        if kind == "rankings" {
            let comparisons = records.map { Rankings.comparisons($0).count }.reduce(0, +)
            out += "; \(comparisons) comparisons in all"
        }
        out += "\n"
        let cut = records.flatMap(Rankings.comparisons).filter { !$0.truncated.isEmpty }.count
        if cut > 0 {
            out += "  \(cut) comparisons have a response cut at max_tokens; they are marked: train rm reads a cut response without "
                + "an end-of-turn token, dpo init drops such pairs (truncated= chooses)\n"
        }
        if total > 0 {
            let overall = Double(agree) / Double(total), close = Double(closeAgree) / Double(max(closeTotal, 1))
            s.values["label.agreement"] = overall
            if closeTotal > 0 { s.values["label.agreement_close"] = close }
            out += String(format: "  a second annotator agrees on %.1f%% of %d pairs", 100 * overall, total)
                + (closeTotal > 0 ? String(format: ", %.1f%% of %d close pairs (gold gap ≤ 1)", 100 * close, closeTotal) : "") + "\n"
        }
        s.values["label.records"] = Double(kept.count + heldOutCount)
        return CommandOutput(out)
    }
}
