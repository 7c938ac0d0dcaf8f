import Alignment
import Datasets
import Foundation
import Kernels
import World

/// `label SAMPLES as pairs by=MODEL`: a chat model as the labeler (RLAIF),
/// beside the annotators of Label.swift.
extension Commands {
    /// The pairs a model labeler judges: two distinct responses of a sample
    /// set, drawn as the annotators draw them, or the pairs of a preference
    /// dataset, relabelled (chosen as a, so the dataset's own label is "a").
    enum LabelerPairs {
        case samples(SampleSet)
        case dataset(Dataset)

        var relabels: Bool { if case .dataset = self { true } else { false } }
    }

    /// Labels the pairs by `AILabeler`, both orders averaged; prints agreement
    /// with gold and with the annotators (a pool annotator on the same pairs, or
    /// the dataset's own labels), and position bias.
    static func labelByModel(_ modelName: String, _ setName: String, _ pairSource: LabelerPairs, into: String, _ invocation: Invocation,
                             _ context: CommandContext) throws -> CommandOutput {
        let s = context.session
        guard invocation.argument("KIND") == "pairs" else {
            throw invocation.error("a model labels pairs, not \(invocation.argument("KIND")): label \(setName) as pairs by=\(modelName)"
                + " (judgments are demonstrations an annotator writes: by=careful, say)", at: "KIND")
        }
        let (entry, tokenizer) = try chatModel(modelName, invocation, s, argument: "by")
        let principle = invocation.optional("principle")
        if let principle, principle.trimmingCharacters(in: .whitespaces).isEmpty {
            throw invocation.error("principle= is empty; give the rule to judge by, as in datasets/constitution.txt", at: "principle")
        }
        guard let labeler = AILabeler(model: entry.model, tokenizer: tokenizer, principle: principle) else {
            throw invocation.error("\(modelName)'s tokenizer does not give \"A\" and \"B\" different first tokens; it cannot answer a judge prompt", at: "by")
        }
        let world = s.currentWorld
        var rng = s.random(invocation)
        let wantsSafety = invocation.option("aspect") == "safety"
        // The pairs, each with its prompt's index in the source; a response cut at max_tokens stays marked.
        var pairs: [JudgedPair] = [], skipped = 0
        switch pairSource {
        case let .samples(set):
            let perPrompt = invocation.integer("per_prompt")
            for (i, item) in set.items.enumerated() {
                let distinct = World.distinct(item.responses.map(\.text))
                guard distinct.count >= 2 else { skipped += 1; continue }
                let cut = Set(item.responses.filter { !$0.stopped }.map(\.text))
                for (x, y) in World.shuffledPairs(distinct.count, rng: &rng).prefix(perPrompt) {
                    pairs.append(JudgedPair(item: i, prompt: item.prompt.prompt, unsafe: item.prompt.unsafe, a: distinct[x], b: distinct[y],
                                            aCut: cut.contains(distinct[x]), bCut: cut.contains(distinct[y])))
                }
            }
        case let .dataset(data):
            for given in ["per_prompt", "heldout"] where invocation.given.contains(given) {
                throw invocation.error("\(given)= is for a sample set; \(setName)'s pairs are relabelled as they are, "
                    + "its held-out part too if you label \(setName).heldout", at: given)
            }
            var index: [String: Int] = [:]
            for case let .preference(prompt, chosen, rejected, _, _, _, truncated) in data.records {
                let item = index[prompt] ?? index.count
                index[prompt] = item
                pairs.append(JudgedPair(item: item, prompt: prompt, unsafe: world.task(for: prompt)?.isUnsafe ?? false, a: chosen, b: rejected,
                                        aCut: truncated.contains(.chosen), bCut: truncated.contains(.rejected)))
            }
        }
        guard !pairs.isEmpty else {
            throw invocation.error("no prompt of \(setName) has two distinct responses; sample again with a higher temperature or k", at: "SAMPLES")
        }
        // With constitution=, each pair is judged by a principle drawn at random (Bai et al. 2022, §4.1).
        var principles: [String?] = Array(repeating: principle, count: pairs.count)
        if let path = invocation.optional("constitution") {
            guard principle == nil else {
                throw invocation.error("give principle= or constitution=, not both", at: "constitution")
            }
            let constitution = try constitutionPrinciples(path, invocation)
            principles = pairs.map { _ in constitution[rng.int(below: constitution.count)] }
        }
        let labels = try s.work("label \(setName) by \(modelName)", unit: "pair") { monitor in
            try labeler.label(pairs, principles: principles, monitor: monitor)
        }
        // The references: gold on the aspect, and an annotator's verdict per pair.
        var gold: [Bool?] = [], annotators: [Bool?] = []
        for pair in pairs {
            let aspect: Aspect = wantsSafety && pair.unsafe ? .safety : .helpfulness
            let ga = world.gold(prompt: pair.prompt, response: pair.a), gb = world.gold(prompt: pair.prompt, response: pair.b)
            let gap = aspect == .helpfulness ? ga.helpfulness - gb.helpfulness : ga.safety - gb.safety
            gold.append(gap == 0 ? nil : gap > 0)
            if pairSource.relabels {
                annotators.append(true)
            } else {
                let annotator = Annotator.pool[rng.int(below: Annotator.pool.count)]
                annotators.append(annotator.compare(world, prompt: pair.prompt, pair.a, pair.b, aspect: aspect, rng: &rng).aWins)
            }
        }
        let (groups, ties) = AILabeler.records(pairs, labels)
        guard !groups.isEmpty else {
            throw invocation.error("\(modelName) could not tell any pair of \(setName) apart (every preference is exactly ½)", at: "by")
        }
        let heldOutShare = pairSource.relabels ? 0 : invocation.float("heldout")
        let parts = rng.split(groups, heldOut: Int((Double(groups.count) * heldOutShare).rounded()))
        let source = "label \(setName) as pairs by \(modelName)"
        s.datasets[into] = Dataset(records: parts.kept.flatMap { $0 }, source: source)
        s.touch(into)
        let heldOut = parts.heldOut.flatMap { $0 }
        var out = "\(pairs.count) pairs of \(setName) labelled by \(modelName)"
            + (principle.map { " by the principle \(jsonQuoted($0))" } ?? "")
            + (invocation.optional("constitution").map { " by principles drawn at random from \($0)" } ?? "") + ", both orders averaged; aspect "
            + (wantsSafety ? "safety (helpfulness on prompts not tagged unsafe)" : "helpfulness") + "\n"
        out += "  → \(into) (\(parts.kept.flatMap { $0 }.count))"
        if !heldOut.isEmpty {
            s.datasets[into + ".heldout"] = Dataset(records: heldOut, source: source + " (held out)")
            s.touch(into + ".heldout")
            out += " and \(into).heldout (\(heldOut.count))"
        }
        if ties > 0 { out += "; \(plural(ties, "pair")) left out (preference exactly ½)" }
        if skipped > 0 { out += "; \(plural(skipped, "prompt")) skipped (fewer than 2 distinct responses)" }
        let withGold = AILabeler.agreement(labels, with: gold), withAnnotators = AILabeler.agreement(labels, with: annotators)
        let bias = AILabeler.positionBias(labels)
        out += "\n  agrees with gold on \(withGold.shareAndInterval) of the \(withGold.total) pairs gold separates"
        let annotatorsAre = pairSource.relabels ? "\(setName)'s own labels" : "an annotator of the pool"
        out += "\n  agrees with \(annotatorsAre) on \(withAnnotators.shareAndInterval) of \(withAnnotators.total) pairs"
        out += "\n  position bias: the first answer won \(bias.firstWins.shareAndInterval) of \(bias.firstWins.total) single-order verdicts; "
            + "the same position won both orders of \(bias.positionDecided.shareAndInterval) of \(bias.positionDecided.total) pairs "
            + "(there the averaged label is near ½)"
        for (key, rate) in [("gold_agreement", withGold), ("annotator_agreement", withAnnotators),
                            ("first_wins", bias.firstWins), ("position_decided", bias.positionDecided)] {
            recordRate(rate, "label.\(key)", s)
        }
        s.values["label.records"] = Double(groups.flatMap { $0 }.count)
        return CommandOutput(out)
    }
}
