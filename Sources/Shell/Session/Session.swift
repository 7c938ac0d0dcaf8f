import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel
import World

/// The workspace a user builds up: named models, tokenizers, datasets and
/// runs, variables and settings, and the values that `expect` checks.
/// Commands read and change it; nothing in it knows about terminals.
public final class Session {
    /// Variables set with `set NAME VALUE` and read as `$NAME`.
    public var variables: [String: String] = [:]
    /// The most bytes one variable holds (`set a $a$a` doubles no further), and
    /// the longest word that `$name` expansions may make.
    public static let variableLimit = 65_536, expandedWordLimit = 1 << 20
    /// Method settings changed with `set METHOD.NAME VALUE` (ppo.clip → 0.1), as checked option text.
    public var methodDefaults: [String: String] = [:]
    /// Typed settings (`set seed 7`).
    public var settings = Settings()
    /// Models by name.
    public var models: [String: ModelEntry] = [:]
    /// Tokenizers by name.
    public var tokenizers: [String: BPETokenizer] = [:]
    /// Datasets by name.
    public var datasets: [String: Dataset] = [:]
    /// Training runs and their metric histories, by name.
    public var runs: [String: Run] = [:]
    /// Sample sets (responses a model gave to prompts), by name.
    public var samples: [String: SampleSet] = [:]
    /// Rewards defined with `reward`, by name.
    public var rewards: [String: RewardEntry] = [:]
    /// Each model's conversation so far (`chat`), its turns in order.
    public var conversations: [String: [ChatMessage]] = [:]
    /// The lesson under way, if any (`lesson N`).
    var lesson: LessonRun?
    /// The folders that hold the bundled models/, datasets/ and lessons/ instead
    /// of `InstallRoots.folders()` (tests set it: no progress file is kept then).
    public var installRoots: [String]?
    /// The folders that may hold the bundled models/, datasets/ and lessons/.
    var roots: [String] { installRoots ?? InstallRoots.folders() }
    /// The Hugging Face cache `load model ORG/NAME` reads (tests set it; else the environment's).
    public var huggingFaceCache: HuggingFaceCache?
    /// The rows of `results`, and its clock.
    public var results: [ResultRow] = []
    var resultsClock: Date?
    /// When the last eval began (a results row's time ends there).
    var lastEvalStarted: Date?
    /// What a command did besides its work, said before its output (a bundled model it loaded).
    var notices: [String] = []
    /// Values left by the last commands ("pretrain.loss", "generate.count"), for `expect` and `show values`.
    public var values: [String: Double] = [:]
    /// Lines run so far, for `history`.
    public var history: [String] = []
    /// The synthetic world the gold labeler and annotators judge by (made on first use).
    public var world: World?
    /// The session's world: the one `world generate` made, or the default (seed 1).
    public var currentWorld: World {
        if let world { return world }
        let made = World()
        world = made
        return made
    }
    /// Folders whose model directories `load model NAME` finds by name, searched
    /// first, in order (the executable's --models); then models/ under InstallRoots.
    public var modelFolders: [String] = []
    /// Whether each command's time is printed after it.
    public var timer = false
    /// Charts in ASCII only (NO_COLOR set, or a terminal without Unicode).
    public var asciiOnly = false
    /// Where long work reports its progress.
    public var progress: ProgressReporter = SilentProgress()
    /// True once the user asked to stop long work (Ctrl-C); work checks it between steps.
    public var isCancelled: @Sendable () -> Bool = { false }
    /// The order objects were made in, for `show`.
    var order: [String] = []

    /// An empty session.
    public init() {}

    /// Notes that `name` now exists (or exists anew), for `show`'s order.
    func touch(_ name: String) {
        order.removeAll { $0 == name }
        order.append(name)
    }

    /// The run NAME if its method is a `Method`, or without a name the latest
    /// such run; a clear error for a missing run or a run of another method.
    /// `runKind` narrows a method that serves several commands (GroupRL: grpo, rloo) to one.
    func methodRun<Method: AnyObject>(_ type: Method.Type, named name: String?, kind: String, runKind: String? = nil,
                                      in invocation: Invocation, argument: String, start: String) throws -> (Run, Method) {
        func matches(_ run: Run?) -> Bool { run?.method is Method && (runKind == nil || run?.kind == runKind) }
        guard let name = name ?? objectNames.last(where: { matches(runs[$0]) }) else {
            throw invocation.error("there is no \(kind) run yet; start one with \(start)")
        }
        guard let run = runs[name] else {
            let others = runs.values.filter { matches($0) }.map(\.name).sorted()
            throw invocation.error("no run '\(name)'; \(kind) runs: \(others.isEmpty ? "none" : others.joined(separator: ", "))", at: argument)
        }
        guard let method = run.method as? Method, matches(run) else {
            throw invocation.error("\(name) is a \(run.kind) run, not a \(kind) run", at: argument)
        }
        return (run, method)
    }

