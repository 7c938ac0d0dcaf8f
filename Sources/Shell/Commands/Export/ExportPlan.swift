import Alignment
import Datasets
import Kernels
import LanguageModel

/// What `sft` and `train rm` keep of a run so that `export` can write it for
/// another engine: the model as it was before the first step, the examples it
/// drew from, its settings and its first batch. (The RL and preference methods
/// keep their frozen reference, data and settings already.)
final class TrainingRecord {
    enum Examples {
        /// sft's demonstrations.
        case demonstrations([Record])
        /// A reward model's comparisons, as the loss groups them.
        case comparisons([ComparisonGroup], RewardLoss)
    }

    /// The model before the first step, whole (adapters the run added left out).
    let start: () -> GPT
    let tokenizer: BPETokenizer
    let examples: Examples
    let settings: TrainingSettings
    /// The adapters the run added, if it trains adapters.
    let lora: LoRASettings?
    /// Indices into the examples of the first step's batch, drawn again from the
    /// run's random state as training drew them.
    let firstBatch: [Int]
    /// The language model whose adapters the run trains (for export's adapter/), when it trains adapters it added.
    var adapted: GPT?

    init(start: @escaping () -> GPT, tokenizer: BPETokenizer, examples: Examples, settings: TrainingSettings,
         lora: LoRASettings?, rng: Random) {
        var replay = rng
        let count = switch examples {
        case let .demonstrations(r): r.count
        case let .comparisons(g, _): g.count
        }
        firstBatch = LanguageModelTraining.draw(settings.batchSize, from: count, rng: &replay)
        (self.start, self.tokenizer, self.examples, self.settings, self.lora) = (start, tokenizer, examples, settings, lora)
    }

    /// sft's record of `trained`, which was `before` (or `before` with new adapters)
    /// at the first step: a copy only when its weights train.
    static func finetune(before: GPT, trained: GPT, tokenizer: BPETokenizer, records: [Record], settings: TrainingSettings,
                         rng: Random) -> TrainingRecord {
        let lora = before.lora == nil ? trained.lora : nil
        let copy = lora != nil ? nil : before.lora == nil ? before.copy() : before.merged()
        let record = TrainingRecord(start: { copy ?? trained.withoutAdapters() }, tokenizer: tokenizer,
                                    examples: .demonstrations(records), settings: settings, lora: lora, rng: rng)
        record.adapted = lora != nil ? trained : nil
        return record
    }
}

/// One shape every exported method fills: the run's starting policy, its
/// data files, its method's settings, the adapters it trained and its reward.
/// An engine's mapping (`TRLExport`) reads it and writes its own configuration.
struct ExportPlan {
    enum Method {
        case sft(TrainingSettings)
        case rewardModel(TrainingSettings, RewardLoss)
        /// With the steps the run has taken (what `dpo step` and `grpo step` ran).
        case dpo(DPOSettings, steps: Int)
        case group(GroupRLSettings, steps: Int)
        case ppo(PPOSettings, steps: Int)
    }

    /// The run's first step: the records of its batch, in the engines' fields,
    /// and the loss the run computed on them before its first update: what an
    /// engine's loss on the same batch must equal when the mapping is right.
    struct FirstStep {
        let lines: [String]
        let loss: Double
    }

    let run: String
    let method: Method
    /// The policy the run started from, whole (adapters merged away), and its tokenizer.
    let start: GPT
    let tokenizer: BPETokenizer
    /// The frozen reference, when it is not the policy's start (dpo init ref=…).
    var reference: GPT? = nil
    /// PPO's value model as it started.
    var critic: GPT? = nil
    /// The policy with the adapters the run has trained so far, for adapter/ (PEFT's layout).
    var adapted: GPT? = nil
    /// The adapters the run trains, when it trains adapters.
    let lora: LoRASettings?
    /// data/FILE → its JSONL lines, in TRL's conversational field names (a prompt
    /// as a list of messages, so that every engine renders it in the model's template).
    let data: [(file: String, lines: [String])]
    /// An RL run's reward as the engines meet it: its name, its reward model
    /// (when it is one), the prompt fields it reads, and whether it whitens over a batch.
    struct RewardSource {
        let name: String
        let model: ScoringModel?
        let fields: [String]
        let whitens: Bool
    }

