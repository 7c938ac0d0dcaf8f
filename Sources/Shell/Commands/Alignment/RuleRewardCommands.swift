import Alignment
import Datasets
import Foundation

/// `reward NAME match|format|length|sum …`: the rule rewards and the weighted
/// sum, beside the reward models of Score.swift.
extension Commands {
    /// Defines the rule reward `source` names, or returns nil when `source` is not one.
    static func ruleReward(_ name: String, _ source: String, _ invocation: Invocation, _ s: Session) throws -> CommandOutput? {
        let reward: Reward, about: String
        switch source {
        case "match":
            let field = invocation.option("field")
            let extraction: AnswerMatch.Extraction
            if let text = invocation.optional("regex") {
                if let e = invocation.optional("extract") {
                    throw invocation.error("give extract=\(e) or regex=, not both: regex= is its own way to read the answer", at: "regex")
                }
                extraction = .pattern(try pattern(text, invocation))
            } else {
                extraction = switch invocation.optional("extract") ?? "last-number" {
                case "boxed": .boxed
                case "whole": .whole
                default: .lastNumber
                }
            }
            let numeric = invocation.optional("numeric").map { parseBool($0)! } ?? (extraction == .lastNumber)
            let rule = AnswerMatch(field: field, extraction: extraction, numeric: numeric)
            reward = .match(rule)
            let read = switch extraction {
            case .lastNumber: "the last number"
            case .boxed: "the last \\boxed{…}"
            case .whole: "the whole response"
            case let .pattern(p): "the last match of \(jsonQuoted(p.text))"
            }
            about = "1 when \(read) equals the prompt's \(field)\(numeric ? " as a number" : ""), else 0"
        case "format":
            guard let text = invocation.optional("regex") else {
                throw invocation.error("format needs regex=PATTERN, the pattern a response must match", at: "SOURCE")
            }
            reward = .format(FormatRule(pattern: try pattern(text, invocation)))
            about = "1 when the response matches \(jsonQuoted(text)), else 0"
        case "length":
            guard let max = invocation.optional("max").map({ Int($0)! }) else {
                throw invocation.error("length needs max=L: the tokens beyond which a response scores −1", at: "SOURCE")
            }
            let buffer = invocation.optional("buffer").map { Int($0)! } ?? Swift.max(1, max / 4)
            guard buffer <= max else {
                throw invocation.error("buffer=\(buffer) is longer than max=\(max); the penalty grows over the last buffer tokens before max", at: "buffer")
            }
            reward = .length(LengthPenalty(maxTokens: max, buffer: buffer))
            about = "0 up to \(max - buffer) tokens, down to −1 at \(max), −1 beyond (DAPO's overlong penalty)"
        case "sum":
            let names = invocation.given.sorted { (invocation.columns[$0]?.lowerBound ?? 0) < (invocation.columns[$1]?.lowerBound ?? 0) }
            guard !names.isEmpty else {
                throw invocation.error("sum needs weighted rewards, as sum correct=0.8 tagged=0.2 (each a reward or a reward model)", at: "SOURCE")
            }
            var parts: [WeightedReward] = []
            for part in names {
                guard part != name else { throw invocation.error("\(name) cannot be part of itself", at: part) }
                let entry = try s.reward(part, in: invocation, argument: part)
                parts.append(WeightedReward(weight: Float(invocation.float(part)), name: part, reward: entry.reward))
            }
            reward = .sum(parts)
            about = parts.map { String(format: "%g·%@", $0.weight, $0.name) }.joined(separator: " + ")
        default:
            return nil
        }
        s.rewards[name] = RewardEntry(reward: reward, about: about)
        s.touch(name)
        return CommandOutput("\(name): \(about)")
    }

    /// A user's regular expression, or an error that says what is wrong with it.
    private static func pattern(_ text: String, _ invocation: Invocation) throws -> Pattern {
        do {
            return try Pattern(text)
        } catch {
            throw invocation.error("regex=\(jsonQuoted(text)) is not a regular expression (ICU syntax, as in \"answer is (-?[0-9]+)\")", at: "regex")
        }
    }
}

extension Commands {
    /// Refuses a reward that reads prompt fields some of `prompts` lack (a
    /// match reward on prompts without answers would score every response 0
    /// in silence), or response lengths it cannot know.
    static func checkReward(_ reward: Reward, _ rewardName: String, on prompts: [PromptItem], from source: String,
                            _ invocation: Invocation, at argument: String, lengthsKnown: Bool = true) throws {
        for field in reward.fields {
            let lacking = prompts.filter { $0.fields[field] == nil }
            guard let first = lacking.first else { continue }
            if !lengthsKnown {
                throw invocation.error("\(rewardName) checks the prompt's \"\(field)\", which a typed prompt does not carry; "
                    + "score a sample set drawn from prompts whose records do (world problems makes some)", at: argument)
            }
            throw invocation.error("\(rewardName) checks each prompt's \"\(field)\", and \(lacking.count) of \(prompts.count) prompts of \(source) "
                + "have none (the first: \(jsonQuoted(first.prompt.singleLine(50)))); give prompts whose records carry it, "
                + "as a JSONL file of {\"prompt\": …, \"\(field)\": …} lines", at: argument)
        }
        if reward.countsTokens && !lengthsKnown {
            throw invocation.error("\(rewardName) counts a response's tokens, known only for sampled responses; score a sample set instead", at: argument)
        }
    }
}
