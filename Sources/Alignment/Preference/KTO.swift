import Foundation

/// KTO, Kahneman–Tversky optimisation (Ethayarajh et al. 2024, eq. 8): single
/// responses labelled desirable or undesirable, no pairs. With the implicit
/// reward r = log π(y|x) − log π_ref(y|x) and a reference point z₀, the
/// batch's KL(π ‖ π_ref) estimated on mismatched prompt/response pairs, held
/// constant (no gradient) and not below 0:
///
///     desirable    ℓ = λ_D (1 − σ(β (r − z₀)))
///     undesirable  ℓ = λ_U (1 − σ(β (z₀ − r)))
///
/// Defaults β 0.1 and λ_D = λ_U = 1, as TRL's KTOTrainer (which estimates z₀
/// the same way, each completion paired with the next prompt's in the batch).
public struct KTO: Sendable {
    public var beta: Double, desirableWeight: Double, undesirableWeight: Double

    public init(beta: Double, desirableWeight: Double = 1, undesirableWeight: Double = 1) {
        self.beta = beta
        self.desirableWeight = desirableWeight
        self.undesirableWeight = undesirableWeight
    }

    public var summary: String {
        "β \(formatted(beta)), λ_D \(formatted(desirableWeight)), λ_U \(formatted(undesirableWeight)), unpaired"
    }

    /// z₀ = max(0, mean over the mismatched responses of log π − log π_ref).
    public static func referencePoint(_ mismatched: [SequenceLogProbs]) -> Double {
        guard !mismatched.isEmpty else { return 0 }
        return max(0, mismatched.map { $0.policy - $0.reference }.reduce(0, +) / Double(mismatched.count))
    }

    /// ℓ of one response, dℓ/dΣ log π, and its implicit reward β r.
    public func terms(_ y: SequenceLogProbs, desirable: Bool, referencePoint z: Double) -> (loss: Double, d: Double, reward: Double) {
        let r = y.policy - y.reference
        // d(1 − σ(u))/du = −σ(u)(1 − σ(u)), u = ±β(r − z₀).
        if desirable {
            let s = sigmoid(beta * (r - z))
            return (desirableWeight * (1 - s), -desirableWeight * beta * s * (1 - s), beta * r)
        }
        let s = sigmoid(beta * (z - r))
        return (undesirableWeight * (1 - s), undesirableWeight * beta * s * (1 - s), beta * r)
    }
}
