import Foundation
import Shell

/// Progress of long work: a bar redrawn in place on a terminal (title, step,
/// metrics, units per second, time left); a line every tenth of the work
/// otherwise; nothing with --quiet. Work done within `grace` shows nothing,
/// so quick commands print as they always did.
final class TerminalProgress: ProgressReporter {
    let isTerminal: Bool
    let ascii: Bool
    /// How long work runs before its progress shows.
    static let grace: TimeInterval = 0.5
    private var title = "", unit = "step", total = 0, started = Date(), lastDraw = Date.distantPast, lastLine = 0
    /// Whether the bar is on screen, so `end` moves past it.
    private var drawn = false

    init(isTerminal: Bool, ascii: Bool) {
        self.isTerminal = isTerminal
        self.ascii = ascii
    }

    func begin(_ title: String, total: Int, unit: String) {
        self.title = title
        self.total = total
        self.unit = unit
        started = Date()
        lastDraw = .distantPast
        lastLine = 0
    }

    func update(step: Int, metrics: [(String, Double)]) {
        let elapsed = Date().timeIntervalSince(started)
        guard elapsed >= Self.grace else { return }
        // Formatted only when a line is drawn: sampling reports every token.
        func numbers() -> String { metrics.map { String(format: "  %@ %.3f", $0.0, $0.1) }.joined() }
        if isTerminal {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || step == total else { return }
            let rate = Double(step) / max(elapsed, 1e-9)
            let left = Double(total - step) / max(rate, 1e-9)
            lastDraw = Date()
            drawn = true
            let width = 20, filled = total > 0 ? width * step / total : 0
            let bar = ascii ? "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
                            : "▕" + String(repeating: "█", count: filled) + String(repeating: " ", count: width - filled) + "▏"
            let line = String(format: "\r  %@  %@ %d/%d %@%@  %.1f %@s/s  ETA %.0f s\u{1B}[K",
                              title, unit, step, total, bar, numbers(), rate, unit, left)
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            // Work that reports a batch at a time steps over the tenths: a line once it passes one.
            let every = max(1, total / 10)
            guard step / every > lastLine / every || step == total, step != lastLine else { return }
            lastLine = step
            FileHandle.standardError.write(Data(String(format: "  %@: %@ %d/%d%@\n", title, unit, step, total, numbers()).utf8))
        }
    }

    func end() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }
}
