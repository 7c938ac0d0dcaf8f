import Files
import Foundation

extension Commands {
    static let plot = CommandSpec(
        "plot",
        arguments: [.argument("METRIC", .string, "a metric, or several joined by commas (loss,heldout)"),
                    .argument("WHERE...", .string, "of RUN and/or to FILE.svg", required: false)],
        summary: "chart a run's metrics in the terminal, or to an SVG file",
        help: """
            Draws the history of METRIC (loss, heldout, reward, KL, …) from a run \
            against its step. `of RUN` chooses the run (default: the latest); \
            `to FILE.svg` writes an SVG picture instead. Plain ASCII is used when \
            NO_COLOR is set or the terminal cannot show Unicode.
            """,
        examples: ["plot loss", "plot loss,heldout of base", "plot loss of base to loss.svg"]
    ) { invocation, context in
        let s = context.session
        var runName: String?, file: String?
        if let rest = invocation.arguments["WHERE..."] {
            let words = rest.split(separator: " ").map(String.init)
            var i = 0
            while i < words.count {
                guard i + 1 < words.count, ["of", "to"].contains(words[i]) else {
                    throw invocation.error("expected `of RUN` or `to FILE.svg` after the metric", at: "WHERE...")
                }
                if words[i] == "of" { runName = words[i + 1] } else { file = words[i + 1] }
                i += 2
            }
        }
        guard let name = runName ?? s.objectNames.last(where: { s.runs[$0] != nil }) else {
            throw invocation.error("there are no runs yet: pretrain (and later sft, ppo) make them")
        }
        guard let run = s.runs[name] else {
            throw invocation.error("no run '\(name)'; runs: \(s.runs.keys.sorted().joined(separator: ", "))", at: "WHERE...")
        }
        var series: [(name: String, points: [(Double, Double)])] = []
        for metric in invocation.argument("METRIC").split(separator: ",").map(String.init) {
            guard let points = run.series[metric] else {
                let near = nearest(metric, run.metrics).map { "; did you mean \($0)?" } ?? ""
                throw invocation.error("run \(name) has no metric '\(metric)'\(near); it has \(run.metrics.joined(separator: ", "))", at: "METRIC")
            }
            series.append((metric, points.map { ($0.x, $0.value) }))
        }
        let chart = Chart(series: series)
        let title = "\(invocation.argument("METRIC")) of \(name)"
        if let file { return try writeSVG(chart, title: title, to: file, invocation, argument: "WHERE...") }
        return CommandOutput(title + " (x: \(run.xAxis))\n" + chart.render(ascii: s.asciiOnly))
    }

    /// Writes `chart` as an SVG picture to `file`, or an error at `argument`.
    static func writeSVG(_ chart: Chart, title: String, to file: String, _ invocation: Invocation, argument: String) throws -> CommandOutput {
        do {
            try AtomicFile.write(Data(chart.svg(title: title).utf8), to: URL(fileURLWithPath: file))
        } catch {
            throw invocation.error("cannot write \(file): \(error.problem)", at: argument)
        }
        return CommandOutput("wrote \(file)")
    }
}
