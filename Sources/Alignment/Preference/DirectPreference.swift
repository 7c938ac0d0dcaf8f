/// DPO and the variants that change only ℓ of the log-ratio margin
/// (Rafailov et al. 2023, eq. 7, and the papers below):
///
///     h = (log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l)),   z = β h
///     sigmoid  ℓ = −log σ(z)                                  (Rafailov et al. 2023)
///     ipo      ℓ = (h − 1/(2β))²                              (Azar et al. 2023, eq. 17)
///     cdpo     ℓ = −(1−ε) log σ(z) − ε log σ(−z)              (Mitchell 2023)
///     robust   ℓ = (−(1−ε) log σ(z) + ε log σ(−z)) / (1 − 2ε)  (Chowdhury et al. 2024)
///     hinge    ℓ = max(0, 1 − z)                              (SLiC, Zhao et al. 2023)
///
/// with sequence log-probabilities summed over a response's tokens, or their
/// per-token means (`averages`, IPO's default, as TRL computes it). The
/// implicit rewards are β (log π − log π_ref) of each response.
public struct DirectPreference: PairObjective {
    public enum Kind: String, Sendable { case sigmoid, ipo, cdpo, robust, hinge }
    public var kind: Kind
    public var beta: Double, epsilon: Double
    public var averages: Bool

    public init(_ kind: Kind, beta: Double, epsilon: Double = 0.1, averages: Bool = false) {
        self.kind = kind
        self.beta = beta
        self.epsilon = epsilon
        self.averages = averages
    }

    public var usesReference: Bool { true }

    public var summary: String {
        "β \(formatted(beta))" + (kind == .cdpo || kind == .robust ? ", ε \(formatted(epsilon))" : "")
            + (averages ? ", log-probabilities averaged per token" : "")
    }

    public func terms(chosen w: SequenceLogProbs, rejected l: SequenceLogProbs) -> PairTerms {
        // Sums, or per-token means (d mean/dΣ = 1/|y|).
        let (sw, sl) = averages ? (1 / Double(max(w.length, 1)), 1 / Double(max(l.length, 1))) : (1.0, 1.0)
        let rw = (w.policy - w.reference) * sw, rl = (l.policy - l.reference) * sl
        let h = rw - rl, z = beta * h, eps = epsilon
        // (ℓ, dℓ/dh).
        let (loss, dh): (Double, Double) = switch kind {
        case .sigmoid: (softplus(-z), -sigmoid(-z) * beta)
        case .cdpo: ((1 - eps) * softplus(-z) + eps * softplus(z), (-(1 - eps) * sigmoid(-z) + eps * sigmoid(z)) * beta)
        case .robust: (((1 - eps) * softplus(-z) - eps * softplus(z)) / (1 - 2 * eps),
                       (-(1 - eps) * sigmoid(-z) - eps * sigmoid(z)) / (1 - 2 * eps) * beta)
        case .hinge: z < 1 ? (1 - z, -beta) : (0, 0)
        case .ipo: ((h - 1 / (2 * beta)) * (h - 1 / (2 * beta)), 2 * (h - 1 / (2 * beta)))
        }
        return PairTerms(loss: loss, dChosen: dh * sw, dRejected: -dh * sl, chosenReward: beta * rw, rejectedReward: beta * rl)
    }
}
