import Alignment
import Datasets
import Foundation
import LanguageModel

extension Commands {
    static let export = CommandSpec(
        "export",
        arguments: [.argument("RUN", .name, "a run of sft, train rm, dpo init, grpo init or rloo init"),
                    .argument("DIR", .path, "a new folder to write the recipe into")],
        options: [.option("for", .choice(["trl"]), "the engine to write configurations for", default: "trl"),
                  .option("seed", .integer(0...Int.max), "the seed written into the configurations", default: "42")],
        summary: "write a run's recipe for the engines that train at scale: its model, data and configuration, every difference named",
        help: """
            Writes RUN's recipe into the new folder DIR: model/ (the model the \
            run started from, in Hugging Face's layout with its tokenizer and chat \
            template; a model in the world's format gets that format as a Jinja \
            template, so other engines read its conversations token for token as \
            here; a reward model with the fresh head it started from), \
            ref_model/ when a DPO run's reference is not the policy's start, \
            reward_model/ when an RL run's reward is one reward model, \
            data/ (sft.jsonl, pairs.jsonl or prompts.jsonl in TRL's \
            conversational fields: a ranking as its C(K,2) pairs, a margin loss's \
            margin as a column, a prompt's other fields, such as an answer, as \
            columns), data/first-batch.jsonl (the records of the run's first \
            step, whose loss export.json gives: an engine's loss on them before \
            any update must be the same), configs/trl-METHOD.yaml with the run's \
            settings mapped (launched as trl METHOD --config …, from DIR), \
            reward.py for an RL run (TRL's, OpenRLHF's and verl's reward \
            functions, calling serve reward) and README.md with the table. The \
            table is printed too: each setting here beside the engine's key, \
            whether the engine computes the same thing, and, where it does not, \
            the effect to expect. DIR must not exist; nothing is left behind if \
            writing fails.
            """,
        why: "the learner who has understood a recipe here runs it for real on GPUs with an engine such as TRL; the engines differ from this tool and from each other in ways that change results (where the KL enters, how a loss is averaged, what a batch counts), and a silent difference would make the scaled-up run a different experiment. scripts/trl-check runs TRL on exports of the bundled models: its first-step losses equal these.",
        examples: ["export sft exports/sft", "export helpful exports/rm", "export d exports/dpo for=trl", "export g exports/grpo"]
    ) { invocation, context in
        let s = context.session
        let plan = try ExportPlan.of(invocation.argument("RUN"), s, invocation)
        let path = invocation.argument("DIR")
        let dir = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        guard !FileManager.default.fileExists(atPath: dir.path) else {
            throw invocation.error("\(path) exists; export writes a new folder (give another path, or remove it)", at: "DIR")
        }
        let config = TRLExport.config(plan, seed: invocation.integer("seed"))
        // Everything goes into a hidden sibling first, renamed into place when complete.
        let partial = dir.deletingLastPathComponent().appendingPathComponent(".\(dir.lastPathComponent).partial-\(getpid())")
        do {
            try? FileManager.default.removeItem(at: partial)
            try writeExport(plan, config, into: partial)
            try FileManager.default.moveItem(at: partial, to: dir)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw invocation.error("cannot write \(path): \(error.localizedDescription)", at: "DIR")
        }
        let differing = config.settings.filter { $0.match != .matched }.count
        s.values["export.settings"] = Double(config.settings.count)
        s.values["export.differing"] = Double(differing)
        let files = ["model/"] + (plan.reference != nil ? ["ref_model/"] : []) + (plan.reward?.model != nil ? ["reward_model/"] : [])
            + plan.data.map { "data/\($0.file)" } + (plan.firstStep != nil ? ["data/first-batch.jsonl"] : [])
            + ["configs/\(config.file)"] + (plan.reward != nil ? ["reward.py"] : []) + ["export.json", "README.md"]
        return CommandOutput("exported \(plan.run) (\(plan.kind)) to \(path): " + files.joined(separator: ", ") + "\n"
            + settingsTable(config) + "\(config.settings.count - differing) of \(config.settings.count) settings matched; "
            + "launch from \(path): \(config.launch)")
    }

    /// The run's settings beside the engine's, as printed and as README.md holds them.
    static func settingsTable(_ config: EngineConfig) -> String {
        Table(["here", config.engine, "", "what to expect"], config.settings.map { s in
            [s.here.isEmpty ? "·" : s.here, s.key.isEmpty ? "—" : "\(s.key): \(s.value)", s.match.rawValue, s.effect]
        }).render()
    }

