import Alignment
import Foundation

extension Commands {
    static let fit = CommandSpec(
        "fit",
        arguments: [.argument("METRIC", .name, "the metric to fit (gold, proxy)"), .keyword("of"),
                    .argument("RUN", .name, "a best-of-n curve (bestofn curve=) or an RL run (ppo, grpo, rloo)")],
        options: [
            .option("law", .choice(OveroptimisationLaw.allCases.map(\.rawValue)),
                    "bon: R(d) = d(α − βd); rl: R(d) = d(α − β log d) (default: bon for a best-of-n curve, else rl)"),
            .option("into", .name, "the run to write METRIC and its fit into, against d (default: RUN_fit)"),
            .option("kl", .choice(["k3", "k1"]), "an RL run's KL estimate for d: k3, or k1, steadier once KL is large (a few nats)", default: "k3"),
        ],
        summary: "fit Gao et al.'s overoptimisation law to a metric against d = √KL",
        help: """
            Fits R(d) = d(α − βd) (best-of-n) or d(α − β log d) (RL) to METRIC \
            against d = √KL by least squares (Gao et al. 2022, eqs. 1–2), with R \
            measured from the run's first point (d = 0: best-of-1, or an RL run's \
            first batch, sampled from the reference). A best-of-n curve is already \
            against d; an RL run's d is the square root of its kl_k3 at each step \
            (of heldout_kl for the held-out readings of eval_every=); kl=k1 takes \
            the k1 estimate instead, whose variance stays moderate where a few \
            tokens fall far below the reference and k3's ratio π_ref/π explodes \
            (Schulman 2020: k3 is the better estimator only while KL is small). Prints α, β, R², and where the fit peaks (d* and KL = d*²), and writes \
            METRIC and METRIC_fit against d into run INTO for plot. An RL run's \
            gold is of each step's batch, noisy by the prompts drawn: fit \
            heldout_gold (grpo step N eval_every=K) for the policy on fixed prompts. Values: fit.alpha, fit.beta, fit.r2, \
            fit.peak_d and fit.peak_kl (infinite when the fit has no peak), and \
            fit.d_max, the largest d measured (a peak inside the points: \
            expect fit.peak_d < fit.d_max).
            """,
        examples: ["fit gold of bon_curve", "fit heldout_gold of rl law=rl into=rl_gold", "plot gold,gold_fit of rl_gold"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("RUN"), metric = invocation.argument("METRIC")
        guard let run = s.runs[name] else {
            throw invocation.error("no run '\(name)'; runs: \(s.runs.keys.sorted().joined(separator: ", "))", at: "RUN")
        }
        guard let points = run.series[metric] else {
            throw invocation.error("run \(name) has no metric '\(metric)'; it has \(run.metrics.joined(separator: ", "))", at: "METRIC")
        }
        let againstD = run.kind == "bestofn"
        let law = invocation.optional("law").flatMap(OveroptimisationLaw.init(rawValue:)) ?? (againstD ? .bestOfN : .reinforcement)
        var d: [Double] = [], y: [Double] = [], estimator = ""
        if againstD {
            if invocation.given.contains("kl") {
                throw invocation.error("a best-of-n curve is already against d = √KL (log n − (n−1)/n): kl= is for RL runs", at: "kl")
            }
            (d, y) = (points.map(\.x), points.map(\.value))
        } else {
            // A held-out reading's d is the KL of the same reading; a batch metric's, the batch's.
            let k1 = invocation.option("kl") == "k1"
            let klMetric = metric.hasPrefix("heldout_") ? (k1 ? "heldout_kl_k1" : "heldout_kl") : (k1 ? "kl" : "kl_k3")
            estimator = " (KL as \(klMetric))"
            guard let kl = run.series[klMetric] else {
                throw invocation.error("run \(name) has no \(klMetric) to measure d = √KL by; fit a ppo, grpo or rloo run, or a bestofn curve", at: "RUN")
            }
            let klAt = Dictionary(kl.map { ($0.x, $0.value) }, uniquingKeysWith: { $1 })
            for p in points where p.value.isFinite {
                guard let k = klAt[p.x] else { continue }
                d.append(max(k, 0).squareRoot())
                y.append(p.value)
            }
        }
        guard let start = y.first, y.count >= 3 else {
            throw invocation.error("run \(name) has \(y.count) points of \(metric); a fit needs 3 or more", at: "RUN")
        }
        let r = y.map { $0 - start }
        guard r.contains(where: { $0 != 0 }) else {
            throw invocation.error("\(metric) of \(name) is \(String(format: "%+.3f", start)) at every point: there is nothing to fit", at: "METRIC")
        }
        guard let f = OveroptimisationFit.fit(law, d: d, r: r) else {
            throw invocation.error("the points of \(metric) do not separate α from β (d barely varies); run longer", at: "RUN")
        }
        let into = invocation.optional("into") ?? "\(name)_fit"
        let out = Run(name: into, kind: "fit", xAxis: "d = √KL")
        for (x, v) in zip(d, y).sorted(by: { $0.0 < $1.0 }) {
            out.record(metric, at: x, v)
            out.record("\(metric)_fit", at: x, start + f(x))
        }
        s.runs[into] = out
        s.touch(into)
        s.values["fit.alpha"] = f.alpha
        s.values["fit.beta"] = f.beta
        s.values["fit.r2"] = f.rSquared
        s.values["fit.d_max"] = d.max() ?? 0
        let form = law == .bestOfN ? "d(α − β·d)" : "d(α − β·log d)"
        var text = String(format: "%@ of %@ against d = √KL%@, from its first point (%+.3f): R(d) = %@ with α %+.4f, β %+.4f; R² %.3f over %d points",
                          metric, name, estimator, start, form, f.alpha, f.beta, f.rSquared, d.count)
        if let peak = f.peak {
            s.values["fit.peak_d"] = peak
            s.values["fit.peak_kl"] = peak * peak
            let dMax = d.max() ?? 0
            if peak > 10 * dMax {
                text += String(format: "\nthe fit peaks far beyond the points measured (d ≈ %.2g): over them it keeps rising", peak)
            } else {
                let beyond = peak > dMax ? ", beyond the points measured" : ""
                text += String(format: "\nthe fit peaks at d = %.3f (KL %.3f nats), R %+.3f%@", peak, peak * peak, f(peak), beyond)
            }
        } else {
            s.values["fit.peak_d"] = .infinity
            s.values["fit.peak_kl"] = .infinity
            text += "\nthe fit keeps rising (β ≤ 0): no peak (fit.peak_d is infinite)"
        }
        return CommandOutput(text + "\nrun \(into): \(metric) and \(metric)_fit against d (plot \(metric),\(metric)_fit of \(into))")
    }
}
