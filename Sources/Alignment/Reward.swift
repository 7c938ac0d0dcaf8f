import Datasets
import Foundation
import Kernels
import LanguageModel

/// A response to be scored: its prompt, the prompt's safety tag (Llama 2's
/// rule reads it), and whether the response ended its turn or was cut at a
/// token limit (a reward model then reads it without an end token).
public struct RewardItem: Sendable, Equatable {
    public var prompt: String
    public var response: String
    public var unsafe: Bool
    public var ended: Bool

    public init(prompt: String, response: String, unsafe: Bool = false, ended: Bool = true) {
        self.prompt = prompt
        self.response = response
        self.unsafe = unsafe
        self.ended = ended
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
/// labeler's verdict, or a judge itself.
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

    /// The reward of each response to its prompt; `unsafe` is each prompt's safety tag.
    /// Llama 2's combination is whitened over `items`.
    public func scores(_ items: [RewardItem]) -> [Float] {
        let raw = rawScores(items)
        if case .llama2 = self { return whiten(raw) }
        return raw
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

    /// The reward models it reads (none for a judge or a labeler).
    public var models: [ScoringModel] {
        switch self {
        case let .single(m): return [m]
        case let .llama2(h, s, _): return [h, s]
        case .oracle, .labeler: return []
        }
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
