import Kernels

/// Grade-school word problems in the GSM8K record shape (`{"prompt", "answer"}`),
/// small enough for this world's models: one step of addition, subtraction or
/// multiplication about a person of the world and a count of things. What a
/// `match` reward checks and what GRPO on verifiable answers trains on
/// (DeepSeek-R1 §2.2.2; the GSM8K format of Cobbe et al. 2021).
public struct WordProblem: Sendable, Equatable {
    public let prompt: String
    /// A worked answer ending in the number: "3 + 4 = 7. Ana has 7 apples."
    public let solution: String
    /// The same answer said first, ending on an operand: "Ana has 7 apples after getting 4 more."
    /// Right, but a verifier that reads the last number marks it wrong.
    public let answerFirst: String
    /// The number alone: "7".
    public let answer: String

    /// `n` problems drawn from `seed`, operands from 2 to `largest`, about `people`.
    public static func generate(n: Int, largest: Int, people: [String], seed: UInt64) -> [WordProblem] {
        precondition(largest >= 2 && !people.isEmpty, "WordProblem.generate: need largest ≥ 2 and people")
        var rng = Random(seed: seed)
        func draw<T>(_ xs: [T]) -> T { xs[rng.int(below: xs.count)] }
        return (0..<n).map { _ in
            let who = draw(people), thing = draw(things)
            var a = 2 + rng.int(below: largest - 1), b = 2 + rng.int(below: largest - 1)
            switch rng.int(below: 3) {
            case 0:
                return WordProblem(prompt: "\(who) has \(a) \(thing) and gets \(b) more. How many \(thing) does \(who) have now?",
                                   solution: "\(a) + \(b) = \(a + b). \(who) has \(a + b) \(thing).",
                                   answerFirst: "\(who) has \(a + b) \(thing) after getting \(b) more.", answer: String(a + b))
            case 1:
                if a < b { swap(&a, &b) }
                return WordProblem(prompt: "\(who) had \(a) \(thing) and gave away \(b). How many \(thing) does \(who) have left?",
                                   solution: "\(a) - \(b) = \(a - b). \(who) has \(a - b) \(thing) left.",
                                   answerFirst: "\(who) has \(a - b) \(thing) left after giving away \(b).", answer: String(a - b))
            default:
                return WordProblem(prompt: "\(who) has \(a) bags with \(b) \(thing) in each. How many \(thing) does \(who) have?",
                                   solution: "\(a) * \(b) = \(a * b). \(who) has \(a * b) \(thing).",
                                   answerFirst: "\(who) has \(a * b) \(thing) in \(a) bags of \(b).", answer: String(a * b))
            }
        }
    }

    static let things = ["apples", "pens", "books", "coins", "cards", "eggs", "shells", "stamps"]
}
