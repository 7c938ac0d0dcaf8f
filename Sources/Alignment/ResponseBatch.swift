import LanguageModel

/// Prompt + response token rows, right-padded: the one batch every method
/// reads a model through. SFT takes its next-token loss on the response
/// positions, PPO, DPO and evaluation read the log-probabilities of
/// responses, reward and value models read a scalar at the last token or at
/// every response position.
///
/// Row b holds P prompt tokens then the response. In the `.nextToken` layout a
/// row's input is its sequence without the last token, so position P − 1 + j
/// predicts response token j; in the `.whole` layout the input is the whole
/// sequence, cut from the left so its last token (`<|end|>`) stays.
public struct ResponseBatch: Sendable {
    /// How sequences become rows.
    public enum Layout: Sendable, Equatable {
        /// Inputs without the last token, each position predicting the next;
        /// rows `length` long (default: the longest sequence less one), longer
        /// ones losing their end.
        case nextToken(length: Int? = nil)
        /// Whole sequences of at most `context` tokens, cut from the left.
        case whole(context: Int)
    }

    /// Input tokens and each position's next token (B·T; `padding` past a row's end).
    public var tokens: [Int32], targets: [Int32]
    public let B: Int, T: Int
    /// For each row: the position predicting response token 0 (where it is in
    /// the row), the number of response tokens predicted in the row, and the
    /// row's last input position.
    public var starts: [Int], lengths: [Int], lastPositions: [Int32]

    /// Rows of (prompt tokens, response tokens); every response has a token.
    public init(_ pairs: [(prompt: [Int32], response: [Int32])], layout: Layout = .nextToken(), padding: Int32 = 0) {
        precondition(!pairs.isEmpty && pairs.allSatisfy { !$0.prompt.isEmpty && !$0.response.isEmpty },
                     "ResponseBatch: rows need a prompt token and a response token")
        B = pairs.count
        var sequences = pairs.map { $0.prompt + $0.response }
        var promptCounts = pairs.map(\.prompt.count)
        let rowLengths: [Int]
        switch layout {
        case let .nextToken(length):
            let rowLength = length ?? (sequences.map(\.count).max()! - 1)
            T = rowLength
            rowLengths = sequences.map { min(rowLength, $0.count - 1) }
        case let .whole(context):
            for b in 0..<B where sequences[b].count > context {
                let cut = sequences[b].count - context
                sequences[b].removeFirst(cut)
                promptCounts[b] -= cut
            }
            T = sequences.map(\.count).max()!
            rowLengths = sequences.map(\.count)
        }
        tokens = [Int32](repeating: padding, count: B * T)
        targets = [Int32](repeating: padding, count: B * T)
        starts = (0..<B).map { min(max(promptCounts[$0] - 1, 0), rowLengths[$0]) }
        lengths = []
        lastPositions = rowLengths.map { Int32($0 - 1) }
        for (b, s) in sequences.enumerated() {
            for t in 0..<rowLengths[b] {
                tokens[b * T + t] = s[t]
                if t + 1 < s.count { targets[b * T + t] = s[t + 1] }
            }
            lengths.append(max(0, min(rowLengths[b], s.count - 1) - starts[b]))
        }
    }

    /// The sampled responses at `rows`.
    public init(_ responses: [SampledResponse], rows: [Int]) {
        self.init(rows.map { (prompt: responses[$0].promptTokens, response: responses[$0].tokens) })
    }

    /// Chat examples (from a dataset), split where their responses start.
    public init(_ examples: [ChatExample], layout: Layout = .nextToken(), padding: Int32 = 0) {
        self.init(examples.map { (prompt: Array($0.tokens[..<$0.responseStart]), response: Array($0.tokens[$0.responseStart...])) },
                  layout: layout, padding: padding)
    }

    /// Per-position values (B·T) cut to each row's response tokens.
    public func perResponse(_ x: [Float]) -> [[Float]] {
        (0..<B).map { b in Array(x[(b * T + starts[b])..<(b * T + starts[b] + lengths[b])]) }
    }

    /// The policy's entropy at each response token of the last forward pass of
    /// these rows (`logProbabilities` first), computed at those positions alone.
    public func responseEntropies(_ policy: GPT) -> [[Float]] {
        policy.tokenEntropies(rows: (0..<B).map { (start: starts[$0], count: lengths[$0]) })
    }

    /// The inverse of `perResponse`: per-response values into (B·T), zero elsewhere.
    public func scatter(_ x: [[Float]]) -> [Float] {
        var out = [Float](repeating: 0, count: B * T)
        for b in 0..<B { for (j, v) in x[b].enumerated() { out[b * T + starts[b] + j] = v } }
        return out
    }

    /// Weights over (B·T) for a mean over every response token of the batch:
    /// 1/N at the positions predicting response tokens, 0 elsewhere (SFT's loss).
    public var meanOverResponseTokens: [Float] {
        let n = Float(max(lengths.reduce(0, +), 1))
        return scatter(lengths.map { [Float](repeating: 1, count: $0) }).map { $0 / n }
    }

    /// log π(y_j | x, y_<j) of every response token, per row: one forward of
    /// `model` (a policy or its frozen reference alike), the LM head in chunks,
    /// whose activations stay for `backward` (unless `forBackward` is false: a
    /// reference's or a reading's) and `responseEntropies`.
    public func logProbabilities(_ model: GPT, forBackward: Bool = true) -> [[Float]] {
        model.forward(tokens: tokens, B: B, T: T, head: .chunked, forBackward: forBackward)
        return perResponse(model.tokenLogProbabilities(targets: targets))
    }

    /// The backward pass of `logProbabilities`, just after it: accumulates
    /// the gradient of a loss whose derivative with respect to each response
    /// token's log-probability is `dLogProbabilities`.
    public func backward(_ model: GPT, dLogProbabilities: [[Float]]) {
        model.logProbabilityBackward(dlogp: scatter(dLogProbabilities), targets: targets)
        model.backward()
    }

    /// A scalar-head model's value at each row's last position (a reward
    /// model's score, in the `.whole` layout).
    public func lastValues(_ model: GPT, forBackward: Bool = true) -> [Float] {
        model.forward(tokens: tokens, B: B, T: T, head: .skipped, forBackward: forBackward)
        return model.scalarValues(at: lastPositions)
    }

    /// The backward pass of `lastValues`, just after it.
    public func lastValuesBackward(_ model: GPT, dValues: [Float]) {
        model.scalarBackward(dvalues: dValues, at: lastPositions)
        model.backward(throughLogits: false)
    }

    /// A scalar-head model's value at every position predicting a response
    /// token (PPO's value of the state before each token).
    public func responseValues(_ model: GPT, forBackward: Bool = true) -> [[Float]] {
        model.forward(tokens: tokens, B: B, T: T, head: .skipped, forBackward: forBackward)
        return perResponse(model.scalarValuesEveryPosition())
    }

    /// The backward pass of `responseValues`, just after it.
    public func responseValuesBackward(_ model: GPT, dValues: [[Float]]) {
        model.scalarBackwardEveryPosition(dvalues: scatter(dValues))
        model.backward(throughLogits: false)
    }
}
