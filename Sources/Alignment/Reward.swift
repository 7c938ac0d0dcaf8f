import Datasets
import Foundation
import Kernels
import LanguageModel

/// A response to be scored: its prompt, the prompt's safety tag (Llama 2's
/// rule reads it), whether the response ended its turn or was cut at a
/// token limit (a reward model then reads it without an end token), its
/// length in tokens when it was sampled, and the prompt record's other fields
/// (the reference answer a `match` reward checks against).
public struct RewardItem: Sendable, Equatable {
    public var prompt: String
    public var response: String
    public var unsafe: Bool
    public var ended: Bool
    /// The response's tokens (its end marker not counted); nil for a response typed or read from a file.
    public var tokens: Int?
    public var fields: [String: String]

    public init(prompt: String, response: String, unsafe: Bool = false, ended: Bool = true,
                tokens: Int? = nil, fields: [String: String] = [:]) {
        self.prompt = prompt
        self.response = response
        self.unsafe = unsafe
        self.ended = ended
        self.tokens = tokens
        self.fields = fields
    }
}

/// A reward model with the tokenizer that reads its text and a constant
/// subtracted from its scores.
public struct ScoringModel {
    public var model: GPT
    public var tokenizer: BPETokenizer
    /// Subtracted from every score (InstructGPT normalises its reward model so
    /// that labeler demonstrations score 0 on average).
    public var shift: Float

    public init(model: GPT, tokenizer: BPETokenizer, shift: Float = 0) {
        self.model = model
        self.tokenizer = tokenizer
        self.shift = shift
    }

    /// Scores of responses to their prompts, shifted; `monitor` sees each batch.
    public func scores<Failure: Error>(_ items: [RewardItem],
                                       monitor: WorkMonitor<Failure> = .none) throws(Failure) -> [Float] {
        try RewardModels.score(model, tokenizer: tokenizer, items, monitor: monitor).map { $0 - shift }
    }
}

/// What best-of-n, rejection sampling and PPO maximise: one reward model,
/// Llama 2's combination of a helpfulness and a safety reward model, an AI
/// labeler's verdict, a judge itself, a rule (an answer check, a format, a
/// length limit), or a weighted sum of these.
public enum Reward {
    case single(ScoringModel)
    /// The judge's helpfulness + safety: a perfect reward model, the "gold"
    /// reward against which Gao et al. 2022 ("Scaling laws for reward model
    /// overoptimization") and AlpacaFarm (Dubois et al. 2023) measure proxies.
    /// What the pipeline could reach if its reward models made no mistakes.
    case oracle(any Judge)
    /// Touvron et al. 2023, §3.2.2: R_c = R_s if the prompt is safety-tagged or
    /// σ(R_s) < `threshold` (0.15), else R_h; then whiten(logit(R_c)) over the batch.
    case llama2(helpfulness: ScoringModel, safety: ScoringModel, threshold: Float)
    /// An AI labeler's verdict against a baseline answer (d-RLAIF, Lee et al.
    /// 2023): 2·p(y ≻ b) − 1, no reward model.
    case labeler(LabelerReward)
    /// 1 when the response's answer equals the prompt record's reference, else 0.
    case match(AnswerMatch)
    /// 1 when the response matches a pattern, else 0.
    case format(FormatRule)
    /// DAPO's overlong penalty, from 0 down to −1.
    case length(LengthPenalty)
    /// Σ wᵢ·Rᵢ (TRL's `reward_weights`): each part as it enters RL (Llama 2's combination whitened).
    case sum([WeightedReward])

    /// The reward of each response to its prompt; `unsafe` is each prompt's safety tag.
    /// Llama 2's combination is whitened over `items`.
    public func scores(_ items: [RewardItem]) -> [Float] { rawAndScores(items).scores }

    /// `rawScores` and `scores` together, every model read once: a sum whitens
    /// each Llama 2 part apart and weighs both lists alike.
    public func rawAndScores(_ items: [RewardItem]) -> (raw: [Float], scores: [Float]) {
        switch self {
        case .llama2:
            let raw = rawScores(items)
            return (raw, whiten(raw))
        case let .sum(parts) where whitens:
            let each = parts.map { $0.reward.rawAndScores(items) }
            return (Reward.weighted(zip(parts, each).map { ($0.weight, $1.raw) }, count: items.count),
                    Reward.weighted(zip(parts, each).map { ($0.weight, $1.scores) }, count: items.count))
        default:
            let raw = rawScores(items)
            return (raw, raw)
        }
    }

    /// Whether its scores are whitened over a batch (Llama 2's combination, or a sum holding one).
    public var whitens: Bool {
        switch self {
        case .llama2: return true
        case let .sum(parts): return parts.contains { $0.reward.whitens }
        default: return false
        }
    }

