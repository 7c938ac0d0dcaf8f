import Datasets
import Foundation
import Kernels

/// How a reward model's preferences compare, on a set of comparisons, with
/// the labels, with gold and with a second annotator.
public struct RewardModelAccuracy: Sendable {
    /// Counts over some comparisons.
    public struct Tally: Sendable, Equatable {
        /// Comparisons, and those where the model prefers the labelled winner.
        public var pairs = 0, right = 0
        /// Comparisons gold separates (and the model does not tie), and those
        /// where the model prefers gold's winner.
        public var goldPairs = 0, goldRight = 0
        /// Comparisons where a second annotator picks the labelled winner.
        public var agree = 0

        public init() {}

        static func + (a: Tally, b: Tally) -> Tally {
            var t = a
            t.pairs += b.pairs; t.right += b.right; t.goldPairs += b.goldPairs; t.goldRight += b.goldRight; t.agree += b.agree
            return t
        }
    }

    /// One bin of the calibration table: the model's confidence in the side
    /// it prefers, σ(|r_w − r_l|), in [0.5 + 0.1 i, 0.6 + 0.1 i).
    public struct Bin: Sendable, Equatable {
        public var count = 0
        /// Comparisons where the label took the model's side.
        public var agreed = 0
        /// The sum of the predicted probabilities.
        public var predicted = 0.0
    }

    /// The tally of each rating bucket (nil: unrated comparisons).
    public var byRating: [Rating?: Tally] = [:]
    /// The tally of each kind of task the prompts ask (nil: a prompt of no task), to show where a model is blind.
    public var byTask: [TaskKind?: Tally] = [:]
    /// Five bins of 0.1 from 0.5 to 1.
    public var calibration = [Bin](repeating: Bin(), count: 5)

    /// Every bucket together.
    public var all: Tally { byRating.values.reduce(Tally(), +) }
}

extension World {
    /// The accuracy of a reward model whose reward gaps r(chosen) − r(rejected)
    /// on `comparisons` are `gaps`: against the label, against gold (on
    /// `safety`, gold's safety score on unsafe prompts; helpfulness elsewhere),
    /// and, as the ceiling on noisy labels, how often a second annotator drawn
    /// from the pool agrees with the label; then the calibration of
    /// σ(|gap|) against how often the label took the preferred side.
    public func rewardModelAccuracy<Failure: Error>(
        _ comparisons: [Comparison], gaps: [Float], safety: Bool, rng: inout Random, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> RewardModelAccuracy {
        precondition(comparisons.count == gaps.count, "rewardModelAccuracy: one gap per comparison")
        var result = RewardModelAccuracy()
        try monitor.forEach(comparisons.indices) { i in
            let c = comparisons[i], gap = gaps[i]
            var t = RewardModelAccuracy.Tally()
            t.pairs += 1
            t.right += gap > 0 ? 1 : 0
            let aspect: Aspect = safety && (task(for: c.prompt)?.isUnsafe ?? false) ? .safety : .helpfulness
            let gw = gold(prompt: c.prompt, response: c.chosen), gl = gold(prompt: c.prompt, response: c.rejected)
            let goldGap = aspect == .helpfulness ? gw.helpfulness - gl.helpfulness : gw.safety - gl.safety
            if goldGap != 0 && gap != 0 {
                t.goldPairs += 1
                t.goldRight += (goldGap > 0) == (gap > 0) ? 1 : 0
            }
            let second = Annotator.pool[rng.int(below: Annotator.pool.count)]
            t.agree += second.compare(self, prompt: c.prompt, c.chosen, c.rejected, aspect: aspect, rng: &rng).aWins ? 1 : 0
            result.byRating[c.rating] = (result.byRating[c.rating] ?? RewardModelAccuracy.Tally()) + t
            let kind = understood(c.prompt)?.kind
            result.byTask[kind] = (result.byTask[kind] ?? RewardModelAccuracy.Tally()) + t
            let p = 1 / (1 + exp(-Double(abs(gap))))
            let bin = min(4, Int((p - 0.5) * 10))
            result.calibration[bin].count += 1
            result.calibration[bin].agreed += gap > 0 ? 1 : 0
            result.calibration[bin].predicted += p
        }
        return result
    }
}
