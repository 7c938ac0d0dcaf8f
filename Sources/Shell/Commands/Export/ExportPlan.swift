import Alignment
import Datasets
import LanguageModel

/// What `sft` keeps of a run so that `export` can write it for another engine:
/// the model as it was before the first step, the demonstrations it drew from,
/// and its settings. (The RL and preference methods keep their frozen
/// reference, data and settings already.)
final class FinetuneRecord {
    /// A copy of the model before the first step, when its weights train; nil when
    /// only adapters this run added train (the frozen base is then the trained model's).
    private let copy: GPT?
    private let trained: GPT
    let tokenizer: BPETokenizer
    let records: [Record]
    let settings: TrainingSettings
    /// The adapters the run added, if it trains adapters.
    let lora: LoRASettings?

    /// The record of `trained`, which was `before` (or `before` with new adapters) at the first step.
    init(before: GPT, trained: GPT, tokenizer: BPETokenizer, records: [Record], settings: TrainingSettings) {
        lora = before.lora == nil ? trained.lora : nil
        copy = lora != nil ? nil : before.lora == nil ? before.copy() : before.merged()
        (self.trained, self.tokenizer, self.records, self.settings) = (trained, tokenizer, records, settings)
    }

    /// The model the run started from, whole.
    var start: GPT { copy ?? trained.withoutAdapters() }
}

/// One shape every exported method fills: the run's starting policy, its
/// data files, its method's settings, the adapters it trained and its reward.
/// An engine's mapping (`TRLExport`) reads it and writes its own configuration.
struct ExportPlan {
    enum Method {
        case sft(TrainingSettings)
        /// With the steps the run has taken (what `dpo step` and `grpo step` ran).
        case dpo(DPOSettings, steps: Int)
        case group(GroupRLSettings, steps: Int)
    }

    let run: String
    let method: Method
    /// The policy the run started from, whole (adapters merged away), and its tokenizer.
    let start: GPT
    let tokenizer: BPETokenizer
    /// The adapters the run trains, when it trains adapters.
    let lora: LoRASettings?
    /// data/FILE → its JSONL lines, in TRL's conversational field names (a prompt
    /// as a list of messages, so that every engine renders it in the model's template).
    let data: [(file: String, lines: [String])]
    /// The reward's name and its reward model, when the method samples and scores.
    let reward: (name: String, model: ScoringModel?)?

    /// The name the engines give the method: sft, dpo, grpo, rloo.
    var kind: String {
        switch method {
        case .sft: "sft"
        case .dpo: "dpo"
        case let .group(g, _): g.baseline == .rloo ? "rloo" : "grpo"
        }
    }

    /// The plan of run `name`, or an error that says which runs can be exported.
    static func of(_ name: String, _ s: Session, _ invocation: Invocation) throws -> ExportPlan {
        guard let run = s.runs[name] else {
            let exportable = s.runs.filter { ["sft", "dpo", "grpo", "rloo"].contains($0.value.kind) }.keys.sorted()
            throw invocation.error("no run '\(name)'; " + (exportable.isEmpty ? "run sft, dpo init, grpo init or rloo init first"
                : "runs that can be exported: " + exportable.joined(separator: ", ")), at: "RUN")
        }
        switch run.method {
        case let f as FinetuneRecord:
            let lines = f.records.compactMap(demonstration).map { p, c in
                "{\"prompt\": \(turns([("user", p)])), \"completion\": \(turns([("assistant", c)]))}"
            }
            return ExportPlan(run: name, method: .sft(f.settings), start: f.start, tokenizer: f.tokenizer, lora: f.lora,
                              data: [("sft.jsonl", lines)], reward: nil)
        case let d as DPO:
            guard !d.settings.isUnpaired else {
                throw invocation.error("\(name) is a KTO run; export writes sft, dpo (its pairwise losses), grpo and rloo runs so far", at: "RUN")
            }
            let lines = d.pairs.map { p in
                "{\"prompt\": \(turns([("user", p.prompt)])), \"chosen\": \(turns([("assistant", p.chosen)])), "
                    + "\"rejected\": \(turns([("assistant", p.rejected)]))}"
            }
            return ExportPlan(run: name, method: .dpo(d.settings, steps: d.step), start: whole(d.reference), tokenizer: d.tokenizer,
                              lora: adapters(d.policy, d.reference), data: [("pairs.jsonl", lines)], reward: nil)
        case let g as GroupRL:
            // The prompt record's other fields travel as columns, which TRL hands its reward functions by name.
            let lines = g.prompts.map { p in
                "{\"prompt\": \(turns([("user", p.prompt)]))" + (p.unsafe ? ", \"safety\": true" : "")
                    + p.fields.keys.sorted().map { ", \(jsonQuoted($0)): \(jsonQuoted(p.fields[$0]!))" }.joined() + "}"
            }
            let rewardName = run.rewardName ?? "reward"
            let model: ScoringModel? = if case let .single(m) = g.reward { m } else { nil }
            return ExportPlan(run: name, method: .group(g.settings, steps: g.iteration), start: whole(g.reference), tokenizer: g.tokenizer,
                              lora: adapters(g.policy, g.reference), data: [("prompts.jsonl", lines)], reward: (rewardName, model))
        default:
            throw invocation.error("\(name) is a \(run.kind) run; export writes sft, dpo, grpo and rloo runs so far", at: "RUN")
        }
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
