import Kernels
import LanguageModel

/// One labelled response opened token by token: log π and log π_ref of each
/// token, and its implicit reward β (Σ log π − Σ log π_ref).
public struct ExampleInspection: Sendable {
    public var example: PreferenceExample
    public var tokens: [Int32]
    public var logProbs: [Float], referenceLogProbs: [Float]
    public var reward: Double
}

extension DPO {
    /// KTO's measure of the examples `indices` (of the training or held-out
    /// ones): z₀ from each response read after the next example's prompt (the
    /// batch's mismatched pairs, no gradient), then the examples in
    /// length-sorted chunks, π_ref read once per example; with `withGradient`
    /// each chunk's gradient is added into the policy's. The report's "chosen"
    /// side is the desirable responses, "rejected" the undesirable ones, and
    /// accuracy the share of responses whose reward is on their label's side
    /// of z₀. Nil when a loss is not finite.
    func unpairedPass(_ indices: [Int], heldOut useHeldOut: Bool, withGradient: Bool) -> DPOReport? {
        let set = useHeldOut ? heldOutExamples : examples, kto = settings.kto, n = indices.count
        func key(_ i: Int) -> Int { useHeldOut ? -1 - i : i }
        let limit = policy.config.contextLength
        let shifted = indices.indices.map { k in
            let response = set[indices[(k + 1) % n]].responseTokens
            return (prompt: Array(set[indices[k]].promptTokens.suffix(max(1, limit - response.count))), response: response)
        }
        var mismatched: [SequenceLogProbs] = []
        for start in stride(from: 0, to: n, by: 2 * Self.chunkPairs) {
            let rows = ResponseBatch(Array(shifted[start..<min(start + 2 * Self.chunkPairs, n)]))
            let now = rows.logProbabilities(policy, forBackward: false), ref = rows.logProbabilities(reference, forBackward: false)
            mismatched += zip(now, ref).map { SequenceLogProbs(policy: Self.sum($0), reference: Self.sum($1), length: $0.count) }
        }
        let z = KTO.referencePoint(mismatched)
        func length(_ i: Int) -> Int { set[i].promptTokens.count + set[i].responseTokens.count }
        let sorted = indices.enumerated().sorted { (length($0.element), $0.offset) < (length($1.element), $1.offset) }.map(\.element)
        var loss = 0.0, right = 0, reward = [0.0, 0.0], logProb = [0.0, 0.0], count = [0, 0]
        for start in stride(from: 0, to: n, by: 2 * Self.chunkPairs) {
            let chunk = Array(sorted[start..<min(start + 2 * Self.chunkPairs, n)])
            let rows = ResponseBatch(chunk.map { (prompt: set[$0].promptTokens, response: set[$0].responseTokens) })
            if chunk.contains(where: { exampleReferenceSums[key($0)] == nil }) {
                let lp = rows.logProbabilities(reference, forBackward: false)
                for (k, i) in chunk.enumerated() where exampleReferenceSums[key(i)] == nil { exampleReferenceSums[key(i)] = Self.sum(lp[k]) }
            }
            let now = rows.logProbabilities(policy)
            var grads: [[Float]] = []
            for (k, i) in chunk.enumerated() {
                let y = SequenceLogProbs(policy: Self.sum(now[k]), reference: exampleReferenceSums[key(i)]!, length: now[k].count)
                let t = kto.terms(y, desirable: set[i].desirable, referencePoint: z)
                guard t.loss.isFinite else { return nil }
                let side = set[i].desirable ? 0 : 1
                loss += t.loss / Double(n)
                right += (t.reward > kto.beta * z) == set[i].desirable ? 1 : 0
                reward[side] += t.reward
                logProb[side] += y.policy
                count[side] += 1
                grads.append([Float](repeating: Float(t.d / Double(n)), count: y.length))
            }
            if withGradient { rows.backward(policy, dLogProbabilities: grads) }
        }
        func mean(_ x: [Double], _ side: Int) -> Double { x[side] / Double(max(count[side], 1)) }
        return DPOReport(step: step, loss: loss, accuracy: Double(right) / Double(n), chosenReward: mean(reward, 0),
                         rejectedReward: mean(reward, 1), chosenLogProb: mean(logProb, 0), rejectedLogProb: mean(logProb, 1), pairs: n)
    }

    /// Example `index` of the training (or held-out) examples token by token
    /// under the policy now and the reference.
    public func inspectExample(_ index: Int, heldOut useHeldOut: Bool = false) -> ExampleInspection {
        let example = (useHeldOut ? heldOutExamples : examples)[index]
        let rows = ResponseBatch([(prompt: example.promptTokens, response: example.responseTokens)])
        let now = rows.logProbabilities(policy, forBackward: false)[0], ref = rows.logProbabilities(reference, forBackward: false)[0]
        return ExampleInspection(example: example, tokens: example.responseTokens, logProbs: now, referenceLogProbs: ref,
                                 reward: settings.beta * (Self.sum(now) - Self.sum(ref)))
    }
}
