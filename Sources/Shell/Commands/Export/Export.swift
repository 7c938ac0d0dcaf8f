import Alignment
import Datasets
import Foundation
import LanguageModel

extension Commands {
    static let export = CommandSpec(
        "export",
        arguments: [.argument("RUN", .name, "a run of sft, train rm, dpo init, grpo init or rloo init"),
                    .argument("DIR", .path, "a new folder to write the recipe into")],
        options: [.option("for", .string, "the engines to write configurations for: trl, openrlhf, verl, or a comma list", default: "trl,openrlhf,verl"),
                  .option("seed", .integer(0...Int.max), "the seed written into the configurations", default: "42")],
        summary: "write a run's recipe for the engines that train at scale: its model, data and configuration, every difference named",
        help: """
            Writes RUN's recipe into the new folder DIR: model/ (the model the \
            run started from, in Hugging Face's layout with its tokenizer and chat \
            template; a model in the world's format gets that format as a Jinja \
            template, so other engines read its conversations token for token as \
            here; a reward model with the fresh head it started from), adapter/ \
            (the LoRA adapters a run trained so far, in PEFT's layout on model/), \
            ref_model/ when a DPO run's reference is not the policy's start, \
            reward_model/ when an RL run's reward is one reward model, \
            data/ (sft.jsonl, pairs.jsonl or prompts.jsonl in TRL's \
            conversational fields: a ranking as its C(K,2) pairs, a margin loss's \
            margin as a column, a prompt's other fields, such as an answer, as \
            columns), data/first-batch.jsonl (the records of the run's first \
            step, whose loss export.json gives: an engine's loss on them before \
            any update must be the same), configs/ with the run's settings \
            mapped for each engine that has the method: trl-METHOD.yaml (trl \
            METHOD --config …), openrlhf-METHOD.sh and verl-METHOD.sh (bash \
            configs/…, each flag or override on its line; verl's parquet from \
            data/prepare_verl.py), critic/ for a PPO run's value model, \
            reward.py for an RL run (TRL's, OpenRLHF's and verl's reward \
            functions, calling serve reward) and README.md with the table. The \
            table is printed too: each setting here beside the engine's key, \
            whether the engine computes the same thing, and, where it does not, \
            the effect to expect. DIR must not exist; nothing is left behind if \
            writing fails.
            """,
        why: "the learner who has understood a recipe here runs it for real on GPUs with an engine such as TRL; the engines differ from this tool and from each other in ways that change results (where the KL enters, how a loss is averaged, what a batch counts), and a silent difference would make the scaled-up run a different experiment. scripts/export-check runs TRL on exports of the bundled models (its first-step losses equal these) and checks the OpenRLHF and verl scripts against those engines' own parsers and config schema.",
        examples: ["export sft exports/sft", "export helpful exports/rm", "export d exports/dpo for=trl",
                   "export g exports/grpo for=trl,verl", "export p exports/ppo"]
    ) { invocation, context in
        let s = context.session
        let plan = try ExportPlan.of(invocation.argument("RUN"), s, invocation)
        let path = invocation.argument("DIR")
        let dir = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        guard !FileManager.default.fileExists(atPath: dir.path) else {
            throw invocation.error("\(path) exists; export writes a new folder (give another path, or remove it)", at: "DIR")
        }
        let configs = try Engine.configs(for: plan, invocation)
        // Everything goes into a hidden sibling first, renamed into place when complete.
        let partial = dir.deletingLastPathComponent().appendingPathComponent(".\(dir.lastPathComponent).partial-\(getpid())")
        do {
            try? FileManager.default.removeItem(at: partial)
            try writeExport(plan, configs, into: partial)
            try FileManager.default.moveItem(at: partial, to: dir)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw invocation.error("cannot write \(path): \(error.localizedDescription)", at: "DIR")
        }
        let all = configs.flatMap(\.config.settings)
        s.values["export.settings"] = Double(all.count)
        s.values["export.differing"] = Double(all.filter { $0.match != .matched }.count)
        let files = ["model/"] + (plan.adapted != nil ? ["adapter/"] : []) + (plan.reference != nil ? ["ref_model/"] : [])
            + (plan.critic != nil ? ["critic/"] : [])
            + (plan.reward?.model != nil ? ["reward_model/"] : [])
            + plan.data.map { "data/\($0.file)" } + (plan.firstStep != nil ? ["data/first-batch.jsonl"] : [])
            + (configs.contains { $0.engine == .verl } ? ["data/prepare_verl.py"] : [])
            + configs.map { "configs/\($0.config.file)" } + (plan.reward != nil ? ["reward.py"] : []) + ["export.json", "README.md"]
        var out = "exported \(plan.run) (\(plan.kind)) to \(path): " + files.joined(separator: ", ") + "\n"
        for (_, config) in configs {
            let matched = config.settings.filter { $0.match == .matched }.count
            out += "\(config.engine): \(matched) of \(config.settings.count) settings matched; launch from \(path): \(config.launch)\n"
                + settingsTable(config, printed: true)
        }
        for (engine, reason) in Engine.skipped(for: plan, invocation) { out += "\(engine.name): not written: \(reason)\n" }
        return CommandOutput(String(out.dropLast()))
    }

