import Foundation

/// ORPO (Hong et al. 2024, "ORPO: Monolithic Preference Optimization without
/// Reference Model", eqs. 6–8): supervised finetuning on the chosen response
/// plus λ times a log odds-ratio loss, with no reference model:
///
///     P(y|x) = exp(Σ_t log π(y_t) / |y|),   odds(y) = P / (1 − P)
///     ℓ = −log P(y_w|x) − λ log σ(log odds(y_w) − log odds(y_l))
///
/// λ is `beta` (TRL's name; 0.1 there and here). The implicit rewards are
/// λ log P(y|x), as TRL logs them.
public struct ORPO: PairObjective {
    public var lambda: Double

    public init(lambda: Double) { self.lambda = lambda }

    public var usesReference: Bool { false }
    public var summary: String { "λ \(formatted(lambda)) (beta), SFT on the chosen response, no reference" }

    public func terms(chosen w: SequenceLogProbs, rejected l: SequenceLogProbs) -> PairTerms {
        let a = w.policyMean, b = l.policyMean
        // log odds(m) = m − log(1 − eᵐ), whose derivative is 1/(1 − eᵐ) = −1/expm1(m); expm1 keeps P near 1 exact.
        func logOdds(_ m: Double) -> Double { m - log(-expm1(m)) }
        let ratio = logOdds(a) - logOdds(b)
        let dRatio = -lambda * sigmoid(-ratio)
        let dA = -1 + dRatio * (-1 / expm1(a)), dB = -dRatio * (-1 / expm1(b))
        return PairTerms(loss: -a + lambda * softplus(-ratio), dChosen: dA / Double(max(w.length, 1)),
                         dRejected: dB / Double(max(l.length, 1)), chosenReward: lambda * a, rejectedReward: lambda * b)
    }
}