    /// Holds an iterative method's run NAME (its `method` the trainer) and its
    /// models as NAME.SUFFIX (NAME.policy, NAME.ref, …), in that order for `show`:
    /// the one registration every init command (ppo, dpo, grpo, rloo) makes.
    func holdRun(_ name: String, kind: String, method: AnyObject, tokenizer: BPETokenizer,
                 models: [(suffix: String, model: GPT, origin: String, chat: Bool)]) {
        for m in models {
            self.models["\(name).\(m.suffix)"] = ModelEntry(model: m.model, tokenizer: tokenizer, origin: m.origin, chat: m.chat)
            touch("\(name).\(m.suffix)")
        }
        let run = Run(name: name, kind: kind)
        run.method = method
        runs[name] = run
        touch(name)
    }

    /// Every object's name, in the order they were made.
    public var objectNames: [String] {
        order.filter { models[$0] != nil || tokenizers[$0] != nil || datasets[$0] != nil || runs[$0] != nil
            || samples[$0] != nil || rewards[$0] != nil }
    }

    /// The model called `name`, or an error that says what models exist.
    func model(_ name: String, in invocation: Invocation, argument: String) throws -> ModelEntry {
        try loadBundled(name, invocation)
        do {
            return try find(name, in: models, kind: "model", howToMake: "new model, load model", invocation, argument)
        } catch var error as ShellError where Commands.bundledNames(self).isEmpty {
            let folders = Commands.bundledFolders(self)
            error.message += "; and no bundled models in \(folders.joined(separator: ", ")) (give --models FOLDER or set RLHF_HOME)"
            throw error
        }
    }

    /// The dataset called `name`, or an error that says what datasets exist.
    func dataset(_ name: String, in invocation: Invocation, argument: String) throws -> Dataset {
        try find(name, in: datasets, kind: "dataset", howToMake: "load data", invocation, argument)
    }

    /// The sample set called `name`, or an error that says how to make one.
    func sampleSet(_ name: String, in invocation: Invocation, argument: String) throws -> SampleSet {
        try find(name, in: samples, kind: "sample set", howToMake: "sample", invocation, argument)
    }

    /// The reward model called `name` with its tokenizer, or an error that
    /// says it is missing or is not a reward model.
    func rewardModel(_ name: String, in invocation: Invocation, argument: String) throws -> ScoringModel {
        let entry = try model(name, in: invocation, argument: argument)
        guard entry.model.hasScalarHead, let tokenizer = entry.tokenizer else {
            throw invocation.error("\(name) is not a reward model; make one with train rm", at: argument)
        }
        return ScoringModel(model: entry.model, tokenizer: tokenizer)
    }

    /// The reward called `name`: one defined with `reward`, or a reward model
    /// used as it is. Otherwise an error that lists both and says how to make one.
    func reward(_ name: String, in invocation: Invocation, argument: String) throws -> RewardEntry {
        if let r = rewards[name] { return r }
        try loadBundled(name, invocation)
        if let m = models[name], m.model.hasScalarHead {
            return RewardEntry(reward: .single(try rewardModel(name, in: invocation, argument: argument)), about: "reward model \(name)")
        }
        let known = Set(rewards.keys).union(models.filter { $0.value.model.hasScalarHead }.keys)
        return try find(name, in: Dictionary(uniqueKeysWithValues: known.map { ($0, RewardEntry?.none) }), kind: "reward",
                        howToMake: "train rm, then reward", invocation, argument)!
    }

    /// Loads the bundled model `name` (models/NAME beside the installation, as
    /// `load model NAME` would) when a command names it before it is loaded,
    /// with a notice saying so; nothing when it is loaded, defined as a reward, or not bundled.
    private func loadBundled(_ name: String, _ invocation: Invocation) throws {
        guard models[name] == nil, rewards[name] == nil, let path = Commands.bundledPath(name, self) else { return }
        let entry = try Commands.readModel(at: path, dtype: nil, chatTemplate: nil, invocation)
        models[name] = entry
        touch(name)
        notices.append(Commands.describeLoaded(name, entry) + " (bundled; loaded because the command names it)")
    }

    /// `table[name]`, or an error naming the nearest and all known names of that kind.
    private func find<Object>(
        _ name: String, in table: [String: Object], kind: String, howToMake: String,
        _ invocation: Invocation, _ argument: String
    ) throws -> Object {
        if let found = table[name] { return found }
        let known = table.keys.sorted()
        let near = nearest(name, known).map { "; did you mean \($0)?" } ?? ""
        let list = known.isEmpty ? "there are no \(kind)s yet (\(howToMake))" : "\(kind)s: " + known.joined(separator: ", ")
        throw invocation.error("no \(kind) '\(name)'\(near); \(list)", at: argument)
    }

