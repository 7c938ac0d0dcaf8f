import Foundation
import Testing

@testable import Alignment

/// d-RLAIF's reward: the labeler's verdict against a baseline answer, both
/// orders averaged, as 2p − 1, with the baseline made once per prompt.
@Suite struct LabelerRewardTests {
    @Test func theRewardIsTwicePreferenceLessOneAgainstTheBaseline() {
        var asked: [[String]] = []
        let reward = LabelerReward(labeler: AILabelerTests.biased) { prompts in
            asked.append(prompts)
            return prompts.map { _ in "bad" }
        }
        let r = reward.scores([(prompt: "Q?", response: "good"), (prompt: "Q?", response: "bad"), (prompt: "R?", response: "good")])
        // By hand, as AILabelerTests: good against bad has p = ½[σ(2.5) + 1 − σ(0.5)].
        let p = (AILabelerTests.sigmoid(2.5) + 1 - AILabelerTests.sigmoid(0.5)) / 2
        #expect(abs(Double(r[0]) - (2 * p - 1)) < 1e-6)
        #expect(abs(Double(r[0]) - 0.301682488776902) < 1e-6)
        // The baseline answer itself: both orders read the same prompt, p = ½, reward 0.
        #expect(r[1] == 0)
        #expect(r[2] == r[0])
        // One baseline call for the two new prompts, none when they come back.
        #expect(asked == [["Q?", "R?"]])
        _ = reward.scores([(prompt: "R?", response: "bad"), (prompt: "S?", response: "bad")])
        #expect(asked == [["Q?", "R?"], ["S?"]])
        #expect(reward.baselines == ["Q?": "bad", "R?": "bad", "S?": "bad"])
    }

    @Test func theRewardIsBoundedByOne() {
        let sure = LabelerReward(labeler: AILabeler { prompts in prompts.map { p in (a: p.contains("A: good") ? 40 : -40, b: 0) } }) {
            $0.map { _ in "bad" }
        }
        let r = sure.scores([(prompt: "Q?", response: "good"), (prompt: "Q?", response: "worse")])
        #expect(abs(r[0] - 1) < 1e-6)
        #expect(r[1] == 0)  // neither is "good": the stub sees them as equal, both orders
    }
}
