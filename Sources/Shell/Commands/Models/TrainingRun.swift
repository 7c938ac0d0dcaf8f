import Datasets
import Alignment

extension Commands {
    /// The settings the training commands share, as a table with each
    /// command's defaults and wording; `evaluates` false for a command without
    /// held-out data (then eval_every is not offered). `set METHOD.NAME VALUE`
    /// changes a default (set sft.lr 3e-4).
    static func trainingTable(_ method: String, steps: Int, batch: Int, unit: String, context: Int, lr: Float,
                              evaluates: Bool) -> SettingsTable<TrainingSettings> {
        var defaults = TrainingSettings()
        defaults.steps = steps
        defaults.batchSize = batch
        defaults.sequenceLength = context
        defaults.learningRate = lr
        if !evaluates { defaults.evaluateEvery = 0 }
        var fields: [SettingsTable<TrainingSettings>.Field] = [
            .integer("steps", \.steps, 1...10_000_000, "optimiser steps"),
            .integer("batch", \.batchSize, 1...4096, "\(unit)s per step"),
            .integer("context", \.sequenceLength, 2...65536, "tokens per \(unit) at most (and at most the model's)"),
            .float("lr", \.learningRate, 0...1, "peak learning rate"),
            .integer("warmup", \.warmup, 0...10_000_000, "linear warm-up steps"),
        ]
        if evaluates { fields.append(.integer("eval_every", \.evaluateEvery, 0...10_000_000, "held-out loss every k steps (0: only at the end)")) }
        fields.append(.bool("resume", \.resume, "continue the model's optimiser moments and step count (default: a fresh AdamW)"))
        return SettingsTable(method: method, defaults: defaults, fields: fields)
    }

    static let pretrainTraining = trainingTable("pretrain", steps: 200, batch: 16, unit: "sequence", context: 64, lr: 1e-3, evaluates: true)
    static let sftTraining = trainingTable("sft", steps: 300, batch: 16, unit: "example", context: 96, lr: 5e-4, evaluates: true)
    static let rmTraining = trainingTable("rm", steps: 200, batch: 16, unit: "group", context: 96, lr: 1e-4, evaluates: true)
    static let rsTraining = trainingTable("rs", steps: 100, batch: 32, unit: "example", context: 96, lr: 2e-4, evaluates: false)
    static let restTraining = trainingTable("rest", steps: 60, batch: 32, unit: "example", context: 96, lr: 5e-5, evaluates: false)

    /// What a preference consumer does with a pair that has a response cut at
    /// max_tokens, by default the way that measured better on gold for it: on
    /// sft's pairs sampled at max_tokens=32 (46% of answers cut), seeds 1–3,
    /// reward models agreed with gold more when they kept them (64.2/64.5/66.0%
    /// against 60.7/55.1/62.0% dropped), DPO won more against sft when it
    /// dropped them (63.3/65.6/70.9% against 61.9/62.2/58.5% kept).
    static func truncatedOption(default standard: TruncatedPairs) -> Parameter {
        .option("truncated", .choice(TruncatedPairs.allCases.map(\.rawValue)),
                "a pair with a response cut at max_tokens: keep it (the cut response has no end-of-turn token) or drop it",
                default: standard.rawValue)
    }

    /// A training command's options: its table's, the held-out data (when
    /// `heldout` describes it) and the seed.
    static func trainingOptions(_ table: SettingsTable<TrainingSettings>, heldout: String?) -> [Parameter] {
        table.options + (heldout.map { [.option("heldout", .name, $0)] } ?? [])
            + [.option("seed", .integer(0...Int.max), "seed of the run's randomness (default: from the session seed)")]
    }

    /// Runs a training loop for a command: records its history as a run named
    /// after the model (holding `method`, the state a method keeps between
    /// commands: rejection sampling's kept responses, ReST's grown set), reports progress, turns Ctrl-C and non-finite steps
    /// into messages, and leaves KIND.loss, KIND.heldout, KIND.steps and
    /// KIND.METRIC for the step's further metrics for expect.
    static func runTraining(
        kind: String, model name: String, steps: Int, method: AnyObject? = nil, _ invocation: Invocation, _ s: Session,
        loop: ((TrainingStep) -> Void) throws(TrainingStop) -> Void,
        summary: (TrainingStep, Run) -> String
    ) throws -> CommandOutput {
        let run = Run(name: name, kind: kind)
        run.method = method
        s.runs[name] = run
        s.touch(name)
        s.progress.begin("\(kind) \(name)", total: steps)
        var last: TrainingStep?
        var note = ""
        do throws(TrainingStop) {
            try loop { step in
                run.record("loss", step: step.step, Double(step.loss))
                run.record("lr", step: step.step, Double(step.learningRate))
                if let h = step.heldOutLoss { run.record("heldout", step: step.step, Double(h)) }
                for m in step.metrics { run.record(m.name, step: step.step, Double(m.value)) }
                s.progress.update(step: step.step, metrics: [("loss", Double(step.loss))] + (step.heldOutLoss.map { [("heldout", Double($0))] } ?? [])
                    + step.metrics.map { ($0.name, Double($0.value)) })
                last = step
            }
        } catch .cancelled(let completed) {
            note = "stopped after \(completed) of \(steps) steps (Ctrl-C); \(name) holds the result of step \(completed)\n"
        } catch .nonFinite(let step) {
            s.progress.end()
            throw invocation.error("step \(step): the loss or gradient is not finite; stopped, and \(name) keeps step \(step - 1)'s parameters. Try a lower lr.", at: "lr")
        }
        s.progress.end()
        guard let last else { return CommandOutput(note) }
        s.values["\(kind).loss"] = Double(last.loss)
        s.values["\(kind).steps"] = Double(last.step)
        if let h = run.last("heldout") { s.values["\(kind).heldout"] = h }
        for m in last.metrics { s.values["\(kind).\(m.name)"] = run.last(m.name) }
        return CommandOutput(note + summary(last, run))
    }
}