    /// A fresh generator for a command: from its `seed=` option when given, else
    /// from the session seed and a counter, so a script replays identically.
    func random(_ invocation: Invocation) -> Random {
        if let s = invocation.options["seed"], invocation.given.contains("seed"), let v = UInt64(s) { return Random(seed: v) }
        draws += 1
        return Random(seed: settings.seed &* 0x9E37_79B9 &+ draws)
    }
    /// How many generators `random` has made since the last `reseed` (the runner
    /// puts it back after a command stopped at Ctrl-C).
    var draws: UInt64 = 0

    /// New tokens per response: the command's max_tokens= when given, else the
    /// session's max_tokens setting (48: the world's longest answers fit).
    func maxTokens(_ invocation: Invocation) -> Int {
        invocation.optional("max_tokens").flatMap { Int($0) } ?? settings.maxTokens
    }

    /// Restarts the per-command seeds (after `set seed`).
    func reseed() { draws = 0 }
}

/// A model in the session, with the tokenizer that reads and writes its text.
public struct ModelEntry {
    /// The network.
    public var model: GPT
    /// Its tokenizer, if it has one.
    public var tokenizer: BPETokenizer?
    /// Where it came from: "new", a path, "copy of sft".
    public var origin: String
    /// Whether it answers in the chat format (finetuned with sft, or saved so):
    /// `generate` then wraps prompts as a conversation by default.
    public var chat = false
}

/// Settings with types, changed by `set NAME VALUE`.
public struct Settings: Equatable {
    /// The seed every command's randomness derives from.
    public var seed: UInt64 = 1
    /// Threads the kernels use.
    public var threads = 2
    /// Default sampling temperature.
    public var temperature = 1.0
    /// Default top-k (0 keeps all tokens).
    public var topK = 0
    /// Default top-p (1 keeps all tokens).
    public var topP = 1.0
    /// Default number of new tokens.
    public var maxTokens = 48
    /// How products with bfloat16 weights are computed.
    public var bf16 = BFloat16Compute.native
    /// The most memory one command may take, in GB (0: what the machine has free).
    public var memoryLimit = 0.0

    /// The settings `set` knows, with their kinds and help.
    static let known: [Parameter] = [
        .option("seed", .integer(0...Int.max), "seed of every command's randomness", default: "1"),
        .option("threads", .integer(1...64), "threads the kernels use", default: "2"),
        .option("temperature", .float(0...10), "default sampling temperature", default: "1"),
        .option("top_k", .integer(0...1_000_000), "default top-k (0 keeps all tokens)", default: "0"),
        .option("top_p", .float(0...1), "default top-p (1 keeps all tokens)", default: "1"),
        .option("max_tokens", .integer(1...100_000), "default number of new tokens", default: "48"),
        .option("bf16", .choice(BFloat16Compute.allCases.map(\.rawValue)),
                "bf16 weights' products: native (the CPU's bf16 instructions, activations rounded to bf16) or exact (widened to f32)",
                default: "native"),
        .option("memory_limit", .float(0...1_000_000), "GB one command may take at most (0: what the machine has free)", default: "0"),
    ]

    /// The setting's current value as text.
    func value(_ name: String) -> String? {
        switch name {
        case "seed": return String(seed)
        case "threads": return String(threads)
        case "temperature": return format(temperature)
        case "top_k": return String(topK)
        case "top_p": return format(topP)
        case "max_tokens": return String(maxTokens)
        case "bf16": return bf16.rawValue
        case "memory_limit": return format(memoryLimit)
        default: return nil
        }
    }

    /// Sets a setting from already-checked text.
    mutating func set(_ name: String, _ text: String) {
        switch name {
        case "seed": seed = UInt64(text)!
        case "threads": threads = Int(text)!
        case "temperature": temperature = Double(text)!
        case "top_k": topK = Int(text)!
        case "top_p": topP = Double(text)!
        case "max_tokens": maxTokens = Int(text)!
        case "bf16": bf16 = BFloat16Compute(rawValue: text)!
        case "memory_limit": memoryLimit = Double(text)!
        default: preconditionFailure("unknown setting \(name)")
        }
    }
}

/// A reward defined with `reward`, and what it is, for `show`.
public struct RewardEntry {
    public var reward: Reward
    public var about: String
}

/// Responses a model gave to a set of prompts, K per prompt, with their
/// log-probabilities and (after `score`) rewards.
public struct SampleSet {
    /// One prompt and its responses.
    public struct Item {
        public var prompt: PromptItem
        /// The prompt's task, when the prompt set names it.
        public var task: String?
        public var responses: [SampledResponse]
        /// A reward per response, after `score`.
        public var scores: [Float]?
    }
    public var items: [Item]
    /// The model that wrote the responses.
    public var model: String
    /// Responses per prompt.
    public var k: Int
    public var responseCount: Int { items.map(\.responses.count).reduce(0, +) }
    /// Responses cut at max_tokens (they never ended their turn).
    public var truncatedCount: Int { items.map { $0.responses.filter { !$0.stopped }.count }.reduce(0, +) }
}
