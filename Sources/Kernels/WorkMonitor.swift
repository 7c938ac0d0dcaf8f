/// What long work (sampling, scoring or judging many items) gets from its
/// caller: a checkpoint to pass between batches, which throws `Failure` once
/// the caller wants the work to stop, and a place to say how far it got.
/// Work that is stopped returns nothing: whatever it made so far is dropped.
///
/// `Failure` is `Never` for work nobody stops (the default, `.none`, so such
/// calls need no `try`) and `Cancelled` for work a user stops with Ctrl-C.
/// The caller decides what to show; the work only counts.
public struct WorkMonitor<Failure: Error> {
    /// The step of the work under way, as the work names its steps
    /// ("sampling", "scoring"; a step of a step after a comma); empty for work of one step.
    public private(set) var phase = ""
    private let stopIfAsked: () throws(Failure) -> Void
    private let report: (_ phase: String, _ done: Int, _ total: Int) -> Void

    /// A monitor whose `checkpoint` calls `checkpoint` and whose progress goes to `report`.
    public init(checkpoint: @escaping () throws(Failure) -> Void,
                report: @escaping (_ phase: String, _ done: Int, _ total: Int) -> Void) {
        stopIfAsked = checkpoint
        self.report = report
    }

    /// Throws `Failure` if the caller wants the work to stop. Call it before
    /// each batch, where stopping leaves nothing half done.
    public func checkpoint() throws(Failure) { try stopIfAsked() }

    /// `done` of the `total` units (responses, prompts, tokens) of the current step are finished.
    public func progress(_ done: Int, of total: Int) { report(phase, done, total) }

    /// This monitor for a step of the work called `name`.
    public func phase(_ name: String) -> WorkMonitor {
        var step = self
        step.phase = phase.isEmpty ? name : phase + ", " + name
        return step
    }

    /// `body` on every element of `items` in order, with a checkpoint before
    /// and a progress report after every `every` elements.
    public func forEach<Items: Collection>(_ items: Items, every: Int = 64, _ body: (Items.Element) -> Void) throws(Failure) {
        precondition(every > 0, "WorkMonitor.forEach: every must be positive")
        progress(0, of: items.count)
        var done = 0
        for item in items {
            if done % every == 0 { try checkpoint() }
            body(item)
            done += 1
            if done % every == 0 || done == items.count { progress(done, of: items.count) }
        }
    }

    /// `transform` of every element of `items`, in order, checked and reported as `forEach` is.
    public func map<Items: Collection, Result>(_ items: Items, every: Int = 64,
                                               _ transform: (Items.Element) -> Result) throws(Failure) -> [Result] {
        var out: [Result] = []
        out.reserveCapacity(items.count)
        try forEach(items, every: every) { out.append(transform($0)) }
        return out
    }
}

extension WorkMonitor where Failure == Never {
    /// Reports to no one and never stops the work.
    public static var none: WorkMonitor<Never> { WorkMonitor(checkpoint: {}, report: { _, _, _ in }) }
}

/// Long work stopped at a checkpoint because its caller asked it to (Ctrl-C).
public struct Cancelled: Error, Equatable, Sendable {
    public init() {}
}

extension WorkMonitor where Failure == Cancelled {
    /// A monitor that stops the work with `Cancelled` at the first checkpoint
    /// after `isCancelled` turns true.
    public init(isCancelled: @escaping () -> Bool, report: @escaping (_ phase: String, _ done: Int, _ total: Int) -> Void) {
        self.init(checkpoint: { () throws(Cancelled) in if isCancelled() { throw Cancelled() } }, report: report)
    }
}
