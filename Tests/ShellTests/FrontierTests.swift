import Testing
@testable import Shell

/// `results plot`'s frontier: the rows of a series that no other row of it
/// beats with no more KL, and the sentence comparing two of them (values by hand).
@Suite struct FrontierTests {
    func row(_ label: String, win: Double, kl: Double) -> ResultRow {
        ResultRow(label: label, values: ["win_rate": win, "kl": kl], seconds: nil, series: "s")
    }

    @Test func keepsOnlyTheRowsNothingBeatsWithLessKL() {
        let rows = [row("a", win: 0.60, kl: 1.0), row("b", win: 0.55, kl: 0.5), row("c", win: 0.58, kl: 2.0),
                    row("d", win: 0.70, kl: 3.0), row("e", win: 0.50, kl: 0.2)]
        let front = Frontier(rows, x: "kl")
        // By KL: e 0.50, b 0.55, a 0.60, c 0.58 (beaten by a with less KL), d 0.70.
        #expect(front.rows.map(\.label) == ["e", "b", "a", "d"])
        #expect(front.value(at: 0.1) == nil)
        #expect(front.value(at: 2.5) == 0.60)
        #expect(front.value(at: 3.0) == 0.70)
    }

    @Test func saysWhichLiesAboveOrThatTheyCross() {
        let low = Frontier([row("l1", win: 0.60, kl: 0.5), row("l2", win: 0.632, kl: 1.5)], x: "kl")
        let high = Frontier([row("h1", win: 0.63, kl: 0.4), row("h2", win: 0.70, kl: 2.0)], x: "kl")
        // Over 0.5 … 1.5 nats: high is 0.63 against 0.60, then 0.63 against 0.632 (within half a point: level).
        #expect(Frontier.comparison("low", low, "high", high, x: "kl").hasPrefix("high's frontier lies above low's"))
        let crossing = Frontier([row("c1", win: 0.55, kl: 0.5), row("c2", win: 0.70, kl: 1.5)], x: "kl")
        #expect(Frontier.comparison("c", crossing, "high", high, x: "kl").contains("cross between 0.50 and 1.50"))
        let apart = Frontier([row("z", win: 0.5, kl: 5)], x: "kl")
        #expect(Frontier.comparison("z", apart, "low", low, x: "kl").contains("share no KL"))
    }
}
