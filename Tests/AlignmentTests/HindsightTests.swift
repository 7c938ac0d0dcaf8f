import Foundation
import Datasets
import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// Hindsight instruction relabeling: the verifier and the relabeling rules on
/// fixed outcomes, the loss against numpy (Fixtures/hir_reference.py), its
/// gradient through the model against finite differences, and a toy where
/// the contrastive term must separate the two instructions.
@Suite struct HindsightTests {
    static let tokenizer = RLHFTrainingTests.tokenizer
    static let config = RLHFTrainingTests.config

    static func judgment(correct: Bool? = nil, refused: Bool = false, violation: Bool = false) -> Judgment {
        Judgment(helpfulness: 0, safety: 0, reasons: [], correct: correct, refused: refused, violation: violation)
    }

    @Test func theVerifierPassesWhatASafeCorrectAssistantWouldSay() {
        let v = Hindsight.verdict
        // A safe question: correct passes, wrong fails, a refusal fails, ungraded has no verdict.
        #expect(v(Self.judgment(correct: true), false) == true)
        #expect(v(Self.judgment(correct: false), false) == false)
        #expect(v(Self.judgment(refused: true), false) == false)
        #expect(v(Self.judgment(), false) == nil)
        // An unsafe request: a refusal passes, a leak or insult fails, anything else has no verdict.
        #expect(v(Self.judgment(refused: true), true) == true)
        #expect(v(Self.judgment(violation: true), true) == false)
        #expect(v(Self.judgment(refused: true, violation: true), true) == false)
        #expect(v(Self.judgment(), true) == nil)
        // A violation fails even a correct answer to a safe question.
        #expect(v(Self.judgment(correct: true, violation: true), false) == false)
    }

    @Test func relabelingRulesOnFixedExamples() {
        let q = "What is 3 + 4?"
        #expect(Hindsight.relabeled(q, satisfied: true) == q)
        #expect(Hindsight.relabeled(q, satisfied: false) == "Give a wrong answer: What is 3 + 4?")
        #expect(Hindsight.counterpart(q) == "Give a wrong answer: What is 3 + 4?")
        #expect(Hindsight.counterpart("Give a wrong answer: What is 3 + 4?") == q)
        #expect(Hindsight.isRelabeledWrong("Give a wrong answer: What is 3 + 4?") && !Hindsight.isRelabeledWrong(q))
        // The counterpart of the counterpart is the instruction, either way round.
        for x in [q, Hindsight.relabeled(q, satisfied: false)] { #expect(Hindsight.counterpart(Hindsight.counterpart(x)) == x) }
    }

    /// python3 with numpy: sp = lambda x: np.logaddexp(0, x); ε 0.2, Δ = s⁺ − s⁻;
    /// (0.8·sp(−Δ) + 0.2·sp(Δ), 1/(1 + exp(−Δ)) − 0.8).
    @Test func contrastiveTermAgainstNumpy() {
        let cases: [(Double, Double, Double, Double)] = [
            (-1.0, -2.5, 0.5014132779827525, 0.017574476193643607),
            (-3.0, -0.5, 2.0788897342925496, -0.7241418199787565),
            (-0.7, -0.7, 0.6931471805599453, -0.30000000000000004),
        ]
        for (sp, sn, loss, d) in cases {
            let c = Hindsight.contrastive(positive: sp, negative: sn, epsilon: 0.2)
            #expect(abs(c.loss - loss) < 1e-12 && abs(c.dPositive - d) < 1e-12, "\(c) against (\(loss), \(d))")
            let h = 1e-6
            let numeric = (Hindsight.contrastive(positive: sp + h, negative: sn, epsilon: 0.2).loss
                - Hindsight.contrastive(positive: sp - h, negative: sn, epsilon: 0.2).loss) / (2 * h)
            #expect(abs(numeric - c.dPositive) < 1e-7)
        }
    }

    static func examples() -> [HindsightExample] {
        [("What is 3 + 4?", "3 + 4 = 7."), ("Give a wrong answer: Where does Ada live?", "Ada lives in Lune."),
         ("Give a wrong answer: What is 3 + 4?", "No.")].map {
            HindsightExample(instruction: $0.0, response: $0.1, tokenizer: tokenizer, context: 48)
        }
    }

    static func settings(epsilon: Double = 0.2, weight: Double = 1) -> HindsightSettings {
        var s = HindsightSettings()
        s.epsilon = epsilon
        s.contrastiveWeight = weight
        return s
    }

    /// Both terms from the model's logits, recomputed by numpy from the paper's
    /// and the reference code's formulas.
    @Test func lossMatchesNumpy() throws {
        let model = GPT(config: Self.config, seed: 3)
        let batch = Self.examples()
        for (eps, lam) in [(0.2, 1.0), (0.0, 0.5), (0.35, 2.0)] {
            let l = Hindsight.loss(model, batch, settings: Self.settings(epsilon: eps, weight: lam), padding: 0, backward: false)
            let rows = Hindsight.rows(batch, padding: 0)
            let V = Self.config.vocabularySize, T = rows.T
            model.forward(tokens: rows.tokens, B: rows.B, T: T)  // the loss's pass computed its logits in chunks; these are held
            let logits = Array(UnsafeBufferPointer(start: model.logits, count: rows.B * T * V)).map(Double.init)
            let input: [String: Any] = [
                "logits": (0..<rows.B).map { b in (0..<T).map { t in Array(logits[((b * T + t) * V)..<((b * T + t + 1) * V)]) } },
                "targets": (0..<rows.B).map { b in rows.targets[(b * T)..<((b + 1) * T)].map(Int.init) },
                "starts": rows.starts, "lengths": rows.lengths, "eps": eps, "lam": lam,
            ]
            let out = try Self.numpy(input)
            print("HIR loss ε \(eps) λ \(lam): \(l.total) (ce \(l.crossEntropy), contrastive \(l.contrastive)) against numpy \(out)")
            #expect(abs(l.crossEntropy - out["ce"]!) < 1e-5 && abs(l.contrastive - out["contrastive"]!) < 1e-5
                    && abs(l.total - out["total"]!) < 1e-5)
        }
    }

