import Alignment

extension Commands {
    /// Runs a training loop for a command: records its history as a run named
    /// after the model, reports progress, turns Ctrl-C and non-finite steps
    /// into messages, and leaves KIND.loss, KIND.heldout, KIND.steps for expect.
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
                s.progress.update(step: step.step, metrics: [("loss", Double(step.loss))] + (step.heldOutLoss.map { [("heldout", Double($0))] } ?? []))
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
        return CommandOutput(note + summary(last, run))
    }
}
