@testable import Alignment
import Testing

/// The rule rewards against values worked out by hand.
@Suite struct RuleRewardTests {
    func item(_ response: String, answer: String? = nil, tokens: Int? = nil) -> RewardItem {
        RewardItem(prompt: "p", response: response, tokens: tokens, fields: answer.map { ["answer": $0] } ?? [:])
    }

    @Test func lastNumberReadsTheFinalNumber() {
        let check = AnswerMatch(field: "answer", extraction: .lastNumber, numeric: true)
        #expect(check.answer(in: "3 + 4 = 7. Ana has 7 apples.") == "7")
        #expect(check.answer(in: "It costs $1,250.50 in all") == "1250.5")
        #expect(check.answer(in: "from -3 to 12.0") == "12")
        #expect(check.answer(in: "no number here") == nil)
        #expect(check.answer(in: "Ana has 7 apples after getting 4 more.") == "4")
        // GSM8K's reference is a worked solution ending in "#### N": its last number is the answer.
        #expect(check.reference(["answer": "She sold 48/2 = 24 clips.\n#### 72"]) == "72")
        #expect(check.score(item("So the answer is 72.", answer: "#### 72")) == 1)
        #expect(check.score(item("So the answer is 71.", answer: "#### 72")) == 0)
        #expect(check.score(item("72", answer: nil)) == 0)
    }

    @Test func boxedReadsTheLastBalancedBox() {
        let check = AnswerMatch(field: "answer", extraction: .boxed, numeric: false)
        #expect(check.answer(in: #"first \boxed{1} then \boxed{\frac{1}{2}} done"#) == #"\frac{1}{2}"#)
        #expect(check.answer(in: #"\boxed{never closes"#) == nil)
        #expect(check.score(item(#"so \boxed{x + 1}"#, answer: "x + 1")) == 1)
        #expect(check.score(item(#"so \boxed{x+1}"#, answer: "x + 1")) == 0)
    }

    @Test func patternReadsItsFirstGroup() throws {
        let check = AnswerMatch(field: "answer", extraction: .pattern(try Pattern("answer is (\\w+)")), numeric: false)
        #expect(check.answer(in: "the answer is cat, no, the answer is dog") == "dog")
        #expect(check.score(item("I think the answer is dog.", answer: "dog")) == 1)
        let whole = AnswerMatch(field: "answer", extraction: .whole, numeric: false)
        #expect(whole.score(item("  Lune \n", answer: "Lune")) == 1)
        #expect(throws: (any Error).self) { try Pattern("([") }
    }

    @Test func formatMatchesAnywhereUnlessAnchored() throws {
        #expect(FormatRule(pattern: try Pattern("<think>")).score(item("a <think>b")) == 1)
        #expect(FormatRule(pattern: try Pattern("^<think>")).score(item("a <think>b")) == 0)
        #expect(FormatRule(pattern: try Pattern("(?s)^<think>.*</think>$")).score(item("<think>a\nb</think>")) == 1)
    }

    /// DAPO eq. 13 with L_max = 20 and L_cache = 4: 0 up to 16, then (16 − |y|)/4, −1 past 20.
    @Test func lengthPenaltyIsDAPOs() {
        let rule = LengthPenalty(maxTokens: 20, buffer: 4)
        #expect([10, 16, 17, 18, 20, 21, 99].map { rule.score(tokens: $0) } == [0, 0, -0.25, -0.5, -1, -1, -1])
    }

    /// A sum weighs each part; a Llama 2 part would whiten alone, a rule never does.
    @Test func sumWeighsItsParts() throws {
        let check = Reward.match(AnswerMatch(field: "answer", extraction: .lastNumber, numeric: true))
        let format = Reward.format(FormatRule(pattern: try Pattern("^[0-9]")))
        let total = Reward.sum([WeightedReward(weight: 0.8, name: "c", reward: check), WeightedReward(weight: 0.2, name: "f", reward: format)])
        let items = [item("7 apples", answer: "7"), item("Ana has 7", answer: "7"), item("8", answer: "7"), item("none", answer: "7")]
        #expect(total.scores(items) == [1.0, 0.8, 0.2, 0].map { Float($0) })
        #expect(total.rawScores(items) == total.scores(items))
        #expect(total.fields == ["answer"] && !total.whitens && !total.countsTokens)
        #expect(total.answerCheck?.field == "answer")
    }
}
