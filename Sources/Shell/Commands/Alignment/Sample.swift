import Alignment
import Datasets
import Kernels
import LanguageModel

extension Commands {
    static let sample = CommandSpec(
        "sample",
        arguments: [.argument("NAME", .name, "the sample set to make"), .keyword("from"),
                    .argument("PROMPTS", .name, "a dataset of prompts (prompts_train.jsonl, or any records with prompts)")],
        options: [
            .option("model", .name, "the chat model that answers"),
            .option("k", .integer(1...64), "responses per prompt", default: "4"),
            .option("n", .integer(0...1_000_000), "prompts to use, drawn at random (0: all)", default: "0"),
            .option("only", .choice(["red-team", "harmless"]), "keep only the red-team prompts (tagged unsafe, or borderline) or only the others"),
            .option("temperature", .float(0...10), "sampling temperature", default: "1"),
            .option("max_tokens", .integer(1...1000), "new tokens per response at most (default: the max_tokens setting, 48)"),
            .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
        ],
        summary: "answer a set of prompts K times each with a model (a sample set)",
        help: """
            Draws K responses to each prompt from MODEL in the chat format, with \
            their log-probabilities, and keeps them as a sample set for label \
            (rankings or rated pairs by the simulated annotators), score and show. \
            Each prompt keeps its safety tag and task from the prompt set. \
            only=red-team keeps the prompts Constitutional AI revises and labels \
            for harmlessness (tagged unsafe, or borderline); only=harmless the rest. \
            A response that reaches max_tokens without ending its turn is kept \
            cut: show marks it [cut], and labels, JSONL and every consumer keep it so.
            """,
        examples: ["sample prefs from prompts model=sft k=4 n=256", "sample attacks from prompts model=sft only=red-team"]
    ) { invocation, context in
        let s = context.session
        guard let modelName = invocation.optional("model") else {
            throw invocation.error("sample needs model=NAME, the chat model that answers")
        }
        let (entry, tokenizer) = try chatModel(modelName, invocation, s, argument: "model")
        var prompts = try promptItems(invocation.argument("PROMPTS"), invocation, s, argument: "PROMPTS")
        if let only = invocation.optional("only") {
            prompts = prompts.filter { isRedTeam($0) == (only == "red-team") }
            guard !prompts.isEmpty else {
                throw invocation.error("\(invocation.argument("PROMPTS")) has no \(only) prompt", at: "only")
            }
        }
        var rng = s.random(invocation)
        prompts = drawn(prompts, n: invocation.integer("n"), rng: &rng)
        let k = invocation.integer("k")
        let settings = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: s.maxTokens(invocation))
        let name = invocation.argument("NAME")
        let responses = try s.work("sample \(name)") { monitor in
            try PolicySampling.sample(entry.model, tokenizer: tokenizer, prompts: prompts.map(\.item.prompt), k: k,
                                      settings: settings, rng: &rng, monitor: monitor)
        }
        let set = SampleSet(items: zip(prompts, responses).map { SampleSet.Item(prompt: $0.item, task: $0.task, responses: $1, scores: nil) },
                            model: modelName, k: k)
        s.samples[name] = set
        s.touch(name)
        let distinct = set.items.map { Set($0.responses.map(\.text)).count }.reduce(0, +)
        let length = Double(set.items.flatMap { $0.responses.map(\.tokens.count) }.reduce(0, +)) / Double(max(set.responseCount, 1))
        s.values["sample.responses"] = Double(set.responseCount)
        s.values["sample.distinct"] = Double(distinct)
        s.values["sample.truncated"] = Double(set.truncatedCount)
        let cut = set.truncatedCount == 0 ? "" : "; \(set.truncatedCount) cut at max_tokens=\(settings.maxNewTokens), kept cut (marked [cut] in show)"
        return CommandOutput("\(plural(prompts.count, "prompt")) × \(plural(k, "response")) from \(modelName) → sample set \(name) (\(set.responseCount) responses, "
            + "\(distinct) distinct, mean length \(String(format: "%.1f", length)) tokens\(cut))")
    }

    /// A red-team prompt, as Constitutional AI takes them: tagged unsafe, or borderline.
    static func isRedTeam(_ prompt: (item: PromptItem, task: String?)) -> Bool {
        prompt.item.unsafe || prompt.task == "borderline"
    }

    /// A model that can chat: it has a tokenizer with the chat markers and no scalar head.
    static func chatModel(_ name: String, _ invocation: Invocation, _ s: Session, argument: String) throws -> (ModelEntry, BPETokenizer) {
        let entry = try s.model(name, in: invocation, argument: argument)
        let tokenizer = try chatTokenizer(entry, name, invocation, at: argument,
                                          "\(name)'s tokenizer lacks the chat markers <|user|> <|assistant|> <|end|>; it needs a chat model such as sft")
        guard !entry.model.hasScalarHead else {
            throw invocation.error("\(name) is a reward or value model (it has a scalar head); it cannot write responses", at: argument)
        }
        return (entry, tokenizer)
    }

    /// The prompts of the PROMPTS argument, `n` of them drawn at random
    /// (all when `n` is 0 or at least their count), and the command's
    /// generator that drew them, made only once the prompts are read: rs
    /// round's and rest grow's.
    static func drawnPrompts(_ invocation: Invocation, _ s: Session, n: Int) throws -> (prompts: [PromptItem], rng: Random) {
        let prompts = try promptItems(invocation.argument("PROMPTS"), invocation, s, argument: "PROMPTS").map(\.item)
        var rng = s.random(invocation)
        return (drawn(prompts, n: n, rng: &rng), rng)
    }

    /// `n` of `items` drawn at random (all, in their order, when `n` is 0 or
    /// at least their count).
    static func drawn<Item>(_ items: [Item], n: Int, rng: inout Random) -> [Item] {
        guard n > 0 && n < items.count else { return items }
        var shuffled = items
        rng.shuffle(&shuffled)
        return Array(shuffled.prefix(n))
    }

    /// The prompts of a dataset with their safety tags, tasks and other fields
    /// (an answer to check): prompt records as they are, and the prompt of any other record that has one (the world
    /// supplies the tag and task where the record does not).
    static func promptItems(_ name: String, _ invocation: Invocation, _ s: Session, argument: String) throws -> [(item: PromptItem, task: String?)] {
        let data = try s.dataset(name, in: invocation, argument: argument)
        let world = s.currentWorld
        var seen = Set<String>(), out: [(item: PromptItem, task: String?)] = []
        for r in data.records {
            let text: String, tagged: Bool?, named: String?
            var fields: [String: String] = [:]
            switch r {
            case let .prompt(p, task, safety, extra): (text, tagged, named, fields) = (p, safety, task, extra.texts)
            case let .completion(p, _, _), let .unpaired(p, _, _, _): (text, tagged, named) = (p, nil, nil)
            case let .preference(p, _, _, _, _, _, _): (text, tagged, named) = (p, nil, nil)
            case let .ranking(p, _, _, _): (text, tagged, named) = (p, nil, nil)
            case let .messages(m):
                guard let user = m.first(where: { $0.role == "user" }) else { continue }
                (text, tagged, named) = (user.content, nil, nil)
            case .text:
                throw invocation.error("\(name) holds text records, which have no prompts; use prompts_train.jsonl or prompts_heldout.jsonl", at: argument)
            }
            guard seen.insert(text).inserted else { continue }
            let task = world.task(for: text)
            out.append((PromptItem(prompt: text, unsafe: tagged ?? task?.isUnsafe ?? false, fields: fields), named ?? task?.kind.rawValue))
        }
        guard !out.isEmpty else { throw invocation.error("\(name) has no prompts", at: argument) }
        return out
    }
}
