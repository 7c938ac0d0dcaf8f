import Kernels
import LanguageModel

/// A chat example as tokens: the prompt part (`<|user|> PROMPT <|assistant|>`)
/// then the response part (` RESPONSE <|end|>`), which alone carries loss.
public struct ChatExample: Sendable, Equatable {
    /// Prompt tokens followed by response tokens.
    public var tokens: [Int32]
    /// Where the response starts in `tokens`.
    public var responseStart: Int

    /// The example of `prompt` and `response` in the chat format; a response
    /// that did not `end` (cut at a token limit) has no end-of-turn token.
    /// `wholeTurn` keeps what a template writes after the turn's end (for a reward model's read).
    public init(prompt: String, response: String, ended: Bool = true, tokenizer: BPETokenizer, wholeTurn: Bool = false) {
        let head = ChatFormat.promptTokens(prompt, tokenizer: tokenizer)
        tokens = head + ChatFormat.responseTokens(response, ended: ended, tokenizer: tokenizer, keepingTail: wholeTurn)
        responseStart = head.count
    }
}

extension LanguageModelTraining {
    /// Supervised finetuning (Ouyang et al. 2022, §3.5): next-token loss on the
    /// response tokens of chat examples only, averaged over those tokens in the
    /// batch; prompt and padding positions have weight zero. Examples longer
    /// than the sequence length are cut.
    public static func finetune(
        _ model: GPT, examples: [ChatExample], heldOut: [ChatExample], padding: Int32,
        settings: TrainingSettings, rng: inout Random,
        isCancelled: () -> Bool = { false }, onStep: (TrainingStep) -> Void
    ) throws(TrainingStop) {
        precondition(!examples.isEmpty, "finetune: no examples")
        let B = settings.batchSize
        let T = min(settings.sequenceLength, model.config.contextLength, examples.map { $0.tokens.count - 1 }.max()!)
        let evaluate: (() -> Float)? = heldOut.isEmpty ? nil : {
            let rows = Array(heldOut.prefix(max(B, 64)))
            let batch = chatBatch(rows, T: T, padding: padding)
            model.forward(tokens: batch.tokens, B: batch.B, T: T, head: .chunked, forBackward: false)
            return model.languageModelLoss(targets: batch.targets, weights: batch.weights, backward: false)
        }
        try train(model, settings: settings, rng: &rng, nextBatch: { rng in
            chatBatch(draw(B, from: examples.count, rng: &rng).map { examples[$0] }, T: T, padding: padding)
        }, heldOut: evaluate, isCancelled: isCancelled, onStep: onStep)
    }

    /// The indices of a batch of `count` drawn at random, with replacement,
    /// from `n` examples: how sft and reward-model training draw theirs (and
    /// how `export` finds a run's first batch again from the run's seed).
    public static func draw(_ count: Int, from n: Int, rng: inout Random) -> [Int] {
        (0..<count).map { _ in rng.int(below: n) }
    }

    /// Rows of `examples`, cut or padded to T tokens, weighted on response targets.
    static func chatBatch(_ examples: [ChatExample], T: Int, padding: Int32) -> TrainingBatch {
        let rows = ResponseBatch(examples, layout: .nextToken(length: T), padding: padding)
        return TrainingBatch(tokens: rows.tokens, targets: rows.targets, weights: rows.meanOverResponseTokens, B: rows.B, T: T)
    }
}
