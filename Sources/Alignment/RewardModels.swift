import Datasets
import Foundation
import Kernels
import LanguageModel

/// The loss a reward model learns comparisons with.
public enum RewardLoss: Sendable, Equatable {
    /// InstructGPT's: the C(K,2) comparisons of one ranking in one batch element, scaled by 1/C(K,2).
    case ranking
    /// Bradley–Terry on single pairs: each comparison its own batch element.
    case pairwise
    /// Llama 2's: a pair's rating sets a margin the reward gap must clear.
    case margin(large: Bool)
    /// Cross-entropy to a soft label, p(chosen ≻ rejected) (Lee et al. 2023,
    /// §2.4: the reward model trains on the AI labeler's probabilities).
    case soft
}

/// One batch element of reward-model training: the responses to one prompt
/// and the comparisons among them, each with its margin and weight.
public struct ComparisonGroup: Sendable {
    public var prompt: String
    public var responses: [String]
    public var pairs: [Pair]
    /// Per response: whether it was cut at a token limit (read without an end token).
    public var truncated: [Bool]

    /// A comparison inside a group: indices into `responses`.
    public struct Pair: Sendable, Equatable {
        public var winner: Int, loser: Int
        public var margin: Float, weight: Float
        public var rating: Rating?
        /// The probability that the winner is the better: 1 for a hard label.
        public var target: Float
        public init(winner: Int, loser: Int, margin: Float = 0, weight: Float = 1, rating: Rating? = nil, target: Float = 1) {
            self.winner = winner
            self.loser = loser
            self.margin = margin
            self.weight = weight
            self.rating = rating
            self.target = target
        }
    }

    public init(prompt: String, responses: [String], pairs: [Pair], truncated: [Bool]? = nil) {
        self.prompt = prompt
        self.responses = responses
        self.pairs = pairs
        self.truncated = truncated ?? Array(repeating: false, count: responses.count)
    }

    /// The groups `loss` trains on from `records` (rankings or preference pairs):
    /// a ranking stays whole for the ranking loss (pairs weighted 1/C(K,2)) and
    /// is split into single pairs otherwise; a preference pair is one group with
    /// the margin its rating gives (or its numeric `margin`) under the margin loss,
    /// and its soft label (or 1, where it has none) under the soft loss. With
    /// `truncated` .drop, a response cut at a token limit leaves with every
    /// comparison it is in (a ranking keeps the order of the rest, if two remain).
    public static func groups(_ records: [Record], loss: RewardLoss, truncated policy: TruncatedPairs = .keep) -> [ComparisonGroup] {
        var out: [ComparisonGroup] = []
        for record in records {
            switch record {
            case let .ranking(prompt, all, fullRanking, cut):
                // Under .drop, the ranking of the responses that ended, in the same order.
                let ranking = policy == .drop ? fullRanking.filter { !cut.contains($0) } : fullRanking
                guard ranking.count >= 2 else { continue }
                let responses = all, truncated = all.indices.map(cut.contains)
                let pairs = Rankings.pairs(ranking)
                if loss == .ranking {
                    let w = 1 / Float(pairs.count)
                    out.append(ComparisonGroup(prompt: prompt, responses: responses,
                                               pairs: pairs.map { Pair(winner: $0.winner, loser: $0.loser, weight: w) }, truncated: truncated))
                } else {
                    out += pairs.map { ComparisonGroup(prompt: prompt, responses: [responses[$0.winner], responses[$0.loser]],
                                                       pairs: [Pair(winner: 0, loser: 1)],
                                                       truncated: [truncated[$0.winner], truncated[$0.loser]]) }
                }
            case let .preference(prompt, chosen, rejected, margin, rating, probability, cut):
                if policy == .drop && !cut.isEmpty { continue }
                var m: Float = 0
                if case let .margin(large) = loss {
                    m = Float(rating.map { large ? $0.largeMargin : $0.smallMargin } ?? margin ?? 0)
                }
                let target = loss == .soft ? Float(probability ?? 1) : 1
                out.append(ComparisonGroup(prompt: prompt, responses: [chosen, rejected],
                                           pairs: [Pair(winner: 0, loser: 1, margin: m, rating: rating, target: target)],
                                           truncated: [cut.contains(.chosen), cut.contains(.rejected)]))
            default:
                continue
            }
        }
        return out
    }
}

extension ComparisonGroup {
    /// The group's responses as a reward model scores them.
    var items: [RewardItem] {
        zip(responses, truncated).map { RewardItem(prompt: prompt, response: $0, ended: !$1) }
    }
}

/// Reward models: training on comparisons, and scoring.
public enum RewardModels {
    /// The comparison loss of one group and its gradient with respect to each
    /// response's reward:
    ///
    ///     loss = Σ_pairs w · −[t · log σ(x) + (1 − t) · log σ(−x)],  x = r_winner − r_loser − m
    ///
    /// With the hard label t = 1 this is −log σ(x): InstructGPT's ranking loss
    /// is w = 1/C(K,2), m = 0 (Ouyang et al. 2022, eq. 1); Bradley–Terry is one
    /// pair with w = 1; Llama 2's margin loss sets m from the rating (Touvron et
    /// al. 2023, eq. 2). A soft label t < 1 is the cross-entropy of Lee et al.
    /// (2023), minimised where σ(x) = t.
    public static func comparisonLoss(rewards: [Float], pairs: [ComparisonGroup.Pair]) -> (loss: Float, dRewards: [Float]) {
        var loss: Float = 0
        var d = [Float](repeating: 0, count: rewards.count)
        for p in pairs {
            let x = rewards[p.winner] - rewards[p.loser] - p.margin
            // −log σ(x) = softplus(−x), −log σ(−x) = softplus(x); d/dx = σ(x) − t,
            // which for t = 1 is −σ(−x), the form exact for large x.
            let g: Float
            if p.target == 1 {
                loss += p.weight * softplus(-x)
                g = -p.weight * sigmoid(-x)
            } else {
                loss += p.weight * (p.target * softplus(-x) + (1 - p.target) * softplus(x))
                g = p.weight * (sigmoid(x) - p.target)
            }
            d[p.winner] += g
            d[p.loser] -= g
        }
        return (loss, d)
    }

