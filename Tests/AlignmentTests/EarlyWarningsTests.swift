import Testing
@testable import Alignment

/// The early warnings: each fires on the run it describes, once while its
/// condition lasts, and not on a healthy run.
@Suite struct EarlyWarningsTests {
    static func step(proxy: Double = 0, gold: Double = 0, k1: Double = 0.1, k3: Double = 0.1, entropy: Double = 1,
                     length: Double = 10) -> StepSignals {
        StepSignals(proxy: proxy, gold: gold, klK1: k1, klK3: k3, entropy: entropy, length: length)
    }

    static func lines(_ steps: [StepSignals]) -> [[String]] {
        var w = EarlyWarnings(maxLength: 24)
        return steps.map { w.observe($0) }
    }

    @Test func aHealthyRunIsQuiet() {
        let steps = (0..<10).map { Self.step(proxy: 0.05 * Double($0), gold: 0.04 * Double($0), k3: 0.1 * Double($0)) }
        #expect(Self.lines(steps).allSatisfy { $0.isEmpty })
    }

    @Test func proxyUpGoldDownWarnsWithItsIntervalsOnceWhileItLasts() {
        let proxy = [0, 0.1, 0.25, 0.3, 0.42, 0.5, 0.61, 0.7], gold = [0.5, 0.52, 0.45, 0.4, 0.41, 0.33, 0.3, 0.22]
        let steps = proxy.indices.map { Self.step(proxy: proxy[$0], gold: gold[$0]) }
        let out = Self.lines(steps + [Self.step(proxy: 0.8, gold: 0.15)]).map { $0.filter { $0.contains("reward hacking") } }
        // Not before 8 steps; at the 8th, scipy.stats.linregress with t(0.975, 6) = 2.447: proxy +0.0990 [+0.0919, +0.1062],
        // gold −0.0406 [−0.0509, −0.0303]; the 9th step continues it, so nothing new is said.
        #expect(out.prefix(7).allSatisfy(\.isEmpty) && out[7].count == 1 && out[8].isEmpty)
        #expect(out[7].first?.hasPrefix("warning: proxy rising (+0.099 a step [+0.092, +0.106]) while gold falls (-0.041 [-0.051, -0.030]) over the last 8 steps") == true)
    }

    @Test func aNoisyGoldGivesNoWarning() {
        // The same rising proxy; gold's slope −0.026 [−0.129, +0.077] (scipy) crosses 0: no warning, however it looks.
        let gold = [0.5, 0.1, 0.6, 0.0, 0.5, -0.1, 0.4, 0.2]
        let steps = gold.indices.map { Self.step(proxy: 0.1 * Double($0), gold: gold[$0]) }
        #expect(Self.lines(steps).allSatisfy { $0.allSatisfy { !$0.contains("reward hacking") } })
        let t = EarlyWarnings.trend(gold)
        #expect(abs(t.slope + 0.0261905) < 1e-6 && abs(t.low + 0.1291528) < 1e-3 && abs(t.high - 0.0767718) < 1e-3)
    }

    @Test func slopeIsLeastSquares() {
        // numpy.polyfit(range(4), [1, 3, 2, 6], 1)[0] = 1.4
        #expect(abs(EarlyWarnings.slope([1, 3, 2, 6]) - 1.4) < 1e-12)
    }

    @Test func klAcceleratingEntropyAndLength() {
        let kl = Self.lines([0.1, 0.2, 0.3, 1.0].map { Self.step(k3: $0) })
        #expect(kl[3].count == 1 && kl[3][0].contains("KL accelerating") && kl.prefix(3).allSatisfy { $0.isEmpty })
        let entropy = Self.lines([1, 0.8, 0.45, 0.4].map { Self.step(entropy: $0) })
        #expect(entropy[2].count == 1 && entropy[2][0].contains("entropy collapsing") && entropy[3].isEmpty)
        let length = Self.lines([10, 12, 16].map { Self.step(length: $0) })
        #expect(length[2].count == 1 && length[2][0].contains("length running away"))
        let budget = Self.lines([20, 22].map { Self.step(length: $0) })
        #expect(budget[1].count == 1 && budget[1][0].contains("the budget is 24"))
    }

    @Test func aNegativeK1IsExplainedOnce() {
        let out = Self.lines([Self.step(k1: -0.01), Self.step(k1: -0.02)])
        #expect(out[0].count == 1 && out[0][0].hasPrefix("note: kl(k1) is negative") && out[1].isEmpty)
    }

    @Test func aWarningSpeaksAgainAfterItClearsAndAWhilePasses() {
        // Cleared at step 3, back at step 4: too soon (within 4 steps of speaking); back again at step 7: spoken.
        let out = Self.lines([1, 0.4, 0.9, 0.3, 0.9, 0.9, 0.3].map { Self.step(entropy: $0) })
        #expect(out.map(\.count) == [0, 1, 0, 0, 0, 0, 1])
    }
}

extension EarlyWarningsTests {
    @Test func flatGroupsAreExplainedOnceAndATinyNegativeK1NotAtAll() {
        var w = EarlyWarnings(maxLength: 24)
        let first = w.observe(StepSignals(proxy: 0, gold: 0, klK1: -0.0001, klK3: 0, entropy: 1, length: 5, flatGroups: 3, groups: 16))
        let second = w.observe(StepSignals(proxy: 0, gold: 0, klK1: 0, klK3: 0, entropy: 1, length: 5, flatGroups: 2, groups: 16))
        #expect(first.count == 1 && first[0].hasPrefix("note: 3 of 16 groups had every reward equal") && second.isEmpty)
    }
}
