import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel

extension Commands {
    /// PPO's settings as options: defaults written once, in PPOSettings (with
    /// their sources); `set ppo.NAME VALUE` changes a default for the session.
    static let ppoSettings = SettingsTable(method: "ppo", defaults: PPOSettings(), fields: [
        .double("beta", \.beta, 0...100, "KL coefficient β"),
        .optionalDouble("target_kl", \.targetKL, 0.0001...1000, "adaptive β: target KL per response, in nats"),
        .double("horizon", \.horizon, 1...1e9, "adaptive β's horizon, in responses"),
        .float("clip", \.clip, 0.001...10, "clip range ε of the policy ratio"),
        .float("value_clip", \.valueClip, 0.001...100, "clip range of the value update"),
        .float("gamma", \.gamma, 0...1, "GAE discount γ"),
        .float("lambda", \.lambda, 0...1, "GAE λ"),
        .integer("epochs", \.epochs, 1...100, "passes over each rollout"),
        .integer("batch", \.batchSize, 1...4096, "prompts per rollout"),
        .integer("minibatch", \.minibatchSize, 1...4096, "responses per update"),
        .float("lr", \.learningRate, 0...1, "policy learning rate"),
        .float("value_lr", \.valueLearningRate, 0...1, "value-model learning rate"),
        .float("ptx", \.ptxCoefficient, 0...1000, "PPO-ptx: weight of the pretraining loss (0: none)"),
    ] + rolloutFields())

    static let ppoInit = CommandSpec(
        "ppo init",
        arguments: [.argument("NAME", .name, "the run (its models are NAME.policy, NAME.ref, NAME.value)", required: false)],
        options: rlRunOptions + [
            .option("value", .name, "the reward model the value model starts from (default: the reward's first; for gold, the policy's trunk)"),
        ] + ppoSettings.options + [
            .option("ptx_data", .name, "PPO-ptx: the pretraining text"),
        ] + loraOptions,
        summary: "set up PPO: a policy, a frozen reference, a value model and a reward",
        help: """
            Copies POLICY twice, once to train (NAME.policy) and once frozen as the \
            KL reference (NAME.ref), and starts the value model (NAME.value) from a \
            reward model. Then ppo step runs iterations and ppo show opens the last \
            batch token by token. The defaults follow InstructGPT and "The N \
            implementation details of RLHF with PPO": per-token KL penalty, GAE with \
            γ 1 and λ 0.95, whitened advantages, clipped policy and value losses. \
            set ppo.NAME VALUE changes an option's default for the session (set ppo.clip 0.1).
            """,
        why: "the reward model is only right near the answers it was trained on; the per-token penalty β·(log π − log π_ref) holds the policy there, so it cannot run to text the reward model overrates (reward hacking) and its language stays fluent (Stiennon et al. 2020; Ouyang et al. 2022, eq. 2). The clip lets several epochs reuse one batch without moving far from the policy that sampled it (Schulman et al. 2017), and the value model turns one reward at the end of an answer into a low-variance advantage for every token (GAE, Schulman et al. 2016).",
        examples: ["ppo init policy=sft reward=helpful beta=0.05", "ppo init rl policy=sft reward=combined target_kl=2 ptx=0.5 ptx_data=corpus"]
    ) { invocation, context in
        try initWithTwin("ppo", invocation, context) { invocation, noKL in try ppoStart(invocation, noKL: noKL, context) }
    }

