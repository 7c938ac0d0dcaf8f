import Kernels

/// Answers to many prompts drawn through one KV cache of a few slots, each
/// slot refilled from the next prompt as soon as its answer ends (continuous
/// batching, as vLLM and TGI schedule decoding): answers end at different
/// lengths, and a batch that only shrank would spend its last steps on a few
/// rows. Each `step` is one pass of the model over every busy slot: a
/// refilled slot's whole prompt (prefill) beside the other slots' last tokens,
/// then a token drawn for each slot, in slot order. With no more prompts than
/// slots this is plain batched sampling.
public struct ContinuousBatch {
    /// Sequences sampled at once unless a caller says otherwise: enough rows
    /// for the products to be bound by arithmetic, few enough that the cache
    /// stays small (64 × 144 positions of Qwen3-0.6B is 2.1 GB in f32).
    public static let defaultSlots = 64

    let model: GPT
    let prompts: [[Int32]]
    let settings: SamplingSettings
    let cache: KVCache
    /// Each answer so far, by prompt.
    public private(set) var results: [Generation]
    /// Answers that have ended.
    public private(set) var finished = 0
    /// New tokens each prompt may have: `maxNewTokens`, or less where the context ends.
    let budgets: [Int]
    private var sampler: TokenSampler
    private var next = 0  // the next prompt to start
    private var job: [Int?]  // the prompt each slot is answering

    /// A batch for `prompts` with at most `slots` sequences at once.
    public init(_ model: GPT, prompts: [[Int32]], settings: SamplingSettings, slots: Int = defaultSlots) {
        let V = model.config.vocabularySize
        precondition(settings.maxNewTokens >= 0, "generate: maxNewTokens must not be negative")
        precondition(slots > 0, "generate: need at least one slot")
        precondition(prompts.allSatisfy { !$0.isEmpty && $0.count < model.config.contextLength },
                     "generate: each prompt needs 1..<\(model.config.contextLength) tokens")
        precondition(prompts.allSatisfy { $0.allSatisfy { $0 >= 0 && Int($0) < V } }, "generate: token id outside 0..<\(V)")
        self.model = model
        self.prompts = prompts
        self.settings = settings
        let longest = prompts.map(\.count).max() ?? 1
        let capacity = min(model.config.contextLength, longest + max(1, settings.maxNewTokens))
        budgets = prompts.map { settings.maxNewTokens == 0 ? 0 : min(settings.maxNewTokens, capacity - $0.count) }
        let S = max(1, min(slots, prompts.count))
        cache = KVCache(config: model.config, slots: S, capacity: capacity)
        results = Array(repeating: Generation(), count: prompts.count)
        sampler = TokenSampler(vocabularySize: V, settings: settings)
        job = Array(repeating: nil, count: S)
        if settings.maxNewTokens == 0 { finished = prompts.count; next = prompts.count }
        for s in 0..<S { refill(s) }
    }

    /// True once every prompt's answer has ended.
    public var isDone: Bool { finished == prompts.count }
    /// Tokens drawn so far, an ended answer counting its whole budget.
    public var tokensDone: Int {
        zip(results, budgets).map { answer, budget in answer.stopped ? budget : answer.tokens.count }.reduce(0, +)
    }
    /// Every answer's budget of new tokens.
    public var tokenBudget: Int { budgets.reduce(0, +) }

    /// Starts the next prompt in slot `s`, if one is left.
    private mutating func refill(_ s: Int) {
        guard next < prompts.count else { job[s] = nil; return }
        job[s] = next
        next += 1
    }

    /// One pass of the model over the busy slots and a token for each.
    public mutating func step(rng: inout Random) {
        guard !isDone else { return }
        var tokens: [Int32] = [], slots: [Int32] = [], positions: [Int32] = [], logitRows: [Int] = [], busy: [Int] = []
        for (s, j) in job.enumerated() {
            guard let j else { continue }
            let answer = results[j].tokens
            if answer.isEmpty {  // a prompt just started: its prefill
                tokens += prompts[j]
                slots += Array(repeating: Int32(s), count: prompts[j].count)
                positions += (0..<prompts[j].count).map(Int32.init)
            } else {  // the answer's last token, after the prompt and the tokens before it
                tokens.append(answer.last!)
                slots.append(Int32(s))
                positions.append(Int32(prompts[j].count + answer.count - 1))
            }
            logitRows.append(tokens.count - 1)
            busy.append(s)
        }
        let logits = model.forwardCached(tokens: tokens, slots: slots, positions: positions, logitRows: logitRows,
                                         cache: cache)
        for (s, (token, logp)) in zip(busy, sampler.draw(rows: busy.count, logits, rng: &rng)) {
            let j = job[s]!
            results[j].tokens.append(token)
            results[j].logProbabilities.append(logp)
            if token == settings.stopToken { results[j].stopped = true }
            if results[j].stopped || results[j].tokens.count >= budgets[j] {
                finished += 1
                refill(s)
            }
        }
    }
}
