import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel

/// What `grpo` and `rloo` share: init, step and show of a `GroupRL` run; the
/// two command files hold their specs, settings and help.
extension Commands {
    /// The update and sampling settings GRPO and RLOO share, after the ones
    /// each words its own way (group size, β, clip).
    static let groupUpdateFields: [SettingsTable<GroupRLSettings>.Field] = [
        .integer("epochs", \.epochs, 1...100, "passes over each step's responses"),
        .integer("minibatch", \.minibatchSize, 0...4096, "responses per update (0: the whole step in one update, so the ratio is 1 and clip never acts, as TRL's one iteration)"),
        .float("lr", \.learningRate, 0...1, "learning rate"),
    ] + rolloutFields()

    /// The sampling fields of every RL method's settings.
    static func rolloutFields<S: RolloutSettings>() -> [SettingsTable<S>.Field] {
        [.float("temperature", \.sampling.temperature, 0.01...10, "sampling temperature"),
         .integer("max_tokens", \.sampling.maxNewTokens, 1...1000, "new tokens per response at most"),
         .float("missing_eos_penalty", \.missingEndPenalty, 0...1000, "subtracted from the reward of a response cut at max_tokens (TRL's name; 0: none)")]
    }

    /// `grpo init` / `rloo init`: copies the policy to train and to freeze,
    /// takes the reward and the prompts, and holds the run.
    static func groupInit(_ kind: String, _ table: SettingsTable<GroupRLSettings>, _ invocation: Invocation,
                          _ context: CommandContext) throws -> CommandOutput {
        try initWithTwin(kind, invocation, context) { invocation, noKL in try groupStart(kind, table, invocation, noKL: noKL, context) }
    }

    /// `groupInit`'s work, with β = 0 for a no-KL twin.
    private static func groupStart(_ kind: String, _ table: SettingsTable<GroupRLSettings>, _ invocation: Invocation, noKL: Bool,
                                   _ context: CommandContext) throws -> CommandOutput {
        let s = context.session
        let rl = try rlStart(kind, invocation, s), name = rl.start.name, policyName = rl.start.policyName
        var settings = table.settings(invocation, s)
        if noKL { settings.beta = 0 }
        let groupOption = kind == "rloo" ? "k" : "group"
        guard settings.groupSize >= 2 else {
            throw invocation.error("\(groupOption)=1 puts each response in a group of its own: its baseline is itself, every advantage is 0 "
                + "and nothing is learned; give \(groupOption)=2 or more (\(table.defaults.groupSize) is the default)", at: groupOption)
        }
        // The update reads at most 32 rows at a time (PolicyUpdate.groupStep), the rollout's log-probabilities
        // 32 responses at a time (GroupRL.step); sampling holds a slot per response up to 64.
        let responses = { (b: Int) in b * settings.groupSize }
        try rl.checkMemory(option: "batch", batch: settings.prompts, maxNewTokens: settings.sampling.maxNewTokens,
                           rows: { min(32, settings.minibatchSize == 0 ? responses($0) : min(settings.minibatchSize, responses($0))) },
                           readRows: { min(32, responses($0)) },
                           slots: { min(ContinuousBatch.defaultSlots, responses($0)) }, invocation)
        let policy = try rl.start.trainedCopy(invocation, s), reference = rl.start.policy.model.copy()
        let trainer = GroupRL(policy: policy, reference: reference, tokenizer: rl.start.tokenizer, reward: rl.reward, prompts: rl.prompts,
                              settings: settings, judge: s.currentWorld)
        let method = settings.baseline == .drgrpo ? "Dr. GRPO" : kind.uppercased()
        s.holdRun(name, kind: kind, method: trainer, tokenizer: rl.start.tokenizer,
                  models: [("policy", policy, "\(method) policy from \(policyName)", true), ("ref", reference, "frozen copy of \(policyName)", true)])
        s.runs[name]?.rewardName = rl.rewardName
        let kl = settings.baseline == .rloo ? "β \(format(settings.beta)) on k1 in the reward" : "β \(format(settings.beta)) on k3 in the loss"
        let baseline = switch settings.baseline {
        case .grpo: "advantages (r − mean)/std per group"
        case .drgrpo: "advantages r − mean per group, tokens over a fixed \(settings.sampling.maxNewTokens)"
        case .rloo: "leave-one-out baseline, the response as one action"
        }
        return CommandOutput("\(name): \(method) policy \(name).policy and reference \(name).ref from \(policyName), reward \(rl.rewardName); "
            + "\(rl.prompts.count) prompts, \(settings.prompts) per step × \(settings.groupSize) responses; \(baseline); \(kl); "
            + (settings.minibatchSize == 0 && settings.epochs == 1 ? "one update per step"
                : "\(settings.epochs) epoch\(settings.epochs == 1 ? "" : "s") of minibatch \(settings.minibatchSize == 0 ? settings.prompts * settings.groupSize : settings.minibatchSize)")
            + ", lr \(settings.learningRate)"
            + rl.start.adapterLines([("policy", policy)]))
    }

