import Kernels
import LanguageModel

/// How to train a language model (pretraining or supervised finetuning).
public struct TrainingSettings: Sendable, Equatable {
    /// Optimiser steps.
    public var steps = 200
    /// Sequences per batch.
    public var batchSize = 16
    /// Tokens per sequence (at most the model's context).
    public var sequenceLength = 64
    /// Peak learning rate, reached after `warmup` steps, then cosine-decayed to a tenth.
    public var learningRate: Float = 1e-3
    /// Steps of linear warm-up.
    public var warmup = 20
    /// Held-out loss every this many steps (and at the end); 0 for never.
    public var evaluateEvery = 50
    /// Decoupled weight decay of matrices.
    public var weightDecay: Float = 0.1
    /// Whether the run continues the model's AdamW moments and step count; by
    /// default each training run starts a fresh optimiser, so a finetune after
    /// pretraining does not inherit pretraining's moments and bias correction.
    public var resume = false

    /// The defaults.
    public init() {}

    /// Whether held-out numbers are measured after 0-based `step`: every
    /// `evaluateEvery` steps, and after the last.
    public func evaluates(afterStep step: Int) -> Bool {
        step + 1 == steps || (evaluateEvery > 0 && (step + 1) % evaluateEvery == 0)
    }

    /// The learning rate at 0-based `step`: linear warm-up, then cosine to 10% of the peak.
    public func learningRate(at step: Int) -> Float {
        if step < warmup { return learningRate * Float(step + 1) / Float(warmup) }
        let progress = Double(step - warmup) / Double(max(1, steps - warmup))
        let cosine = 0.5 * (1 + portableCos(Double.pi * min(1, progress)))
        return learningRate * Float(0.1 + 0.9 * cosine)
    }
}

/// What one training step did.
public struct TrainingStep: Sendable {
    /// 1-based step number.
    public var step: Int
    /// Mean next-token loss of the batch.
    public var loss: Float
    /// Mean held-out loss, on steps where it was measured.
    public var heldOutLoss: Float?
    /// The learning rate used.
    public var learningRate: Float
    /// Gradient norm before clipping.
    public var gradientNorm: Float
    /// Further metrics of the step by name (a reward model's accuracy).
    public var metrics: [(name: String, value: Float)] = []
}

/// Why training stopped before its last step.
public enum TrainingStop: Error, Equatable, Sendable {
    /// The user interrupted; `completed` steps were applied.
    case cancelled(completed: Int)
    /// A step's loss or gradient was NaN or infinite; the step was not applied.
    case nonFinite(step: Int)
}

/// One batch of next-token training: B rows of T tokens, their next tokens,
/// and a weight per position (zero where no loss is taken), summing to 1.
public struct TrainingBatch {
    public var tokens: [Int32], targets: [Int32], weights: [Float]
    public let B: Int, T: Int
}

/// Next-token training: pretraining on a stream of tokens, and supervised
/// finetuning on chat examples with the loss on response tokens only.
public enum LanguageModelTraining {
    /// The loop every training command shares: for each step, zeroed
    /// gradients, `step` (which draws its batch, computes the loss and runs
    /// backward, returning the loss and any metrics), a non-finite check, one
    /// AdamW step at the step's learning rate (warm-up, then cosine decay) with
    /// gradients clipped at norm 1, and `evaluate` every `evaluateEvery` steps
    /// and at the end, which adds held-out numbers to the step's record.
    /// Checks `isCancelled` between steps, so the model is always the result of
    /// whole steps; a non-finite loss or gradient stops without applying that step.
    public static func run(
        _ model: GPT, settings: TrainingSettings, rng: inout Random,
        step: (inout Random) -> (loss: Float, metrics: [(name: String, value: Float)]),
        evaluate: ((inout TrainingStep) -> Void)?,
        isCancelled: () -> Bool = { false }, onStep: (TrainingStep) -> Void
    ) throws(TrainingStop) {
        let optimizer = self.optimizer(for: model, settings)
        for index in 0..<settings.steps {
            if isCancelled() { throw .cancelled(completed: index) }
            model.zeroGradients()
            model.training = true  // adapters drop their inputs (LoRA dropout) in the step's passes
            let (loss, metrics) = step(&rng)
            model.training = false
            guard loss.isFinite else { throw .nonFinite(step: index + 1) }
            let result = try update(model, optimizer, settings, step: index)
            var record = TrainingStep(step: index + 1, loss: loss, heldOutLoss: nil, learningRate: optimizer.settings.learningRate,
                                      gradientNorm: result.gradientNorm, metrics: metrics)
            if let evaluate, settings.evaluates(afterStep: index) { evaluate(&record) }
            onStep(record)
        }
    }