    let reward: RewardSource?
    var firstStep: FirstStep? = nil
    /// A property of the run's data that an engine may not reproduce: responses cut at max_tokens.
    var cutResponses = 0
    /// A reward model's comparisons per batch element: 1 for pairs, C(K,2) for rankings of K; nil when the rankings differ.
    var pairsPerGroup: Int? = 1

    /// What the RL methods share, as every engine's rollout settings read it.
    struct Rollout {
        /// Prompts per step, answers per prompt, answers per update.
        let prompts: Int, samples: Int, minibatch: Int
        let steps: Int, epochs: Int
        let sampling: SamplingSettings
        let clip: Float, learningRate: Float
    }

    /// The rollout of a PPO, GRPO or RLOO run.
    var rollout: Rollout? {
        switch method {
        case let .group(g, steps):
            Rollout(prompts: g.prompts, samples: g.groupSize, minibatch: g.minibatchSize > 0 ? g.minibatchSize : g.prompts * g.groupSize,
                    steps: steps, epochs: g.epochs, sampling: g.sampling, clip: g.clip, learningRate: g.learningRate)
        case let .ppo(p, steps):
            Rollout(prompts: p.batchSize, samples: 1, minibatch: p.minibatchSize, steps: steps, epochs: p.epochs,
                    sampling: p.sampling, clip: p.clip, learningRate: p.learningRate)
        default: nil
        }
    }

    /// The name the engines give the method: sft, reward, dpo, grpo, rloo.
    var kind: String {
        switch method {
        case .sft: "sft"
        case .rewardModel: "reward"
        case .dpo: "dpo"
        case let .group(g, _): g.baseline == .rloo ? "rloo" : "grpo"
        case .ppo: "ppo"
        }
    }

    static let exportable = ["sft", "rm", "dpo", "grpo", "rloo", "ppo"]

    /// The plan of run `name`, or an error that says which runs can be exported.
    static func of(_ name: String, _ s: Session, _ invocation: Invocation) throws -> ExportPlan {
        guard let run = s.runs[name] else {
            let runs = s.runs.filter { exportable.contains($0.value.kind) }.keys.sorted()
            throw invocation.error("no run '\(name)'; " + (runs.isEmpty ? "run sft, train rm, dpo init, grpo init, rloo init or ppo init first"
                : "runs that can be exported: " + runs.joined(separator: ", ")), at: "RUN")
        }
        // The loss of the run's first step, when it has taken one.
        let firstLoss = run.series["loss"]?.first(where: { $0.x == 1 })?.value
        switch run.method {
        case let t as TrainingRecord:
            switch t.examples {
            case let .demonstrations(records):
                let line = { (r: Record) in
                    demonstration(r).map { p, c in
                        "{\"prompt\": \(turns([("user", p)])), \"completion\": \(turns([("assistant", c)]))}"
                    }
                }
                var plan = ExportPlan(run: name, method: .sft(t.settings), start: t.start(), tokenizer: t.tokenizer, lora: t.lora,
                                      data: [("sft.jsonl", records.compactMap(line))], reward: nil)
                plan.firstStep = firstLoss.map { FirstStep(lines: t.firstBatch.compactMap { line(records[$0]) }, loss: $0) }
                plan.cutResponses = records.filter { if case .completion(_, _, true) = $0 { true } else { false } }.count
                plan.adapted = t.adapted
                return plan
            case let .comparisons(groups, loss):
                // Every comparison as one pair; a ranking's C(K,2) pairs in turn, Llama 2's margin in a column.
                let lines = { (g: ComparisonGroup) in
                    g.pairs.map { p in
                        pairLine(g.prompt, g.responses[p.winner], g.responses[p.loser],
                                 margin: loss == .ranking || loss == .pairwise || loss == .soft ? nil : Double(p.margin))
                    }
                }
                var plan = ExportPlan(run: name, method: .rewardModel(t.settings, loss), start: t.start(), tokenizer: t.tokenizer,
                                      lora: t.lora, data: [("pairs.jsonl", groups.flatMap(lines))], reward: nil)
                plan.firstStep = firstLoss.map { FirstStep(lines: t.firstBatch.flatMap { lines(groups[$0]) }, loss: $0) }
                plan.cutResponses = groups.map { $0.truncated.filter { $0 }.count }.reduce(0, +)
                let counts = Set(groups.map(\.pairs.count))
                plan.pairsPerGroup = counts.count == 1 ? counts.first : nil
                return plan
            }
        case let d as DPO:
            guard !d.settings.isUnpaired else {
                throw invocation.error("\(name) is a KTO run; export writes sft, dpo (its pairwise losses), grpo and rloo runs so far", at: "RUN")
            }
            let line = { (p: PreferencePair) in pairLine(p.prompt, p.chosen, p.rejected, margin: nil) }
            let start = run.policyStart.map(whole) ?? whole(d.reference)
            var plan = ExportPlan(run: name, method: .dpo(d.settings, steps: d.step), start: start, tokenizer: d.tokenizer,
                                  lora: adapters(d.policy, d.reference), data: [("pairs.jsonl", d.pairs.map(line))], reward: nil)
            if run.policyStart != nil { plan.reference = whole(d.reference) }
            plan.adapted = plan.lora != nil ? d.policy : nil
            plan.firstStep = firstLoss.map { FirstStep(lines: d.firstBatch.map { line(d.pairs[$0]) }, loss: $0) }
            return plan
        case let g as GroupRL:
            var plan = ExportPlan(run: name, method: .group(g.settings, steps: g.iteration), start: whole(g.reference), tokenizer: g.tokenizer,
                                  lora: adapters(g.policy, g.reference), data: [("prompts.jsonl", promptLines(g.prompts))],
                                  reward: rewardOf(run, g.reward))
            plan.adapted = plan.lora != nil ? g.policy : nil
            return plan
        case let p as PPO:
            var plan = ExportPlan(run: name, method: .ppo(p.settings, steps: p.iteration), start: whole(p.reference), tokenizer: p.tokenizer,
                                  lora: adapters(p.policy, p.reference), data: [("prompts.jsonl", promptLines(p.prompts))],
                                  reward: rewardOf(run, p.reward))
            plan.critic = run.criticStart
            plan.adapted = plan.lora != nil ? p.policy : nil
            return plan
        default:
            throw invocation.error("\(name) is a \(run.kind) run; export writes sft, train rm, dpo, grpo, rloo and ppo runs", at: "RUN")
        }
    }