    /// `grpo step` / `rloo step`: N steps, one line each, with the early
    /// warnings and the note on groups that teach nothing.
    static func groupStep(_ kind: String, _ invocation: Invocation, _ context: CommandContext) throws -> CommandOutput {
        let s = context.session
        let (run, _) = try s.methodRun(GroupRL.self, named: invocation.optional("run"), kind: kind.uppercased(), runKind: kind, in: invocation,
                                       argument: "run", start: "\(kind) init policy=sft reward=NAME")
        try stepWithTwin(kind, run, invocation, context) { name, random, count, prefix in
            let (run, trainer) = try s.methodRun(GroupRL.self, named: name, kind: kind.uppercased(), runKind: kind, in: invocation,
                                                 argument: "run", start: "\(kind) init")
            try runRLSteps(kind, run: run, trainer: trainer, maxLength: trainer.settings.sampling.maxNewTokens,
                           header: "step   proxy    gold  kl(k1)  kl(k3)   clip     loss  entropy   len   flat  time",
                           stopped: "the policy holds every whole step", invocation, context, random: random, count: count, valuePrefix: prefix) { rng throws(PPOError) in
                let r = try trainer.step(rng: &rng)
                return RLStepLine(r, afterClip: [("loss", r.loss)], afterClipColumns: abs(r.loss) < 0.00005 ? "   0.0000" : String(format: "  %+.4f", r.loss),
                                  last: [("flat_groups", Double(r.flatGroups))], lastColumns: String(format: "  %5@", "\(r.flatGroups)/\(r.groups)"))
            }
        }
        return CommandOutput()
    }

    /// `grpo show` / `rloo show`: one group of the last step, each response
    /// with its reward as the method used it, its advantage and its gold score.
    static func groupShow(_ kind: String, _ invocation: Invocation, _ context: CommandContext) throws -> CommandOutput {
        let s = context.session
        let (_, trainer) = try s.methodRun(GroupRL.self, named: invocation.optional("run"), kind: kind.uppercased(), runKind: kind, in: invocation,
                                           argument: "run", start: "\(kind) init policy=sft reward=NAME")
        guard let batch = trainer.last else { throw invocation.error("no \(kind) step yet; run \(kind) step") }
        let G = trainer.settings.groupSize, groups = batch.responses.count / G
        let index = invocation.arguments["GROUP"].flatMap { Int($0) } ?? 1
        guard index <= groups else {
            throw invocation.error("the last step has \(groups) groups; give one from 1 to \(groups)", at: "GROUP")
        }
        let members = Array(((index - 1) * G)..<(index * G))
        let rows = members.map { i in
            [String(i - members[0] + 1), String(format: "%+.3f", trainer.lastRewards[i]), String(format: "%+.3f", trainer.lastAdvantages[i]),
             batch.gold.isEmpty ? "-" : String(format: "%+.2f", batch.gold[i]), String(batch.responses[i].tokens.count),
             jsonQuoted(batch.responses[i].text)]
        }
        let rewards = members.map { trainer.lastRewards[$0] }
        let flat = rewards.allSatisfy { $0 == rewards[0] } ? "\nevery reward is equal: every advantage is 0, and this group teaches nothing" : ""
        let rewardName = trainer.settings.baseline == .rloo ? "reward − β·kl" : "reward"
        return CommandOutput("prompt: \(batch.prompts[members[0]].prompt)\n"
            + Table(["#", rewardName, "advantage", "gold", "len", "response"], rows).render() + flat)
    }
}