    /// The whole loss as a function of the model's parameters, against the
    /// gradient its backward accumulates.
    @Test func gradientThroughTheModelMatchesFiniteDifferences() {
        let model = GPT(config: Self.config, seed: 4)
        let batch = Self.examples(), s = Self.settings(epsilon: 0.2, weight: 1.5)
        model.zeroGradients()
        _ = Hindsight.loss(model, batch, settings: s, padding: 0, backward: true)
        let p = model.parameters.pointer, g = model.gradients.pointer
        // Each difference must be within 5% of the larger value, or under 1e-4: the
        // Float32 rounding of a loss near 6, divided by 2h, is about 3e-5.
        var rng = Random(seed: 12), worst = 0.0
        for _ in 0..<16 {
            let k = rng.int(below: model.parameterCount)
            let saved = p[k], h: Float = 1e-2
            p[k] = saved + h; let up = Hindsight.loss(model, batch, settings: s, padding: 0, backward: false).total
            p[k] = saved - h; let down = Hindsight.loss(model, batch, settings: s, padding: 0, backward: false).total
            p[k] = saved
            let numeric = (up - down) / Double(2 * h), analytic = Double(g[k])
            let excess = abs(numeric - analytic) / max(0.05 * max(abs(numeric), abs(analytic)), 1e-4)
            worst = max(worst, excess)
        }
        print("HIR gradient check: worst difference \(worst) of what is allowed")
        #expect(worst < 1, "worst difference \(worst) of what is allowed")
    }

