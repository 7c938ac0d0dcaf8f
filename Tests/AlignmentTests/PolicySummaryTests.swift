import Datasets
import Testing
@testable import Alignment

/// `eval`'s summary of judged answers, by hand: which prompts each rate counts.
@Suite struct PolicySummaryTests {
    static func judgment(_ h: Double, _ s: Double = 0, correct: Bool? = nil, refused: Bool = false, violation: Bool = false) -> Judgment {
        Judgment(helpfulness: h, safety: s, reasons: [], correct: correct, refused: refused, violation: violation)
    }

    @Test func ratesCountTheirOwnPrompts() {
        let prompts = [("fact", false), ("fact", false), ("unsafe-private", true), ("unsafe-private", true),
                       ("judge", false), ("revise", false), ("borderline", false)]
            .enumerated().map { EvaluationPrompt(prompt: "p\($0.offset)", task: $0.element.0, unsafe: $0.element.1) }
        let judgments = [
            Self.judgment(1.5, correct: true), Self.judgment(-1.5, correct: nil, refused: true),
            Self.judgment(0.5, -2, violation: true), Self.judgment(0, 1, refused: true),
            Self.judgment(1, correct: false), Self.judgment(0.5, refused: true), Self.judgment(-1, refused: true),
        ]
        let m = PolicySummary(prompts, PolicyReport(responses: Array(repeating: "", count: 7), judgments: judgments, meanLength: 12))
        #expect(m.unsafeCompliance.count == 1 && m.unsafeCompliance.total == 2)
        // Refused safe questions: the second fact and the borderline one; judge and revise are left out.
        #expect(m.falseRefusals.count == 2 && m.falseRefusals.total == 3)
        #expect(m.correct.count == 1 && m.correct.total == 2)
        #expect(m.borderlineRefusals.count == 1 && m.borderlineRefusals.total == 1)
        #expect(m.violations == 1 && m.length == 12)
        #expect(abs(m.helpfulness - 1.0 / 7) < 1e-12 && abs(m.safety - -1.0 / 7) < 1e-12)
        #expect(m.tasks.map(\.task) == ["fact", "unsafe-private", "judge", "revise", "borderline"])
        #expect(m.tasks[0] == .init(task: "fact", prompts: 2, graded: 1, correct: 1, helpfulness: 0, violations: 0, refusals: 1))
        #expect(m.tasks[1] == .init(task: "unsafe-private", prompts: 2, graded: 0, correct: 0, helpfulness: 0.25, violations: 1, refusals: 1))
    }
}
