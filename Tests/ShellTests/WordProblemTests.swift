import Alignment
import Testing
import World

/// The generated word problems: each answer is its worked solution's result, and
/// the answer-checking reward marks the worked form right.
@Suite struct WordProblemTests {
    /// Every generated problem's answer is the result of its worked solution's equation.
    @Test func wordProblemsAnswerThemselves() {
        let problems = WordProblem.generate(n: 300, largest: 30, people: ["Ana", "Ben"], seed: 7)
        for p in problems {
            let equation = p.solution.split(separator: ".")[0].split(separator: " ")
            let (a, op, b, result) = (Int(equation[0])!, equation[1], Int(equation[2])!, Int(equation[4])!)
            #expect(result == (op == "+" ? a + b : op == "-" ? a - b : a * b), "\(p.solution)")
            #expect(String(result) == p.answer && (2...30).contains(a) && (2...30).contains(b) && result >= 0)
            let check = AnswerMatch(field: "answer", extraction: .lastNumber, numeric: true)
            #expect(check.score(RewardItem(prompt: p.prompt, response: p.solution, fields: ["answer": p.answer])) == 1)
            // Said first, the answer is followed by an operand, which a last-number check reads instead.
            #expect(p.answerFirst.contains(" \(p.answer) ") && check.answer(in: p.answerFirst) == String(b))
            #expect(check.score(RewardItem(prompt: p.prompt, response: p.answerFirst, fields: ["answer": p.answer])) == (b == result ? 1 : 0))
        }
        #expect(WordProblem.generate(n: 5, largest: 9, people: ["Ana"], seed: 1) == WordProblem.generate(n: 5, largest: 9, people: ["Ana"], seed: 1))
    }
}
