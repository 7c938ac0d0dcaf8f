import Alignment
import LanguageModel
/// A run's history: one series of (x, value) per metric, for `plot`, `show`
/// and `expect`. x is the step of a training run, or another quantity a sweep
/// varies (√KL of best-of-n).
public final class Run {
    /// The run's name (the model it trained, usually).
    public let name: String
    /// What kind of run: "pretrain", "sft", "ppo", "bestofn".
    public let kind: String
    /// What x is: "step" unless the run says otherwise.
    public let xAxis: String
    /// Metric name → points, in the order they were recorded.
    public private(set) var series: [String: [(x: Double, value: Double)]] = [:]
    /// Metric names in the order they first appeared.
    public private(set) var metrics: [String] = []
    /// The method an iterative run steps (a `DPO`), held with its history.
    public var method: AnyObject?
    /// The policy's starting weights, kept when they are not the frozen
    /// reference's (dpo init ref=…), for `export`.
    public var policyStart: GPT?
    /// A PPO run's value model as it started (from a reward model), for `export`.
    public var criticStart: GPT?
    /// The reward an RL run optimises, by the name it was given (what `export` says and serves).
    public var rewardName: String?
    /// The early warnings of an RL run, with what they have seen.
    public var warnings: EarlyWarnings?
    /// The run's matched control (`control=nokl`: the same run with β = 0), stepped with it.
    public var twin: String?

    /// An empty run.
    public init(name: String, kind: String, xAxis: String = "step") {
        self.name = name
        self.kind = kind
        self.xAxis = xAxis
    }

    /// Records `value` of `metric` at `step`.
    public func record(_ metric: String, step: Int, _ value: Double) {
        record(metric, at: Double(step), value)
    }

    /// Records `value` of `metric` at `x`.
    public func record(_ metric: String, at x: Double, _ value: Double) {
        if series[metric] == nil { metrics.append(metric) }
        series[metric, default: []].append((x, value))
    }

    /// The last value of `metric`.
    public func last(_ metric: String) -> Double? { series[metric]?.last?.value }
}