    /// Trains `model` (with a scalar head read at the response's last token,
    /// `<|end|>`) on `groups`: each step draws `batchSize` groups, scores every
    /// response in them, takes the mean group loss of `comparisonLoss`, and
    /// makes one AdamW step. Each step reports its loss and the metric
    /// `accuracy` (the share of the batch's comparisons ordered rightly), and
    /// every `evaluateEvery` steps and at the end `heldout_accuracy`. Stops
    /// between steps when cancelled; a non-finite step is not applied.
    public static func train(
        _ model: GPT, tokenizer: BPETokenizer, groups: [ComparisonGroup], heldOut: [ComparisonGroup],
        settings: TrainingSettings, rng: inout Random, isCancelled: () -> Bool = { false }, onStep: (TrainingStep) -> Void
    ) throws(TrainingStop) {
        precondition(model.hasScalarHead && !groups.isEmpty, "RewardModels.train: needs a scalar head and comparisons")
        try LanguageModelTraining.run(model, settings: settings, rng: &rng, step: { rng in
            let batch = LanguageModelTraining.draw(settings.batchSize, from: groups.count, rng: &rng).map { groups[$0] }
            let rows = batch.flatMap(\.items)
            let input = ResponseBatch(scoring: rows, tokenizer: tokenizer, context: min(settings.sequenceLength, model.config.contextLength))
            let rewards = input.lastValues(model)
            var loss: Float = 0, right = 0, total = 0
            var dRewards = [Float](repeating: 0, count: rows.count)
            var offset = 0
            for g in batch {
                let r = Array(rewards[offset..<(offset + g.responses.count)])
                let (l, d) = comparisonLoss(rewards: r, pairs: g.pairs)
                loss += l / Float(batch.count)
                for i in d.indices { dRewards[offset + i] = d[i] / Float(batch.count) }
                for p in g.pairs { right += r[p.winner] > r[p.loser] ? 1 : 0; total += 1 }
                offset += g.responses.count
            }
            if loss.isFinite {
                input.lastValuesBackward(model, dValues: dRewards)
            }
            return (loss, [("accuracy", Float(right) / Float(max(total, 1)))])
        }, evaluate: heldOut.isEmpty ? nil : { record in
            let gaps = rewardGaps(model, tokenizer: tokenizer, heldOut, context: settings.sequenceLength)
            record.metrics.append(("heldout_accuracy", Float(gaps.filter { $0 > 0 }.count) / Float(max(gaps.count, 1))))
        }, isCancelled: isCancelled, onStep: onStep)
    }

    /// r(winner) − r(loser) for every pair of every group, in order: positive
    /// where the model orders the pair as the label does. `monitor` sees the scoring.
    public static func rewardGaps<Failure: Error>(
        _ model: GPT, tokenizer: BPETokenizer, _ groups: [ComparisonGroup], context: Int = 128,
        monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> [Float] {
        let scores = try score(model, tokenizer: tokenizer, groups.flatMap(\.items), context: context, monitor: monitor)
        var gaps: [Float] = [], start = 0
        for g in groups {
            for p in g.pairs { gaps.append(scores[start + p.winner] - scores[start + p.loser]) }
            start += g.responses.count
        }
        return gaps
    }

    /// The reward of each (prompt, response), read at the response's last token,
    /// in batches of `batchSize`, passing `monitor`'s checkpoint before each.
    public static func score<Failure: Error>(
        _ model: GPT, tokenizer: BPETokenizer, _ items: [RewardItem],
        context: Int = 128, batchSize: Int = 64, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> [Float] {
        precondition(model.hasScalarHead, "score: the model has no scalar head")
        var out: [Float] = []
        out.reserveCapacity(items.count)
        var start = 0
        monitor.progress(0, of: items.count)
        while start < items.count {
            try monitor.checkpoint()
            let chunk = Array(items[start..<min(start + batchSize, items.count)])
            out += ResponseBatch(scoring: chunk, tokenizer: tokenizer, context: min(context, model.config.contextLength))
                .lastValues(model)
            start += batchSize
            monitor.progress(out.count, of: items.count)
        }
        return out
    }
}

extension ResponseBatch {
    /// Chat examples (prompt and response) as a reward model reads them: whole (a
    /// template's answered turn as `apply_chat_template` writes it, through what
    /// follows the turn's end), cut from the left to `context` tokens so the last
    /// (`<|end|>`, the template's last token, or a cut response's last word) stays,
    /// padded with end-of-text.
    init(scoring rows: [RewardItem], tokenizer: BPETokenizer, context: Int) {
        self.init(rows.map { ChatExample(prompt: $0.prompt, response: $0.response, ended: $0.ended, tokenizer: tokenizer, wholeTurn: true) },
                  layout: .whole(context: context), padding: tokenizer.id(of: BPETokenizer.SpecialToken.endOfText) ?? 0)
    }
}

