import Alignment
import Datasets
import Foundation
import Kernels

/// One RL step as `ppo step`, `grpo step` and `rloo step` show it.
struct RLStepLine {
    var iteration: Int
    /// Recorded in the run and as KIND.NAME (the step's seconds join them).
    var metrics: [(String, Double)]
    /// The step's line, before its time.
    var columns: String
    /// What the early warnings read.
    var signals: StepSignals
}

extension Commands {
    /// The loop the RL step commands share: N steps (Ctrl-C stops between
    /// them), each timed, recorded, printed, and followed by any early warning;
    /// a rejected step becomes `rlStepError`'s message. `done` is the count of
    /// whole steps so far, for the messages.
    static func runRLSteps(_ kind: String, run: Run, maxLength: Int, header: String, stopped: String,
                           _ invocation: Invocation, _ context: CommandContext, done: () -> Int,
                           step: (inout Random) throws(PPOError) -> RLStepLine) throws {
        let s = context.session
        let count = invocation.arguments["N"].flatMap { Int($0) } ?? 1
        var rng = s.random(invocation)
        Parallel.threads = s.settings.threads
        var warnings = run.warnings ?? EarlyWarnings(maxLength: maxLength)
        context.emit(header)
        for _ in 0..<count {
            if s.isCancelled() {
                context.emit("stopped (Ctrl-C) after \(kind == "ppo" ? "iteration" : "step") \(done()); \(stopped)")
                break
            }
            let start = Date()
            let line: RLStepLine
            do throws(PPOError) {
                line = try step(&rng)
            } catch {
                throw rlStepError(error, step: done() + 1, invocation)
            }
            let seconds = Date().timeIntervalSince(start)
            for (metric, v) in line.metrics + [("seconds", seconds)] {
                run.record(metric, step: line.iteration, v)
                s.values["\(kind).\(metric)"] = v
            }
            context.emit(line.columns + String(format: "  [%.2f s]", seconds))
            for warning in warnings.observe(line.signals) { context.emit("      " + warning) }
            run.warnings = warnings
        }
    }

    /// The error of a rejected RL step, for ppo, grpo and rloo.
    static func rlStepError(_ error: PPOError, step: Int, _ invocation: Invocation) -> ShellError {
        switch error {
        case let .nonFiniteReward(prompt, response):
            invocation.error("step \(step) rejected: the reward of \(jsonQuoted(response)) to \(jsonQuoted(prompt)) is not finite; the models are unchanged. Check the reward model (score it).")
        case let .nonFiniteUpdate(model):
            invocation.error("step \(step) rejected: the \(model) update was not finite; the models are back where the step began. Try a lower lr.")
        }
    }
}
