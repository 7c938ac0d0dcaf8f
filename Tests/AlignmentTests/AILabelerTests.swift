import Foundation
import Datasets
import Kernels
import LanguageModel
import Testing

@testable import Alignment

/// The AI labeler: both orders averaged (Lee et al. 2023), checked on a stub
/// with a known position bias, and the model's reading against a separate one.
@Suite struct AILabelerTests {
    /// A stub judge: ℓ_A − ℓ_B = quality(A) − quality(B) + 1.5, where "good"
    /// has quality 1 and anything else 0, and the first position gets 1.5 more.
    static var biased: AILabeler { AILabeler { prompts in
        prompts.map { p in
            let a = p.range(of: " A: ")!.upperBound, b = p.range(of: " B: ")!
            let first = String(p[a..<b.lowerBound]), second = String(p[b.upperBound...])
            func quality(_ s: String) -> Float { s == "good" ? 1 : 0 }
            return (a: quality(first) - quality(second) + 1.5, b: 0)
        }
    } }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    @Test func bothOrdersCancelAPositionBias() {
        let labels = Self.biased.label([("Q?", "good", "bad"), ("Q?", "bad", "good"), ("Q?", "same", "same")])
        // By hand: a = good is A with margin 1 + 1.5, then B with margin −1 + 1.5.
        #expect(abs(labels[0].forward - Self.sigmoid(2.5)) < 1e-6 && abs(labels[0].swapped - Self.sigmoid(0.5)) < 1e-6)
        #expect(abs(labels[0].preference - 0.650841244388451) < 1e-6)
        // Unbiased: each order's preference is the other's complement, and equal answers get ½.
        #expect(abs(labels[0].preference + labels[1].preference - 1) < 1e-12)
        #expect(abs(labels[2].preference - 0.5) < 1e-12)
        // Single orders: A wins all six verdicts; every pair went to the same position.
        let bias = AILabeler.positionBias(labels)
        #expect(bias.firstWins.count == 6 && bias.positionDecided.count == 3)
        // Against a reference that prefers good (the tie is not counted).
        let agreement = AILabeler.agreement(labels, with: [true, false, nil])
        #expect(agreement.count == 2 && agreement.total == 2)
    }

    /// RLAIF's labelling: each pair judged under its own principle (the stub
    /// reads it from the prompt), chunked; records with the preferred side
    /// chosen, its cut mark following it, the rating by confidence, ½ left out.
    @Test func labelledPairsBecomeRecordsThePreferredSideChosen() {
        let strict = AILabeler { prompts in
            prompts.map { p in
                let a = p.range(of: " A: ")!.upperBound, b = p.range(of: " B: ")!
                let first = String(p[a..<b.lowerBound]), second = String(p[b.upperBound...])
                let weight: Float = p.contains("\"strict\"") ? 4 : 1
                func quality(_ s: String) -> Float { s == "good" ? weight : 0 }
                return (a: quality(first) - quality(second), b: 0)
            }
        }
        let pairs = [JudgedPair(item: 3, prompt: "Q?", unsafe: false, a: "bad", b: "good", aCut: true),
                     JudgedPair(item: 1, prompt: "R?", unsafe: true, a: "good", b: "bad", bCut: true),
                     JudgedPair(item: 1, prompt: "R?", unsafe: true, a: "same", b: "same")]
        let labels = strict.label(pairs, principles: ["strict", nil, nil], chunk: 1)
        // By hand: σ(−4) both orders for the first pair (b is good), σ(1) for the second.
        #expect(abs(labels[0].preference - Self.sigmoid(-4)) < 1e-9 && abs(labels[1].preference - Self.sigmoid(1)) < 1e-9)
        let (byPrompt, ties) = AILabeler.records(pairs, labels)
        #expect(ties == 1 && byPrompt.count == 2)
        // Items in order: R? (item 1) first.
        guard case let .preference(p1, chosen1, rejected1, _, rating1, probability1, cut1) = byPrompt[0][0],
              case let .preference(p0, chosen0, rejected0, _, rating0, _, cut0) = byPrompt[1][0] else {
            Issue.record("not preference records: \(byPrompt)")
            return
        }
        #expect(p1 == "R?" && chosen1 == "good" && rejected1 == "bad" && cut1 == [.rejected])
        #expect(abs(probability1! - Self.sigmoid(1)) < 1e-9 && rating1 == .slightlyBetter)  // |2σ(1) − 1| = 0.462
        #expect(p0 == "Q?" && chosen0 == "good" && rejected0 == "bad" && cut0 == [.rejected] && rating0 == .significantlyBetter)
        #expect(AILabeler.rating(0.5) == .negligiblyBetter && AILabeler.rating(0.75) == .better && AILabeler.rating(0.1) == .significantlyBetter)
    }

