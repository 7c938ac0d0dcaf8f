import Alignment
import Datasets
import Kernels

/// `reward NAME labeler by=MODEL`: direct RLAIF's reward, beside the reward
/// models of Score.swift.
extension Commands {
    /// A reward from the chat model `by=` judging against `baseline=`'s
    /// greedy answers; both are copied, so training either later leaves the
    /// reward as it was defined.
    static func labelerReward(_ name: String, _ invocation: Invocation, _ s: Session) throws -> CommandOutput {
        guard let judgeName = invocation.optional("by") else {
            throw invocation.error("labeler needs by=MODEL: the chat model that judges (a model finetuned on judge demonstrations, say)", at: "SOURCE")
        }
        let principle = invocation.optional("principle")
        if let principle, principle.trimmingCharacters(in: .whitespaces).isEmpty {
            throw invocation.error("principle= is empty; give the rule to judge by, as in datasets/constitution.txt", at: "principle")
        }
        let (judge, tokenizer) = try chatModel(judgeName, invocation, s, argument: "by")
        let baselineName = invocation.option("baseline")
        guard invocation.given.contains("baseline") || s.models[baselineName] != nil else {
            throw invocation.error("the baseline is \(baselineName) unless baseline= says otherwise, and there is no model \(baselineName); "
                + "give baseline=MODEL, the chat model whose answers each response is judged against", at: "SOURCE")
        }
        let (baseline, baselineTokenizer) = try chatModel(baselineName, invocation, s, argument: "baseline")
        guard let reward = LabelerReward(judge: judge.model.copy(), tokenizer: tokenizer, principle: principle,
                                         baseline: baseline.model.copy(), baselineTokenizer: baselineTokenizer,
                                         maxTokens: s.maxTokens(invocation)) else {
            throw invocation.error("\(judgeName)'s tokenizer does not give \"A\" and \"B\" different first tokens; it cannot answer a judge prompt", at: "by")
        }
        let about = "\(judgeName)'s verdict against \(baselineName)'s greedy answer"
            + (principle.map { " by the principle \(jsonQuoted($0))" } ?? "") + ", 2·p(better) − 1 (d-RLAIF)"
        s.rewards[name] = RewardEntry(reward: .labeler(reward), about: about)
        s.touch(name)
        return CommandOutput("\(name): \(about); both orders averaged, no reward model")
    }
}
