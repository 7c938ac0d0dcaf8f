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