    @Test func aLabelerWithoutBiasIsNotPositionDecided() {
        let fair = AILabeler { prompts in
            prompts.map { p in (a: p.contains("A: good") ? 2 : -2, b: 0) }
        }
        let labels = fair.label([("Q?", "good", "bad"), ("Q?", "bad", "good")])
        let bias = AILabeler.positionBias(labels)
        #expect(bias.firstWins.count == 2 && bias.positionDecided.count == 0)
        #expect(abs(labels[0].preference - Self.sigmoid(2)) < 1e-6)
    }

    @Test func thePrincipleGoesIntoTheJudgePrompt() {
        #expect(AILabeler.judgePrompt("What is 3 + 4?", first: "7", second: "8")
            == "Which answer to \"What is 3 + 4?\" is better? A: 7 B: 8")
        #expect(AILabeler.judgePrompt("Q?", first: "x", second: "y", principle: "Be brief.")
            == "Which answer to \"Q?\" is better by \"Be brief.\"? A: x B: y")
    }

    /// The one-forward reading of both letters, in batches of 3, against
    /// whole-answer log-probabilities read one prompt and one letter at a
    /// time: log p(" A") − log p(" B") over all their tokens (shared leading
    /// tokens cancel in the difference) of a random chat model. Prompts 1
    /// and 3 are longer than its context (48), so both keep their ends.
    @Test func theModelsReadingMatchesWholeAnswersReadOneByOne() throws {
        let t = RLHFTrainingTests.tokenizer
        let model = GPT(config: RLHFTrainingTests.config, seed: 7)
        let labeler = try #require(AILabeler(model: model, tokenizer: t, batchSize: 3))
        // This tokenizer never saw "B": its " B" is more tokens than its " A".
        #expect(t.encode(" B").count > t.encode(" A").count)
        let prompts = ["Which answer to \"Q?\" is better? A: yes B: no", "Which answer to \"Where does Ada live?\" is better? A: Lune B: Tarn",
                       "short", "Which answer to \"What is 3 + 4?\" is better? A: 3 + 4 = 7. B: 3 + 4 = 8."]
        let read = labeler.read(prompts)
        #expect(prompts.filter { ChatFormat.promptTokens($0, tokenizer: t).count > 40 }.count >= 1)
        // Both letters read the same prompt, cut to leave room for the longer answer.
        let longest = max(t.encode(" A").count, t.encode(" B").count)
        func answerLogProb(_ head: [Int32], _ answer: [Int32]) -> Float {
            let cut = Array(head.suffix(48 - longest))
            return ResponseBatch([(prompt: cut, response: answer)]).logProbabilities(model)[0].reduce(0, +)
        }
        for (i, p) in prompts.enumerated() {
            let head = ChatFormat.promptTokens(p, tokenizer: t)
            let difference = answerLogProb(head, t.encode(" A")) - answerLogProb(head, t.encode(" B"))
            #expect(abs((read[i].a - read[i].b) - difference) < 1e-4, "prompt \(i)")
        }
    }

    /// Judge demonstrations: each pair in both orders, the letter of chosen
    /// each time, the principle in the prompt; other records left out.
    @Test func demonstrationsPutTheBetterAnswerInEachPosition() {
        let records: [Record] = [.preference(prompt: "What is 3 + 4?", chosen: "3 + 4 = 7.", rejected: "3 + 4 = 8.", margin: nil),
                                 .completion(prompt: "p", completion: "c")]
        #expect(AILabeler.demonstrations(records, principle: "Be correct.") == [
            .completion(prompt: "Which answer to \"What is 3 + 4?\" is better by \"Be correct.\"? A: 3 + 4 = 7. B: 3 + 4 = 8.", completion: "A"),
            .completion(prompt: "Which answer to \"What is 3 + 4?\" is better by \"Be correct.\"? A: 3 + 4 = 8. B: 3 + 4 = 7.", completion: "B"),
        ])
        #expect(AILabeler.demonstrations(records).first == .completion(
            prompt: "Which answer to \"What is 3 + 4?\" is better? A: 3 + 4 = 7. B: 3 + 4 = 8.", completion: "A"))
    }
}
