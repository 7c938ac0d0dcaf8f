import Foundation

/// A response's log-probabilities as a preference objective reads them.
public struct SequenceLogProbs: Sendable, Equatable {
    /// Σ log π over the response's tokens, and Σ log π_ref (0 where the objective reads no reference).
    public var policy: Double, reference: Double
    /// Its tokens.
    public var length: Int

    public init(policy: Double, reference: Double, length: Int) {
        self.policy = policy
        self.reference = reference
        self.length = length
    }

    /// Σ log π / |y| and Σ log π_ref / |y|: the per-token means.
    public var policyMean: Double { policy / Double(max(length, 1)) }
    public var referenceMean: Double { reference / Double(max(length, 1)) }
}

/// What one pair contributes: its loss ℓ, dℓ/dΣ log π of the chosen and of the
/// rejected response (a response's tokens each get its derivative), and the
/// two implicit rewards the objective reports.
public struct PairTerms: Sendable, Equatable {
    public var loss: Double, dChosen: Double, dRejected: Double
    public var chosenReward: Double, rejectedReward: Double
}

/// A preference objective on pairs: how a pair's sequence log-probabilities
/// become a loss and its gradient (DESIGN §5). DPO and its variants, SimPO and
/// ORPO are each one of these; the trainer (`DPO`) batches, reads π and π_ref,
/// adds RPO's term when asked, and steps. A new loss is one file with a type
/// of this protocol, and its case in `DPOLoss`, which names it.
public protocol PairObjective: Sendable {
    /// Whether it reads a frozen reference's log-probabilities (SimPO and ORPO do not).
    var usesReference: Bool { get }
    /// Its settings, as `dpo init` prints them: "β 0.1", "β 2, γ 1, no reference".
    var summary: String { get }
    /// ℓ of one pair, its derivatives and its implicit rewards.
    func terms(chosen: SequenceLogProbs, rejected: SequenceLogProbs) -> PairTerms
}

/// A number for a summary line without a trailing ".0".
func formatted(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
