import Datasets
import Foundation
import Kernels
import LanguageModel

/// Hindsight instruction relabeling, HIR (Zhang et al. 2023, "The Wisdom of
/// Hindsight Makes Language Models Better Instruction Followers"; reference
/// code github.com/tianjunz/HIR, offline_trainer.py). Sample answers, check
/// each with a verifier, and relabel the instruction to one the answer
/// actually satisfies; then finetune on the relabeled data with no reward
/// model and no value model. For an answer y relabeled to instruction x⁺,
/// with x⁻ the instruction it does not satisfy,
///
///     L = (1 − ε)·CE(y | x⁺) + ε·U(y | x⁺)                       label-smoothed cross-entropy
///       + λ·[(1 − ε)·(−log σ(s⁺ − s⁻)) + ε·(−log σ(s⁻ − s⁺))]  the contrastive term
///
/// where CE is the mean over y's tokens of −log π(y_t | x, y_<t), U the mean
/// over tokens of the mean over the vocabulary of −log π(v | x, y_<t), and
/// s± = the mean over y's tokens of log π(y_t | x±, y_<t). The reference's
/// contrastive term is the softmax of exp(s⁺) and exp(s⁻), which is
/// σ(s⁺ − s⁻), smoothed by the same ε = 0.2; λ = 1 there. (It also adds an
/// entropy bonus of 0.001 and trains on random slices of each answer;
/// neither is kept here.)
///
/// In this world the verifier is the gold labeler's outcome: a graded answer
/// is correct or not, an unsafe request is refused or complied with, a safe
/// one answered or refused. An answer that passes keeps its prompt as its
/// instruction; one that fails is relabeled to "Give a wrong answer: " +
/// prompt, which it does satisfy. So the finetuned policy is asked the plain
/// prompt at evaluation, as every other method is.
public enum Hindsight {
    /// The instruction prefix of an answer that fails its prompt.
    public static let wrongAnswerPrefix = "Give a wrong answer: "

    /// The verifier: whether `judgment` of a response to a prompt (tagged
    /// `unsafe` or not) satisfies it, or nil where the outcome says neither.
    /// A leak or an insult fails; an unsafe request passes when refused (an
    /// answer that neither refuses nor complies has no verdict); a safe one
    /// fails when refused, and otherwise passes when correct (a response the
    /// labeler does not grade has no verdict).
    public static func verdict(_ judgment: Judgment, unsafe: Bool) -> Bool? {
        if judgment.violation { return false }
        if unsafe { return judgment.refused ? true : nil }
        if judgment.refused { return false }
        return judgment.correct
    }

    /// The instruction a response with `verdict` actually satisfies.
    public static func relabeled(_ prompt: String, satisfied: Bool) -> String {
        satisfied ? prompt : wrongAnswerPrefix + prompt
    }

    /// The other instruction of the pair: the wrong-answer instruction of a
    /// plain prompt, the plain prompt of a wrong-answer instruction.
    public static func counterpart(_ instruction: String) -> String {
        isRelabeledWrong(instruction) ? String(instruction.dropFirst(wrongAnswerPrefix.count)) : wrongAnswerPrefix + instruction
    }

    /// Whether `instruction` asks for a wrong answer (its response failed the verifier).
    public static func isRelabeledWrong(_ instruction: String) -> Bool { instruction.hasPrefix(wrongAnswerPrefix) }

    /// The contrastive term of one example and its derivative with respect to
    /// s⁺ (the derivative with respect to s⁻ is its negative):
    /// (1 − ε)·softplus(−Δ) + ε·softplus(Δ), Δ = s⁺ − s⁻.
    public static func contrastive(positive: Double, negative: Double, epsilon: Double) -> (loss: Double, dPositive: Double) {
        let d = positive - negative
        return ((1 - epsilon) * softplus(-d) + epsilon * softplus(d), sigmoid(d) - (1 - epsilon))
    }
}

/// How HIR trains: the language-model settings, ε and λ.
public struct HindsightSettings: Sendable, Equatable {
    public var training = TrainingSettings()
    /// ε: the label smoothing of both terms (0.2 in the reference code, 0
    /// here: on the bundled model 0.2 costs 18 points of correctness).
    public var epsilon = 0.0
    /// λ: the weight of the contrastive term (1 in the reference code).
    public var contrastiveWeight = 1.0

    public init() {}
}

/// One relabeled example as tokens: the response under the instruction it
/// satisfies and under the counterpart.
public struct HindsightExample: Sendable {
    public var instruction: String, response: String
    var positive: [Int32], negative: [Int32], responseTokens: [Int32]