    /// Next-token training on the batches `nextBatch` draws: loss =
    /// Σ weight·(−log p(target)), through `run`; `heldOut` gives the held-out loss.
    public static func train(
        _ model: GPT, settings: TrainingSettings, rng: inout Random,
        nextBatch: (inout Random) -> TrainingBatch, heldOut: (() -> Float)?,
        isCancelled: () -> Bool = { false }, onStep: (TrainingStep) -> Void
    ) throws(TrainingStop) {
        try run(model, settings: settings, rng: &rng, step: { rng in
            let batch = nextBatch(&rng)
            model.forward(tokens: batch.tokens, B: batch.B, T: batch.T, head: .chunked)
            let loss = model.languageModelLoss(targets: batch.targets, weights: batch.weights, backward: true)
            if loss.isFinite { model.backward() }
            return (loss, [])
        }, evaluate: heldOut.map { measure in { record in record.heldOutLoss = measure() } },
        isCancelled: isCancelled, onStep: onStep)
    }

    /// The model's AdamW for a run with `settings` (gradients clipped at norm 1):
    /// fresh unless `settings.resume`.
    static func optimizer(for model: GPT, _ settings: TrainingSettings) -> AdamW {
        if !settings.resume { model.resetOptimizer() }
        var adam = AdamWSettings(learningRate: settings.learningRate, weightDecay: settings.weightDecay)
        adam.maxGradNorm = 1
        let optimizer = model.optimizer(adam)
        optimizer.settings = adam
        return optimizer
    }

    /// One AdamW step of `model` (whose gradients backward has filled) at the
    /// learning rate of 0-based `step`; a non-finite gradient is refused and stops the run.
    static func update(_ model: GPT, _ optimizer: AdamW, _ settings: TrainingSettings, step: Int) throws(TrainingStop) -> AdamWStep {
        optimizer.settings.learningRate = settings.learningRate(at: step)
        let result = optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer)
        guard result.applied else { throw .nonFinite(step: step + 1) }
        return result
    }

    /// Pretraining (Radford et al. 2018, eq. 1): loss = mean over positions of
    /// −log p(x_{t+1} | x_{≤t}) on random windows of `stream`; `heldOut` windows
    /// give the held-out loss.
    public static func pretrain(
        _ model: GPT, stream: [Int32], heldOut: [Int32], settings: TrainingSettings, rng: inout Random,
        isCancelled: () -> Bool = { false }, onStep: (TrainingStep) -> Void
    ) throws(TrainingStop) {
        let B = settings.batchSize, T = min(settings.sequenceLength, model.config.contextLength)
        precondition(stream.count > T + 1, "pretrain: the stream needs more than \(T + 1) tokens")
        let weights = [Float](repeating: 1 / Float(B * T), count: B * T)
        var batch = TrainingBatch(tokens: [Int32](repeating: 0, count: B * T), targets: [Int32](repeating: 0, count: B * T),
                                  weights: weights, B: B, T: T)
        let evaluate: (() -> Float)? = heldOut.count >= 2
            ? { heldOutLoss(model, heldOut, B: B, T: min(T, heldOut.count - 1)) } : nil
        try train(model, settings: settings, rng: &rng, nextBatch: { rng in
            for b in 0..<B {
                let start = rng.int(below: stream.count - T)
                for t in 0..<T {
                    batch.tokens[b * T + t] = stream[start + t]
                    batch.targets[b * T + t] = stream[start + t + 1]
                }
            }
            return batch
        }, heldOut: evaluate, isCancelled: isCancelled, onStep: onStep)
    }

    /// Mean next-token loss over up to `B` evenly spaced windows of `T` tokens of
    /// `stream` (which needs at least T + 1 tokens).
    public static func heldOutLoss(_ model: GPT, _ stream: [Int32], B: Int, T: Int) -> Float {
        precondition(stream.count > T, "heldOutLoss: the stream needs more than \(T) tokens")
        let windows = min(B, max(1, (stream.count - 1) / T))
        var inputs = [Int32](), targets = [Int32]()
        for w in 0..<windows {
            let start = (stream.count - T - 1) * w / max(1, windows - 1)
            inputs += stream[start..<(start + T)]
            targets += stream[(start + 1)..<(start + T + 1)]
        }
        model.forward(tokens: inputs, B: windows, T: T, head: .chunked, forBackward: false)
        return model.languageModelLoss(targets: targets, weights: [Float](repeating: 1 / Float(windows * T), count: windows * T),
                                       backward: false)
    }
}

/// cos(x) from basic operations (range reduction and a Taylor series), so the
/// learning-rate schedule is identical on every machine.
func portableCos(_ x: Double) -> Double {
    let twoPi = 2 * Double.pi
    var r = x - twoPi * (x / twoPi).rounded(.down)  // [0, 2π)
    if r > Double.pi { r = twoPi - r }               // cos is even about π
    let r2 = r * r
    var term = 1.0, sum = 1.0
    for k in stride(from: 2, through: 40, by: 2) {
        term *= -r2 / Double((k - 1) * k)
        sum += term
    }
    return sum
}
