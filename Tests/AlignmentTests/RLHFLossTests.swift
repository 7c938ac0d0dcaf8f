import Datasets
import Foundation
import Kernels
import Testing
@testable import Alignment

/// Every RLHF loss against an independent numpy computation
/// (Fixtures/rlhf_reference.py), and every gradient against central differences.
@Suite struct RLHFLossTests {
    // Inputs shared with the reference.
    static let rewards: [Float] = [0.3, -1.2, 2.1, 0.4, -0.5]
    static let ranking = [2, 0, 3, 1, 4]  // best first
    static let ratings: [Rating] = [.significantlyBetter, .better, .slightlyBetter, .negligiblyBetter]
    static let logp: [Float] = [-0.5, -1.6, -0.1, -2.3, -0.9, -0.05, -3.0, -1.1]
    static let oldLogp: [Float] = [-0.7, -1.2, -0.1, -2.0, -1.5, -0.4, -2.2, -1.0]
    static let advantages: [Float] = [1.0, -0.5, 0.3, 2.0, -1.5, 0.8, -0.2, -2.0]
    static let values: [Float] = [0.5, -0.3, 1.2, 0.1, 0.9, -1.0, 0.35, 0.0]
    static let oldValues: [Float] = [0.2, -0.2, 0.7, 0.35, 0.85, -0.5, 0.0, 0.1]
    static let returns: [Float] = [1.0, 0.4, 0.2, -0.6, 1.3, -0.2, 0.3, 0.05]
    static let gaeRewards: [Float] = [-0.01, 0.02, -0.03, 0.0, 1.5]
    static let gaeValues: [Float] = [0.4, 0.6, 0.2, 0.9, 1.1]

    /// The comparison groups the reference sees: a ranking of 5 (ranking loss),
    /// the same as single pairs, one rated pair per rating under both margins,
    /// and soft labels (an AI labeler's probabilities), one pair and three together.
    static var comparisonCases: [[ComparisonGroup.Pair]] {
        let pairs = Rankings.pairs(ranking)
        var cases = [pairs.map { ComparisonGroup.Pair(winner: $0.winner, loser: $0.loser, weight: 1 / Float(pairs.count)) }]
        cases.append([ComparisonGroup.Pair(winner: 1, loser: 3)])
        for rating in ratings {
            cases.append([ComparisonGroup.Pair(winner: 0, loser: 2, margin: Float(rating.smallMargin), rating: rating)])
            cases.append([ComparisonGroup.Pair(winner: 3, loser: 4, margin: Float(rating.largeMargin), rating: rating)])
        }
        cases.append([ComparisonGroup.Pair(winner: 2, loser: 0, target: 0.8)])
        cases.append([ComparisonGroup.Pair(winner: 0, loser: 1, weight: 0.5, target: 0.55),
                      ComparisonGroup.Pair(winner: 4, loser: 3, weight: 0.5, target: 0.97),
                      ComparisonGroup.Pair(winner: 1, loser: 2, weight: 0.5)])
        return cases
    }

    struct Reference: Decodable {
        struct Loss: Decodable { var loss: Double; var grad: [Double] }
        struct Tokens: Decodable { var loss: [Double]; var grad: [Double]; var clipped: [Bool]? }
        struct KL: Decodable { var k1: Double; var k3: Double }
        var comparison: [Loss]
        var policy: Tokens
        var value: Tokens
        var gae: [Double]
        var whiten: [Double]
        var kl: KL
        var combine: [Double]
        var bestofn: [Double]
    }

    static let klLogp: [[Float]] = [[-0.5, -1.0, -0.2], [-2.0, -0.1]]
    static let klRef: [[Float]] = [[-0.7, -0.6, -0.3], [-1.5, -0.4]]
    static let rh: [Float] = [1.2, -0.3, 0.8, 2.0, -1.0]
    static let rs: [Float] = [0.5, -2.5, 1.0, -0.2, 3.0]
    static let unsafe = [false, false, true, false, false]

