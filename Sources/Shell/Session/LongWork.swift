import Kernels

/// A command's long work stopped at Ctrl-C before the command changed
/// anything. The runner prints `message` (after `file:line:` in a script),
/// stops a script as an error would, and puts back the session's seed
/// counter, so the session is as it was before the command.
public struct CommandStopped: Error, Sendable {
    /// "stopped after 1024 of 4096 responses (Ctrl-C); the session is as it was".
    public let message: String
}

extension Session {
    /// Runs the long part of a command. `body` gets a monitor that draws its
    /// progress through `progress` (one line titled `title`, counted in
    /// `unit`s, starting afresh for each step the work names) and stops it at
    /// the next batch once `isCancelled` turns true; the stop comes out as
    /// `CommandStopped`, saying how far the work got. `body` computes and
    /// leaves the session alone: the handler stores its results after, so a
    /// stopped command leaves nothing half made.
    func work<Result>(_ title: String, unit: String = "response",
                      _ body: (WorkMonitor<Cancelled>) throws -> Result) throws -> Result {
        let line = ProgressLine(progress, title: title, unit: unit)
        defer { line.end() }
        do {
            return try body(WorkMonitor(isCancelled: isCancelled, report: line.report))
        } catch is Cancelled {
            throw CommandStopped(message: line.stopMessage)
        }
    }
}

/// One command's progress: a `begin` whenever the work starts a new step,
/// an `end` once, and where it got to.
private final class ProgressLine {
    let reporter: ProgressReporter
    let title: String, unit: String
    private var phase = "", done = 0, total = 0, begun = false

    init(_ reporter: ProgressReporter, title: String, unit: String) {
        self.reporter = reporter
        self.title = title
        self.unit = unit
    }

    func report(phase: String, done: Int, total: Int) {
        if !begun || phase != self.phase || total != self.total {
            reporter.begin(phase.isEmpty ? title : "\(title): \(phase)", total: total, unit: unit)
            begun = true
        }
        (self.phase, self.done, self.total) = (phase, done, total)
        reporter.update(step: done, metrics: [])
    }

    func end() {
        if begun { reporter.end() }
    }

    /// The one line a stop prints.
    var stopMessage: String {
        guard begun else { return "stopped (Ctrl-C); the session is as it was" }
        return "stopped after \(done) of \(plural(total, unit))\(phase.isEmpty ? "" : " while \(phase)") (Ctrl-C); the session is as it was"
    }
}