    /// `ppo init`'s work, with β = 0 and no KL target for a no-KL twin.
    private static func ppoStart(_ invocation: Invocation, noKL: Bool, _ context: CommandContext) throws -> CommandOutput {
        let s = context.session
        let rl = try rlStart("ppo", invocation, s), name = rl.start.name, policyName = rl.start.policyName, rewardName = rl.rewardName
        let (entry, tokenizer, reward) = (rl.start.policy, rl.start.tokenizer, rl.reward)
        // The value model starts from value=, else from the reward's first model,
        // else (the gold reward has none) from the policy's trunk with a fresh scalar head.
        let valueStart: GPT
        if let v = invocation.optional("value") {
            let e = try s.model(v, in: invocation, argument: "value")
            guard e.model.hasScalarHead else { throw invocation.error("\(v) has no scalar head; the value model starts from a reward model", at: "value") }
            valueStart = e.model
        } else if let first = reward.models.first {
            valueStart = first.model
        } else {
            var rng = s.random(invocation)
            valueStart = GPT(scalarHeadOn: entry.model, seed: rng.next())
        }
        guard valueStart.config == entry.model.config else {
            throw invocation.error("the value model must have the policy's shape; train the reward model from \(policyName)", at: "value")
        }
        var settings = ppoSettings.settings(invocation, s)
        if noKL { (settings.beta, settings.targetKL) = (0, nil) }
        var pretraining: [Int32] = []
        if settings.ptxCoefficient > 0 {
            guard let dataName = invocation.optional("ptx_data") else { throw invocation.error("ptx needs ptx_data=DATA, the pretraining text", at: "ptx") }
            let data = try s.dataset(dataName, in: invocation, argument: "ptx_data")
            pretraining = tokenizer.encode(data.records.prefix(4000).map(plainText).joined(separator: BPETokenizer.SpecialToken.endOfText))
            guard pretraining.count > 2 else { throw invocation.error("\(dataName) has no text", at: "ptx_data") }
        }
        let valueName = invocation.optional("value") ?? rewardName
        let valueLayout = try adaptedLayout(valueStart, valueName, invocation)
        // Minibatches split the step's responses; the rollout is read a minibatch at a time.
        let rows = { (b: Int) in min(b, settings.batchSize) }
        try rl.checkMemory(option: "minibatch", batch: settings.minibatchSize, maxNewTokens: settings.sampling.maxNewTokens,
                           rows: rows, readRows: rows, slots: { _ in min(ContinuousBatch.defaultSlots, settings.batchSize) },
                           more: { b, T in .copy(valueStart.layout) + MethodStart.snapshotMemory(valueLayout)
                               + .training(valueLayout, config: valueStart.config, scalarHead: true, B: rows(b), T: T) },
                           invocation)
        let policy = try rl.start.trainedCopy(invocation, s), reference = entry.model.copy()
        let value = try adapted(valueStart.copy(), valueName, invocation, s)
        let trainer = PPO(policy: policy, reference: reference, value: value, tokenizer: tokenizer, reward: reward, prompts: rl.prompts,
                          settings: settings, judge: s.currentWorld, pretraining: pretraining)
        s.holdRun(name, kind: "ppo", method: trainer, tokenizer: tokenizer,
                  models: [("policy", policy, "PPO policy from \(policyName)", true), ("ref", reference, "frozen copy of \(policyName)", true),
                           ("value", value, "PPO value model", false)])
        s.runs[name]?.rewardName = rewardName
        s.runs[name]?.criticStart = valueStart.lora == nil ? valueStart.copy() : valueStart.merged()  // for export
        return CommandOutput("\(name): policy \(name).policy and reference \(name).ref from \(policyName), value \(name).value, reward \(rewardName); "
            + "\(rl.prompts.count) prompts, \(settings.batchSize) per step, β \(format(settings.beta))"
            + (settings.targetKL.map { " (adaptive, target KL \(format($0)))" } ?? "")
            + ", \(settings.epochs) epochs of minibatch \(settings.minibatchSize)"
            + (settings.ptxCoefficient > 0 ? ", ptx \(format(Double(settings.ptxCoefficient)))" : "")
            + rl.start.adapterLines([("policy", policy), ("value", value)]))
    }

