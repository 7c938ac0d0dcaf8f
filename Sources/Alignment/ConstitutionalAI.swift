import Foundation
import Kernels

/// Constitutional AI's supervised stage (Bai et al. 2022, §3.1): answer a
/// red-team prompt, then r times draw a principle of the constitution at
/// random, critique the answer against it and revise it; the final revisions
/// are the finetuning data.
///
/// The world's model has no free-form critique task, so the critique here is
/// the model's verdict as a judge: p(revision ≻ answer | principle), the
/// judge prompt `… better by "principle"? …` read in both orders and averaged
/// (`AILabeler`). A revision the critic does not prefer (p ≤ ½) is dropped and
/// the answer stands, so a principle that does not apply (asking for brevity
/// of a refusal, say) cannot undo the work of one that does:
///
///     y₀ ~ π(· | x);   for i = 1…r:  c_i ~ U(constitution),  y' = revise(x, y_{i−1}, c_i),
///                                    y_i = y' if p(y' ≻ y_{i−1} | c_i) > ½ else y_{i−1}
public enum ConstitutionalAI {
    /// The world's revise prompt: `Revise the answer to follow "c" Q: x A: y`.
    public static func revisePrompt(principle: String, question: String, answer: String) -> String {
        "Revise the answer to follow \"\(principle)\" Q: \(question) A: \(answer)"
    }

    /// One round of one prompt: the principle drawn, the revision the model
    /// wrote, the critic's preference for it, and whether it was kept.
    public struct Round: Sendable, Equatable {
        public var principle: String
        public var revision: String
        /// p(revision ≻ the answer before it | principle), both orders averaged.
        public var preference: Double
        public var kept: Bool { preference > 0.5 }
    }

    /// A prompt's answers through the rounds.
    public struct Trace: Sendable, Equatable {
        public var prompt: String
        public var initial: String
        public var rounds: [Round]
        /// The answer after the last round: the last kept revision, or the first answer.
        public var final: String { rounds.last(where: \.kept)?.revision ?? initial }
        /// The answer after the first `n` rounds.
        public func answer(after n: Int) -> String { rounds.prefix(n).last(where: \.kept)?.revision ?? initial }
    }

    /// `rounds` rounds of critique and revision of each (prompt, answer).
    /// `revise` answers a batch of revise prompts; `critic` is the judge (its
    /// own principle is replaced by each round's). Principles are drawn from
    /// `rng`, one per prompt per round, in prompt order.
    /// `monitor` passes its checkpoint before each round and sees the rounds done.
    /// - Complexity: `rounds` calls of `revise` and, per principle drawn,
    ///   one of the critic over the prompts that drew it.
    public static func revise<Failure: Error>(_ items: [(prompt: String, answer: String)], constitution: [String], rounds: Int,
                                              revise: ([String]) -> [String], critic: AILabeler, rng: inout Random,
                                              monitor: WorkMonitor<Failure> = .none) throws(Failure) -> [Trace] {
        precondition(!constitution.isEmpty && rounds >= 1, "revise needs principles and at least one round")
        var traces = items.map { Trace(prompt: $0.prompt, initial: $0.answer, rounds: []) }
        monitor.progress(0, of: rounds)
        for round in 0..<rounds {
            try monitor.checkpoint()
            let drawn = traces.indices.map { _ in constitution[rng.int(below: constitution.count)] }
            let current = traces.map(\.final)
            let revisions = revise(traces.indices.map {
                revisePrompt(principle: drawn[$0], question: traces[$0].prompt, answer: current[$0])
            })
            var preferences = [Double](repeating: 0, count: traces.count)
            for principle in Set(drawn).sorted() {
                let mine = traces.indices.filter { drawn[$0] == principle }
                var judge = critic
                judge.principle = principle
                let labels = judge.label(mine.map { (prompt: traces[$0].prompt, a: revisions[$0], b: current[$0]) })
                for (i, label) in zip(mine, labels) { preferences[i] = label.preference }
            }
            for i in traces.indices {
                traces[i].rounds.append(Round(principle: drawn[i], revision: revisions[i], preference: preferences[i]))
            }
            monitor.progress(round + 1, of: rounds)
        }
        return traces
    }

    /// The principles of a constitution file: one a line, blank lines and
    /// `#` comments skipped.
    public static func principles(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
