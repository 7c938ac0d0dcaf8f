import Foundation
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

    /// The one-forward reading of both letters, in batches of 3, against two
    /// separate forward passes per prompt, one per letter, of a random chat
    /// model; prompts 1 and 3 are longer than its context.
    @Test func theModelsReadingMatchesOneForwardPerLetter() throws {
        let t = RLHFTrainingTests.tokenizer
        let model = GPT(config: RLHFTrainingTests.config, seed: 7)
        let labeler = try #require(AILabeler(model: model, tokenizer: t, batchSize: 3))
        let prompts = ["Which answer to \"Q?\" is better? A: yes B: no", "Which answer to \"Where does Ada live?\" is better? A: Lune B: Tarn",
                       "short", "Which answer to \"What is 3 + 4?\" is better? A: 3 + 4 = 7. B: 3 + 4 = 8."]
        let read = labeler.read(prompts)
        #expect(prompts.filter { ChatFormat.promptTokens($0, tokenizer: t).count > 47 }.count >= 1)
        let a = t.encode(" A")[0], b = t.encode(" B")[0]
        for (i, p) in prompts.enumerated() {
            // A prompt longer than the context (48) keeps its last 47 tokens, before the letter.
            let head = Array(ChatFormat.promptTokens(p, tokenizer: t).suffix(47))
            let la = ResponseBatch([(prompt: head, response: [a])]).logProbabilities(model)[0][0]
            let lb = ResponseBatch([(prompt: head, response: [b])]).logProbabilities(model)[0][0]
            #expect(abs(read[i].a - la) < 1e-4 && abs(read[i].b - lb) < 1e-4, "prompt \(i)")
        }
    }
}
