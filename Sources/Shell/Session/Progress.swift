/// Where long work (training, sampling many prompts) reports how far it got.
/// The terminal front end draws a bar; scripts and tests get a line every so
/// often; the default says nothing.
public protocol ProgressReporter: AnyObject {
    /// Work of `total` units called `title` starts; `unit` names one unit
    /// ("step", "response"). A `begin` without an `end` before it starts the
    /// next part of the same work on the same line.
    func begin(_ title: String, total: Int, unit: String)
    /// Step `step` of the current work is done; `metrics` are shown beside it.
    func update(step: Int, metrics: [(String, Double)])
    /// The work ended (finished or stopped).
    func end()
}

extension ProgressReporter {
    /// Work of `total` steps called `title` starts.
    public func begin(_ title: String, total: Int) { begin(title, total: total, unit: "step") }
}

/// Reports nothing.
public final class SilentProgress: ProgressReporter {
    /// A reporter that says nothing.
    public init() {}
    public func begin(_ title: String, total: Int, unit: String) {}
    public func update(step: Int, metrics: [(String, Double)]) {}
    public func end() {}
}