    /// Σ wᵢ·xᵢ element by element.
    static func weighted(_ parts: [(Float, [Float])], count: Int) -> [Float] {
        var total = [Float](repeating: 0, count: count)
        for (w, x) in parts { for i in total.indices { total[i] += w * x[i] } }
        return total
    }

    /// The reward before any whitening: comparable across batches, for
    /// reports and thresholds (whitening is monotone within a batch). `monitor`
    /// sees each batch (Llama 2's two models one after the other).
    public func rawScores<Failure: Error>(_ items: [RewardItem],
                                          monitor: WorkMonitor<Failure> = .none) throws(Failure) -> [Float] {
        switch self {
        case let .single(m):
            return try m.scores(items, monitor: monitor)
        case let .llama2(h, s, threshold):
            return Reward.select(helpfulness: try h.scores(items, monitor: monitor.phase("helpfulness")),
                                 safety: try s.scores(items, monitor: monitor.phase("safety")), unsafe: items.map(\.unsafe),
                                 threshold: threshold)
        case let .labeler(labeler):
            return try labeler.scores(items.map { (prompt: $0.prompt, response: $0.response) }, monitor: monitor)
        case let .oracle(judge):
            return try monitor.map(items) { p in
                let j = judge.judge(prompt: p.prompt, response: p.response)
                return Float(j.total)
            }
        case let .match(rule): return items.map(rule.score)
        case let .format(rule): return items.map(rule.score)
        case let .length(rule): return items.map { rule.score(tokens: $0.tokens ?? 0) }
        case let .sum(parts):
            var scored: [(Float, [Float])] = []
            for (i, part) in parts.enumerated() {
                scored.append((part.weight, try part.reward.rawScores(items, monitor: monitor.phase("\(part.name) (\(i + 1) of \(parts.count))"))))
            }
            return Reward.weighted(scored, count: items.count)
        }
    }

    /// Llama 2's rule on scores (logits) r_h and r_s: r_s where the prompt is
    /// safety-tagged or σ(r_s) < threshold, else r_h. The models output logits
    /// r with R = σ(r), so logit(R) is r itself; `scores` then whitens.
    public static func select(helpfulness rh: [Float], safety rs: [Float], unsafe: [Bool], threshold: Float) -> [Float] {
        rh.indices.map { i in branch(safety: rs[i], unsafe: unsafe[i], threshold: threshold) == .helpfulness ? rh[i] : rs[i] }
    }

    /// Which branch of Llama 2's rule picks a response's reward.
    public enum Llama2Branch: Sendable, Equatable {
        /// The prompt is safety-tagged: R_s.
        case safetyTagged
        /// σ(R_s) is below the threshold: the response looks unsafe, R_s.
        case lowSafety
        /// Otherwise R_h.
        case helpfulness
    }

    /// The branch of Llama 2's rule for a safety score (a logit) `rs`.
    public static func branch(safety rs: Float, unsafe: Bool, threshold: Float) -> Llama2Branch {
        unsafe ? .safetyTagged : sigmoid(rs) < threshold ? .lowSafety : .helpfulness
    }

    /// The reward models it reads (none for a judge, a labeler or a rule).
    public var models: [ScoringModel] {
        switch self {
        case let .single(m): return [m]
        case let .llama2(h, s, _): return [h, s]
        case .oracle, .labeler, .match, .format, .length: return []
        case let .sum(parts): return parts.flatMap(\.reward.models)
        }
    }

    /// The prompt-record fields it reads (a match reward's reference).
    public var fields: [String] {
        switch self {
        case let .match(rule): return [rule.field]
        case let .sum(parts): return Array(Set(parts.flatMap(\.reward.fields))).sorted()
        default: return []
        }
    }

    /// Whether it reads a response's length in tokens (known only for sampled responses).
    public var countsTokens: Bool {
        switch self {
        case .length: return true
        case let .sum(parts): return parts.contains { $0.reward.countsTokens }
        default: return false
        }
    }

    /// The answer check it holds: itself when a match, the first match of a sum.
    public var answerCheck: AnswerMatch? {
        switch self {
        case let .match(rule): return rule
        case let .sum(parts): return parts.lazy.compactMap(\.reward.answerCheck).first
        default: return nil
        }
    }
}

/// A part of a summed reward: its weight, its name as defined, and the reward.
public struct WeightedReward {
    public var weight: Float
    public var name: String
    public var reward: Reward

    public init(weight: Float, name: String, reward: Reward) {
        self.weight = weight
        self.name = name
        self.reward = reward
    }
}

/// (x − mean) / std over the whole list (std with a floor of 1e-8); a list of
/// one is returned centred.
public func whiten(_ x: [Float]) -> [Float] {
    guard !x.isEmpty else { return x }
    let n = Float(x.count)
    let mean = x.reduce(0, +) / n
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
    let scale = 1 / max(variance.squareRoot(), 1e-8)
    return x.map { ($0 - mean) * scale }
}
