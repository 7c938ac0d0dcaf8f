import Alignment
import LanguageModel

/// What every iterative method's init reads before its own settings: the
/// run's name, the policy it copies (with its tokenizer), and for the RL
/// methods the reward and the prompts. PPO, GRPO, RLOO and DPO read them here.
struct MethodStart {
    /// The run; its models are NAME.policy, NAME.ref, ….
    var name: String
    var policyName: String
    var policy: ModelEntry
    var tokenizer: BPETokenizer

    /// The policy's copy to train, with adapters where lora= asks for them.
    func trainedCopy(_ invocation: Invocation, _ s: Session) throws -> GPT {
        try Commands.adapted(policy.model.copy(), policyName, invocation, s)
    }

    /// The layout of `trainedCopy`, before it is made.
    func trainedLayout(_ invocation: Invocation) throws -> ParameterLayout {
        try Commands.adaptedLayout(policy.model, policyName, invocation)
    }

    /// What `trainedCopy` takes, with `layout` its layout: its parameters (those held
    /// apart shared with the policy, all of them when a bf16 policy is widened to f32)
    /// and a training step's on B rows of T tokens.
    func trainedCopyMemory(_ layout: ParameterLayout, B: Int, T: Int) -> MemoryEstimate {
        let source = policy.model
        let parameters: MemoryEstimate = source.precision != layout.precision ? .parameters(layout) : .copy(source.layout)
        return parameters + .training(layout, config: source.config, scalarHead: false, B: B, T: T)
    }

    /// What an RL step's snapshot of a trained model keeps, to undo a step that fails:
    /// its binary32 parameters and both AdamW moments (PPO's `StepSnapshot`).
    static func snapshotMemory(_ layout: ParameterLayout) -> MemoryEstimate {
        let held = layout.count - layout.trainableStart
        return MemoryEstimate(parameters: layout.count * 4, moments: held * 8)
    }

    /// The lines that describe the adapters of the run's models, if any.
    func adapterLines(_ models: [(suffix: String, model: GPT)]) -> String {
        models.compactMap { m in Commands.describeAdapters(m.model).map { "\n\(name).\(m.suffix): \($0)" } }.joined()
    }
}

/// An RL method's start: the common part, the reward and the prompts.
struct RLStart {
    var start: MethodStart
    var rewardName: String
    var reward: Reward
    var prompts: [PromptItem]

    /// The longest row a rollout can hold: the longest prompt in the chat format and
    /// `maxNewTokens`, within the policy's context.
    func rowLength(maxNewTokens: Int) -> Int {
        let longest = prompts.map { ChatFormat.promptTokens($0.prompt, tokenizer: start.tokenizer).count }.max() ?? 1
        return min(start.policy.model.config.contextLength, longest + maxNewTokens)
    }

    /// `Commands.checkMemory` for an RL method's init: the policy's trained copy, its
    /// update on `rows(b)` rows and its step snapshot, a reference copy read `readRows(b)`
    /// rows at a time, sampling `slots(b)` answers at once (the first token step reads
    /// every slot's prompt), and `more(b, T)` (PPO's value model) at `option`=b.
    func checkMemory(option: String, batch: Int, maxNewTokens: Int, rows: (Int) -> Int, readRows: (Int) -> Int, slots: (Int) -> Int,
                     more: (Int, Int) -> MemoryEstimate = { _, _ in MemoryEstimate() }, _ invocation: Invocation) throws {
        let layout = try start.trainedLayout(invocation), T = rowLength(maxNewTokens: maxNewTokens)
        let source = start.policy.model, prompt = max(1, T - maxNewTokens)
        try Commands.checkMemory("a step with \(option)=\(batch) on rows of up to \(T) tokens", batch: batch, option: option,
                                 adapters: layout.lora == nil, invocation) { b in
            start.trainedCopyMemory(layout, B: max(rows(b), readRows(b)), T: T) + MethodStart.snapshotMemory(layout)
                + .copy(source.layout) + source.forwardMemory(B: readRows(b), T: T)
                + .sampling(config: source.config, slots: slots(b), capacity: T, promptRows: slots(b) * prompt) + more(b, T)
        }
    }
}

extension Commands {
    /// The options of every RL method's init before its settings: the policy, the reward, the prompts.
    static let rlRunOptions: [Parameter] = [
        .option("policy", .name, "the chat model to start from (copied; it is not changed)", default: "sft"),
        .option("reward", .name, "a reward model or a reward defined with reward"),
        .option("prompts", .name, "prompts to sample on (default: the world's train prompts)"),
        noKLControlOption,
    ]

    /// The run's name (the NAME argument, else the method's) and the policy= chat model.
    static func methodStart(_ kind: String, _ invocation: Invocation, _ s: Session) throws -> MethodStart {
        let policyName = invocation.option("policy")
        let (entry, tokenizer) = try chatModel(policyName, invocation, s, argument: "policy")
        return MethodStart(name: invocation.arguments["NAME"] ?? kind, policyName: policyName, policy: entry, tokenizer: tokenizer)
    }

    /// `methodStart`, then reward= (required) and prompts= (default: the world's train prompts).
    static func rlStart(_ kind: String, _ invocation: Invocation, _ s: Session) throws -> RLStart {
        let start = try methodStart(kind, invocation, s)
        guard let rewardName = invocation.optional("reward") else {
            throw invocation.error("\(kind) init needs reward=NAME: a reward model (train rm) or a reward (reward)")
        }
        let reward = try s.reward(rewardName, in: invocation, argument: "reward").reward
        let prompts = try invocation.optional("prompts").map { try promptItems($0, invocation, s, argument: "prompts").map(\.item) }
            ?? s.currentWorld.tasks.filter { !$0.heldOut }.map { PromptItem(prompt: $0.prompt, unsafe: $0.isUnsafe) }
        try checkReward(reward, rewardName, on: prompts, from: invocation.optional("prompts") ?? "the world's train prompts", invocation, at: "reward")
        return RLStart(start: start, rewardName: rewardName, reward: reward, prompts: prompts)
    }
}
