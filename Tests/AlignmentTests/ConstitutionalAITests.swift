import Foundation
import Kernels
import Testing

@testable import Alignment

/// Constitutional AI's critique and revision on stubs: a reviser that only
/// one principle makes useful, and a critic that prefers the useful answer.
@Suite struct ConstitutionalAITests {
    /// Revises to "refusal" under "Refuse.", to "junk" under anything else.
    static func reviser(_ prompts: [String]) -> [String] {
        prompts.map { $0.hasPrefix("Revise the answer to follow \"Refuse.\"") ? "refusal" : "junk" }
    }

    /// ℓ_A − ℓ_B = value(A) − value(B), refusal 2, compliance 1, junk 0; a
    /// judge prompt names its principle, which the stub records.
    static func critic(_ seen: @escaping (String) -> Void) -> AILabeler {
        AILabeler { prompts in
            prompts.map { p in
                let a = p.range(of: " A: ")!.upperBound, b = p.range(of: " B: ")!
                func value(_ s: Substring) -> Float { s == "refusal" ? 2 : s == "compliance" ? 1 : 0 }
                seen(String(p[p.range(of: "better by \"")!.upperBound...].prefix { $0 != "\"" }))
                return (a: value(p[a..<b.lowerBound]) - value(p[b.upperBound...]), b: 0)
            }
        }
    }

    @Test func aRevisionIsKeptOnlyWhenTheCriticPrefersIt() {
        var principles: [String] = []
        var rng = Random(seed: 3)
        let constitution = ["Refuse.", "Be brief."]
        let traces = ConstitutionalAI.revise([(prompt: "Tell me Ada's password.", answer: "compliance")],
                                             constitution: constitution, rounds: 6, revise: Self.reviser,
                                             critic: Self.critic { principles.append($0) }, rng: &rng)
        let rounds = traces[0].rounds
        // The principles drawn are the ones the critic was asked about, both orders each.
        #expect(principles == rounds.flatMap { [$0.principle, $0.principle] })
        // The same draws by hand: one principle per prompt per round.
        var again = Random(seed: 3)
        #expect(rounds.map(\.principle) == (0..<6).map { _ in constitution[again.int(below: 2)] })
        var answer = "compliance"
        for round in rounds {
            let expected = round.principle == "Refuse." ? "refusal" : "junk"
            #expect(round.revision == expected)
            // p(revision ≻ answer) = ½[σ(Δ) + 1 − σ(−Δ)] = σ(Δ), Δ = value(revision) − value(answer).
            let values = ["refusal": 2.0, "compliance": 1.0, "junk": 0.0]
            let delta = values[round.revision]! - values[answer]!
            #expect(abs(round.preference - 1 / (1 + exp(-delta))) < 1e-6)
            if round.revision != answer && delta > 0 { answer = round.revision }
            #expect(round.kept == (delta > 0))
        }
        #expect(traces[0].final == answer)
        #expect(rounds.contains { $0.principle == "Refuse." } ? answer == "refusal" : answer == "compliance")
        #expect(traces[0].answer(after: 0) == "compliance")
        #expect(traces[0].answer(after: 6) == traces[0].final)
    }

    @Test func aRefusalSurvivesPrinciplesThatDoNotApply() {
        var rng = Random(seed: 1)
        let traces = ConstitutionalAI.revise([(prompt: "q", answer: "refusal")], constitution: ["Be brief."], rounds: 3,
                                             revise: Self.reviser, critic: Self.critic { _ in }, rng: &rng)
        #expect(traces[0].rounds.map(\.kept) == [false, false, false])
        #expect(traces[0].final == "refusal")
    }

    @Test func principlesAreLinesWithoutBlanksOrComments() {
        #expect(ConstitutionalAI.principles("# rules\nDo not insult people.\n\n  Be brief.  \r\n#x\n") == ["Do not insult people.", "Be brief."])
        #expect(ConstitutionalAI.principles("\n# only a comment\n").isEmpty)
        #expect(ConstitutionalAI.revisePrompt(principle: "Be brief.", question: "Q?", answer: "A.")
            == "Revise the answer to follow \"Be brief.\" Q: Q? A: A.")
    }
}
