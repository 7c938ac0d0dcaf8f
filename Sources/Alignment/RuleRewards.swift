import Foundation

/// Rewards computed by a rule rather than a model: the answer checks, format
/// rules and length limits that TRL's `reward_funcs`, verl's `compute_score`
/// and every GRPO recipe on GSM8K-style data use (DeepSeek-R1 §2.2.2 calls
/// them accuracy and format rewards).

/// A regular expression (ICU syntax, as NSRegularExpression reads it), kept
/// with its text. Compiled once; matching is read-only, so it may be shared.
public struct Pattern: @unchecked Sendable, Equatable {
    public let text: String
    let expression: NSRegularExpression

    /// Throws when `text` is not a regular expression.
    public init(_ text: String) throws {
        self.text = text
        expression = try NSRegularExpression(pattern: text)
    }

    public static func == (a: Pattern, b: Pattern) -> Bool { a.text == b.text }

    /// The last match in `s`: its first capture group when it has one, else the whole match.
    func lastMatch(in s: String) -> String? {
        let range = NSRange(s.startIndex..., in: s)
        guard let m = expression.matches(in: s, range: range).last else { return nil }
        let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
        return Range(r, in: s).map { String(s[$0]) }
    }

    /// Whether it matches anywhere in `s` (`^` and `$` anchor it).
    func matches(_ s: String) -> Bool {
        expression.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}

/// Accuracy: 1 when the answer read from the response equals the prompt
/// record's reference field, else 0 (DeepSeek-R1's accuracy reward; TRL's
/// GSM8K examples read the last number, MATH recipes the last `\boxed{…}`).
public struct AnswerMatch: Sendable, Equatable {
    /// How the answer is read from a response.
    public enum Extraction: Sendable, Equatable {
        /// The whole response, spaces trimmed.
        case whole
        /// The last number (commas between digits dropped).
        case lastNumber
        /// The contents of the last `\boxed{…}`, braces balanced.
        case boxed
        /// The last match of a pattern: its first group, else the whole match.
        case pattern(Pattern)
    }

    /// The prompt record's field holding the reference answer.
    public var field: String
    public var extraction: Extraction
    /// Compare as numbers (7 = 7.0 = 7.00); the reference's last number is then the reference
    /// (GSM8K's `answer` ends in `#### 72`).
    public var numeric: Bool

    public init(field: String, extraction: Extraction, numeric: Bool) {
        self.field = field
        self.extraction = extraction
        self.numeric = numeric
    }

    /// The answer the response gives, normalised for comparison and for
    /// majority voting; nil when none can be read.
    public func answer(in response: String) -> String? {
        let read: String? = switch extraction {
        case .whole: response
        case .lastNumber: AnswerMatch.lastNumber(in: response)
        case .boxed: AnswerMatch.lastBoxed(in: response)
        case let .pattern(p): p.lastMatch(in: response)
        }
        return read.flatMap(normalised)
    }

    /// The reference answer of a prompt's fields, normalised; nil when the field is missing or unreadable.
    public func reference(_ fields: [String: String]) -> String? {
        guard let raw = fields[field] else { return nil }
        return normalised(numeric ? AnswerMatch.lastNumber(in: raw) ?? raw : raw)
    }

    /// 1 when the response's answer equals the reference, else 0.
    public func score(_ item: RewardItem) -> Float {
        guard let right = reference(item.fields), let given = answer(in: item.response) else { return 0 }
        return given == right ? 1 : 0
    }

    /// Spaces trimmed and runs of space collapsed; as numbers, the shortest
    /// decimal of the value ("7.50" → "7.5", "1,000" → "1000"); nil for an empty answer or a non-number when numeric.
    func normalised(_ s: String) -> String? {
        let t = s.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard !t.isEmpty else { return nil }
        guard numeric else { return t }
        var digits = t.replacingOccurrences(of: ",", with: "")
        if digits.hasPrefix("$") { digits.removeFirst() }
        if digits.hasSuffix(".") { digits.removeLast() }
        guard let v = Double(digits), v.isFinite else { return nil }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// The last number in `s`: an optional minus, digits (commas between
    /// groups of three allowed), an optional decimal part.
    static func lastNumber(in s: String) -> String? { number.lastMatch(in: s) }

    private static let number = try! Pattern("-?\\d+(?:,\\d{3})*(?:\\.\\d+)?")

    /// The contents of the last `\boxed{…}` in `s`, nested braces balanced; nil when there is none or it never closes.
    static func lastBoxed(in s: String) -> String? {
        guard let open = s.range(of: "\\boxed{", options: .backwards) else { return nil }
        var depth = 1
        var i = open.upperBound
        while i < s.endIndex {
            switch s[i] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return String(s[open.upperBound..<i]) }
            default: break
            }
            i = s.index(after: i)
        }
        return nil
    }
}

/// Format: 1 when the response matches a pattern anywhere (`^…$` to ask for
/// the whole), else 0 (DeepSeek-R1's format reward asks for `<think>…</think>`).
public struct FormatRule: Sendable, Equatable {
    public var pattern: Pattern
    public init(pattern: Pattern) { self.pattern = pattern }
    public func score(_ item: RewardItem) -> Float { pattern.matches(item.response) ? 1 : 0 }
}

/// DAPO's soft overlong punishment (Yu et al. 2025, eq. 13), in tokens: 0 up
/// to L_max − L_cache, then falling linearly to −1 at L_max, and −1 beyond:
///
///     R(y) = 0                              if |y| ≤ L_max − L_cache
///          = ((L_max − L_cache) − |y|) / L_cache   if L_max − L_cache < |y| ≤ L_max
///          = −1                             if |y| > L_max
///
/// A response cut at the token limit L_max scores −1 by the formula itself, as
/// DAPO's truncated samples do.
public struct LengthPenalty: Sendable, Equatable {
    public var maxTokens: Int
    public var buffer: Int

    public init(maxTokens: Int, buffer: Int) {
        precondition(maxTokens >= 1 && buffer >= 1 && buffer <= maxTokens, "LengthPenalty: need 1 ≤ buffer ≤ max")
        self.maxTokens = maxTokens
        self.buffer = buffer
    }

    /// The penalty for a response of `length` tokens.
    public func score(tokens length: Int) -> Float {
        let free = maxTokens - buffer
        if length <= free { return 0 }
        if length > maxTokens { return -1 }
        return Float(free - length) / Float(buffer)
    }
}
