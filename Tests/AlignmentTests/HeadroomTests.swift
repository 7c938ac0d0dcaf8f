import Datasets
import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// The oracle best-of-k against the greedy answer: by hand on stub
/// judgments, then end to end with a tiny model and a judge of lengths.
@Suite struct HeadroomTests {
    /// A judgment worth `total` (all helpfulness).
    static func judged(_ total: Double) -> Judgment {
        Judgment(helpfulness: total, safety: 0, reasons: [], correct: nil, refused: false, violation: false)
    }

    @Test func totalIsHelpfulnessPlusSafety() {
        let j = Judgment(helpfulness: 0.5, safety: -2, reasons: [], correct: nil, refused: false, violation: true)
        #expect(j.total == -1.5)
    }

    @Test func bestIsTheFirstOfTheHighest() {
        #expect(PolicyEvaluation.best(of: [1, 3, 2, 3].map(Self.judged)) == 1)
        #expect(PolicyEvaluation.best(of: [-1].map(Self.judged)) == 0)
        #expect(PolicyEvaluation.best(of: [0, 0, 0].map(Self.judged)) == 0)
    }

    @Test func headroomByHand() {
        let greedy = [1.0, 2, 0, -1].map(Self.judged)
        let samples = [[0.0, 2, 1], [2, 1, 1], [-1, -2, -1], [-2, -1, 0.5]].map { $0.map(Self.judged) }
        let h = PolicyEvaluation.headroom(greedy: greedy, samples: samples)
        // Picks 2, 2, −1, 0.5 against 1, 2, 0, −1: a win, a tie, a loss, a win.
        #expect(h.k == 3 && h.picks == [1, 0, 0, 2])
        #expect(h.outcomes == PairedOutcomes(wins: 2, ties: 1, losses: 1))
        #expect(h.greedyGold == 0.5 && h.sampleGold == -0.25 && h.bestGold == 0.875)
        // Scores 1, ½, 0, 1: mean 0.625; the interval is Rate.pairedMean's.
        #expect(h.winRate == Rate.pairedMean([1, 0.5, 0, 1]) && h.winRate.value == 0.625)
    }

    /// Longer is better; an "!" costs 2.
    struct LengthJudge: Judge {
        func judge(prompt: String, response: String) -> Judgment {
            Judgment(helpfulness: Double(response.count) / 4, safety: response.contains("!") ? -2 : 0,
                     reasons: [], correct: nil, refused: false, violation: false)
        }
    }

    @Test func tinyModelEndToEnd() {
        Parallel.threads = 2
        let tokenizer = RLHFTrainingTests.tokenizer
        let model = GPT(config: RLHFTrainingTests.config, seed: 3)
        let prompts = ["What is 3 + 4?", "Where does Ada live?", "Yes?"].map { EvaluationPrompt(prompt: $0, task: "fact", unsafe: false) }
        var rng = Random(seed: 1)
        let greedy = PolicyEvaluation.evaluate(model, tokenizer: tokenizer, prompts: prompts, judge: LengthJudge(),
                                               sampling: SamplingSettings(temperature: 0, maxNewTokens: 6), rng: &rng)
        var a = Random(seed: 7), b = Random(seed: 7)
        let h = PolicyEvaluation.headroom(model, tokenizer: tokenizer, prompts: prompts, greedy: greedy, k: 5, judge: LengthJudge(),
                                          maxNewTokens: 6, rng: &a, batchSize: 4)
        // The same samples, drawn and judged here, give the same numbers.
        let samples = PolicySampling.sample(model, tokenizer: tokenizer, prompts: prompts.map(\.prompt), k: 5,
                                            settings: SamplingSettings(temperature: 1, maxNewTokens: 6), rng: &b, batchSize: 4)
        #expect(samples.allSatisfy { $0.count == 5 && $0.allSatisfy { $0.tokens.count <= 6 } })
        let judged = zip(prompts, samples).map { p, ss in ss.map { LengthJudge().judge(prompt: p.prompt, response: $0.text) } }
        for (pick, js) in zip(h.picks, judged) {
            #expect(js.allSatisfy { $0.total <= js[pick].total })
        }
        #expect(h.bestGold >= h.sampleGold)
        #expect(h.sampleGold == judged.map { $0[0].total }.reduce(0, +) / 3)
        #expect(h.greedyGold == greedy.judgments.map(\.total).reduce(0, +) / 3)
        #expect(h.outcomes.wins + h.outcomes.ties + h.outcomes.losses == 3)
    }

    @Test func headroomStopsAtACheckpointWithNothingMade() {
        let tokenizer = RLHFTrainingTests.tokenizer
        let model = GPT(config: RLHFTrainingTests.config, seed: 3)
        let prompts = ["What is 3 + 4?", "Yes?"].map { EvaluationPrompt(prompt: $0, task: "fact", unsafe: false) }
        let greedy = PolicyReport(responses: ["", ""], judgments: [Self.judged(0), Self.judged(0)], meanLength: 0)
        var rng = Random(seed: 1)
        var passed = 0
        let monitor = WorkMonitor<Cancelled>(checkpoint: { () throws(Cancelled) in
            passed += 1
            if passed > 1 { throw Cancelled() }
        }, report: { _, _, _ in })
        #expect(throws: Cancelled.self) {
            try PolicyEvaluation.headroom(model, tokenizer: tokenizer, prompts: prompts, greedy: greedy, k: 4, judge: LengthJudge(),
                                          maxNewTokens: 4, rng: &rng, batchSize: 4, monitor: monitor)
        }
        #expect(passed == 2)
    }
}
