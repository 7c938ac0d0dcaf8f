import Foundation

/// One RL step's numbers, as the early warnings read them.
public struct StepSignals: Sendable {
    public var proxy: Double, gold: Double
    public var klK1: Double, klK3: Double
    public var entropy: Double, length: Double
    /// Of a group method: the groups whose rewards were all equal, of how many.
    public var flatGroups: Int, groups: Int

    public init(proxy: Double, gold: Double, klK1: Double, klK3: Double, entropy: Double, length: Double,
                flatGroups: Int = 0, groups: Int = 0) {
        (self.proxy, self.gold, self.klK1, self.klK3, self.entropy, self.length) = (proxy, gold, klK1, klK3, entropy, length)
        (self.flatGroups, self.groups) = (flatGroups, groups)
    }
}

/// Early warnings of an RL run going wrong, read from the steps so far: the
/// signs of reward hacking users ask for (OpenRLHF #1263). Each warning
/// speaks when its condition starts, and again only after it has cleared and
/// `window` steps have passed since it last spoke (noisy batches flicker).
/// The thresholds are rules of thumb on batch means, not tests:
///
/// - proxy rising while gold falls: least-squares slopes over the last
///   `trendWindow` steps, with 95% intervals (t with n − 2 degrees of
///   freedom), proxy's wholly above 0 and gold's wholly below (Gao et al.
///   2022: the policy has found the reward model's errors); batch means are
///   noisy, so fewer steps or an interval across 0 give no warning;
/// - KL accelerating: the last step's rise in k3 more than twice the mean
///   rise of the steps before it, and above 0.1 nats;
/// - entropy collapsing: below half its first value;
/// - length running away: 1.5 times its first value and 4 tokens longer, or
///   within 10% of the token budget.
///
/// A negative k1 is explained once, beside k3 (trl #925, #1161), and so are
/// groups with every reward equal (trl #2703).
public struct EarlyWarnings: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case rewardHacking = "proxy_up_gold_down", klAccelerating = "kl_accelerating"
        case entropyCollapse = "entropy_collapse", lengthRunaway = "length_runaway"
    }

    /// Steps between two sayings of one warning.
    public var window = 4
    /// Steps the proxy and gold trends are fitted over.
    public var trendWindow = 8
    /// The token budget of a response (for the length warning).
    public var maxLength: Int
    public private(set) var history: [StepSignals] = []
    private var active: Set<Kind> = [], spoken: [Kind: Int] = [:], explainedNegativeKL = false, explainedFlatGroups = false

    public init(maxLength: Int) { self.maxLength = maxLength }

    /// Takes a step's numbers; returns the lines to print (none, usually).
    public mutating func observe(_ s: StepSignals) -> [String] {
        history.append(s)
        var lines: [String] = []
        if s.flatGroups > 0 && !explainedFlatGroups {
            explainedFlatGroups = true
            lines.append("note: \(s.flatGroups) of \(s.groups) groups had every reward equal: all their advantages are 0, so they teach "
                + "nothing, and a step of only such groups moves the policy by the KL term alone (why a GRPO loss can sit at 0: explain grpo-loss). "
                + "More responses per group, a higher temperature, or a reward with finer grades give them something to compare.")
        }
        // Below −0.0005, where the printed k1 shows the sign.
        if s.klK1 < -5e-4 && !explainedNegativeKL {
            explainedNegativeKL = true
            lines.append(String(format: "note: kl(k1) is negative (%.3f). KL itself never is: k1 = Σ(log π − log π_ref) is an average over "
                + "the tokens π drew, and it dips below zero when π drew tokens the reference likes more. Read kl(k3) = Σ(ρ − 1 − log ρ), "
                + "ρ = π_ref/π: the same expectation, never negative, lower variance (Schulman 2020).", s.klK1))
        }
        for kind in Kind.allCases {
            let message = check(kind)
            if let message, !active.contains(kind), history.count - (spoken[kind] ?? -window) >= window {
                lines.append("warning: " + message)
                spoken[kind] = history.count
            }
            if message == nil { active.remove(kind) } else { active.insert(kind) }
        }
        return lines
    }

    /// The warning of `kind` if its condition holds now.
    private func check(_ kind: Kind) -> String? {
        guard let first = history.first, let now = history.last else { return nil }
        switch kind {
        case .rewardHacking:
            guard history.count >= trendWindow, now.gold.isFinite else { return nil }
            let recent = history.suffix(trendWindow)
            let p = Self.trend(recent.map(\.proxy)), g = Self.trend(recent.map(\.gold))
            guard p.low > 0 && g.high < 0 else { return nil }
            return String(format: "proxy rising (%+.3f a step [%+.3f, %+.3f]) while gold falls (%+.3f [%+.3f, %+.3f]) over the last "
                + "%d steps (least-squares slopes, 95%% intervals): the policy is finding the reward model's errors (reward hacking, "
                + "Gao et al. 2022). Stop or go back, raise beta, or retrain the reward model on the policy's own samples.",
                p.slope, p.low, p.high, g.slope, g.low, g.high, trendWindow)
        case .klAccelerating:
            guard history.count >= 3 else { return nil }
            let kl = history.map(\.klK3)
            let rise = kl[kl.count - 1] - kl[kl.count - 2]
            let before = (kl[kl.count - 2] - kl[0]) / Double(kl.count - 2)
            guard rise > 0.1 && rise > 2 * max(before, 0) else { return nil }
            return String(format: "KL accelerating: %+.2f nats this step against %+.2f a step before; the policy is leaving the "
                + "reference faster than it did. Often the start of reward hacking or of a collapse: lower lr or raise beta.", rise, before)
        case .entropyCollapse:
            guard history.count >= 2, first.entropy > 0, now.entropy < 0.5 * first.entropy else { return nil }
            return String(format: "entropy collapsing: %.3f per token, from %.3f at the first step. The policy is settling on a "
                + "few answers (mode collapse); samples stop differing, and group methods stop learning. Raise beta or the temperature.",
                now.entropy, first.entropy)
        case .lengthRunaway:
            let budget = 0.9 * Double(maxLength)
            let runaway = history.count >= 2 && now.length > 1.5 * first.length && now.length > first.length + 4
            guard runaway || (now.length >= budget && first.length < budget) else { return nil }
            return String(format: "length running away: %.1f tokens a response, from %.1f (the budget is %d). Reward models "
                + "often pay for length itself (Singhal et al. 2023); read a few responses (show) before trusting the reward.",
                now.length, first.length, maxLength)
        }
    }

    /// The least-squares slope of `values` against 0, 1, 2, …
    static func slope(_ values: [Double]) -> Double { trend(values).slope }

    /// The least-squares slope of `values` against 0, 1, 2, … with its 95%
    /// interval: slope ± t(0.975, n − 2)·√(SSR/(n − 2) / Sxx), SSR the squared
    /// residuals and Sxx = Σ(x − x̄)² (the textbook interval for a regression
    /// slope). With two points, or none to spare, the interval is unbounded.
    static func trend(_ values: [Double]) -> (slope: Double, low: Double, high: Double) {
        let n = values.count
        guard n >= 2 else { return (0, -.infinity, .infinity) }
        let mx = Double(n - 1) / 2, my = values.reduce(0, +) / Double(n)
        var sxy = 0.0, sxx = 0.0
        for (i, y) in values.enumerated() { sxy += (Double(i) - mx) * (y - my); sxx += (Double(i) - mx) * (Double(i) - mx) }
        let b = sxy / sxx
        guard n >= 3 else { return (b, -.infinity, .infinity) }
        var ssr = 0.0
        for (i, y) in values.enumerated() { let r = y - (my + b * (Double(i) - mx)); ssr += r * r }
        let half = tQuantile975(degrees: n - 2) * (ssr / Double(n - 2) / sxx).squareRoot()
        return (b, b - half, b + half)
    }

    /// Student's t at 0.975 for `degrees` of freedom (standard tables to 30, then the normal's 1.96).
    static func tQuantile975(degrees: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        return degrees >= 1 && degrees <= table.count ? table[degrees - 1] : 1.959964
    }
}

/// What every RL method's step reports in common: the rollout's rewards, its
/// KL from the reference by two estimators, the share of ratios clipped,
/// entropy and length; and from them what the early warnings read.
public protocol RLStepReport {
    var iteration: Int { get }
    var proxy: Double { get }
    var gold: Double { get }
    var klK1: Double { get }
    var klK3: Double { get }
    var clipFraction: Double { get }
    var entropy: Double { get }
    var length: Double { get }
    var signals: StepSignals { get }
}

extension PPOReport: RLStepReport {
    public var signals: StepSignals {
        StepSignals(proxy: proxy, gold: gold, klK1: klK1, klK3: klK3, entropy: entropy, length: length)
    }
}

extension GroupRLReport: RLStepReport {
    public var signals: StepSignals {
        StepSignals(proxy: proxy, gold: gold, klK1: klK1, klK3: klK3, entropy: entropy, length: length, flatGroups: flatGroups, groups: groups)
    }
}
