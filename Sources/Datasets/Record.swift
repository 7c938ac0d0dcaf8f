/// One example, in the field names TRL uses.
public enum Record: Equatable, Sendable {
    /// `{"text": ...}`: plain text for pretraining.
    case text(String)
    /// `{"prompt": ..., "completion": ...}`: a demonstration.
    case completion(prompt: String, completion: String)
    /// `{"messages": [{"role": ..., "content": ...}, ...]}`: a conversation.
    case messages([Message])
    /// `{"prompt": ..., "chosen": ..., "rejected": ..., "margin"?: ..., "rating"?: ..., "probability"?: ...}`:
    /// a preference pair, with TRL's optional numeric margin, Llama 2's optional
    /// rating, and an AI labeler's soft label: the probability (0 to 1; a
    /// labeler writes ½ to 1) that chosen is the better (Lee et al. 2023
    /// train reward models on it).
    case preference(prompt: String, chosen: String, rejected: String, margin: Double?, rating: Rating? = nil,
                    probability: Double? = nil)
    /// `{"prompt": ..., "responses": [...], "ranking": [...]}`: a ranking, best first.
    case ranking(prompt: String, responses: [String], ranking: [Int])
    /// `{"prompt": ..., "task"?: ..., "safety"?: ...}`: a prompt alone (to sample or evaluate on).
    case prompt(String, task: String?, safety: Bool)

    /// The kind's name, as `show` prints it.
    public var kind: String {
        switch self {
        case .text: return "text"
        case .completion: return "prompt/completion"
        case .messages: return "messages"
        case .preference: return "preference"
        case .ranking: return "ranking"
        case .prompt: return "prompt"
        }
    }
}

/// One turn of a conversation.
public struct Message: Equatable, Sendable {
    /// "system", "user" or "assistant".
    public var role: String
    /// What was said.
    public var content: String

    /// A message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A named list of records, all of one kind.
public struct Dataset: Sendable {
    /// The records.
    public var records: [Record]
    /// Where it was read from.
    public var source: String

    /// A dataset.
    public init(records: [Record], source: String) {
        self.records = records
        self.source = source
    }

    /// The kind of its records ("text", "preference", …), or "empty".
    public var kind: String { records.first?.kind ?? "empty" }
}
