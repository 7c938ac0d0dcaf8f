import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// The one batch of prompt + response rows, on a case written out by hand: what
/// PPO's and DPO's batch, SFT's `chatBatch` and the reward model's batch of the
/// first edition gave for it.
@Suite struct ResponseBatchTests {
    static let rows: [(prompt: [Int32], response: [Int32])] = [([1, 2, 3], [4, 5]), ([6], [7, 8, 9])]

    @Test func theNextTokenLayoutPredictsEachResponseToken() {
        let b = ResponseBatch(Self.rows)
        #expect(b.B == 2 && b.T == 4)
        #expect(b.tokens == [1, 2, 3, 4, 6, 7, 8, 0])
        #expect(b.targets == [2, 3, 4, 5, 7, 8, 9, 0])
        #expect(b.starts == [2, 0] && b.lengths == [2, 3] && b.lastPositions == [3, 2])
        #expect(b.perResponse([0, 1, 2, 3, 4, 5, 6, 7]) == [[2, 3], [4, 5, 6]])
        #expect(b.scatter([[2, 3], [4, 5, 6]]) == [0, 0, 2, 3, 4, 5, 6, 0])
    }

    @Test func aFixedLengthCutsTheEndAndWeighsTheResponseTokensLeft() {
        let b = ResponseBatch(Self.rows, layout: .nextToken(length: 3), padding: 99)
        #expect(b.tokens == [1, 2, 3, 6, 7, 8] && b.targets == [2, 3, 4, 7, 8, 9])
        #expect(b.starts == [2, 0] && b.lengths == [1, 3])
        #expect(b.meanOverResponseTokens == [0, 0, 0.25, 0.25, 0.25, 0.25])
        // A prompt longer than the rows keeps no response token, and no weight.
        let long = ResponseBatch([([1, 2, 3, 4, 5], [6]), ([7], [8])], layout: .nextToken(length: 2))
        #expect(long.lengths == [0, 1] && long.meanOverResponseTokens == [0, 0, 1, 0])
        #expect(long.perResponse([0, 1, 2, 3]) == [[], [2]])
    }

    @Test func theWholeLayoutKeepsTheLastTokenAndCutsFromTheLeft() {
        let b = ResponseBatch(Self.rows, layout: .whole(context: 4), padding: 99)
        #expect(b.T == 4)
        #expect(b.tokens == [2, 3, 4, 5, 6, 7, 8, 9])
        #expect(b.lastPositions == [3, 3])
        #expect(b.starts == [1, 0] && b.lengths == [2, 3])
        let short = ResponseBatch([([1, 2], [3]), ([4], [5, 6, 7])], layout: .whole(context: 8), padding: 99)
        #expect(short.tokens == [1, 2, 3, 99, 4, 5, 6, 7] && short.lastPositions == [2, 3])
    }

    /// The log-probabilities read through the batch are the model's next-token
    /// loss computed another way: −mean log π over the response tokens equals
    /// `languageModelLoss` with the batch's response weights; and padding
    /// another row beside a row does not change its numbers.
    @Test func logProbabilitiesAgreeWithTheLanguageModelLoss() {
        let config = GPTConfig(layers: 1, heads: 2, width: 16, contextLength: 16, vocabularySize: 12)
        let model = GPT(config: config, seed: 7)
        let batch = ResponseBatch(Self.rows)
        let logp = batch.logProbabilities(model)
        let n = Float(logp.map(\.count).reduce(0, +))
        let viaLoss = model.languageModelLoss(targets: batch.targets, weights: batch.meanOverResponseTokens, backward: false)
        #expect(abs(-logp.flatMap { $0 }.reduce(0, +) / n - viaLoss) < 1e-5)
        let alone = ResponseBatch([Self.rows[1]]).logProbabilities(model)[0]
        #expect(zip(alone, logp[1]).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}
