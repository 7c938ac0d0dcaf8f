import Datasets
import Kernels

/// Which opinion a judgment asks for.
public enum Aspect: String, Sendable, CaseIterable {
    case helpfulness, safety
}

/// A simulated annotator: sees the gold scores through its own noise and bias.
public struct Annotator: Sendable, Equatable {
    /// Its name in reports.
    public let name: String
    /// Standard deviation of the noise added to each score gap.
    public let noise: Double
    /// Probability of flipping a label outright (AlpacaFarm's simulated annotators flip about 25%).
    public let flipRate: Double
    /// Score bonus per word of response: > 0 prefers longer answers.
    public let lengthBias: Double

    /// The pool of DESIGN §2: a careful annotator, a noisy one that flips a quarter
    /// of its labels, and one that likes long answers.
    public static let pool = [
        Annotator(name: "careful", noise: 0.25, flipRate: 0, lengthBias: 0),
        Annotator(name: "noisy", noise: 0.4, flipRate: 0.25, lengthBias: 0),
        Annotator(name: "verbose", noise: 0.3, flipRate: 0, lengthBias: 0.03),
    ]

    /// The annotator's utility for a response: gold score plus its length taste.
    func utility(_ gold: GoldScore, aspect: Aspect, response: String) -> Double {
        (aspect == .helpfulness ? gold.helpfulness : gold.safety) + lengthBias * Double(response.split(separator: " ").count)
    }

    /// A binary judgment of `a` against `b`: true when `a` wins, and the rating,
    /// from the utility gap plus normal noise (then a flip with `flipRate`).
    public func compare(_ world: World, prompt: String, _ a: String, _ b: String, aspect: Aspect,
                        rng: inout Random) -> (aWins: Bool, rating: Rating) {
        let gap = utility(world.gold(prompt: prompt, response: a), aspect: aspect, response: a)
            - utility(world.gold(prompt: prompt, response: b), aspect: aspect, response: b) + noise * rng.normal()
        var aWins = gap > 0 || (gap == 0 && rng.uniform() < 0.5)
        if rng.uniform() < flipRate { aWins.toggle() }
        let size = abs(gap)
        let rating: Rating = size > 1.5 ? .significantlyBetter : size > 0.8 ? .better : size > 0.3 ? .slightlyBetter : .negligiblyBetter
        return (aWins, rating)
    }

    /// A ranking of `responses`, best first, sampled by Plackett–Luce (Plackett
    /// 1975; Luce 1959): the next-best is drawn with probability ∝ exp(u/τ)
    /// among those left, u the annotator's noisy utility.
    public func rank(_ world: World, prompt: String, _ responses: [String], aspect: Aspect, temperature: Double,
                     rng: inout Random) -> [Int] {
        precondition(temperature > 0, "rank: temperature must be positive")
        var left = Array(responses.indices)
        let utilities = responses.map { utility(world.gold(prompt: prompt, response: $0), aspect: aspect, response: $0) }
        var order: [Int] = []
        while !left.isEmpty {
            let top = left.map { utilities[$0] / temperature }.max()!
            let weights = left.map { weightOf(utilities[$0] / temperature - top) }
            var u = rng.uniform() * weights.reduce(0, +), chosen = left.count - 1
            for (i, w) in weights.enumerated() {
                if u < w { chosen = i; break }
                u -= w
            }
            order.append(left.remove(at: chosen))
        }
        return order
    }
}

/// exp(x) for x ≤ 0 from basic operations (so rankings are the same on every machine).
func weightOf(_ x: Double) -> Double {
    if x < -40 { return 0 }
    // e^x = (e^(x/64))^64, the inner one by its Taylor series.
    let y = x / 64
    var term = 1.0, sum = 1.0
    for k in 1...12 { term *= y / Double(k); sum += term }
    for _ in 0..<6 { sum *= sum }
    return sum
}
