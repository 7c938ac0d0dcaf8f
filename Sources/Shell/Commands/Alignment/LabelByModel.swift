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
        // The pairs, by prompt (an index into the source's prompts).
        var pairs: [(item: Int, prompt: String, unsafe: Bool, a: String, b: String)] = [], skipped = 0
        // The responses cut at max_tokens, by prompt, so the labels keep them marked.
        var cut: [Int: Set<String>] = [:]
        switch pairSource {
        case let .samples(set):
            let perPrompt = invocation.integer("per_prompt")
            for (i, item) in set.items.enumerated() {
                let distinct = World.distinct(item.responses.map(\.text))
                guard distinct.count >= 2 else { skipped += 1; continue }
                cut[i] = Set(item.responses.filter { !$0.stopped }.map(\.text))
                for (x, y) in World.shuffledPairs(distinct.count, rng: &rng).prefix(perPrompt) {
                    pairs.append((i, item.prompt.prompt, item.prompt.unsafe, distinct[x], distinct[y]))
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
                if truncated.contains(.chosen) { cut[item, default: []].insert(chosen) }
                if truncated.contains(.rejected) { cut[item, default: []].insert(rejected) }
                pairs.append((item, prompt, world.task(for: prompt)?.isUnsafe ?? false, chosen, rejected))
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
            var out = [AILabeler.Label?](repeating: nil, count: pairs.count), done = 0
            monitor.progress(0, of: pairs.count)
            for rule in Set(principles).sorted(by: { ($0 ?? "") < ($1 ?? "") }) {
                var judge = labeler
                judge.principle = rule
                let mine = pairs.indices.filter { principles[$0] == rule }
                for start in stride(from: 0, to: mine.count, by: 32) {
                    try monitor.checkpoint()
                    let chunk = mine[start..<min(start + 32, mine.count)]
                    for (i, label) in zip(chunk, judge.label(chunk.map { (prompt: pairs[$0].prompt, a: pairs[$0].a, b: pairs[$0].b) })) {
                        out[i] = label
                    }
                    done += chunk.count
                    monitor.progress(done, of: pairs.count)
                }
            }
            return out.map { $0! }
        }
        // The references: gold on the aspect, and an annotator's verdict per pair.
        var gold: [Bool?] = [], annotators: [Bool?] = []
        var byPrompt: [Int: [Record]] = [:], ties = 0
        for (pair, label) in zip(pairs, labels) {
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
            guard label.preference != 0.5 else { ties += 1; continue }
            let aWins = label.preference > 0.5
            let (chosen, rejected) = aWins ? (pair.a, pair.b) : (pair.b, pair.a)
            let cutHere = cut[pair.item] ?? []
            byPrompt[pair.item, default: []].append(.preference(
                prompt: pair.prompt, chosen: chosen, rejected: rejected, margin: nil,
                rating: aiRating(label.preference), probability: max(label.preference, 1 - label.preference),
                truncated: PairSides(winner: cutHere.contains(chosen), loser: cutHere.contains(rejected))))
        }
        let groups = byPrompt.keys.sorted().map { byPrompt[$0]! }
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

    /// A model's preference p as a Llama 2 rating, by its confidence |2p − 1|:
    /// 0.75 and above significantly better, 0.5 better, 0.25 slightly better,
    /// below negligibly better or unsure (our cut points; Lee et al. keep p itself).
    static func aiRating(_ p: Double) -> Rating {
        switch abs(2 * p - 1) {
        case 0.75...: .significantlyBetter
        case 0.5...: .better
        case 0.25...: .slightlyBetter
        default: .negligiblyBetter
        }
    }
}
