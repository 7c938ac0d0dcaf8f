import Datasets
import Foundation
import Kernels
import LanguageModel

/// A model as a labeler of preferences (RLAIF; Lee et al. 2023, §2.1).
///
/// The model reads the world's judge prompt, `Which answer to "x" is better?
/// A: … B: …` (with a principle, `… better by "p"? …`), and its preference is
/// the probability of the answer token "A" against "B", the two renormalised:
/// P(A) = e^{ℓ_A} / (e^{ℓ_A} + e^{ℓ_B}) = σ(ℓ_A − ℓ_B). Models prefer a
/// position whatever it holds; Lee et al. (§2.1.1, following Wang et al. 2023)
/// ask in both orders and average, which cancels a bias that depends on the
/// position alone:
///
///     p(a ≻ b) = ½ · [P(A | a first) + P(B | b first)]
public struct AILabeler {
    /// log p("A") and log p("B") as the first answer token to each judge
    /// prompt; a model's, or a stub's in the tests.
    public var read: ([String]) -> [(a: Float, b: Float)]
    /// The principle the judge is asked to follow, if any.
    public var principle: String?

    public init(principle: String? = nil, read: @escaping ([String]) -> [(a: Float, b: Float)]) {
        self.principle = principle
        self.read = read
    }

    /// The world's judge prompt for `prompt` with `first` as A and `second` as B.
    public static func judgePrompt(_ prompt: String, first: String, second: String, principle: String? = nil) -> String {
        let question = principle.map { "better by \"\($0)\"" } ?? "better"
        return "Which answer to \"\(prompt)\" is \(question)? A: \(first) B: \(second)"
    }

    /// One comparison labelled: P(A) in each order, and the averaged preference for `a`.
    public struct Label: Sendable, Equatable {
        /// P(A) with a as A (so: a preferred, in that order).
        public var forward: Double
        /// P(A) with b as A (so: b preferred, in that order).
        public var swapped: Double
        /// p(a ≻ b), both orders averaged.
        public var preference: Double { (forward + (1 - swapped)) / 2 }
        /// The same position won in both orders: the verdict followed the
        /// position, not the answers.
        public var positionDecided: Bool { (forward > 0.5) == (swapped > 0.5) }
    }

    /// Each pair labelled in both orders, read in one batch.
    public func label(_ pairs: [(prompt: String, a: String, b: String)]) -> [Label] {
        let prompts = pairs.flatMap { p in
            [Self.judgePrompt(p.prompt, first: p.a, second: p.b, principle: principle),
             Self.judgePrompt(p.prompt, first: p.b, second: p.a, principle: principle)]
        }
        let letters = read(prompts)
        func probabilityOfA(_ l: (a: Float, b: Float)) -> Double { sigmoid(Double(l.a) - Double(l.b)) }
        return pairs.indices.map { Label(forward: probabilityOfA(letters[2 * $0]), swapped: probabilityOfA(letters[2 * $0 + 1])) }
    }
}

extension AILabeler {
    /// The labeler of a chat model: after each judge prompt, log p of the
    /// answer "A" against "B" as `ChatFormat.responseTokens` writes an answer
    /// (" A" in the world's format, "A" after a template's generation prompt;
    /// without the turn's end), read in batches of `batchSize`. Leading tokens the two
    /// encodings share (a lone space, say) join the prompt: their probability
    /// is the same for both letters and cancels in ℓ_A − ℓ_B. What remains of
    /// each is summed over its tokens; when each is one token, as in the
    /// bundled tokenizer, both rows read the same tokens and one forward pass
    /// gives both. A prompt longer than the context keeps its end (the answers
    /// and the question's tail). Nil when one encoding begins the other.
    public init?(model: GPT, tokenizer: BPETokenizer, principle: String? = nil, batchSize: Int = 32) {
        func letter(_ s: String) -> [Int32] {
            var tokens = ChatFormat.responseTokens(s, tokenizer: tokenizer)
            if let stop = ChatFormat.stopToken(tokenizer), tokens.last == stop { tokens.removeLast() }
            return tokens
        }
        let ea = letter("A"), eb = letter("B")
        let shared = zip(ea, eb).prefix { $0 == $1 }.count
        guard shared < ea.count, shared < eb.count else { return nil }
        let lead = Array(ea.prefix(shared)), a = Array(ea.dropFirst(shared)), b = Array(eb.dropFirst(shared))
        let room = max(1, model.config.contextLength - max(a.count, b.count))
        self.init(principle: principle) { prompts in
            var out: [(a: Float, b: Float)] = []
            for start in stride(from: 0, to: prompts.count, by: batchSize) {
                let chunk = prompts[start..<min(start + batchSize, prompts.count)]
                    .map { Array((ChatFormat.promptTokens($0, tokenizer: tokenizer) + lead).suffix(room)) }
                let rowsA = ResponseBatch(chunk.map { (prompt: $0, response: a) })
                let rowsB = ResponseBatch(chunk.map { (prompt: $0, response: b) })
                let lpA = rowsA.logProbabilities(model, forBackward: false)
                // One letter token each: an answer token is only a target, so
                // the rows read the same tokens, and the forward pass serves both.
                let lpB = a.count == 1 && b.count == 1
                    ? rowsB.perResponse(model.tokenLogProbabilities(targets: rowsB.targets)) : rowsB.logProbabilities(model, forBackward: false)
                out += chunk.indices.map { (a: lpA[$0].reduce(0, +), b: lpB[$0].reduce(0, +)) }
            }
            return out
        }
    }
}

extension AILabeler {
    /// Demonstrations of the judge task from preference pairs: each pair twice,
    /// chosen as A (answer "A") and as B (answer "B"), so that a model
    /// finetuned on them learns the answers, not a position. Records other
    /// than pairs are left out.
    public static func demonstrations(_ records: [Record], principle: String? = nil) -> [Record] {
        records.flatMap { record -> [Record] in
            guard case let .preference(prompt, chosen, rejected, _, _, _, _) = record else { return [] }
            return [.completion(prompt: judgePrompt(prompt, first: chosen, second: rejected, principle: principle), completion: "A"),
                    .completion(prompt: judgePrompt(prompt, first: rejected, second: chosen, principle: principle), completion: "B")]
        }
    }

    /// How often the labels agree with a reference preference (true: a is
    /// better), over the pairs the reference separates (nil: it does not),
    /// with its Wilson interval.
    public static func agreement(_ labels: [Label], with reference: [Bool?]) -> Rate {
        var agree = 0, total = 0
        for (label, better) in zip(labels, reference) {
            guard let aIsBetter = better, label.preference != 0.5 else { continue }
            total += 1
            if (label.preference > 0.5) == aIsBetter { agree += 1 }
        }
        return Rate.proportion(agree, of: total)
    }

    /// Position bias, both ways the labels show it: the share of the 2n
    /// single-order verdicts won by the first position (½ for a labeler
    /// without bias, since each pair is asked both ways), and the share of
    /// pairs whose two verdicts went to the same position.
    public static func positionBias(_ labels: [Label]) -> (firstWins: Rate, positionDecided: Rate) {
        let first = labels.map { ($0.forward > 0.5 ? 1 : 0) + ($0.swapped > 0.5 ? 1 : 0) }.reduce(0, +)
        return (Rate.proportion(first, of: 2 * labels.count), Rate.proportion(labels.filter(\.positionDecided).count, of: labels.count))
    }
}
