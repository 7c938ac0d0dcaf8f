import Alignment
import Datasets
import Files
import Foundation
import Kernels
import LanguageModel
import World

extension Commands {
    static let caiRevise = CommandSpec(
        "cai revise",
        arguments: [.argument("MODEL", .name, "the chat model that answers and revises"), .keyword("on"),
                    .argument("PROMPTS", .name, "prompts; the red-team ones (unsafe and borderline) are revised")],
        options: [
            .option("revisions", .integer(0...16), "r: rounds of critique and revision per prompt", default: "2"),
            .option("critic", .name, "the chat model that judges each revision against its principle (default: MODEL)"),
            .option("constitution", .path, "the principles, one a line", default: "datasets/constitution.txt"),
            .option("n", .integer(0...1_000_000), "red-team prompts, drawn at random (0: all)", default: "0"),
            .option("helpful", .integer(0...1_000_000), "harmless prompts, drawn at random, answered (greedy) and added to INTO, to keep helpfulness", default: "300"),
            .option("into", .name, "the dataset to make (default: MODEL.cai)"),
            .option("show", .integer(0...10_000), "show this many prompts' critiques and revisions", default: "0"),
            .option("temperature", .float(0...10), "sampling temperature of the first answers", default: "1"),
            .option("max_tokens", .integer(1...1000), "new tokens per answer or revision at most (default: the max_tokens setting, 48)"),
            .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
        ],
        summary: "Constitutional AI's SL stage: answer red-team prompts, critique and revise against the constitution",
        help: """
            For each red-team prompt of PROMPTS (tagged unsafe, or borderline), \
            MODEL answers (at `temperature`), then r times: a principle is drawn at \
            random from the constitution file, MODEL revises its answer with the \
            world's revise prompt (Revise the answer to follow "c" Q: x A: y, \
            greedy), and the critic judges the revision against the answer by \
            that principle (the judge prompt, both orders averaged). The world's \
            model has no free-form critique task, so this verdict is the \
            critique: a revision the critic does not prefer is dropped and the \
            answer stands (Bai et al. 2022, §3.1 keep every revision). INTO gets \
            the final answers as prompt/completion records, with MODEL's greedy \
            answers to `helpful` harmless prompts drawn at random (Bai et al. mix in helpful \
            samples so the model does not turn evasive); finetune on it with sft. \
            Prints gold safety and helpfulness of the red-team answers after each \
            round, and how many revisions were kept. Values: cai.safety.R, \
            cai.helpfulness.R for each round R (0 is the first answers), cai.kept.
            """,
        why: "human labels of harm are costly and put annotators in front of harmful text; a short written constitution lets the model's own critiques and revisions make the harmlessness data, and makes the rules explicit and easy to change (Bai et al. 2022). The helpful answers mixed in keep the model from learning that refusing everything is safe.",
        examples: ["cai revise sft on prompts revisions=4 critic=judge show=3",
                   "cai revise sft on prompts revisions=1 into=cai_data constitution=my_rules.txt"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("MODEL")
        let (entry, tokenizer) = try chatModel(name, invocation, s, argument: "MODEL")
        let rounds = invocation.integer("revisions")
        guard rounds >= 1 else {
            throw invocation.error("revisions=0 revises nothing; give 1 or more (the model's own answers are eval \(name))", at: "revisions")
        }
        let criticName = invocation.optional("critic") ?? name
        let (criticEntry, criticTokenizer) = try chatModel(criticName, invocation, s, argument: invocation.optional("critic") == nil ? "MODEL" : "critic")
        guard let critic = AILabeler(model: criticEntry.model, tokenizer: criticTokenizer) else {
            throw invocation.error("\(criticName)'s tokenizer does not give \"A\" and \"B\" different first tokens; it cannot judge a revision",
                                   at: invocation.optional("critic") == nil ? "MODEL" : "critic")
        }
        let path = invocation.option("constitution")
        let constitution = try constitutionPrinciples(path, invocation)
        let world = s.currentWorld
        let all = try promptItems(invocation.argument("PROMPTS"), invocation, s, argument: "PROMPTS")
        let harmless = all.filter { !isRedTeam($0) }.map(\.item.prompt)
        guard all.contains(where: isRedTeam) else {
            throw invocation.error("\(invocation.argument("PROMPTS")) has no red-team prompt (tagged unsafe, or borderline); use datasets/prompts_train.jsonl", at: "PROMPTS")
        }
        var rng = s.random(invocation)
        let redTeam = drawn(all.filter(isRedTeam).map(\.item.prompt), n: invocation.integer("n"), rng: &rng)
        let helpfulCount = invocation.integer("helpful")
        let helpful = helpfulCount == 0 ? [] : drawn(harmless, n: helpfulCount, rng: &rng)
        let maxTokens = s.maxTokens(invocation)
        let first = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: maxTokens)
        let greedy = SamplingSettings(temperature: 0, maxNewTokens: maxTokens)
        // The texts that were cut at max_tokens, so the records keep them marked.
        var cut = Set<String>()
        func texts(_ responses: [[SampledResponse]]) -> [String] {
            for r in responses.map({ $0[0] }) where !r.stopped { cut.insert(r.text) }
            return responses.map { $0[0].text }
        }
        let (traces, helpfulAnswers) = try s.work("cai revise \(name)") { monitor in
            let answers = texts(try PolicySampling.sample(entry.model, tokenizer: tokenizer, prompts: redTeam, settings: first, rng: &rng,
                                                          monitor: monitor.phase("answering")))
            try monitor.checkpoint()
            let traces = try ConstitutionalAI.revise(Array(zip(redTeam, answers).map { (prompt: $0.0, answer: $0.1) }),
                                                 constitution: constitution, rounds: rounds,
                                                 revise: { prompts in
                                                     var unused = Random(seed: 0)  // greedy: never drawn from
                                                     return texts(PolicySampling.sample(entry.model, tokenizer: tokenizer, prompts: prompts, settings: greedy,
                                                                                        rng: &unused))
                                                 },
                                                 critic: critic, rng: &rng, monitor: monitor.phase("critique and revision"))
            let helpfulAnswers = texts(try PolicySampling.sample(entry.model, tokenizer: tokenizer, prompts: helpful, settings: greedy, rng: &rng,
                                                                 monitor: monitor.phase("helpful answers")))
            return (traces, helpfulAnswers)
        }
        let into = invocation.optional("into") ?? "\(name).cai"
        let records = traces.map { Record.completion(prompt: $0.prompt, completion: $0.final, truncated: cut.contains($0.final)) }
            + zip(helpful, helpfulAnswers).map { Record.completion(prompt: $0.0, completion: $0.1, truncated: cut.contains($0.1)) }
        s.datasets[into] = Dataset(records: records, source: "cai revise \(name), \(rounds) round\(rounds == 1 ? "" : "s")")
        s.touch(into)

        let tagged = Set(all.filter(\.item.unsafe).map(\.item.prompt))
        let unsafeCount = redTeam.filter(tagged.contains).count
        var out = "cai revise \(name): \(redTeam.count) red-team prompts (\(unsafeCount) unsafe, \(redTeam.count - unsafeCount) borderline), "
            + "\(plural(rounds, "round")) of critique (by \(criticName)) and revision; \(plural(constitution.count, "principle")) from \(path)\n"
        out += "  round   kept   gold safety   gold helpfulness\n"
        var kept = 0
        for r in 0...rounds {
            let answers = traces.map { $0.answer(after: r) }
            let golds = zip(redTeam, answers).map { world.gold(prompt: $0.0, response: $0.1) }
            let safety = golds.map(\.safety).reduce(0, +) / Double(golds.count)
            let helpfulness = golds.map(\.helpfulness).reduce(0, +) / Double(golds.count)
            s.values["cai.safety.\(r)"] = safety
            s.values["cai.helpfulness.\(r)"] = helpfulness
            let keptNow = r == 0 ? 0 : traces.filter { $0.rounds[r - 1].kept }.count
            kept += keptNow
            let keptText = r == 0 ? "—" : "\(keptNow)"
            out += String(format: "  %5d  ", r) + String(repeating: " ", count: max(0, 5 - keptText.count)) + keptText
                + String(format: "   %+11.2f   %+16.2f\n", safety, helpfulness)
        }
        s.values["cai.kept"] = Double(kept)
        out += "  → \(into) (\(traces.count) final answers + \(helpful.count) helpful answers to harmless prompts); finetune with sft"
        for trace in traces.prefix(invocation.integer("show")) {
            out += "\n\nprompt: \(trace.prompt)\n  answer:   \(trace.initial)"
            for (i, round) in trace.rounds.enumerated() {
                out += "\n  \(i + 1). principle: \(round.principle)\n     revision: \(round.revision)\n     critique: "
                    + String(format: "p(revision better) = %.3f, %@", round.preference, round.kept ? "kept" : "dropped")
            }
            let g = world.gold(prompt: trace.prompt, response: trace.final)
            out += String(format: "\n  final:    %@ (gold safety %+.2f, helpfulness %+.2f)", trace.final, g.safety, g.helpfulness)
        }
        return CommandOutput(out)
    }

    /// The principles of the constitution file at `path`, or an error at
    /// the constitution= option when it cannot be read or holds none.
    static func constitutionPrinciples(_ path: String, _ invocation: Invocation) throws -> [String] {
        let text: String
        do {
            text = try OutsideFile.text((path as NSString).expandingTildeInPath, limit: 1 << 20)
        } catch {
            throw invocation.error("cannot read the constitution \(path): \(error.problem); give constitution=FILE, one principle a line",
                                   at: "constitution")
        }
        let constitution = ConstitutionalAI.principles(text)
        guard !constitution.isEmpty else {
            throw invocation.error("\(path) holds no principle; write one a line, as datasets/constitution.txt does", at: "constitution")
        }
        return constitution
    }
}
