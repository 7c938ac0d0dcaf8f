import Foundation

/// What the topics read of the session to quote its own numbers.
extension Session {
    /// The latest run of `kinds` (a run's kind: "ppo", "grpo", "dpo", "sft"), if any.
    func latestRun(_ kinds: String...) -> Run? {
        objectNames.last { runs[$0].map { kinds.contains($0.kind) } ?? false }.flatMap { runs[$0] }
    }
}

extension Run {
    /// The points of `metric`, in order.
    func points(_ metric: String) -> [(x: Double, value: Double)] { series[metric] ?? [] }

    /// "step 3" or "steps 1–4": the steps of `points`.
    static func steps(_ points: [(x: Double, value: Double)]) -> String {
        guard let first = points.first, let last = points.last else { return "no steps" }
        return first.x == last.x ? "step \(Int(first.x))" : "steps \(Int(first.x))–\(Int(last.x))"
    }
}

/// A number as the topics quote it.
func quoted(_ x: Double, _ digits: Int = 3) -> String { String(format: "%+.\(digits)f", x) }
