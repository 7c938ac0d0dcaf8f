/// A training run's history: one series of (step, value) per metric, for
/// `plot`, `show` and `expect`.
public final class Run {
    /// The run's name (the model it trained, usually).
    public let name: String
    /// What kind of run: "pretrain", "sft", "ppo".
    public let kind: String
    /// Metric name → points, in the order they were recorded.
    public private(set) var series: [String: [(step: Int, value: Double)]] = [:]
    /// Metric names in the order they first appeared.
    public private(set) var metrics: [String] = []

    /// An empty run.
    public init(name: String, kind: String) {
        self.name = name
        self.kind = kind
    }

    /// Records `value` of `metric` at `step`.
    public func record(_ metric: String, step: Int, _ value: Double) {
        if series[metric] == nil { metrics.append(metric) }
        series[metric, default: []].append((step, value))
    }

    /// The last value of `metric`.
    public func last(_ metric: String) -> Double? { series[metric]?.last?.value }
}
