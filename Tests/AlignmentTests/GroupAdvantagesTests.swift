import Foundation
import Testing
@testable import Alignment

/// GRPO, Dr. GRPO and RLOO advantages and GRPO's k3 term against values from
/// python3 with numpy:
///     grpo (r − r.mean()) / (r.std(ddof=1) + 1e-4);  dr_grpo r − r.mean();
///     rloo r − (r.sum() − r) / (k − 1);  k3 with x = ref − logp: exp(x) − x − 1, gradient 1 − exp(x).
@Suite struct GroupAdvantagesTests {
    static let groups: [(rewards: [Double], grpo: [Double], drgrpo: [Double], rloo: [Double])] = [
        ([1.0, 0.0, 0.5, -0.5], [1.161715031743, -0.387238343914, 0.387238343914, -1.161715031743],
         [0.75, -0.25, 0.25, -0.75], [1.0, -0.333333333333, 0.333333333333, -1.0]),
        ([0.2, 0.2, 0.2], [0, 0, 0], [0, 0, 0], [0, 0, 0]),
        ([2.0, -1.0], [0.707073449424, -0.707073449424], [1.5, -1.5], [3.0, -3.0]),
        ([0.3, 1.7, -0.4, 0.9, 0.0, 1.1],
         [-0.387248341075, 1.419910583941, -1.290827803583, 0.387248341075, -0.77449668215, 0.645413901791],
         [-0.3, 1.1, -1.0, 0.3, -0.6, 0.5], [-0.36, 1.32, -1.2, 0.36, -0.72, 0.6]),
    ]

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-9) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < tolerance }
    }

    @Test func advantagesMatchNumpy() {
        for g in Self.groups {
            #expect(Self.close(GroupBaseline.grpo.advantages(g.rewards), g.grpo), "grpo \(g.rewards)")
            #expect(Self.close(GroupBaseline.drgrpo.advantages(g.rewards), g.drgrpo), "dr_grpo \(g.rewards)")
            #expect(Self.close(GroupBaseline.rloo.advantages(g.rewards), g.rloo), "rloo \(g.rewards)")
        }
    }

    @Test func groupsLaidOutInARowAndTheFlatOnesCounted() {
        let rewards = [1.0, 0.0, 0.5, -0.5] + [0.2, 0.2, 0.2, 0.2] + [3, 3, 3, 3]
        let (advantages, flat) = GroupBaseline.rloo.advantages(rewards, groupSize: 4)
        #expect(flat == 2)
        #expect(Self.close(Array(advantages[0..<4]), Self.groups[0].rloo))
        #expect(advantages[4...].allSatisfy { abs($0) < 1e-12 })
    }

    @Test func aGroupOfOneHasNoBaseline() {
        for b in GroupBaseline.allCases { #expect(b.advantages([0.7]) == [0]) }
    }

    @Test func k3AndItsGradientMatchNumpyAndFiniteDifferences() {
        let cases: [(Float, Float, Double, Double)] = [
            (-1.2, -0.7, 0.1487212707001282, -0.6487212707001282),
            (-0.3, -2.1, 0.9652988882215865, 0.8347011117784134),
            (-1.0, -1.0, 0, 0),
        ]
        for (lp, ref, value, gradient) in cases {
            let k = k3Divergence(logProb: lp, referenceLogProb: ref)
            #expect(abs(k.value - value) < 1e-6 && abs(k.dLogProb - gradient) < 1e-6, "\(lp), \(ref): \(k)")
            #expect(k.value >= 0)
            // Central difference in Double, independent of the Float inputs' rounding.
            let h = 1e-5, x = Double(ref) - Double(lp)
            func f(_ logp: Double) -> Double { let y = Double(ref) - logp; return exp(y) - y - 1 }
            let numeric = (f(Double(lp) + h) - f(Double(lp) - h)) / (2 * h)
            #expect(abs(numeric - k.dLogProb) < 1e-5, "numeric \(numeric) vs \(k.dLogProb) at x = \(x)")
        }
    }
}
