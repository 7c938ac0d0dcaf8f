import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel

/// One RL step as `ppo step`, `grpo step` and `rloo step` show it: its line,
/// and what the early warnings read.
struct RLStepLine {
    var line: StepLine
    var signals: StepSignals

    /// A step's line: the metrics every RL method records (proxy, gold, kl,
    /// kl_k3, clip, then `afterClip`, entropy, length, then `last`) and its
    /// columns in the same order, each method's own columns where its metrics go.
    init(_ r: some RLStepReport, afterClip: [(String, Double)] = [], afterClipColumns: String = "",
         last: [(String, Double)] = [], lastColumns: String = "") {
        line = StepLine(
            iteration: r.iteration,
            metrics: [("proxy", r.proxy), ("gold", r.gold), ("kl", r.klK1), ("kl_k3", r.klK3), ("clip", r.clipFraction)] + afterClip
                + [("entropy", r.entropy), ("length", r.length)] + last,
            columns: String(format: "%4d  %+.3f  %+.3f  %6.3f  %6.3f  %.3f", r.iteration, r.proxy, r.gold, r.klK1, r.klK3, r.clipFraction)
                + afterClipColumns + String(format: "  %7.3f  %4.1f", r.entropy, r.length) + lastColumns)
        signals = r.signals
    }
}

extension Commands {
    /// The options every RL step command takes: the run, the seed, and the held-out probe.
    static func rlStepOptions(_ method: String) -> [Parameter] {
        [.option("run", .name, "the \(method) run (default: the latest)"),
         .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
         .option("eval_every", .integer(1...1_000_000), "every this many steps (and before the first), answer held-out prompts at temperature 1 and record heldout_proxy, heldout_gold and heldout_kl (k3; heldout_kl_k1 beside it) in the run, for fit"),
         .option("eval_prompts", .integer(1...100_000), "how many of the world's held-out prompts eval_every answers (the first ones)", default: "200")]
    }

    /// The help sentence of the probe options.
    static let rlProbeHelp = "eval_every=K reads the policy on fixed held-out prompts before the first step and after every K-th: "
        + "proxy, gold and KL (k3) of one sample per prompt at temperature 1, from the same seed each time, recorded as heldout_proxy, "
        + "heldout_gold and heldout_kl, with heldout_kl_k1 beside it (Gao et al. 2022's RL curves; fit heldout_gold of RUN law=rl, kl=k1 for large KL)."

    /// The RL step commands' loop: `runSteps` with the early warnings after
    /// each step and, with eval_every=, the held-out probe before the first and
    /// after every K-th; a rejected step becomes `rlStepError`'s message.
    static func runRLSteps(_ kind: String, run: Run, trainer: PolicyTrainer, maxLength: Int, header: String, stopped: String,
                           _ invocation: Invocation, _ context: CommandContext, random: Random? = nil, count: Int? = nil,
                           valuePrefix: String? = nil, step: (inout Random) throws(PPOError) -> RLStepLine) throws {
        let s = context.session
        var warnings = run.warnings ?? EarlyWarnings(maxLength: maxLength)
        let every = invocation.optional("eval_every").flatMap { Int($0) }
        if every != nil, let field = trainer.reward.fields.first {
            throw invocation.error("eval_every= answers the world's held-out prompts, which carry no \"\(field)\" for this run's reward to check; "
                + "measure with eval POLICY on=DATA reward=R between steps instead", at: "eval_every")
        }
        let probe = every.map { _ in heldOutProbe(invocation, s, maxLength: maxLength) }
        func read(_ probe: HeldOutProbe) throws {
            let start = Date()
            let r: HeldOutProbe.Reading
            do throws(PPOError) {
                r = try probe.read(trainer)
            } catch {
                throw rlStepError(error, step: trainer.iteration, invocation, probing: true)
            }
            for (metric, v) in [("heldout_proxy", r.proxy), ("heldout_gold", r.gold), ("heldout_kl", r.klK3), ("heldout_kl_k1", r.klK1)] {
                run.record(metric, step: trainer.iteration, v)
                s.values["\(valuePrefix ?? kind).\(metric)"] = v
            }
            context.emit(String(format: "      held-out, %d prompts: proxy %+.3f  gold %+.3f  kl(k3) %.3f  [%.2f s]",
                                probe.prompts.count, r.proxy, r.gold, r.klK3, Date().timeIntervalSince(start)))
        }
        context.emit(header)
        if let probe, run.series["heldout_gold"]?.last?.x != Double(trainer.iteration) {
            try read(probe)
        }
        var signals: StepSignals?
        try runSteps(kind, run: run, unit: kind == "ppo" ? "iteration" : "step", done: { trainer.iteration }, stopped: stopped,
                     invocation, context, random: random, count: count, valuePrefix: valuePrefix, step: { rng in
            do throws(PPOError) {
                let rl = try step(&rng)
                signals = rl.signals
                return rl.line
            } catch {
                throw rlStepError(error, step: trainer.iteration + 1, invocation)
            }
        }, after: { _ in
            for warning in warnings.observe(signals!) { context.emit("      " + warning) }
            run.warnings = warnings
            if let probe, let every, trainer.iteration % every == 0 { try read(probe) }
        })
    }

    /// The probe of eval_every=: the first eval_prompts= held-out prompts of
    /// the world, one sample each at temperature 1 and the run's max_tokens.
    /// Its seed comes from the session's alone, so every reading, of every
    /// run in the session, answers with the same random numbers.
    static func heldOutProbe(_ invocation: Invocation, _ s: Session, maxLength: Int) -> HeldOutProbe {
        let count = invocation.optional("eval_prompts").flatMap { Int($0) } ?? 200
        let prompts = s.currentWorld.tasks.filter(\.heldOut).prefix(count).map { PromptItem(prompt: $0.prompt, unsafe: $0.isUnsafe) }
        return HeldOutProbe(prompts: Array(prompts), sampling: SamplingSettings(temperature: 1, maxNewTokens: maxLength),
                            seed: s.settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x0BE5)
    }

    /// The error of a rejected RL step, for ppo, grpo and rloo.
    static func rlStepError(_ error: PPOError, step: Int, _ invocation: Invocation, probing: Bool = false) -> ShellError {
        let what = probing ? "the held-out reading after step \(step) failed" : "step \(step) rejected"
        return switch error {
        case let .nonFiniteReward(prompt, response):
            invocation.error("\(what): the reward of \(jsonQuoted(response)) to \(jsonQuoted(prompt)) is not finite; the models are unchanged. Check the reward model (score it).")
        case let .nonFiniteUpdate(model):
            invocation.error("\(what): the \(model) update was not finite; the models are back where the step began. Try a lower lr.")
        }
    }
}
