import Foundation

/// A rate with its 95% interval: how many of how many, the share, and the
/// range the true share plausibly lies in (DESIGN §2: every rate the tool
/// reports comes with its 95% interval).
public struct Rate: Sendable, Equatable {
    /// The successes (for a paired win rate: wins plus half the ties).
    public var count: Double
    /// The trials (prompts, pairs) the rate is over.
    public var total: Int
    /// `count / total`; 0 when `total` is 0.
    public var value: Double
    /// The interval's lower end, in [0, 1].
    public var low: Double
    /// The interval's upper end, in [0, 1].
    public var high: Double

    /// A rate from its parts; `low ≤ value ≤ high` within [0, 1] is the caller's to ensure.
    public init(count: Double, total: Int, value: Double, low: Double, high: Double) {
        self.count = count
        self.total = total
        self.value = value
        self.low = low
        self.high = high
    }
}

extension Rate {
    /// The normal quantile of a two-sided 95% interval, Φ⁻¹(0.975).
    public static let z95 = 1.959964

    /// `successes` of `total` with the Wilson score interval
    /// (E. B. Wilson, "Probable inference, the law of succession, and
    /// statistical inference", JASA 22, 1927):
    ///
    ///     p̂ = k/n,   centre = (p̂ + z²/2n) / (1 + z²/n),
    ///     half = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²)
    ///
    /// Unlike p̂ ± z√(p̂(1−p̂)/n) it stays inside [0, 1] and does not shrink to
    /// a point at k = 0 or k = n. With `total` 0 nothing is known: value 0,
    /// interval [0, 1].
    public static func proportion(_ successes: Int, of total: Int, z: Double = z95) -> Rate {
        precondition(total >= 0 && successes >= 0 && successes <= total, "Rate.proportion: \(successes) of \(total)")
        guard total > 0 else { return Rate(count: 0, total: 0, value: 0, low: 0, high: 1) }
        let n = Double(total), p = Double(successes) / n, zz = z * z
        let denominator = 1 + zz / n
        let centre = (p + zz / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + zz / (4 * n * n)).squareRoot()
        // At k = 0 and k = n one end is exactly 0 or 1; rounding must not move it.
        let low = successes == 0 ? 0 : max(0, centre - half)
        let high = successes == total ? 1 : min(1, centre + half)
        return Rate(count: Double(successes), total: total, value: p, low: low, high: high)
    }

    /// A paired win rate from one score per prompt (1 win, 0.5 tie, 0 loss,
    /// or any score in [0, 1]) with the normal interval of the per-prompt
    /// mean (`MeanInterval`), clamped to [0, 1]. The prompts are the unit, so
    /// ties narrow the interval as they should. The interval is an
    /// approximation: it collapses to a point when every prompt scores alike
    /// (all ties, all wins). With fewer than two prompts there is no spread
    /// to estimate: the interval is [0, 1].
    public static func pairedMean(_ scores: [Double], z: Double = z95) -> Rate {
        let n = scores.count
        guard n > 0 else { return Rate(count: 0, total: 0, value: 0, low: 0, high: 1) }
        let sum = scores.reduce(0, +)
        guard n > 1 else { return Rate(count: sum, total: 1, value: sum, low: 0, high: 1) }
        let m = MeanInterval(scores, z: z)
        return Rate(count: sum, total: n, value: m.value, low: max(0, m.low), high: min(1, m.high))
    }

    /// The paired win rate of `wins`, `ties` and `losses` (ties count half),
    /// with `pairedMean`'s interval.
    public static func winRate(wins: Int, ties: Int, losses: Int, z: Double = z95) -> Rate {
        precondition(wins >= 0 && ties >= 0 && losses >= 0, "Rate.winRate: negative counts")
        let scores = [Double](repeating: 1, count: wins) + [Double](repeating: 0.5, count: ties)
            + [Double](repeating: 0, count: losses)
        return pairedMean(scores, z: z)
    }
}

/// A mean with the normal 95% interval of the mean, for any per-prompt
/// quantity (a difference in gold score, say), unclamped:
///
///     mean ± z · s / √n,   s² = Σ (xᵢ − mean)² / (n − 1)
///
/// With fewer than two values there is no spread: the interval is the mean
/// widened to ±∞.
public struct MeanInterval: Sendable, Equatable {
    public var value: Double
    public var low: Double
    public var high: Double
    public var count: Int

    public init(_ xs: [Double], z: Double = Rate.z95) {
        count = xs.count
        value = xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count)
        guard xs.count > 1 else { (low, high) = (-.infinity, .infinity); return }
        let mean = value
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)
        let half = z * variance.squareRoot() / Double(xs.count).squareRoot()
        (low, high) = (mean - half, mean + half)
    }
}

extension Rate: CustomStringConvertible {
    /// "52.6% [44.1, 60.9] of 134": the share and its interval in percent,
    /// and the total; "- of 0" when there is nothing to count.
    public var description: String {
        guard total > 0 else { return "- of 0" }
        return "\(Self.percent(value))% [\(Self.percent(low)), \(Self.percent(high))] of \(total)"
    }

    /// "52.6% [44.1, 60.9]": the share and interval without the total, for a
    /// table whose count stands in its own column; "-" when there is nothing to count.
    public var shareAndInterval: String {
        guard total > 0 else { return "-" }
        return "\(Self.percent(value))% [\(Self.percent(low)), \(Self.percent(high))]"
    }

    /// `x` in percent with one decimal, as the tool prints every percentage.
    static func percent(_ x: Double) -> String { String(format: "%.1f", 100 * x) }
}
