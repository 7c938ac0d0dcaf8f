import Alignment

extension Commands {
    /// The options the training commands share, with each command's defaults
    /// and wording; `heldout` nil for a command without held-out data (then
    /// neither heldout nor eval_every is offered).
    static func trainingOptions(steps: String, batch: String, unit: String, context: String, lr: String,
                                heldout: String?) -> [Parameter] {
        var options: [Parameter] = [
            .option("steps", .integer(1...10_000_000), "optimiser steps", default: steps),
            .option("batch", .integer(1...4096), "\(unit)s per step", default: batch),
            .option("context", .integer(2...65536), "tokens per \(unit) at most (and at most the model's)", default: context),
            .option("lr", .float(0...1), "peak learning rate", default: lr),
            .option("warmup", .integer(0...10_000_000), "linear warm-up steps", default: "20"),
        ]
        if let heldout {
            options += [.option("eval_every", .integer(0...10_000_000), "held-out loss every k steps (0: only at the end)", default: "50"),
                        .option("heldout", .name, heldout)]
        }
        return options + [.option("resume", .bool, "continue the model's optimiser moments and step count (default: a fresh AdamW)", default: "false"),
                          .option("seed", .integer(0...Int.max), "seed of the run's randomness (default: from the session seed)")]
    }

    /// The settings those options give.
    static func trainingSettings(_ invocation: Invocation) -> TrainingSettings {
        var settings = TrainingSettings()
        settings.steps = invocation.integer("steps")
        settings.batchSize = invocation.integer("batch")
        settings.sequenceLength = invocation.integer("context")
        settings.learningRate = Float(invocation.float("lr"))
        settings.warmup = invocation.integer("warmup")
        settings.evaluateEvery = invocation.optional("eval_every").flatMap { Int($0) } ?? 0  // 0 where it is not offered
        settings.resume = invocation.bool("resume")
        return settings
    }

    /// Runs a training loop for a command: records its history as a run named
    /// after the model, reports progress, turns Ctrl-C and non-finite steps
    /// into messages, and leaves KIND.loss, KIND.heldout, KIND.steps and
    /// KIND.METRIC for the step's further metrics for expect.
    static func runTraining(
        kind: String, model name: String, steps: Int, _ invocation: Invocation, _ s: Session,
        loop: ((TrainingStep) -> Void) throws(TrainingStop) -> Void,
        summary: (TrainingStep, Run) -> String
    ) throws -> CommandOutput {
        let run = Run(name: name, kind: kind)
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
