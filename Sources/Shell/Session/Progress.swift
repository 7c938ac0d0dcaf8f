/// Where long work (training, sampling many prompts) reports how far it got.
/// The terminal front end draws a bar; scripts and tests get a line every so
/// often; the default says nothing.
public protocol ProgressReporter: AnyObject {
    /// Work of `total` steps called `title` starts.
    func begin(_ title: String, total: Int)
    /// Step `step` of the current work is done; `metrics` are shown beside it.
    func update(step: Int, metrics: [(String, Double)])
    /// The work ended (finished or stopped).
    func end()
}

/// Reports nothing.
public final class SilentProgress: ProgressReporter {
    /// A reporter that says nothing.
    public init() {}
    public func begin(_ title: String, total: Int) {}
    public func update(step: Int, metrics: [(String, Double)]) {}
    public func end() {}
}
