import Kernels

/// How to draw tokens.
public struct SamplingSettings: Sendable, Equatable {
    /// Logits are divided by this; 0 means greedy (always the most likely token).
    public var temperature: Float = 1
    /// Keep only the k most likely tokens; 0 keeps all.
    public var topK: Int = 0
    /// Keep the smallest set of most likely tokens whose probability reaches p (nucleus); 1 keeps all.
    public var topP: Float = 1
    /// At most this many tokens are generated per prompt (fewer if the context fills).
    public var maxNewTokens: Int = 64
    /// Generation of a sequence ends after this token, which is kept in its output.
    public var stopToken: Int32?

    /// Settings with the given values.
    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, maxNewTokens: Int = 64, stopToken: Int32? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.maxNewTokens = maxNewTokens
        self.stopToken = stopToken
    }
}

/// One sampled continuation.
public struct Generation: Sendable, Equatable {
    /// The new tokens (the stop token included when it was drawn).
    public var tokens: [Int32] = []
    /// log p of each new token under the model at the sampling temperature
    /// (at temperature 1 when greedy), before top-k and top-p truncation.
    public var logProbabilities: [Float] = []
    /// True when the stop token ended it.
    public var stopped = false
}

extension GPT {
    /// Samples a continuation of each prompt, at most `slots` sequences at a
    /// time through one KV cache, a finished answer's slot refilled from the
    /// next prompt (`ContinuousBatch`). Prompts may differ in length; each must
    /// be non-empty and shorter than the context. The same `rng` state gives the
    /// same output. `monitor`'s checkpoint is passed before each new token; it is
    /// told how many tokens are done of all answers' budgets (`maxNewTokens`
    /// each, or less where the context ends first).
    public func generate<Failure: Error>(prompts: [[Int32]], settings: SamplingSettings, rng: inout Random,
                                         slots: Int = ContinuousBatch.defaultSlots,
                                         monitor: WorkMonitor<Failure> = .none) throws(Failure) -> [Generation] {
        var batch = ContinuousBatch(self, prompts: prompts, settings: settings, slots: slots)
        while !batch.isDone {
            monitor.progress(batch.tokensDone, of: batch.tokenBudget)
            try monitor.checkpoint()
            batch.step(rng: &rng)
        }
        if batch.tokenBudget > 0 { monitor.progress(batch.tokenBudget, of: batch.tokenBudget) }
        return batch.results
    }
}

/// Draws one token from each row of logits by temperature, top-k and top-p.
struct TokenSampler {
    let V: Int
    let settings: SamplingSettings
    private var probabilities: [Float] = []
    private var orders: [Int32] = []

    init(vocabularySize: Int, settings: SamplingSettings) {
        V = vocabularySize
        self.settings = settings
    }

    /// A token and its log-probability for each of `rows` rows of logits
    /// (V apart). The rows' uniforms are drawn from `rng` first, one per row
    /// in order (none when greedy), and the rows are then worked out in
    /// parallel, so the result does not depend on the thread count.
    mutating func draw(rows: Int, _ logits: UnsafePointer<Float>, rng: inout Random) -> [(Int32, Float)] {
        let greedy = settings.temperature <= 0
        let uniforms = (0..<rows).map { _ in greedy ? 0 : rng.uniform() }
        let truncates = (settings.topK > 0 && settings.topK < V) || settings.topP < 1
        if probabilities.count < rows * V { probabilities = [Float](repeating: 0, count: rows * V) }
        if truncates && orders.count < rows * V { orders = [Int32](repeating: 0, count: rows * V) }
        let V = self.V, settings = self.settings
        var drawn = [(Int32, Float)](repeating: (0, 0), count: rows)
        probabilities.withUnsafeMutableBufferPointer { p in
            orders.withUnsafeMutableBufferPointer { o in
                drawn.withUnsafeMutableBufferPointer { out in
                    let (p, o, out) = (p.baseAddress!, o.baseAddress, out.baseAddress!)
                    Parallel.forEach(rows) { range in
                        for r in range {
                            out[r] = TokenSampler.draw(logits + r * V, V: V, settings: settings, u: uniforms[r],
                                                       probabilities: p + r * V, order: truncates ? o.map { $0 + r * V } : nil)
                        }
                    }
                }
            }
        }
        return drawn
    }

    /// The token and its log-probability (see `Generation.logProbabilities`)
    /// for one row of logits, `u` its uniform; `probabilities` (and `order`,
    /// when top-k or top-p truncate) are V floats of scratch.
    private static func draw(
        _ logits: UnsafePointer<Float>, V: Int, settings: SamplingSettings, u: Double,
        probabilities: UnsafeMutablePointer<Float>, order: UnsafeMutablePointer<Int32>?
    ) -> (Int32, Float) {
        let greedy = settings.temperature <= 0
        let inverseTemperature = greedy ? 1 : 1 / settings.temperature
        for v in 0..<V { probabilities[v] = logits[v] * inverseTemperature }
        let lse = logSumExp(probabilities, V)
        softmaxInPlace(probabilities, V)
        func logProbability(_ v: Int) -> Float { logits[v] * inverseTemperature - lse }
        if greedy {
            var best = 0
            for v in 1..<V where logits[v] > logits[best] { best = v }
            return (Int32(best), logProbability(best))
        }
        let p = probabilities
        guard let order else {
            // The target is a fraction of the same running total it is compared
            // with, so rounding cannot leave it past the end.
            var total = 0.0
            for v in 0..<V { total += Double(p[v]) }
            let target = u * total
            var cumulative = 0.0
            for v in 0..<V {
                cumulative += Double(p[v])
                if target < cumulative { return (Int32(v), logProbability(v)) }
            }
            let last = (0..<V).last { p[$0] > 0 } ?? V - 1
            return (Int32(last), logProbability(last))
        }
        // Most likely first; ties by token id so the order is deterministic.
        for v in 0..<V { order[v] = Int32(v) }
        var sorted = UnsafeMutableBufferPointer(start: order, count: V)
        sorted.sort { (a: Int32, b: Int32) -> Bool in
            let pa = p[Int(a)], pb = p[Int(b)]
            return pa != pb ? pa > pb : a < b
        }
        var keep = settings.topK > 0 ? min(settings.topK, V) : V
        if settings.topP < 1 {
            var mass: Float = 0
            for i in 0..<keep {
                mass += p[Int(order[i])]
                if mass >= settings.topP { keep = i + 1; break }
            }
        }
        var total = 0.0
        for i in 0..<keep { total += Double(p[Int(order[i])]) }
        let target = u * total
        var cumulative = 0.0
        for i in 0..<keep {
            cumulative += Double(p[Int(order[i])])
            if target < cumulative { return (order[i], logProbability(Int(order[i]))) }
        }
        return (order[keep - 1], logProbability(Int(order[keep - 1])))
    }
}