    static let ppoStep = CommandSpec(
        "ppo step",
        arguments: [.argument("N", .integer(1...1_000_000), "iterations (default 1)", required: false)],
        options: rlStepOptions("PPO"),
        summary: "run PPO iterations: roll out, score, KL penalty, GAE, clipped updates",
        help: """
            Each iteration rolls out a batch of prompts, scores the responses with \
            the reward, subtracts β·(log π − log π_ref) per token, estimates \
            advantages by GAE, whitens them, and runs the epochs of clipped policy \
            and value updates. One line per iteration: proxy reward, gold reward, \
            KL by the k1 and k3 estimators, clip fraction, value loss, entropy, \
            mean length, seconds. Warnings follow an iteration when proxy rises \
            while gold falls, KL accelerates, entropy collapses or length runs \
            away. Ctrl-C stops between iterations. A reward that is NaN or \
            infinite rejects the iteration and leaves the models as they were.
            """ + " " + rlProbeHelp,
        examples: ["ppo step", "ppo step 20", "ppo step 20 eval_every=4"]
    ) { invocation, context in
        let s = context.session
        let (run, _) = try s.methodRun(PPO.self, named: invocation.optional("run"), kind: "PPO", in: invocation,
                                       argument: "run", start: "ppo init policy=sft reward=NAME")
        try stepWithTwin("ppo", run, invocation, context) { name, random, count, prefix in
            let (run, trainer) = try s.methodRun(PPO.self, named: name, kind: "PPO", in: invocation, argument: "run", start: "ppo init")
            try runRLSteps("ppo", run: run, trainer: trainer, maxLength: trainer.settings.sampling.maxNewTokens,
                           header: "step   proxy    gold  kl(k1)  kl(k3)   clip  vloss  entropy   len  time",
                           stopped: "every model holds a whole iteration", invocation, context, random: random, count: count, valuePrefix: prefix) { rng throws(PPOError) in
                let r = try trainer.step(rng: &rng)
                return RLStepLine(r, afterClip: [("value_loss", r.valueLoss)], afterClipColumns: String(format: "  %.3f", r.valueLoss),
                                  last: [("beta", r.beta)])
            }
        }
        return CommandOutput()
    }

    static let ppoShow = CommandSpec(
        "ppo show",
        arguments: [.argument("INDEX", .integer(1...Int.max), "which response of the last batch, from 1", required: false)],
        options: [.option("run", .name, "the PPO run (default: the latest)")],
        summary: "open one response of the last PPO batch, token by token",
        help: """
            For each token of the response: its log-probability under the policy \
            that sampled it and under the reference, the per-token KL (their \
            difference), the value estimate, the return and the advantage (before \
            whitening), and the ratio π/π_old of the policy after the update.
            """,
        examples: ["ppo show", "ppo show 3"]
    ) { invocation, context in
        let s = context.session
        let run = invocation.optional("run") ?? s.objectNames.last(where: { s.runs[$0]?.method is PPO })
        guard let run else { throw invocation.error("no PPO batch yet; run ppo init, then ppo step") }
        let (_, trainer) = try s.methodRun(PPO.self, named: run, kind: "PPO", in: invocation, argument: "run", start: "ppo init")
        guard let batch = trainer.last else { throw invocation.error("no PPO batch yet in \(run); run ppo step") }
        let index = invocation.arguments["INDEX"].flatMap { Int($0) } ?? 1
        guard index <= batch.responses.count else {
            throw invocation.error("the last batch has \(batch.responses.count) responses; give an index from 1 to \(batch.responses.count)", at: "INDEX")
        }
        let i = index - 1
        let r = batch.responses[i]
        let now = trainer.currentLogProbs(of: i)
        var rows: [[String]] = []
        for j in r.tokens.indices {
            let text = trainer.tokenizer.decodeText([r.tokens[j]])
            rows.append([jsonQuoted(text), String(format: "%.3f", batch.logProbs[i][j]), String(format: "%.3f", batch.referenceLogProbs[i][j]),
                         String(format: "%+.3f", batch.logProbs[i][j] - batch.referenceLogProbs[i][j]),
                         String(format: "%+.3f", batch.values[i][j]), String(format: "%+.3f", batch.returns[i][j]),
                         String(format: "%+.3f", batch.advantages[i][j]), String(format: "%.3f", exp(now[j] - batch.logProbs[i][j]))])
        }
        let g = batch.gold.isEmpty ? "" : String(format: ", gold %+.2f", batch.gold[i])
        return CommandOutput("prompt: \(batch.prompts[i].prompt)\nresponse: \(r.text)\nreward %@\(g)\n".replacingOccurrences(of: "%@", with: String(format: "%+.3f", batch.scores[i]))
            + Table(["token", "logp", "ref", "kl", "value", "return", "adv", "ratio"], rows).render())
    }
}
