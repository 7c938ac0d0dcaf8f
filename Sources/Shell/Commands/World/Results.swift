import Foundation

/// One method's row of a comparison: what the last `eval` measured, and the
/// wall time its training took.
public struct ResultRow: Sendable {
    public var label: String
    public var values: [String: Double]
    public var seconds: Double?
    /// The line it belongs to in `results plot` (a method swept over a setting), or nil for a point of its own.
    public var series: String?
}

extension Commands {
    /// The eval values a row keeps (their .low and .high with them).
    static let resultMetrics = ["win_rate", "helpfulness", "safety", "unsafe_compliance", "false_refusals", "kl", "kl_k1"]

    static let results = CommandSpec(
        "results",
        arguments: [.argument("ACTION", .choice(["start", "add", "show", "plot"]), "start the clock, add a row, show the table, or plot win rate against KL", required: false),
                    .argument("WHERE...", .string, "add: the row's label; plot: to FILE.svg", required: false)],
        options: [Paging.option, .option("series", .name, "add: the line this row joins in results plot (one method swept over β, say)"),
                  .option("x", .choice(["kl", "kl_k1"]), "plot: the KL estimate on the x axis, k3 (kl) or k1 (kl_k1)", default: "kl")],
        summary: "a comparison table of methods, each row from the last eval",
        help: """
            Collects one row per method for a side-by-side: `results start` \
            starts the clock before a method trains; `results add LABEL` after \
            its `eval … against sft` keeps that evaluation (gold win rate against \
            sft with its 95% interval, helpfulness, safety, unsafe compliance and \
            false refusals with theirs, KL from sft) and the wall time from \
            `results start` to the start of the eval. `results` (or `results \
            show`) prints the table; `results plot` charts win rate against KL, \
            one point per method (`results plot to FILE.svg` writes it); rows \
            added with the same series=NAME are one line, by KL, as a method \
            swept over a setting traces its frontier (Rafailov et al. 2023, \
            Fig. 2); x=kl_k1 plots the k1 estimate of KL instead of k3, \
            steadier where a policy has pushed tokens far below the reference \
            (k3's ρ = π_ref/π grows without bound there, as after DPO). Each \
            row's values stay for expect as results.LABEL.win_rate, \
            results.LABEL.kl, …
            """,
        examples: ["results start", "results add grpo", "results add dpo_b01 series=dpo", "results", "results plot to compare.svg"]
    ) { invocation, context in
        let s = context.session
        let rest = invocation.arguments["WHERE..."]
        let action = invocation.arguments["ACTION"] ?? "show"
        if invocation.given.contains("series") && action != "add" { throw invocation.error("series= belongs to results add", at: "series") }
        if invocation.given.contains("x") && action != "plot" { throw invocation.error("x= belongs to results plot", at: "x") }
        switch action {
        case "start":
            s.resultsClock = Date()
            return CommandOutput()
        case "add":
            guard let label = rest, !label.contains(" "), !label.isEmpty else {
                throw invocation.error("results add needs one LABEL, a word (grpo, dpo_ipo)", at: "WHERE...")
            }
            guard s.values["eval.helpfulness"] != nil else { throw invocation.error("no eval yet: run eval MODEL against sft, then results add") }
            var kept: [String: Double] = [:]
            for m in resultMetrics {
                for suffix in ["", ".low", ".high"] {
                    if let v = s.values["eval.\(m)\(suffix)"] { kept[m + suffix] = v }
                }
            }
            // Up to the start of the eval that measured the row (or now, if that eval came before the clock started).
            let seconds = s.resultsClock.map { clock in
                let end = s.lastEvalStarted.flatMap { $0 >= clock ? $0 : nil } ?? Date()
                return end.timeIntervalSince(clock)
            }
            s.results.removeAll { $0.label == label }
            s.results.append(ResultRow(label: label, values: kept, seconds: seconds, series: invocation.optional("series")))
            for (k, v) in kept { s.values["results.\(label).\(k)"] = v }
            if let seconds { s.values["results.\(label).seconds"] = seconds }
            s.resultsClock = nil
            return CommandOutput("results: \(label) added (\(s.results.count) row\(s.results.count == 1 ? "" : "s"))")
        case "plot":
            guard !s.results.isEmpty else { throw invocation.error("no results yet; results add LABEL after an eval") }
            // One point for each row of no series; for a series, its frontier: the rows no other row of it
            // beats with less KL (Rafailov et al. 2023, Fig. 2), as one line, in the order first added.
            let x = invocation.option("x")
            var series: [(name: String, points: [(Double, Double)])] = []
            var frontiers: [(name: String, rows: [ResultRow])] = []
            var missing: [String] = []
            for r in s.results where r.values["win_rate"] != nil {
                guard r.values[x] != nil else { missing.append(r.label); continue }
                guard let name = r.series else {
                    series.append((r.label, [(r.values[x] ?? 0, 100 * r.values["win_rate"]!)]))
                    continue
                }
                if let i = frontiers.firstIndex(where: { $0.name == name }) { frontiers[i].rows.append(r) } else { frontiers.append((name, [r])) }
            }
            var notes = ""
            let fronts = frontiers.map { Frontier($0.rows, x: x) }
            for (f, front) in zip(frontiers, fronts) {
                series.append((f.name, front.rows.map { ($0.values[x] ?? 0, 100 * $0.values["win_rate"]!) }))
                notes += "\(f.name)'s frontier (\(front.rows.count) of \(f.rows.count) points): "
                    + front.rows.map { r in
                        String(format: "%@ %.1f%% [%.1f, %.1f] at %.2f", r.label, 100 * r.values["win_rate"]!, 100 * (r.values["win_rate.low"] ?? .nan),
                               100 * (r.values["win_rate.high"] ?? .nan), r.values[x] ?? 0)
                    }.joined(separator: ", ") + "\n"
                let best = front.rows.last!
                s.values["results.frontier.\(f.name).best"] = best.values["win_rate"]!
                s.values["results.frontier.\(f.name).best_kl"] = best.values[x] ?? 0
            }
            if frontiers.count == 2 {
                notes += Frontier.comparison(frontiers[0].name, fronts[0], frontiers[1].name, fronts[1], x: x) + "\n"
            } else if frontiers.count > 2 {
                notes += "(frontiers are compared two at a time: add the rows of two series to see which lies above)\n"
            }
            if !missing.isEmpty { notes += "not plotted, no \(x) measured: \(missing.joined(separator: ", "))\n" }
            let chart = Chart(series: series)
            let title = "gold win rate against sft (%) by KL from sft (nats, \(x == "kl" ? "k3" : "k1"))"
            if let rest {
                let words = rest.split(separator: " ")
                guard words.count == 2, words[0] == "to" else { throw invocation.error("expected `to FILE.svg`", at: "WHERE...") }
                let written = try writeSVG(chart, title: title, to: String(words[1]), invocation, argument: "WHERE...")
                return CommandOutput(written.text + (notes.isEmpty ? "" : "\n" + notes))
            }
            return CommandOutput(title + "\n" + chart.render(ascii: s.asciiOnly) + notes)
        default:
            guard !s.results.isEmpty else { return CommandOutput("no results yet; results add LABEL after an eval") }
            func rate(_ r: ResultRow, _ m: String) -> String {
                guard let v = r.values[m] else { return "—" }
                guard let lo = r.values[m + ".low"], let hi = r.values[m + ".high"] else { return String(format: "%.1f%%", 100 * v) }
                return String(format: "%.1f%% [%.1f, %.1f]", 100 * v, 100 * lo, 100 * hi)
            }
            let rows = s.results.map { r in
                [r.label + (r.series.map { " (\($0))" } ?? ""), rate(r, "win_rate"), r.values["helpfulness"].map { String(format: "%+.2f", $0) } ?? "—",
                 r.values["safety"].map { String(format: "%+.2f", $0) } ?? "—", rate(r, "unsafe_compliance"), rate(r, "false_refusals"),
                 r.values["kl"].map { String(format: "%.2f", $0) } ?? "—", r.seconds.map { String(format: "[%.2f s]", $0) } ?? "—"]
            }
            return CommandOutput(try Paging(invocation).render(
                Table(["method", "win rate vs sft", "helpful", "safety", "unsafe compliance", "false refusals", "KL", "time"], rows), invocation))
        }
    }
}
