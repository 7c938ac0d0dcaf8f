import Datasets
import Kernels

/// What the simulated annotators are asked for.
public enum LabelRequest: Sendable, Equatable {
    /// A ranking of K distinct responses per prompt, K drawn from
    /// minK…maxK (InstructGPT showed labelers K = 4..9), ranked at `temperature`.
    case rankings(minK: Int, maxK: Int, temperature: Double)
    /// Up to `perPrompt` rated pairs per prompt (Llama 2's protocol).
    case pairs(perPrompt: Int)

    /// The fewest distinct responses a prompt needs to be labelled.
    public var fewest: Int {
        if case let .rankings(minK, _, _) = self { return minK }
        return 2
    }
}

/// Labels of a set of prompts' responses, and how far a second annotator agrees.
public struct Labels: Sendable {
    /// Each labelled prompt's records (a ranking, or its rated pairs), in prompt order.
    public var byPrompt: [[Record]]
    /// Prompts with too few distinct responses to label.
    public var skipped: Int
    /// Prompts labelled by each annotator, by name.
    public var used: [String: Int]
    /// Pairs (of those gold does not tie) on which a second annotator agreed,
    /// of how many; and the same on close pairs (gold gap ≤ 1).
    public var agree = 0, total = 0, closeAgree = 0, closeTotal = 0
}

extension World {
    /// Human-style labels for sampled responses (what `label` runs): for each
    /// prompt one annotator drawn from `annotators` ranks, or rates pairs of,
    /// its distinct responses, on safety where `safety` is asked and the
    /// prompt is unsafe, on helpfulness otherwise. Then, pair by pair, a second
    /// annotator of the pool (not the first) labels the same comparison; pairs
    /// gold ties are left out, as no answer is right there (DESIGN §2: real
    /// annotators agree on 65–75% of close pairs). A response in a prompt's
    /// `truncated` (cut at a token limit) is marked so in the records.
    public func label<Failure: Error>(
        _ prompts: [(prompt: String, unsafe: Bool, responses: [String], truncated: Set<String>)], _ request: LabelRequest,
        annotators: [Annotator], safety: Bool, rng: inout Random, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> Labels {
        precondition(!annotators.isEmpty, "World.label: no annotators")
        var labels = Labels(byPrompt: [], skipped: 0, used: [:])
        try monitor.forEach(prompts, every: 8) { item in
            var distinct = Self.distinct(item.responses)
            guard distinct.count >= request.fewest else { labels.skipped += 1; return }
            let aspect: Aspect = safety && item.unsafe ? .safety : .helpfulness
            let annotator = annotators[rng.int(below: annotators.count)]
            labels.used[annotator.name, default: 0] += 1
            let p = item.prompt
            var comparisons: [(String, String)] = [], records: [Record] = []
            switch request {
            case let .rankings(minK, maxK, temperature):
                let most = min(distinct.count, max(minK, maxK))
                let k = minK + rng.int(below: most - minK + 1)
                distinct = Array(distinct.prefix(k))
                let ranking = annotator.rank(self, prompt: p, distinct, aspect: aspect, temperature: temperature, rng: &rng)
                records.append(.ranking(prompt: p, responses: distinct, ranking: ranking,
                                        truncated: Set(distinct.indices.filter { item.truncated.contains(distinct[$0]) })))
                comparisons = Rankings.pairs(ranking).map { (distinct[$0.winner], distinct[$0.loser]) }
            case let .pairs(perPrompt):
                for (i, j) in Self.shuffledPairs(distinct.count, rng: &rng).prefix(perPrompt) {
                    let (aWins, rating) = annotator.compare(self, prompt: p, distinct[i], distinct[j], aspect: aspect, rng: &rng)
                    let (chosen, rejected) = aWins ? (distinct[i], distinct[j]) : (distinct[j], distinct[i])
                    records.append(.preference(prompt: p, chosen: chosen, rejected: rejected, margin: nil, rating: rating,
                                               truncated: PairSides(winner: item.truncated.contains(chosen), loser: item.truncated.contains(rejected))))
                    comparisons.append((chosen, rejected))
                }
            }
            labels.byPrompt.append(records)
            let others = Annotator.pool.filter { $0.name != annotator.name }
            for (winner, loser) in comparisons {
                let gw = gold(prompt: p, response: winner), gl = gold(prompt: p, response: loser)
                let gap = aspect == .helpfulness ? gw.helpfulness - gl.helpfulness : gw.safety - gl.safety
                guard gap != 0 else { continue }
                let second = others[rng.int(below: others.count)]
                let same = second.compare(self, prompt: p, winner, loser, aspect: aspect, rng: &rng).aWins
                labels.total += 1
                labels.agree += same ? 1 : 0
                if abs(gap) <= 1 { labels.closeTotal += 1; labels.closeAgree += same ? 1 : 0 }
            }
        }
        return labels
    }

    /// The distinct responses, in their first order.
    public static func distinct(_ responses: [String]) -> [String] {
        var out: [String] = []
        for r in responses where !out.contains(r) { out.append(r) }
        return out
    }

    /// Every pair (i, j), i < j, of `count` responses, shuffled: the pairs a
    /// labeler compares, the first `per_prompt` of them.
    public static func shuffledPairs(_ count: Int, rng: inout Random) -> [(Int, Int)] {
        var all: [(Int, Int)] = []
        for i in 0..<count { for j in (i + 1)..<count { all.append((i, j)) } }
        rng.shuffle(&all)
        return all
    }
}
