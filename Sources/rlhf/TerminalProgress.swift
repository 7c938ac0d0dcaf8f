import Foundation
import Shell

/// Progress of long work: a bar redrawn in place on a terminal (step, metrics,
/// tokens or steps per second, time left); a line every tenth of the work
/// otherwise; nothing with --quiet.
final class TerminalProgress: ProgressReporter {
    let isTerminal: Bool
    let ascii: Bool
    private var title = "", total = 0, started = Date(), lastDraw = Date.distantPast, lastLine = 0

    init(isTerminal: Bool, ascii: Bool) {
        self.isTerminal = isTerminal
        self.ascii = ascii
    }

    func begin(_ title: String, total: Int) {
        self.title = title
        self.total = total
        started = Date()
        lastDraw = .distantPast
        lastLine = 0
    }

    func update(step: Int, metrics: [(String, Double)]) {
        let elapsed = Date().timeIntervalSince(started)
        let rate = Double(step) / max(elapsed, 1e-9)
        let left = Double(total - step) / max(rate, 1e-9)
        let numbers = metrics.map { String(format: "%@ %.3f", $0.0, $0.1) }.joined(separator: "  ")
        if isTerminal {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || step == total else { return }
            lastDraw = Date()
            let width = 20, filled = total > 0 ? width * step / total : 0
            let bar = ascii ? "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
                            : "▕" + String(repeating: "█", count: filled) + String(repeating: " ", count: width - filled) + "▏"
            let line = String(format: "\r  step %d/%d %@ %@  %.1f steps/s  ETA %.0f s\u{1B}[K", step, total, bar, numbers, rate, left)
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            let every = max(1, total / 10)
            guard step % every == 0 || step == total, step != lastLine else { return }
            lastLine = step
            FileHandle.standardError.write(Data(String(format: "  %@: step %d/%d  %@\n", title, step, total, numbers).utf8))
        }
    }

    func end() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
