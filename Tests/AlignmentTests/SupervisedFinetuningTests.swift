import Kernels
import LanguageModel
import Testing
@testable import Alignment

@Suite struct SupervisedFinetuningTests {
    static let tokenizer: BPETokenizer = {
        let text = String(repeating: "What is 3 + 4? 3 + 4 = 7. Where does Ada live? Ada lives in Lune. ", count: 20)
        return try! BPETrainer.train(text: text, vocabularySize: 300)
    }()

    @Test func chatExamplesPutTheLossOnTheResponseOnly() {
        let t = Self.tokenizer
        let e = ChatExample(prompt: "What is 3 + 4?", response: "3 + 4 = 7.", tokenizer: t)
        let prompt = ChatFormat.promptTokens("What is 3 + 4?", tokenizer: t)
        #expect(Array(e.tokens.prefix(e.responseStart)) == prompt)
        #expect(e.tokens.last == t.id(of: BPETokenizer.SpecialToken.endOfTurn))
        #expect(t.decodeText(Array(e.tokens[e.responseStart...])) == " 3 + 4 = 7.<|end|>")
        let T = e.tokens.count + 3
        let batch = LanguageModelTraining.chatBatch([e, e], T: T, padding: 0)
        // Position t predicts token t+1: weighted exactly where t+1 is a response token.
        let responseTargets = e.tokens.count - e.responseStart
        for b in 0..<2 {
            for t in 0..<T {
                let expected: Float = (t + 1 >= e.responseStart && t + 1 < e.tokens.count) ? 1 / Float(2 * responseTargets) : 0
                #expect(batch.weights[b * T + t] == expected, "row \(b) position \(t)")
                if t + 1 < e.tokens.count { #expect(batch.targets[b * T + t] == e.tokens[t + 1]) }
            }
        }
        #expect(abs(batch.weights.reduce(0, +) - 1) < 1e-6)
    }

    @Test func finetuningLowersTheResponseLoss() throws {
        let t = Self.tokenizer
        let config = GPTConfig(layers: 1, heads: 2, width: 32, contextLength: 48, vocabularySize: t.vocabularySize)
        let model = GPT(config: config, seed: 1)
        let examples = [ChatExample(prompt: "What is 3 + 4?", response: "3 + 4 = 7.", tokenizer: t),
                        ChatExample(prompt: "Where does Ada live?", response: "Ada lives in Lune.", tokenizer: t)]
        var settings = TrainingSettings()
        settings.steps = 60
        settings.batchSize = 4
        settings.learningRate = 1e-2
        settings.warmup = 5
        settings.evaluateEvery = 0
        var rng = Random(seed: 2)
        var losses: [Float] = []
        try LanguageModelTraining.finetune(model, examples: examples, heldOut: [], padding: 0, settings: settings, rng: &rng) {
            losses.append($0.loss)
        }
        #expect(losses.count == 60 && losses.last! < 0.2 * losses.first!, "\(losses.first!) -> \(losses.last!)")
    }
}

/// Each training run starts a fresh AdamW (moments and step count) unless told
/// to resume: finetuning a pretrained model gives what finetuning a copy of it
/// (which has no optimiser) gives.
@Suite struct FreshOptimizerTests {
    @Test func aTrainingRunStartsAFreshAdamWUnlessItResumes() throws {
        let t = SupervisedFinetuningTests.tokenizer
        let config = GPTConfig(layers: 1, heads: 2, width: 16, contextLength: 32, vocabularySize: t.vocabularySize)
        let stream = t.encode(String(repeating: "Ada lives in Lune. 3 + 4 = 7. ", count: 8))
        var settings = TrainingSettings()
        settings.steps = 4
        settings.batchSize = 2
        settings.sequenceLength = 16
        settings.warmup = 1
        settings.evaluateEvery = 0
        func pretrained() throws -> GPT {
            let model = GPT(config: config, seed: 3)
            var rng = Random(seed: 4)
            try LanguageModelTraining.pretrain(model, stream: stream, heldOut: [], settings: settings, rng: &rng) { _ in }
            return model
        }
        let examples = [ChatExample(prompt: "Where does Ada live?", response: "Ada lives in Lune.", tokenizer: t)]
        func finetune(_ model: GPT, resume: Bool) throws -> [Float] {
            var s = settings
            s.steps = 3
            s.resume = resume
            var rng = Random(seed: 5)
            try LanguageModelTraining.finetune(model, examples: examples, heldOut: [], padding: 0, settings: s, rng: &rng) { _ in }
            return Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.parameterCount))
        }
        let model = try pretrained(), other = try pretrained()
        #expect(model.existingOptimizer?.step == 4)
        let fromCopy = try finetune(model.copy(), resume: false)
        let fresh = try finetune(model, resume: false)
        #expect(model.existingOptimizer?.step == 3, "the finetune's own 3 steps, not 4 + 3")
        #expect(fresh == fromCopy, "a finetune after pretraining must not inherit pretraining's moments")
        let resumed = try finetune(other, resume: true)
        #expect(other.existingOptimizer?.step == 7)
        #expect(resumed != fromCopy, "resume=true continues pretraining's moments")
    }
}
