import Foundation

/// How a group of responses to one prompt becomes advantages: the critic-free
/// estimators of GRPO, Dr. GRPO and RLOO. Each response's advantage is one
/// number that every one of its tokens receives.
public enum GroupBaseline: String, Sendable, CaseIterable {
    /// GRPO (Shao et al. 2024, §4.1.2, outcome supervision):
    ///
    ///     A_i = (r_i − mean(r)) / (std(r) + ε)
    ///
    /// std with Bessel's correction and ε = 1e-4, as TRL's GRPOTrainer
    /// computes it (torch's default std is unbiased).
    case grpo
    /// Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-Like Training", §3.1):
    /// no division by the std, which favours groups whose rewards barely differ:
    ///
    ///     A_i = r_i − mean(r)
    case drgrpo = "dr_grpo"
    /// RLOO (Ahmadian et al. 2024, eq. 5; Kool et al. 2019): each response's
    /// baseline is the mean reward of the other k − 1,
    ///
    ///     A_i = r_i − 1/(k−1) Σ_{j≠i} r_j  =  k/(k−1) · (r_i − mean(r))
    case rloo

    /// ε of GRPO's std division (TRL's GRPOTrainer).
    public static let epsilon = 1e-4

    /// The advantages of one group's rewards. A group of fewer than two
    /// responses has no baseline to compare against: its advantages are 0.
    public func advantages(_ rewards: [Double]) -> [Double] {
        let k = rewards.count
        guard k >= 2 else { return [Double](repeating: 0, count: k) }
        let mean = rewards.reduce(0, +) / Double(k)
        switch self {
        case .grpo:
            let variance = rewards.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k - 1)
            let scale = 1 / (variance.squareRoot() + Self.epsilon)
            return rewards.map { ($0 - mean) * scale }
        case .drgrpo:
            return rewards.map { $0 - mean }
        case .rloo:
            let total = rewards.reduce(0, +)
            return rewards.map { $0 - (total - $0) / Double(k - 1) }
        }
    }

    /// Advantages for rewards laid out group after group (`groupSize` each),
    /// and how many groups had rewards all equal: those teach nothing, since
    /// every advantage in them is 0.
    public func advantages(_ rewards: [Double], groupSize: Int) -> (advantages: [Double], flatGroups: Int) {
        precondition(groupSize >= 1 && rewards.count % groupSize == 0, "rewards must fill whole groups")
        var out: [Double] = []
        out.reserveCapacity(rewards.count)
        var flat = 0
        for start in stride(from: 0, to: rewards.count, by: groupSize) {
            let group = Array(rewards[start..<start + groupSize])
            if let first = group.first, group.allSatisfy({ $0 == first }) { flat += 1 }
            out += advantages(group)
        }
        return (out, flat)
    }
}

/// The k3 estimator of KL(π ‖ π_ref) per token as GRPO puts it in its loss
/// (Shao et al. 2024, eq. 4; Schulman 2020, "Approximating KL divergence"):
///
///     k3 = π_ref/π − log(π_ref/π) − 1,   ∂k3/∂log π = 1 − π_ref/π
///
/// with the ratio taken from log-probabilities. Never negative, unlike k1.
public func k3Divergence(logProb: Float, referenceLogProb: Float) -> (value: Double, dLogProb: Double) {
    let logRatio = Double(referenceLogProb - logProb)
    let ratio = exp(logRatio)
    return ((ratio - 1) - logRatio, 1 - ratio)
}
