import Foundation
import Kernels

/// One step of an iterative method as its step command shows it.
struct StepLine {
    var iteration: Int
    /// Recorded in the run and as KIND.NAME (the step's seconds join them).
    var metrics: [(String, Double)]
    /// The step's line, before its time.
    var columns: String
}

extension Commands {
    /// The loop every iterative method's step command runs (ppo, grpo, rloo,
    /// dpo): N steps (the N argument), Ctrl-C stopping between them with
    /// `stopped` said of the models; each step timed, its metrics recorded in
    /// the run and as KIND.NAME values, its line printed with its time, then
    /// the lines `after` has for it (early warnings, a held-out reading).
    /// `done` is how many steps the method has taken; `recordsSeconds` false
    /// keeps the step's time out of the run (DPO's history has none). `random`
    /// replaces the session's generator, `count` the N argument, and
    /// `valuePrefix` the values' KIND (a no-KL twin keeps its own).
    static func runSteps(_ kind: String, run: Run, unit: String = "step", recordsSeconds: Bool = true, done: () -> Int, stopped: String,
                         _ invocation: Invocation, _ context: CommandContext, random: Random? = nil, count: Int? = nil,
                         valuePrefix: String? = nil,
                         step: (inout Random) throws -> StepLine, after: (StepLine) throws -> Void = { _ in }) throws {
        let s = context.session
        let count = count ?? invocation.arguments["N"].flatMap { Int($0) } ?? 1
        let prefix = valuePrefix ?? kind
        var rng = random ?? s.random(invocation)
        for _ in 0..<count {
            if s.isCancelled() {
                context.emit("stopped (Ctrl-C) after \(unit) \(done()); \(stopped)")
                break
            }
            let start = Date()
            let line = try step(&rng)
            let seconds = Date().timeIntervalSince(start)
            for (metric, v) in line.metrics + (recordsSeconds ? [("seconds", seconds)] : []) {
                run.record(metric, step: line.iteration, v)
                s.values["\(prefix).\(metric)"] = v
            }
            context.emit(line.columns + String(format: "  [%.2f s]", seconds))
            try after(line)
        }
    }
}