    /// The run's settings beside the engine's, as README.md holds them; `printed`
    /// leaves out the rows that only say where the engine finds its files.
    static func settingsTable(_ config: EngineConfig, printed: Bool = false) -> String {
        Table(["  here", config.engine, "", "what to expect"], config.settings.filter { !printed || !$0.here.isEmpty }.map { s in
            ["  " + (s.here.isEmpty ? "·" : s.here), s.key.isEmpty ? "—" : config.written(s), s.match.rawValue, s.effect]
        }).render()
    }

    /// The export folder's files.
    private static func writeExport(_ plan: ExportPlan, _ configs: [(engine: Engine, config: EngineConfig)], into dir: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try manager.createDirectory(at: dir.appendingPathComponent("configs"), withIntermediateDirectories: true)
        let tokenizer = try exportedTokenizer(plan.tokenizer)
        let end = tokenizer.id(of: BPETokenizer.SpecialToken.endOfText).map(Int.init)
        try plan.start.save(to: dir.appendingPathComponent("model"), tokenizer: tokenizer, endToken: end, chatFormat: true)
        if let reference = plan.reference {
            try reference.save(to: dir.appendingPathComponent("ref_model"), tokenizer: tokenizer, endToken: end, chatFormat: true)
        }
        if let adapted = plan.adapted {
            try adapted.saveAdapter(to: dir.appendingPathComponent("adapter"), baseName: "model")
        }
        if let critic = plan.critic {
            try critic.save(to: dir.appendingPathComponent("critic"), tokenizer: tokenizer, endToken: end)
        }
        if let model = plan.reward?.model {
            try model.model.save(to: dir.appendingPathComponent("reward_model"), tokenizer: try exportedTokenizer(model.tokenizer),
                                 endToken: model.tokenizer.id(of: BPETokenizer.SpecialToken.endOfText).map(Int.init))
        }
        for (file, lines) in plan.data + (plan.firstStep.map { [("first-batch.jsonl", $0.lines)] } ?? []) {
            try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: dir.appendingPathComponent("data/\(file)"))
        }
        if configs.contains(where: { $0.engine == .verl }) {
            try Data(VerlExport.prepareScript(field: plan.reward?.fields.first).utf8).write(to: dir.appendingPathComponent("data/prepare_verl.py"))
        }
        if let reward = plan.reward {
            try Data(RewardAdapters.python(reward: reward.name, fields: reward.fields).utf8).write(to: dir.appendingPathComponent("reward.py"))
        }
        for (_, config) in configs {
            try Data(config.text.utf8).write(to: dir.appendingPathComponent("configs/\(config.file)"))
        }
        try Data(exportSummary(plan, configs).utf8).write(to: dir.appendingPathComponent("export.json"))
        try Data(exportReadme(plan, configs).utf8).write(to: dir.appendingPathComponent("README.md"))
    }

    /// The tokenizer as it is exported: its own chat template, or the world's format written as one.
    static func exportedTokenizer(_ tokenizer: BPETokenizer) throws -> BPETokenizer {
        guard tokenizer.chatTemplate == nil, let world = NamedChatTemplate.named("world") else { return tokenizer }
        typealias Marker = BPETokenizer.SpecialToken
        var specials = ["eos_token": Marker.endOfTurn]
        if tokenizer.id(of: Marker.endOfText) != nil { specials["pad_token"] = Marker.endOfText }
        return tokenizer.withChatTemplate(try ChatTemplate(world.source, specialTokens: specials))
    }

    /// export.json: what the folder holds, for programs (the checks read the configs and the first step from it).
    private static func exportSummary(_ plan: ExportPlan, _ configs: [(engine: Engine, config: EngineConfig)]) -> String {
        var fields = ["\"run\": \(jsonQuoted(plan.run))", "\"method\": \(jsonQuoted(plan.kind))",
                      "\"configs\": {" + configs.map { "\(jsonQuoted($0.engine.rawValue)): \(jsonQuoted("configs/" + $0.config.file))" }
                          .joined(separator: ", ") + "}",
                      "\"reference\": " + (plan.reference != nil ? "\"ref_model\"" : "null"),
                      "\"reward\": " + (plan.reward.map { jsonQuoted($0.name) } ?? "null")]
        if let first = plan.firstStep {
            fields.append("\"first_step\": {\"data\": \"data/first-batch.jsonl\", \"records\": \(first.lines.count), "
                + "\"loss\": \(first.loss)}")
        }
        return "{" + fields.joined(separator: ", ") + "}\n"
    }

    /// The folder's README: what is in it, how to launch each engine, and each table.
    private static func exportReadme(_ plan: ExportPlan, _ configs: [(engine: Engine, config: EngineConfig)]) -> String {
        var text = """
            # \(plan.run): a \(plan.kind) recipe exported by rlhf

            - `model/`: the model the run started from (Hugging Face layout, tokenizer and chat template).
            \(plan.adapted != nil ? "- `adapter/`: the LoRA adapters the run trained here, in PEFT's layout on `model/` (the configs train fresh ones from `model/`).\n" : "")\
            \(plan.reference != nil ? "- `ref_model/`: the run's frozen reference, which is not the policy's start.\n" : "")\
            \(plan.critic != nil ? "- `critic/`: the value model as the run started it (from a reward model).\n" : "")\
            \(plan.reward?.model != nil ? "- `reward_model/`: the run's reward model, a one-label `*ForSequenceClassification`.\n" : "")\
            \(plan.reward.map { "- `reward.py`: the reward `\($0.name)` for TRL (`trl_reward`), OpenRLHF (`reward_func`) and verl (`compute_score`), each calling rlhf's `serve reward \($0.name)` (start it first; `RLHF_REWARD_URL` says where, http://127.0.0.1:8000/get_reward by default).\n" } ?? "")\
            - `data/`: \(plan.data.map { "`\($0.file)` (\($0.lines.count) records)" }.joined(separator: ", ")), in TRL's conversational fields\
            \(configs.contains { $0.engine == .verl } ? "; `prepare_verl.py` writes the parquet files verl reads" : "").
            \(plan.firstStep.map { "- `data/first-batch.jsonl`: the \($0.lines.count) records of the run's first step, on which rlhf's loss was \($0.loss) (`export.json`): an engine's loss on them, before any update, must be the same.\n" } ?? "")\
            - `configs/`: the run's settings for \(configs.map(\.config.engine).joined(separator: ", ")).

            """
        for (engine, config) in configs {
            let rows = config.settings.map { s in
                "| \(s.here.isEmpty ? "·" : s.here) | " + (s.key.isEmpty ? "—" : "`\(config.written(s))`") + " | \(s.match.rawValue) | \(s.effect) |"
            }
            text += """

                ## \(config.engine)

                Launch from this folder (\(engine.install)):

                    \(config.launch)

                Each setting of the run beside \(config.engine)'s; where the engine computes something else, what to expect:

                | here | \(config.engine) | | what to expect |
                | --- | --- | --- | --- |

                """ + rows.joined(separator: "\n") + "\n"
        }
        return text
    }
}