    /// An RL run's prompts: each as a conversation, its record's other fields as
    /// columns (which TRL hands its reward functions by name), its safety tag.
    static func promptLines(_ prompts: [PromptItem]) -> [String] {
        prompts.map { p in
            "{\"prompt\": \(turns([("user", p.prompt)]))" + (p.unsafe ? ", \"safety\": true" : "")
                + p.fields.keys.sorted().map { ", \(jsonQuoted($0)): \(jsonQuoted(p.fields[$0]!))" }.joined() + "}"
        }
    }

    /// An RL run's reward: its name, its reward model when it is one, the fields it reads.
    static func rewardOf(_ run: Run, _ reward: Reward) -> RewardSource {
        let model: ScoringModel? = if case let .single(m) = reward { m } else { nil }
        return RewardSource(name: run.rewardName ?? "reward", model: model, fields: reward.fields, whitens: reward.whitens)
    }

    /// A comparison in TRL's conversational preference fields, with its margin when the loss has one.
    static func pairLine(_ prompt: String, _ chosen: String, _ rejected: String, margin: Double?) -> String {
        "{\"prompt\": \(turns([("user", prompt)])), \"chosen\": \(turns([("assistant", chosen)])), "
            + "\"rejected\": \(turns([("assistant", rejected)]))" + (margin.map { ", \"margin\": \(yamlNumber($0))" } ?? "") + "}"
    }

    /// A demonstration's prompt and answer, as `sft` reads them.
    private static func demonstration(_ r: Record) -> (String, String)? {
        switch r {
        case let .completion(p, c, _): return (p, c)
        case let .messages(m):
            guard let user = m.first(where: { $0.role == "user" }), let reply = m.first(where: { $0.role == "assistant" }) else { return nil }
            return (user.content, reply.content)
        default: return nil
        }
    }

    /// Messages as a JSON list of {"role", "content"}.
    static func turns(_ messages: [(role: String, content: String)]) -> String {
        "[" + messages.map { "{\"role\": \(jsonQuoted($0.role)), \"content\": \(jsonQuoted($0.content))}" }.joined(separator: ", ") + "]"
    }

    /// The model without adapters: merged when it carries some.
    private static func whole(_ model: GPT) -> GPT { model.lora == nil ? model : model.merged() }

    /// The adapters `policy` trains beyond its reference's.
    private static func adapters(_ policy: GPT, _ reference: GPT) -> LoRASettings? { reference.lora == nil ? policy.lora : nil }
}
