/// SimPO (Meng et al. 2024, eq. 6): no reference, the reward is the per-token
/// mean log-probability, and the margin must clear γ:
///
///     ℓ = −log σ(β (log π(y_w)/|y_w| − log π(y_l)/|y_l|) − γ)
///
/// The implicit rewards are β log π(y)/|y|. Defaults β 2, γ 1 (γ/β = 0.5).
public struct SimPO: PairObjective {
    public var beta: Double, gamma: Double

    public init(beta: Double, gamma: Double) {
        self.beta = beta
        self.gamma = gamma
    }

    public var usesReference: Bool { false }
    public var summary: String { "β \(formatted(beta)), γ \(formatted(gamma)), no reference" }

    public func terms(chosen w: SequenceLogProbs, rejected l: SequenceLogProbs) -> PairTerms {
        let lw = Double(max(w.length, 1)), ll = Double(max(l.length, 1))
        let z = beta * (w.policyMean - l.policyMean) - gamma
        return PairTerms(loss: softplus(-z), dChosen: -sigmoid(-z) * beta / lw, dRejected: sigmoid(-z) * beta / ll,
                         chosenReward: beta * w.policyMean, rejectedReward: beta * l.policyMean)
    }
}
