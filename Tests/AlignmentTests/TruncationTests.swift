@testable import Datasets
import LanguageModel
import Testing
@testable import Alignment

/// A response cut at max_tokens stays cut: in its tokens, in a reward model's
/// groups, in DPO's pairs, and in a file.
@Suite struct TruncationTests {
    static let tokenizer = RLHFTrainingTests.tokenizer
    static let end = tokenizer.id(of: BPETokenizer.SpecialToken.endOfTurn)!

    @Test func aCutResponseHasNoEndToken() {
        let ended = ChatFormat.responseTokens("Ada lives in Lune.", tokenizer: Self.tokenizer)
        let cut = ChatFormat.responseTokens("Ada lives in", ended: false, tokenizer: Self.tokenizer)
        #expect(ended.last == Self.end && !cut.contains(Self.end))
        #expect(Self.tokenizer.decodeText(cut) == " Ada lives in")
        let example = ChatExample(prompt: "Where does Ada live?", response: "Ada lives in", ended: false, tokenizer: Self.tokenizer)
        #expect(Array(example.tokens[example.responseStart...]) == cut)
        // The reward model reads the cut response's last word, not an end token.
        let rows = ResponseBatch(scoring: [RewardItem(prompt: "q", response: "Ada lives in", ended: false),
                                           RewardItem(prompt: "q", response: "Ada lives in")], tokenizer: Self.tokenizer, context: 48)
        let last = (0..<2).map { rows.tokens[$0 * rows.T + Int(rows.lastPositions[$0])] }
        #expect(last == [cut.last!, Self.end])
        #expect(!ChatFormat.responseTokens("", ended: false, tokenizer: Self.tokenizer).isEmpty)
    }

    @Test func preferencePairsKeepOrDropTheirCutSides() {
        let pair = Record.preference(prompt: "q", chosen: "a", rejected: "b c", margin: nil, rating: .better, truncated: .rejected)
        let ranking = Record.ranking(prompt: "q", responses: ["x", "y", "z"], ranking: [1, 0, 2], truncated: [0])
        let kept = ComparisonGroup.groups([pair, ranking], loss: .ranking)
        #expect(kept.map(\.truncated) == [[false, true], [true, false, false]])
        #expect(kept[1].pairs.count == 3)
        let dropped = ComparisonGroup.groups([pair, ranking], loss: .ranking, truncated: .drop)
        // The pair leaves; the ranking keeps y > z, the comparison of the two that ended.
        #expect(dropped.count == 1 && dropped[0].pairs.map { [$0.winner, $0.loser] } == [[1, 2]])
        let split = ComparisonGroup.groups([ranking], loss: .pairwise, truncated: .keep)
        #expect(split.map(\.truncated) == [[false, true], [false, false], [true, false]])
        let comparison = Rankings.comparisons(pair)[0]
        let tokens = PreferencePair(comparison, tokenizer: Self.tokenizer, context: 48)
        #expect(tokens.chosenTokens.last == Self.end && !tokens.rejectedTokens.contains(Self.end))
    }

    @Test(arguments: [
        ("{\"prompt\": \"p\", \"completion\": \"c\", \"truncated\": 1}", "\"truncated\" must be true or false"),
        ("{\"prompt\": \"p\", \"completion\": \"c\", \"label\": \"good\"}", "\"label\" must be true (a desirable completion) or false"),
        ("{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"chosen_truncated\": \"yes\"}", "\"chosen_truncated\" must be true or false"),
        ("{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"], \"ranking\": [0, 1], \"truncated\": [2]}",
         "\"truncated\" must list response indices 0..<2 (those cut at a token limit), each once"),
        ("{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"], \"ranking\": [0, 1], \"truncated\": [0, 0]}",
         "\"truncated\" must list response indices 0..<2 (those cut at a token limit), each once"),
    ])
    func badTruncationFieldsNameTheLine(_ line: String, _ problem: String) {
        #expect(throws: DataFileError(path: "t.jsonl", line: 1, problem: problem)) { try DataFile.jsonl(line, path: "t.jsonl") }
    }
}