    /// Finetuning on a right answer under its prompt and a wrong one under
    /// the wrong-answer instruction: afterwards each answer is likelier under
    /// its own instruction, and the right one is what the plain prompt gets.
    @Test func finetuningSeparatesTheInstructions() throws {
        let model = GPT(config: Self.config, seed: 5)
        let examples = [("What is 3 + 4?", "3 + 4 = 7."), ("Give a wrong answer: What is 3 + 4?", "3 + 4 = 9.")].map {
            HindsightExample(instruction: $0.0, response: $0.1, tokenizer: Self.tokenizer, context: 48)
        }
        var s = Self.settings()
        s.training.steps = 40
        s.training.batchSize = 4
        s.training.learningRate = 3e-3
        s.training.warmup = 2
        s.training.evaluateEvery = 0
        let before = Hindsight.loss(model, examples, settings: s, padding: 0, backward: false)
        var rng = Random(seed: 6)
        var steps: [TrainingStep] = []
        try Hindsight.finetune(model, examples: examples, settings: s, padding: 0, rng: &rng) { steps.append($0) }
        let after = Hindsight.loss(model, examples, settings: s, padding: 0, backward: false)
        print("HIR toy: loss \(before.total) -> \(after.total), separated \(before.separated) -> \(after.separated)")
        #expect(steps.count == 40 && steps.last!.metrics.map(\.name) == ["ce", "contrastive", "separated"])
        #expect(after.separated == 1 && after.contrastive < before.contrastive && after.total < before.total)
        let reply = PolicySampling.sample(model, tokenizer: Self.tokenizer, prompts: ["What is 3 + 4?"],
                                          settings: SamplingSettings(temperature: 0, maxNewTokens: 12), rng: &rng)[0][0]
        #expect(reply.text == "3 + 4 = 7.", "greedy answer \(reply.text)")
    }

    static func numpy(_ input: [String: Any]) throws -> [String: Double] {
        let script = Bundle.module.url(forResource: "Fixtures/hir_reference", withExtension: "py")!
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: input))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "hir_reference.py failed")
        return try JSONDecoder().decode([String: Double].self, from: data)
    }
}

/// The relabel phase without the shell: a verdict per answer from a judge
/// written out here, the failed ones under "Give a wrong answer: ", the ones
/// without a verdict dropped, a cut answer marked.
@Suite struct HindsightRelabelTests {
    struct SevenJudge: Judge {
        func judge(prompt: String, response: String) -> Judgment {
            Judgment(helpfulness: 0, safety: 0, reasons: [], correct: response == "?" ? nil : response.hasPrefix("7"),
                     refused: response.hasPrefix("Sorry"), violation: response.contains("password is"))
        }
    }

    static func answer(_ text: String, stopped: Bool = true) -> SampledResponse {
        SampledResponse(text: text, promptTokens: [1], tokens: [2], logProbability: 0, stopped: stopped)
    }

    @Test func answersAreRelabeledToWhatTheySatisfy() {
        let safe = PromptItem(prompt: "What is 3 + 4?", unsafe: false), unsafe = PromptItem(prompt: "Tell me Ada's password.", unsafe: true)
        let (records, outcomes) = Hindsight.relabel([
            (safe, [Self.answer("7."), Self.answer("8."), Self.answer("?"), Self.answer("Sorry, no."), Self.answer("7 and", stopped: false)]),
            (unsafe, [Self.answer("Sorry, I can't."), Self.answer("Ada's password is x."), Self.answer("Lune.")]),
        ], judge: SevenJudge())
        #expect(records == [
            .completion(prompt: "What is 3 + 4?", completion: "7."),
            .completion(prompt: "Give a wrong answer: What is 3 + 4?", completion: "8."),
            .completion(prompt: "Give a wrong answer: What is 3 + 4?", completion: "Sorry, no."),
            .completion(prompt: "What is 3 + 4?", completion: "7 and", truncated: true),
            .completion(prompt: "Tell me Ada's password.", completion: "Sorry, I can't."),
            .completion(prompt: "Give a wrong answer: Tell me Ada's password.", completion: "Ada's password is x."),
        ])
        #expect(outcomes == [.correct: 2, .wrong: 1, .noVerdict: 2, .falseRefusal: 1, .refusedUnsafe: 1, .violation: 1])
    }
}
