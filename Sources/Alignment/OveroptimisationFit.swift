import Foundation

/// The functional forms Gao et al. 2022 ("Scaling Laws for Reward Model
/// Overoptimization", eqs. 1–2) fit to gold reward against d = √KL(π ‖ π_init),
/// the gold reward measured from where the policy started (R(0) = 0):
///
///     best-of-n:  R(d) = d (α − β d)         peak at d* = α / (2β)
///     RL:         R(d) = d (α − β log d)     peak at d* = exp(α/β − 1)
///
/// Both are linear in (α, β), so least squares is a 2×2 solve.
public enum OveroptimisationLaw: String, Sendable, CaseIterable {
    case bestOfN = "bon"
    case reinforcement = "rl"

    /// The two features of R at d: R = α f₁ − β f₂.
    func features(_ d: Double) -> (Double, Double) {
        switch self {
        case .bestOfN: (d, d * d)
        case .reinforcement: (d, d > 0 ? d * log(d) : 0)
        }
    }
}

/// A fitted curve: its coefficients, R² against the points, and where it peaks.
public struct OveroptimisationFit: Sendable, Equatable {
    public var law: OveroptimisationLaw
    public var alpha: Double, beta: Double
    /// 1 − SS_res/SS_tot over the points fitted (SS_tot about their mean).
    public var rSquared: Double
    /// d where R is highest, when it turns over (β > 0); nil when it keeps rising.
    public var peak: Double? {
        guard beta > 0 else { return nil }
        switch law {
        case .bestOfN: return alpha / (2 * beta)
        case .reinforcement: return exp(alpha / beta - 1)
        }
    }

    /// R(d) by the fitted coefficients.
    public func callAsFunction(_ d: Double) -> Double {
        let (f1, f2) = law.features(d)
        return alpha * f1 - beta * f2
    }

    /// Least squares of `r` (gold less its value at the start) on `d`, with
    /// no intercept, as the law has none. Needs two points with d > 0 whose
    /// features are not proportional; nil otherwise.
    public static func fit(_ law: OveroptimisationLaw, d: [Double], r: [Double]) -> OveroptimisationFit? {
        precondition(d.count == r.count, "fit: one reward per d")
        // Normal equations of min Σ (r − a f₁ + b f₂)²: [S11 −S12; −S12 S22][a; b] = [S1r; −S2r].
        var s11 = 0.0, s12 = 0.0, s22 = 0.0, s1r = 0.0, s2r = 0.0
        for (x, y) in zip(d, r) {
            let (f1, f2) = law.features(x)
            s11 += f1 * f1; s12 += f1 * f2; s22 += f2 * f2; s1r += f1 * y; s2r += f2 * y
        }
        let det = s11 * s22 - s12 * s12
        guard det > 1e-12 * max(s11 * s22, 1e-300) else { return nil }
        // a = (S1r S22 − S2r S12)/det;  b = (S1r S12 − S2r S11)/det  (b enters with a minus sign).
        let alpha = (s1r * s22 - s2r * s12) / det
        let beta = (s1r * s12 - s2r * s11) / det
        var fitted = OveroptimisationFit(law: law, alpha: alpha, beta: beta, rSquared: .nan)
        let mean = r.reduce(0, +) / Double(r.count)
        let residual = zip(d, r).reduce(0.0) { $0 + pow($1.1 - fitted($1.0), 2) }
        let total = r.reduce(0.0) { $0 + pow($1 - mean, 2) }
        fitted.rSquared = total > 0 ? 1 - residual / total : .nan
        return fitted
    }
}
