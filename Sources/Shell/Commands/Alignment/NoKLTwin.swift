import Kernels

/// The no-KL twin of an RL run (issue 32, matched controls): `control=nokl` on
/// `ppo init`, `grpo init` or `rloo init` makes NAME_nokl beside NAME, the same
/// in every setting and seed but β = 0, and each step command steps both on the
/// same seeds, so what the KL term buys (gold kept, KL spent) shows side by side.
extension Commands {
    /// The option every RL init takes.
    static let noKLControlOption = Parameter.option(
        "control", .choice(["nokl"]), "also NAME_nokl, the same run with β = 0 and the same seeds, stepped with NAME (the KL term's matched control)")

    /// Runs an RL init (`body`, told whether to set β = 0 and no KL target),
    /// first for the twin when control=nokl asks for one, then for the run
    /// itself (so it is the latest), both on one seed.
    static func initWithTwin(_ kind: String, _ invocation: Invocation, _ context: CommandContext,
                             _ body: (Invocation, _ noKL: Bool) throws -> CommandOutput) throws -> CommandOutput {
        guard invocation.optional("control") != nil else { return try body(invocation, false) }
        let s = context.session
        let name = invocation.arguments["NAME"] ?? kind, twin = name + "_nokl"
        var main = invocation
        if !main.given.contains("seed") {
            var draw = s.random(invocation)
            main.options["seed"] = String(draw.next() >> 1)
            main.given.insert("seed")
        }
        var control = main
        control.arguments["NAME"] = twin
        let twinOutput = try body(control, true)
        let output = try body(main, false)
        s.runs[name]?.twin = twin
        return CommandOutput(output.text + "\n" + twinOutput.text
            + "\n\(kind) step steps both on the same seeds; \(twin) is \(name) with β = 0, its matched control")
    }

    /// Steps the run named `name` (by `body`, given the step's generator), then
    /// its twin on the same generator, and compares their last gold and KL.
    /// The run's own values stay as KIND.METRIC; the twin's are KIND.nokl.METRIC.
    static func stepWithTwin(_ kind: String, _ run: Run, _ invocation: Invocation, _ context: CommandContext,
                             _ body: (String, Random) throws -> Void) throws {
        let s = context.session
        let random = s.random(invocation)
        try body(run.name, random)
        guard let twin = run.twin, let twinRun = s.runs[twin], !s.isCancelled() else { return }
        context.emit("\(twin) (β = 0, the matched control):")
        try body(twin, random)
        for (r, prefix) in [(twinRun, "\(kind).nokl."), (run, "\(kind).")] {
            for m in r.metrics { if let v = r.series[m]?.last?.value { s.values[prefix + m] = v } }
        }
        func last(_ r: Run, _ m: String) -> Double { r.series[m]?.last?.value ?? .nan }
        context.emit(String(format: "%@ against %@: gold %+.3f and %+.3f, KL(k1) %.3f and %.3f nats (last step's batch)",
                            run.name, twin, last(run, "gold"), last(twinRun, "gold"), last(run, "kl"), last(twinRun, "kl")))
    }
}
