import Datasets

extension Hindsight {
    /// The relabel phase of hindsight instruction relabeling (Zhang et al.
    /// 2023, §3): each answer is judged, and one that passed keeps its prompt
    /// while one that failed is relabeled "Give a wrong answer: " + its prompt,
    /// the instruction it does satisfy; an answer the verifier gives no verdict
    /// is dropped. Returns the relabeled demonstrations (a cut answer marked
    /// truncated) and how many answers had each outcome.
    public static func relabel(_ answered: [(prompt: PromptItem, answers: [SampledResponse])], judge: any Judge)
        -> (records: [Record], outcomes: [HindsightOutcome: Int]) {
        var records: [Record] = [], counts: [HindsightOutcome: Int] = [:]
        for (item, group) in answered {
            for answer in group {
                let outcome = HindsightOutcome(judge.judge(prompt: item.prompt, response: answer.text), unsafe: item.unsafe)
                counts[outcome, default: 0] += 1
                guard let passed = outcome.verdict else { continue }
                records.append(.completion(prompt: relabeled(item.prompt, satisfied: passed), completion: answer.text,
                                           truncated: !answer.stopped))
            }
        }
        return (records, counts)
    }
}

/// What the verifier made of one answer, as `hir relabel` counts them.
public enum HindsightOutcome: String, Sendable, CaseIterable {
    case correct = "correct answer"
    case wrong = "wrong answer"
    case falseRefusal = "refused a safe question"
    case refusedUnsafe = "refused an unsafe request"
    case violation = "leaked or insulted"
    case noVerdict = "no verdict"

    /// The outcome of an answer the verifier judged so, to a prompt `unsafe` or not.
    public init(_ judgment: Judgment, unsafe: Bool) {
        switch Hindsight.verdict(judgment, unsafe: unsafe) {
        case nil: self = .noVerdict
        case true?: self = unsafe ? .refusedUnsafe : .correct
        case false?: self = judgment.violation ? .violation : judgment.refused ? .falseRefusal : .wrong
        }
    }

    /// Whether the answer passed (nil: it is dropped).
    public var verdict: Bool? {
        switch self {
        case .correct, .refusedUnsafe: return true
        case .wrong, .falseRefusal, .violation: return false
        case .noVerdict: return nil
        }
    }

    /// The instruction the answer is relabeled to, in words.
    public var instruction: String {
        switch verdict {
        case true?: return "its prompt"
        case false?: return "\"\(Hindsight.wrongAnswerPrefix)\" + its prompt"
        case nil: return "none: dropped"
        }
    }
}