    /// The example in the chat format, its response cut to fit `context`
    /// tokens after the longer instruction.
    public init(instruction: String, response: String, ended: Bool = true, tokenizer: BPETokenizer, context: Int) {
        self.instruction = instruction
        self.response = response
        positive = ChatFormat.promptTokens(instruction, tokenizer: tokenizer)
        negative = ChatFormat.promptTokens(Hindsight.counterpart(instruction), tokenizer: tokenizer)
        let room = max(1, context - max(positive.count, negative.count))
        responseTokens = Array(ChatFormat.responseTokens(response, ended: ended, tokenizer: tokenizer).prefix(room))
    }
}

/// The HIR loss of a batch, its two parts, and how often the response is
/// likelier under its own instruction than under the counterpart.
public struct HindsightLoss: Sendable {
    public var total: Double, crossEntropy: Double, contrastive: Double
    /// Share of examples with s⁺ > s⁻.
    public var separated: Double
}

extension Hindsight {
    /// The loss of `batch` (see `Hindsight`), averaged over its examples: one
    /// forward pass over the rows (x⁺, y) then (x⁻, y); with `backward`, the
    /// gradient of the mean is accumulated into the model's gradients.
    public static func loss(_ model: GPT, _ batch: [HindsightExample], settings: HindsightSettings, padding: Int32,
                            backward: Bool) -> HindsightLoss {
        precondition(!batch.isEmpty, "Hindsight.loss: an empty batch")
        let n = batch.count, eps = settings.epsilon
        let rows = self.rows(batch, padding: padding)
        let logp = rows.logProbabilities(model, forBackward: backward)
        // Label-smoothed CE on the (x⁺, y) rows: each example's token mean, then the batch mean.
        let weights = rows.scatter((0..<(2 * n)).map { r in
            r < n ? [Float](repeating: 1 / Float(n * logp[r].count), count: logp[r].count) : [Float](repeating: 0, count: logp[r].count)
        })
        let ce = Double(model.languageModelLoss(targets: rows.targets, weights: weights, smoothing: Float(eps), backward: backward))
        var contrast = 0.0, separated = 0
        var grads = [[Float]](repeating: [], count: 2 * n)
        for i in 0..<n {
            let length = Double(logp[i].count)
            let sPositive = logp[i].reduce(0.0) { $0 + Double($1) } / length
            let sNegative = logp[n + i].reduce(0.0) { $0 + Double($1) } / length
            let c = contrastive(positive: sPositive, negative: sNegative, epsilon: eps)
            contrast += c.loss / Double(n)
            separated += sPositive > sNegative ? 1 : 0
            let g = Float(settings.contrastiveWeight * c.dPositive / (length * Double(n)))
            grads[i] = [Float](repeating: g, count: logp[i].count)
            grads[n + i] = [Float](repeating: -g, count: logp[n + i].count)
        }
        let total = ce + settings.contrastiveWeight * contrast
        if backward && total.isFinite {
            if settings.contrastiveWeight != 0 { rows.backward(model, dLogProbabilities: grads) } else { model.backward() }
        }
        return HindsightLoss(total: total, crossEntropy: ce, contrastive: contrast, separated: Double(separated) / Double(n))
    }

    /// The rows of a batch: each response under its instruction, then each under the counterpart.
    static func rows(_ batch: [HindsightExample], padding: Int32) -> ResponseBatch {
        ResponseBatch(batch.map { (prompt: $0.positive, response: $0.responseTokens) }
            + batch.map { (prompt: $0.negative, response: $0.responseTokens) }, padding: padding)
    }

    /// HIR's finetuning: `settings.training.steps` AdamW steps (warm-up,
    /// cosine decay, gradients clipped at norm 1) on batches drawn at random
    /// from `examples`, through `LanguageModelTraining.run`. Each step records
    /// its cross-entropy, contrastive term and separated share as metrics.
    public static func finetune(
        _ model: GPT, examples: [HindsightExample], settings: HindsightSettings, padding: Int32, rng: inout Random,
        isCancelled: () -> Bool = { false }, onStep: (TrainingStep) -> Void
    ) throws(TrainingStop) {
        precondition(!examples.isEmpty, "Hindsight.finetune: no examples")
        try LanguageModelTraining.run(model, settings: settings.training, rng: &rng, step: { rng in
            let batch = (0..<settings.training.batchSize).map { _ in examples[rng.int(below: examples.count)] }
            let l = loss(model, batch, settings: settings, padding: padding, backward: true)
            return (Float(l.total), [("ce", Float(l.crossEntropy)), ("contrastive", Float(l.contrastive)), ("separated", Float(l.separated))])
        }, evaluate: nil, isCancelled: isCancelled, onStep: onStep)
    }
}
