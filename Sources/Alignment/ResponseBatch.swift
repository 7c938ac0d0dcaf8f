import LanguageModel

/// Prompt + response token rows, right-padded, with the positions that
/// predict each response token: what PPO, evaluation and DPO read a
/// model's log-probabilities of responses from. Row b's input is its
/// sequence without the last token; position P − 1 + j predicts response
/// token j (P prompt tokens).
public struct ResponseBatch: Sendable {
    public var tokens: [Int32], targets: [Int32]
    public let B: Int, T: Int
    /// For each row: the sequence position predicting response token 0, and the response length.
    public var starts: [Int], lengths: [Int]

    /// Rows of (prompt tokens, response tokens); every response has a token.
    public init(_ pairs: [(prompt: [Int32], response: [Int32])]) {
        precondition(!pairs.isEmpty && pairs.allSatisfy { !$0.prompt.isEmpty && !$0.response.isEmpty },
                     "ResponseBatch: rows need a prompt token and a response token")
        B = pairs.count
        let sequences = pairs.map { $0.prompt + $0.response }
        T = sequences.map(\.count).max()! - 1
        tokens = [Int32](repeating: 0, count: B * T)
        targets = [Int32](repeating: 0, count: B * T)
        starts = pairs.map { $0.prompt.count - 1 }
        lengths = pairs.map(\.response.count)
        for (b, s) in sequences.enumerated() {
            for t in 0..<(s.count - 1) {
                tokens[b * T + t] = s[t]
                targets[b * T + t] = s[t + 1]
            }
        }
    }

    /// The sampled responses at `rows`.
    public init(_ responses: [SampledResponse], rows: [Int]) {
        self.init(rows.map { (prompt: responses[$0].promptTokens, response: responses[$0].tokens) })
    }

    /// Chat examples (from a dataset), split where their responses start.
    public init(_ examples: [ChatExample]) {
        self.init(examples.map { (prompt: Array($0.tokens[..<$0.responseStart]), response: Array($0.tokens[$0.responseStart...])) })
    }

    /// Per-position values (B·T) cut to each row's response tokens.
    public func perResponse(_ x: [Float]) -> [[Float]] {
        (0..<B).map { b in Array(x[(b * T + starts[b])..<(b * T + starts[b] + lengths[b])]) }
    }

    /// The inverse of `perResponse`: per-response values into (B·T), zero elsewhere.
    public func scatter(_ x: [[Float]]) -> [Float] {
        var out = [Float](repeating: 0, count: B * T)
        for b in 0..<B { for (j, v) in x[b].enumerated() { out[b * T + starts[b] + j] = v } }
        return out
    }

    /// log π(y_j | x, y_<j) of every response token, per row: one forward of
    /// `model` (a policy or its frozen reference alike), whose activations
    /// stay for `backward` or `tokenEntropies`.
    public func logProbabilities(_ model: GPT) -> [[Float]] {
        model.forward(tokens: tokens, B: B, T: T)
        return perResponse(model.tokenLogProbabilities(targets: targets))
    }

    /// The backward pass of `logProbabilities`, just after it: accumulates
    /// the gradient of a loss whose derivative with respect to each response
    /// token's log-probability is `dLogProbabilities`.
    public func backward(_ model: GPT, dLogProbabilities: [[Float]]) {
        model.logProbabilityBackward(dlogp: scatter(dLogProbabilities), targets: targets)
        model.backward()
    }
}
