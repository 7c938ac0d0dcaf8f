import Foundation

/// One example, in the field names TRL uses.
public enum Record: Equatable, Sendable {
    /// `{"text": ...}`: plain text for pretraining.
    case text(String)
    /// `{"prompt": ..., "completion": ..., "truncated"?: true}`: a demonstration;
    /// `truncated` when the completion was cut at a token limit (it never ended its turn).
    case completion(prompt: String, completion: String, truncated: Bool = false)
    /// `{"messages": [{"role": ..., "content": ...}, ...]}`: a conversation.
    case messages([Message])
    /// `{"prompt": ..., "chosen": ..., "rejected": ..., "margin"?: ..., "rating"?: ..., "probability"?: ...,
    /// "chosen_truncated"?: true, "rejected_truncated"?: true}`:
    /// a preference pair, with TRL's optional numeric margin, Llama 2's optional
    /// rating, an AI labeler's soft label: the probability (0 to 1; a
    /// labeler writes ½ to 1) that chosen is the better (Lee et al. 2023
    /// train reward models on it), and which side was cut at a token limit.
    case preference(prompt: String, chosen: String, rejected: String, margin: Double?, rating: Rating? = nil,
                    probability: Double? = nil, truncated: PairSides = [])
    /// `{"prompt": ..., "completion": ..., "label": true|false, "truncated"?: true}`: one
    /// response labelled desirable (true) or not, unpaired (KTO's data, Ethayarajh et al. 2024;
    /// TRL's unpaired preference format).
    case unpaired(prompt: String, completion: String, label: Bool, truncated: Bool = false)
    /// `{"prompt": ..., "responses": [...], "ranking": [...], "truncated"?: [...]}`: a ranking, best
    /// first; `truncated` lists the responses (by index) cut at a token limit.
    case ranking(prompt: String, responses: [String], ranking: [Int], truncated: Set<Int> = [])
    /// `{"prompt": ..., "task"?: ..., "safety"?: ..., ...}`: a prompt alone (to sample or evaluate on),
    /// with any other fields it carries (`answer`, `solution`, …) kept for the rewards that read them.
    case prompt(String, task: String?, safety: Bool, fields: PromptFields = [:])

    /// The kind's name, as `show` prints it.
    public var kind: String {
        switch self {
        case .text: return "text"
        case .completion: return "prompt/completion"
        case .messages: return "messages"
        case .preference: return "preference"
        case .unpaired: return "unpaired"
        case .ranking: return "ranking"
        case .prompt: return "prompt"
        }
    }
}

/// Sides of a preference pair: which were cut at a token limit.
public struct PairSides: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let chosen = PairSides(rawValue: 1)
    public static let rejected = PairSides(rawValue: 2)
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

/// The fields of a prompt record beyond prompt, task and safety (GSM8K's
/// `answer`, MATH's `solution`, anything): what a reward that checks an answer
/// reads. Each is kept as its JSON text, so a number stays a number when written back.
public struct PromptFields: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    /// Field name → the value's JSON text (`"7"` with quotes for a string, `7` for a number).
    public var json: [String: String]

    public init(json: [String: String]) { self.json = json }
    public init(dictionaryLiteral elements: (String, String)...) {
        json = Dictionary(elements.map { ($0.0, jsonQuoted($0.1)) }, uniquingKeysWith: { $1 })
    }

    /// The names, sorted.
    public var names: [String] { json.keys.sorted() }
    public var isEmpty: Bool { json.isEmpty }

    /// A field's value as text: a string's contents, any other value's JSON text; nil when absent.
    public subscript(_ name: String) -> String? {
        guard let raw = json[name] else { return nil }
        if raw.hasPrefix("\""), let data = raw.data(using: .utf8),
           let s = try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) as? String {
            return s
        }
        return raw
    }

    /// Every field as text, by name.
    public var texts: [String: String] {
        Dictionary(uniqueKeysWithValues: json.keys.map { ($0, self[$0]!) })
    }
}