    /// The numpy reference's results, read once; a failure to run it (no
    /// python3 or numpy, a script error) fails each test that reads it, with
    /// the reason, rather than crashing the test process.
    static let computed: Result<Reference, ReferenceError> = {
        func list(_ x: [Float]) -> [Double] { x.map(Double.init) }
        let inputs: [String: Any] = [
            "comparison": comparisonCases.map { pairs in
                ["rewards": list(rewards), "pairs": pairs.map { [Double($0.winner), Double($0.loser), Double($0.margin), Double($0.weight), Double($0.target)] }]
            },
            "policy": ["logp": list(logp), "old": list(oldLogp), "adv": list(advantages), "clip": 0.2],
            "value": ["v": list(values), "old": list(oldValues), "ret": list(returns), "clip": 0.2],
            "gae": ["rewards": list(gaeRewards), "values": list(gaeValues), "gamma": 0.99, "lambda": 0.95],
            "whiten": list(rewards),
            "kl": ["logp": klLogp.map(list), "ref": klRef.map(list)],
            "combine": ["rh": list(rh), "rs": list(rs), "unsafe": unsafe, "threshold": 0.15],
            "bestofn": [1, 2, 4, 16, 64],
        ]
        let script = Bundle.module.url(forResource: "Fixtures/rlhf_reference", withExtension: "py")!
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
            input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: inputs))
            try input.fileHandleForWriting.close()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                return .failure(ReferenceError("rlhf_reference.py exited with \(process.terminationStatus): \(message)"))
            }
            return .success(try JSONDecoder().decode(Reference.self, from: data))
        } catch {
            return .failure(ReferenceError("rlhf_reference.py could not be run or read: \(error)"))
        }
    }()

    /// Why the numpy reference gave no results.
    struct ReferenceError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The numpy reference's results, or the error that fails the test.
    static var reference: Reference { get throws { try computed.get() } }

    /// Central differences of f at x, in Double.
    static func numericGradient(_ x: [Float], _ f: ([Float]) -> Float) -> [Double] {
        x.indices.map { i in
            var up = x, down = x
            up[i] += 1e-3
            down[i] -= 1e-3
            return Double(f(up) - f(down)) / 2e-3
        }
    }

    @Test func rankingsExpandIntoAllPairsInReadingOrder() {
        // DESIGN's example: A < C < D < B (best last) is B, D, C, A best first.
        let pairs = Rankings.pairs([1, 3, 2, 0])
        #expect(pairs.map { [$0.winner, $0.loser] } == [[1, 3], [1, 2], [1, 0], [3, 2], [3, 0], [2, 0]])
        for k in 2...9 {
            let all = Rankings.pairs(Array((0..<k).reversed()))
            #expect(all.count == k * (k - 1) / 2)
            #expect(Set(all.map { "\($0.winner)>\($0.loser)" }).count == all.count)
            #expect(all.allSatisfy { $0.winner > $0.loser }, "every winner ranks above its loser")
        }
        let record = Record.ranking(prompt: "p", responses: ["a", "b", "c"], ranking: [2, 0, 1])
        #expect(Rankings.comparisons(record) == [Comparison(prompt: "p", chosen: "c", rejected: "a"),
                                                 Comparison(prompt: "p", chosen: "c", rejected: "b"),
                                                 Comparison(prompt: "p", chosen: "a", rejected: "b")])
    }

    @Test func groupsWeightRankingsAndSetMargins() {
        let records: [Record] = [
            .ranking(prompt: "p", responses: ["a", "b", "c", "d"], ranking: [3, 1, 0, 2]),
            .preference(prompt: "q", chosen: "x", rejected: "y", margin: nil, rating: .better),
        ]
        let ranking = ComparisonGroup.groups(records, loss: .ranking)
        #expect(ranking.count == 2 && ranking[0].pairs.count == 6)
        #expect(ranking[0].pairs.allSatisfy { $0.weight == 1 / Float(6) && $0.margin == 0 })
        #expect(ComparisonGroup.groups(records, loss: .pairwise).count == 7)
        #expect(ComparisonGroup.groups(records, loss: .margin(large: false))[6].pairs[0].margin == Float(2.0 / 3))
        #expect(ComparisonGroup.groups(records, loss: .margin(large: true))[6].pairs[0].margin == 2)
        #expect(ComparisonGroup.groups([.text("t")], loss: .ranking).isEmpty)
        // A soft label trains only under the soft loss; a hard pair there is t = 1.
        let soft: [Record] = [.preference(prompt: "q", chosen: "x", rejected: "y", margin: nil, rating: .better, probability: 0.7),
                              .preference(prompt: "q", chosen: "x", rejected: "z", margin: nil)]
        #expect(ComparisonGroup.groups(soft, loss: .soft).map(\.pairs[0].target) == [0.7, 1])
        #expect(ComparisonGroup.groups(soft, loss: .soft).map(\.pairs[0].margin) == [0, 0])
        #expect(ComparisonGroup.groups(soft, loss: .pairwise).map(\.pairs[0].target) == [1, 1])
        #expect(ComparisonGroup.groups(soft, loss: .margin(large: true)).map(\.pairs[0].target) == [1, 1])
    }

    @Test func comparisonLossesMatchNumpy() throws {
        for (i, pairs) in Self.comparisonCases.enumerated() {
            let (loss, grad) = RewardModels.comparisonLoss(rewards: Self.rewards, pairs: pairs)
            let expected = try Self.reference.comparison[i]
            #expect(abs(Double(loss) - expected.loss) < 1e-5, "case \(i): \(loss) vs \(expected.loss)")
            for (a, b) in zip(grad, expected.grad) { #expect(abs(Double(a) - b) < 1e-5, "case \(i) gradient") }
            let numeric = Self.numericGradient(Self.rewards) { RewardModels.comparisonLoss(rewards: $0, pairs: pairs).loss }
            for (a, b) in zip(grad, numeric) { #expect(abs(Double(a) - b) < 2e-3, "case \(i) finite differences") }
        }
    }

    @Test func clippedPolicyLossMatchesNumpy() throws {
        let ref = try Self.reference.policy
        for j in Self.logp.indices {
            let l = PolicyUpdate.policyLoss(logProb: Self.logp[j], oldLogProb: Self.oldLogp[j], advantage: Self.advantages[j], clip: 0.2)
            #expect(abs(Double(l.loss) - ref.loss[j]) < 1e-5, "token \(j)")
            #expect(abs(Double(l.dLogProb) - ref.grad[j]) < 1e-5, "token \(j) gradient")
            #expect(l.clipped == ref.clipped![j], "token \(j) clipped")
            let numeric = Self.numericGradient([Self.logp[j]]) {
                PolicyUpdate.policyLoss(logProb: $0[0], oldLogProb: Self.oldLogp[j], advantage: Self.advantages[j], clip: 0.2).loss
            }[0]
            #expect(abs(Double(l.dLogProb) - numeric) < 3e-3, "token \(j) finite differences")
        }
        #expect(ref.clipped!.contains(true) && ref.clipped!.contains(false), "the inputs exercise both branches")
    }

    @Test func clippedValueLossMatchesNumpy() throws {
        let ref = try Self.reference.value
        for j in Self.values.indices {
            let l = PolicyUpdate.valueLoss(value: Self.values[j], oldValue: Self.oldValues[j], target: Self.returns[j], clip: 0.2)
            #expect(abs(Double(l.loss) - ref.loss[j]) < 1e-5, "token \(j)")
            #expect(abs(Double(l.dValue) - ref.grad[j]) < 1e-5, "token \(j) gradient")
            let numeric = Self.numericGradient([Self.values[j]]) {
                PolicyUpdate.valueLoss(value: $0[0], oldValue: Self.oldValues[j], target: Self.returns[j], clip: 0.2).loss
            }[0]
            #expect(abs(Double(l.dValue) - numeric) < 3e-3, "token \(j) finite differences")
        }
    }

    @Test func advantagesWhiteningAndKLMatchNumpy() throws {
        let a = PPO.advantages(rewards: Self.gaeRewards, values: Self.gaeValues, gamma: 0.99, lambda: 0.95)
        for (x, y) in zip(a, try Self.reference.gae) { #expect(abs(Double(x) - y) < 1e-5) }
        for (x, y) in zip(whiten(Self.rewards), try Self.reference.whiten) { #expect(abs(Double(x) - y) < 1e-5) }
        let kl = Rollout.klEstimates(logProbs: Self.klLogp, referenceLogProbs: Self.klRef)
        let expected = try Self.reference.kl
        #expect(abs(kl.k1 - expected.k1) < 1e-5 && abs(kl.k3 - expected.k3) < 1e-5)
        #expect(kl.k3 >= 0)
    }

    @Test func llama2CombinationMatchesNumpy() throws {
        let combined = whiten(Reward.select(helpfulness: Self.rh, safety: Self.rs, unsafe: Self.unsafe, threshold: 0.15))
        for (x, y) in zip(combined, try Self.reference.combine) { #expect(abs(Double(x) - y) < 1e-5) }
    }

    /// The branch of Llama 2's rule, by hand: σ(−2) = 0.119 < 0.15 and σ(−1.5) = 0.182 ≥ 0.15.
    @Test func llama2BranchesByHand() {
        #expect(Reward.branch(safety: -2, unsafe: false, threshold: 0.15) == .lowSafety)
        #expect(Reward.branch(safety: -1.5, unsafe: false, threshold: 0.15) == .helpfulness)
        #expect(Reward.branch(safety: 5, unsafe: true, threshold: 0.15) == .safetyTagged)
        #expect(Reward.branch(safety: 0.3, unsafe: false, threshold: 0.6) == .lowSafety)  // σ(0.3) = 0.574
    }

    /// A judge whose scores are written out by hand below.
    struct LengthJudge: Judge {
        func judge(prompt: String, response: String) -> Judgment {
            Judgment(helpfulness: Double(response.count) / 4, safety: response.contains("!") ? -2 : 0.5,
                     reasons: [], correct: nil, refused: false, violation: false)
        }
    }

    @Test func oracleRewardIsTheJudgesHelpfulnessPlusSafety() {
        let reward = Reward.oracle(LengthJudge())
        let items = [RewardItem(prompt: "p", response: "ab"), RewardItem(prompt: "q", response: "abcd!", unsafe: true),
                     RewardItem(prompt: "r", response: "")]
        // 2/4 + 0.5, 5/4 − 2, 0/4 + 0.5; never whitened, and no model to start a value model from.
        #expect(reward.scores(items) == [1.0, -0.75, 0.5])
        #expect(reward.rawScores(items) == [1.0, -0.75, 0.5])
        #expect(reward.models.isEmpty)
    }

    @Test func bestOfNKLMatchesNumpy() throws {
        for (n, expected) in zip([1, 2, 4, 16, 64], try Self.reference.bestofn) {
            #expect(abs(RejectionSampling.bestOfNKL(n) - expected) < 1e-12, "n = \(n)")
        }
    }

    /// The curve's weights against brute force: every m-subset of a prompt's
    /// samples, its pick (highest proxy, first of equals), averaged.
    @Test func bestOfNCurveIsTheMeanOverEverySubset() {
        let proxy: [[Float]] = [[0.3, -1, 0.3, 2, 0.5, 0.3, -0.2], [1, 1, 1, 0, 0, 0, 0], [5, 4, 3, 2, 1, 0, -1]]
        let gold: [[Double]] = [[1, 2, 3, 4, 5, 6, 7], [-1, 0.5, 2, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]]
        let curve = RejectionSampling.bestOfNCurve(proxy: proxy, gold: gold, sizes: [1, 2, 3, 7])
        for point in curve {
            var meanProxy = 0.0, meanGold = 0.0
            for (r, g) in zip(proxy, gold) {
                var subsets = 0, p = 0.0, q = 0.0
                for mask in 0..<(1 << r.count) where mask.nonzeroBitCount == point.n {
                    let members = r.indices.filter { mask & (1 << $0) != 0 }
                    let pick = members.max { a, b in r[a] < r[b] || (r[a] == r[b] && a > b) }!
                    subsets += 1; p += Double(r[pick]); q += g[pick]
                }
                meanProxy += p / Double(subsets) / 3; meanGold += q / Double(subsets) / 3
            }
            #expect(abs(point.proxy - meanProxy) < 1e-12 && abs(point.gold - meanGold) < 1e-12, "best of \(point.n)")
            #expect(point.kl == RejectionSampling.bestOfNKL(point.n))
        }
        // Best of 1 is the plain mean; best of all is the first highest: gold 4, −1 (the first of three 1s) and 0.1.
        #expect(abs(curve[0].gold - (28.0 / 7 + 4.5 / 7 + 2.8 / 7) / 3) < 1e-12)
        #expect(abs(curve[3].gold - (4 - 1 + 0.1) / 3) < 1e-12)
    }
}