    /// The export folder's files.
    private static func writeExport(_ plan: ExportPlan, _ config: EngineConfig, into dir: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try manager.createDirectory(at: dir.appendingPathComponent("configs"), withIntermediateDirectories: true)
        let tokenizer = try exportedTokenizer(plan.tokenizer)
        let end = tokenizer.id(of: BPETokenizer.SpecialToken.endOfText).map(Int.init)
        try plan.start.save(to: dir.appendingPathComponent("model"), tokenizer: tokenizer, endToken: end, chatFormat: true)
        if let reference = plan.reference {
            try reference.save(to: dir.appendingPathComponent("ref_model"), tokenizer: tokenizer, endToken: end, chatFormat: true)
        }
        if let model = plan.reward?.model {
            try model.model.save(to: dir.appendingPathComponent("reward_model"), tokenizer: try exportedTokenizer(model.tokenizer),
                                 endToken: model.tokenizer.id(of: BPETokenizer.SpecialToken.endOfText).map(Int.init))
        }
        for (file, lines) in plan.data + (plan.firstStep.map { [("first-batch.jsonl", $0.lines)] } ?? []) {
            try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: dir.appendingPathComponent("data/\(file)"))
        }
        if let reward = plan.reward {
            try Data(RewardAdapters.python(reward: reward.name, fields: reward.fields).utf8).write(to: dir.appendingPathComponent("reward.py"))
        }
        try Data(exportSummary(plan, config).utf8).write(to: dir.appendingPathComponent("export.json"))
        try Data(config.text.utf8).write(to: dir.appendingPathComponent("configs/\(config.file)"))
        try Data(exportReadme(plan, config).utf8).write(to: dir.appendingPathComponent("README.md"))
    }

    /// The tokenizer as it is exported: its own chat template, or the world's format written as one.
    static func exportedTokenizer(_ tokenizer: BPETokenizer) throws -> BPETokenizer {
        guard tokenizer.chatTemplate == nil, let world = NamedChatTemplate.named("world") else { return tokenizer }
        typealias Marker = BPETokenizer.SpecialToken
        var specials = ["eos_token": Marker.endOfTurn]
        if tokenizer.id(of: Marker.endOfText) != nil { specials["pad_token"] = Marker.endOfText }
        return tokenizer.withChatTemplate(try ChatTemplate(world.source, specialTokens: specials))
    }

    /// export.json: what the folder holds, for programs (the TRL check reads the first step from it).
    private static func exportSummary(_ plan: ExportPlan, _ config: EngineConfig) -> String {
        var fields = ["\"run\": \(jsonQuoted(plan.run))", "\"method\": \(jsonQuoted(plan.kind))",
                      "\"config\": \(jsonQuoted("configs/" + config.file))",
                      "\"reference\": " + (plan.reference != nil ? "\"ref_model\"" : "null"),
                      "\"reward\": " + (plan.reward.map { jsonQuoted($0.name) } ?? "null")]
        if let first = plan.firstStep {
            fields.append("\"first_step\": {\"data\": \"data/first-batch.jsonl\", \"records\": \(first.lines.count), "
                + "\"loss\": \(first.loss)}")
        }
        return "{" + fields.joined(separator: ", ") + "}\n"
    }

    /// The folder's README: what is in it, how to launch, and the table.
    private static func exportReadme(_ plan: ExportPlan, _ config: EngineConfig) -> String {
        let rows = config.settings.map { s in
            "| \(s.here.isEmpty ? "·" : s.here) | " + (s.key.isEmpty ? "—" : "`\(s.key): \(s.value)`") + " | \(s.match.rawValue) | \(s.effect) |"
        }
        return """
            # \(plan.run): a \(plan.kind) recipe exported by rlhf

            - `model/`: the policy the run started from (Hugging Face layout, tokenizer and chat template).
            \(plan.reward?.model != nil ? "- `reward_model/`: the run's reward model, a one-label `*ForSequenceClassification`.\n" : "")\
            \(plan.reward.map { "- `reward.py`: the reward `\($0.name)` for TRL (`trl_reward`), OpenRLHF (`reward_func`) and verl (`compute_score`), each calling rlhf's `serve reward \($0.name)` (start it first; `RLHF_REWARD_URL` says where, http://127.0.0.1:8000/get_reward by default).\n" } ?? "")\
            \(plan.reference != nil ? "- `ref_model/`: the run's frozen reference, which is not the policy's start.\n" : "")\
            - `data/`: \(plan.data.map { "`\($0.file)` (\($0.lines.count) records)" }.joined(separator: ", ")), in TRL's conversational fields.
            \(plan.firstStep.map { "- `data/first-batch.jsonl`: the \($0.lines.count) records of the run's first step, on which rlhf's loss was \($0.loss) (`export.json`): an engine's loss on them, before any update, must be the same.\n" } ?? "")\
            - `configs/\(config.file)`: the run's settings for \(config.engine).

            Launch from this folder (`pip install trl`):

                \(config.launch)

            Each setting of the run beside \(config.engine)'s; where the engine computes something else, what to expect:

            | here | \(config.engine) | | what to expect |
            | --- | --- | --- | --- |

            """ + rows.joined(separator: "\n") + "\n"
    }
}
