import Kernels
import LanguageModel

/// Direct RLAIF (d-RLAIF; Lee et al. 2023, §2.3): the AI labeler's judgment
/// is the reward itself, with no reward model trained on its labels.
///
/// Lee et al. ask their labeler for a score from 1 to 10 and normalise its
/// expectation to [−1, 1]. The world's judge task is pairwise, so here the
/// labeler compares each response y with a fixed baseline answer b to the same
/// prompt (the baseline model's greedy answer, made once per prompt and kept),
/// both orders averaged, and
///
///     r(x, y) = 2 · p(y ≻ b | x) − 1  ∈ [−1, 1]
///
/// The baseline answer itself scores exactly 0: both orders then read the
/// same judge prompt, so p = ½.
public final class LabelerReward {
    /// The judge.
    public let labeler: AILabeler
    /// The baseline answer to each prompt, made on demand.
    private let answer: ([String]) -> [String]
    /// Baseline answers made so far, by prompt.
    public private(set) var baselines: [String: String] = [:]

    /// A reward judged by `labeler` against the answers `answer` gives (in
    /// the order of the prompts it is asked about).
    public init(labeler: AILabeler, baseline answer: @escaping ([String]) -> [String]) {
        self.labeler = labeler
        self.answer = answer
    }

    /// The labeler of a chat model against `baseline`'s greedy answers of at
    /// most `maxTokens` tokens; nil when the model cannot answer a judge
    /// prompt (see `AILabeler.init?(model:tokenizer:principle:)`).
    public convenience init?(judge: GPT, tokenizer: BPETokenizer, principle: String? = nil,
                             baseline: GPT, baselineTokenizer: BPETokenizer, maxTokens: Int) {
        guard let labeler = AILabeler(model: judge, tokenizer: tokenizer, principle: principle) else { return nil }
        self.init(labeler: labeler) { prompts in
            var rng = Random(seed: 0)  // greedy: the generator is never read
            let settings = SamplingSettings(temperature: 0, maxNewTokens: maxTokens)
            return PolicySampling.sample(baseline, tokenizer: baselineTokenizer, prompts: prompts, settings: settings, rng: &rng)
                .map { $0[0].text }
        }
    }

    /// 2·p(response ≻ baseline) − 1 for each pair; `monitor` passes its
    /// checkpoint before each 64 baseline answers made and each 32 pairs judged.
    public func scores<Failure: Error>(_ items: [(prompt: String, response: String)],
                                       monitor: WorkMonitor<Failure> = .none) throws(Failure) -> [Float] {
        var missing: [String] = [], seen: Set<String> = []
        for item in items where baselines[item.prompt] == nil && seen.insert(item.prompt).inserted { missing.append(item.prompt) }
        for start in stride(from: 0, to: missing.count, by: 64) {
            try monitor.checkpoint()
            let chunk = Array(missing[start..<min(start + 64, missing.count)])
            for (prompt, text) in zip(chunk, answer(chunk)) { baselines[prompt] = text }
        }
        var out: [Float] = []
        out.reserveCapacity(items.count)
        monitor.progress(0, of: items.count)
        for start in stride(from: 0, to: items.count, by: 32) {
            try monitor.checkpoint()
            let chunk = items[start..<min(start + 32, items.count)]
            let labels = labeler.label(chunk.map { (prompt: $0.prompt, a: $0.response, b: baselines[$0.prompt]!) })
            out += labels.map { Float(2 * $0.preference - 1) }
            monitor.progress(out.count, of: items.count)
        }
        return out
    }
}
