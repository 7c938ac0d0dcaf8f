import Kernels

/// The no-KL twin of an RL run (issue 32, matched controls): `control=nokl` on
/// `ppo init`, `grpo init` or `rloo init` makes NAME_nokl beside NAME, the same
/// in every setting and starting draw but β = 0, and each step command steps
/// both from one generator, so what the KL term buys (gold kept, KL spent) shows
/// side by side. Their first step samples alike; after it their samples differ
/// as their policies do.
extension Commands {
    /// The option every RL init takes.
    static let noKLControlOption = Parameter.option(
        "control", .choice(["nokl"]), "also NAME_nokl, the same run with β = 0 from the same draws, stepped with NAME (the KL term's matched control)")

    /// Runs an RL init (`body`, told whether to set β = 0 and no KL target),
    /// first for the twin when control=nokl asks for one, then for the run
    /// itself (so it is the latest), both from the session's same draws.
    static func initWithTwin(_ kind: String, _ invocation: Invocation, _ context: CommandContext,
                             _ body: (Invocation, _ noKL: Bool) throws -> CommandOutput) throws -> CommandOutput {
        guard invocation.optional("control") != nil else { return try body(invocation, false) }
        let s = context.session
        let name = invocation.arguments["NAME"] ?? kind, twin = name + "_nokl"
        if invocation.given.contains("beta"), Double(invocation.option("beta")) == 0 {
            throw invocation.error("control=nokl makes a twin with β = 0; this run has β = 0 already, so the twin would be the same run", at: "control")
        }
        let taken = s.runs[twin] != nil || s.models["\(twin).policy"] != nil
        if taken && s.runs[name]?.twin != twin {
            throw invocation.error("\(twin) exists and is not \(name)'s twin; choose another NAME, or save it first (its models would be replaced)", at: "control")
        }
        var control = invocation
        control.arguments["NAME"] = twin
        let draws = s.draws
        // What the twin's init replaces, put back if the run's own init is refused (memory, say): a refused init changes nothing.
        let held = (run: s.runs[twin], models: s.models.filter { $0.key.hasPrefix(twin + ".") }, order: s.order)
        let twinOutput = try body(control, true)
        s.draws = draws  // the run draws what the twin drew: both start alike, as a plain init would
        let output: CommandOutput
        do { output = try body(invocation, false) } catch {
            s.runs[twin] = held.run
            s.models = s.models.filter { !$0.key.hasPrefix(twin + ".") }.merging(held.models) { new, _ in new }
            s.order = held.order
            s.draws = draws
            throw error
        }
        s.runs[name]?.twin = twin
        return CommandOutput(output.text + "\n" + twinOutput.text
            + "\n\(kind) step steps both from one generator; \(twin) is \(name) with β = 0, its matched control")
    }

    /// Steps the run named `name` (by `body`: the run, its step count, the
    /// generator and the prefix of its values), then its twin by as many steps
    /// as it is behind, from the same generator, and compares the two when
    /// level. The run's values are KIND.METRIC; the twin's KIND.nokl.METRIC.
    static func stepWithTwin(_ kind: String, _ run: Run, _ invocation: Invocation, _ context: CommandContext,
                             _ body: (_ name: String, _ random: Random, _ count: Int?, _ prefix: String) throws -> Void) throws {
        let s = context.session
        let random = s.random(invocation)
        try body(run.name, random, nil, kind)
        guard let twin = run.twin else { return }
        guard let twinRun = s.runs[twin] else {
            context.emit("note: \(run.name)'s twin \(twin) is gone; \(run.name) steps alone")
            return
        }
        func steps(_ r: Run) -> Int { Int(r.series["proxy"]?.last?.x ?? 0) }
        let behind = steps(run) - steps(twinRun)
        if behind > 0 && !s.isCancelled() {
            context.emit("\(twin) (β = 0, the matched control):")
            try body(twin, random, behind, "\(kind).nokl")
        }
        let gap = steps(run) - steps(twinRun)
        guard gap == 0 else {
            context.emit("note: \(twin) is \(gap) step\(gap == 1 ? "" : "s") behind \(run.name) (stopped); the next \(kind) step brings it level first")
            return
        }
        func last(_ r: Run, _ m: String) -> Double { r.series[m]?.last?.value ?? .nan }
        context.emit(String(format: "%@ against %@ after step %d: gold %+.3f and %+.3f, KL(k1) %.3f and %.3f nats (that step's batch)",
                            run.name, twin, steps(run), last(run, "gold"), last(twinRun, "gold"), last(run, "kl"), last(twinRun, "kl")))
    }
}
