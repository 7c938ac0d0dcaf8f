import Datasets
import LanguageModel

/// One preference pair as tokens.
public struct PreferencePair: Sendable {
    public var prompt: String
    public var chosen: String, rejected: String
    /// The sides cut at max_tokens (their tokens end without the turn's end).
    public var truncated: PairSides
    var promptTokens: [Int32], chosenTokens: [Int32], rejectedTokens: [Int32]

    /// The pair in the chat format, its prompt cut from the left so that
    /// prompt + the longer response fit in `context` tokens.
    public init(_ c: Comparison, tokenizer: BPETokenizer, context: Int) {
        prompt = c.prompt
        chosen = c.chosen
        rejected = c.rejected
        truncated = c.truncated
        let head = ChatFormat.promptTokens(c.prompt, tokenizer: tokenizer)
        chosenTokens = Array(ChatFormat.responseTokens(c.chosen, ended: !c.truncated.contains(.chosen), tokenizer: tokenizer).prefix(context - 1))
        rejectedTokens = Array(ChatFormat.responseTokens(c.rejected, ended: !c.truncated.contains(.rejected), tokenizer: tokenizer).prefix(context - 1))
        promptTokens = Array(head.suffix(max(1, context - max(chosenTokens.count, rejectedTokens.count))))
    }
}

/// What one DPO step (or a held-out pass) measured, averaged over its pairs.
/// The implicit rewards are β (log π − log π_ref) of each response (SimPO's:
/// β log π / |y|).
public struct DPOReport: Sendable {
    public var step: Int
    public var loss: Double
    /// Share of pairs whose chosen implicit reward is higher.
    public var accuracy: Double
    public var chosenReward: Double, rejectedReward: Double
    public var margin: Double { chosenReward - rejectedReward }
    /// Mean log π of the chosen and of the rejected responses.
    public var chosenLogProb: Double, rejectedLogProb: Double
    public var pairs: Int
    /// KL(π ‖ π_ref) per response by the k3 estimator, on responses π sampled
    /// for `klSamples` of the step's prompts (NaN when none were drawn).
    public var kl = Double.nan
    /// The gradient norm before clipping.
    public var gradientNorm = Double.nan
}

/// One pair opened token by token: each response's tokens with log π and
/// log π_ref, and what the pair contributes.
public struct PairInspection: Sendable {
    public var pair: PreferencePair
    public var chosenTokens: [Int32], rejectedTokens: [Int32]
    public var chosenLogProbs: [Float], chosenReferenceLogProbs: [Float]
    public var rejectedLogProbs: [Float], rejectedReferenceLogProbs: [Float]
    /// The pair's loss, and its implicit rewards.
    public var loss: Double, chosenReward: Double, rejectedReward: Double
}

/// One response labelled desirable or not (KTO's data), as tokens.
public struct PreferenceExample: Sendable {
    public var prompt: String, completion: String
    public var desirable: Bool, truncated: Bool
    var promptTokens: [Int32], responseTokens: [Int32]

    /// The example in the chat format, its prompt cut from the left so that
    /// prompt + response fit in `context` tokens.
    public init(_ e: UnpairedExample, tokenizer: BPETokenizer, context: Int) {
        prompt = e.prompt
        completion = e.completion
        desirable = e.desirable
        truncated = e.truncated
        responseTokens = Array(ChatFormat.responseTokens(e.completion, ended: !e.truncated, tokenizer: tokenizer).prefix(context - 1))
        promptTokens = Array(ChatFormat.promptTokens(e.prompt, tokenizer: tokenizer).suffix(max(1, context - responseTokens.count)))
    }
}