/// The engines export writes for: what each can take, and its configuration.
enum Engine: String, CaseIterable {
    case trl, openrlhf, verl

    var name: String {
        switch self {
        case .trl: "TRL"
        case .openrlhf: "OpenRLHF"
        case .verl: "verl"
        }
    }

    /// How the engine is installed, as its README says.
    var install: String {
        switch self {
        case .trl: "`pip install trl peft`, 1.16 here"
        case .openrlhf: "`pip install openrlhf`, 0.11 here; GPUs, DeepSpeed and, for RL, Ray and vLLM"
        case .verl: "`pip install verl`, 0.9 here; GPUs, Ray and vLLM"
        }
    }

    /// Why the engine cannot take the plan's method, or nil.
    func lacks(_ plan: ExportPlan) -> String? {
        switch self {
        case .trl: if case .ppo = plan.method { "TRL 1.16 has no PPO trainer (it was removed; its GRPO and RLOO remain)" } else { nil }
        case .openrlhf: nil
        case .verl: VerlExport.lacks(plan)
        }
    }

    func config(_ plan: ExportPlan, seed: Int) -> EngineConfig {
        switch self {
        case .trl: TRLExport.config(plan, seed: seed)
        case .openrlhf: OpenRLHFExport.config(plan, seed: seed)
        case .verl: VerlExport.config(plan, seed: seed)
        }
    }

    /// The engines `for=` asks for (a comma list), or an error naming what is wrong.
    static func requested(_ invocation: Invocation) throws -> [Engine] {
        let words = invocation.option("for").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let engines = words.compactMap(Engine.init(rawValue:))
        guard engines.count == words.count, !engines.isEmpty else {
            throw invocation.error("for takes trl, openrlhf, verl or a comma list of them, not '\(invocation.option("for"))'", at: "for")
        }
        return engines
    }

    /// The configurations for the requested engines that can take the plan; an
    /// engine asked for by name that cannot is an error, and none at all is too.
    static func configs(for plan: ExportPlan, _ invocation: Invocation) throws -> [(engine: Engine, config: EngineConfig)] {
        let engines = try requested(invocation)
        if invocation.given.contains("for"), let lacking = engines.first(where: { $0.lacks(plan) != nil }) {
            throw invocation.error("\(lacking.lacks(plan)!); export \(plan.run) for another engine", at: "for")
        }
        let able = engines.filter { $0.lacks(plan) == nil }
        guard !able.isEmpty else { throw invocation.error("no engine here can take a \(plan.kind) run", at: "RUN") }
        return able.map { ($0, $0.config(plan, seed: invocation.integer("seed"))) }
    }

    /// The requested engines left out, with the reason.
    static func skipped(for plan: ExportPlan, _ invocation: Invocation) -> [(Engine, String)] {
        ((try? requested(invocation)) ?? []).compactMap { e in e.lacks(plan).map { (e, $0) } }
    }
}
