import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel

extension Commands {
    /// DPO's settings as options: defaults written once, in DPOSettings (with
    /// their sources); `set dpo.NAME VALUE` changes a default for the session.
    static let dpoSettings = SettingsTable(method: "dpo", defaults: DPOSettings(), fields: [
        .choice("loss", \.loss, "sigmoid (DPO), ipo, cdpo, robust, hinge, simpo, orpo or kto"),
        // β's default depends on the loss (DPOSettings.defaults(for:)), so none is shown.
        .init(name: "beta", kind: .float(0.0001...100), summary: "β (default 0.1; 2 for simpo; λ for orpo)", read: { _ in nil },
              write: { $0.beta = Double($1)! }),
        .init(name: "average", kind: .bool, summary: "per-token mean log-probabilities rather than sums (default: true for ipo, as TRL; simpo always means)",
              read: { _ in nil }, write: { $0.averagesLogProbs = parseBool($1)! }),
        .double("epsilon", \.epsilon, 0...0.49, "ε, the flip rate cdpo and robust assume"),
        .double("gamma", \.gamma, 0...100, "γ, SimPO's target margin"),
        .double("desirable_weight", \.desirableWeight, 0...100, "λ_D, KTO's weight of desirable responses (TRL's name)"),
        .double("undesirable_weight", \.undesirableWeight, 0...100, "λ_U, KTO's weight of undesirable responses (TRL's name)"),
        .integer("batch", \.batchSize, 1...4096, "pairs per step"),
        .float("lr", \.learningRate, 0...1, "learning rate (after warm-up, constant)"),
        .integer("warmup", \.warmup, 0...1_000_000, "steps of linear warm-up"),
        .double("rpo", \.nllWeight, 0...100, "α of RPO's NLL term on the chosen response (Pang et al. 2024; TRL's rpo_alpha; 0: none)"),
        .integer("kl_samples", \.klSamples, 0...4096, "prompts of each batch π answers for the step's KL estimate (0: none)"),
    ])

    static let dpoInit = CommandSpec(
        "dpo init",
        arguments: [.argument("NAME", .name, "the run (its models are NAME.policy and NAME.ref)", required: false)],
        options: [
            .option("policy", .name, "the chat model to start from (copied; it is not changed)", default: "sft"),
            .option("ref", .name, "the frozen reference (default: the policy's starting point)"),
            .option("data", .name, "preference pairs or rankings (label, or JSONL with prompt/chosen/rejected)"),
            .option("heldout", .name, "held-out pairs (default: DATA.heldout if it exists)"),
            .option("min_rating", .choice(Rating.allCases.map(\.key)), "train only on pairs rated at least this (Llama 2's ratings; unrated pairs stay)"),
            truncatedOption(default: .drop),
        ] + dpoSettings.options + loraOptions,
        summary: "set up DPO (or IPO, cDPO, robust DPO, hinge, SimPO, ORPO, KTO): a policy, a frozen reference, pairs",
        help: """
            Copies POLICY twice, once to train (NAME.policy) and once frozen as the \
            reference (NAME.ref), and takes DATA's comparisons (a ranking counts as \
            its C(K,2) pairs). Then dpo step N runs N steps, each one AdamW update \
            on `batch` pairs, and prints the loss, the share of pairs whose chosen \
            response has the higher implicit reward β·(log π − log π_ref), both \
            rewards and their margin, and both log-probabilities: so you can watch \
            the chosen reward fall along with the rejected one, which DPO allows \
            (it only asks the margin to grow). simpo uses no reference; orpo \
            (Hong et al. 2024) none either: it finetunes on the chosen response \
            and adds β times a log odds-ratio loss, −log σ(log odds(y_w) − log \
            odds(y_l)) with odds = P/(1 − P) of the per-token mean likelihood; \
            their reference copy serves the KL column alone. kto (Ethayarajh et \
            al. 2024) trains on single responses labelled desirable or not: \
            unpaired records ({"prompt", "completion", "label"}), or each pair \
            split in two; its loss is λ_D(1 − σ(β(r − z₀))) for a desirable \
            response and λ_U(1 − σ(β(z₀ − r))) otherwise, r = log π − log π_ref, \
            z₀ the batch's KL estimated on mismatched prompts and responses; \
            chosen and rejected then mean desirable and undesirable. \
            min_rating drops training pairs rated below it (held-out pairs all stay). \
            A pair with a response cut at max_tokens is dropped (truncated=drop, \
            the default: it measured better on gold), or kept with no end-of-turn \
            token in the cut response's log π (truncated=keep). \
            set dpo.NAME VALUE changes an option's default for the session (set dpo.beta 0.2). \
            lora=RANK trains low-rank adapters on the policy (the reference stays whole).
            """,
        why: "the KL-constrained reward maximisation that PPO approximates has a closed-form optimum, π* ∝ π_ref·exp(r/β); inverting it writes the reward through the policy itself, so the policy can be fit to preference pairs directly: no reward model, no sampling, one loss (Rafailov et al. 2023). IPO exists because with clear-cut preferences DPO's loss keeps falling as the margin grows without bound, so β stops holding the policy near the reference; IPO's squared loss toward the margin 1/(2β) stops at a finite margin (Azar et al. 2023). Choose IPO for deterministic labels or little data.",
        examples: ["dpo init policy=sft data=helpful_pairs", "dpo init policy=smol data=pairs lora=16", "dpo init ipo policy=sft data=helpful_pairs loss=ipo beta=0.5",
                   "dpo init orpo policy=sft data=helpful_pairs loss=orpo", "dpo init kto policy=sft data=helpful_pairs loss=kto"]
    ) { invocation, context in
        let s = context.session
        let start = try methodStart("dpo", invocation, s), name = start.name, policyName = start.policyName
        let (entry, tokenizer) = (start.policy, start.tokenizer)
        let reference = try invocation.optional("ref").map { r -> GPT in
            let (e, t) = try chatModel(r, invocation, s, argument: "ref")
            guard e.model.config == entry.model.config, t.vocabularySize == tokenizer.vocabularySize else {
                throw invocation.error("\(r) must have \(policyName)'s shape and tokenizer to be its reference", at: "ref")
            }
            return e.model
        } ?? entry.model
        guard let dataName = invocation.optional("data") else {
            throw invocation.error("dpo init needs data=PAIRS: preference pairs or rankings (label a sample set, or load data)")
        }
        // The loss first, for the defaults that depend on it; then every option.
        let loss = dpoSettings.settings(invocation, s).loss
        let settings = dpoSettings.settings(invocation, s, startingFrom: DPOSettings.defaults(for: loss))
        let context = min(settings.context, entry.model.config.contextLength)
        let minimum = invocation.optional("min_rating").flatMap(Rating.init(key:))
        let truncated = TruncatedPairs(rawValue: invocation.option("truncated"))!
        if settings.isUnpaired && settings.nllWeight > 0 {
            throw invocation.error("rpo= adds a term on the chosen response of a pair; kto trains on single responses and has none", at: "rpo")
        }
        /// DATA's comparisons (a ranking's C(K,2)) rated at least min_rating when `filtered`, and its unpaired responses.
        func preferences(_ data: String, argument: String, filtered: Bool) throws -> (comparisons: [Comparison], unpaired: [UnpairedExample]) {
            let d = try s.dataset(data, in: invocation, argument: argument)
            let all = d.records.flatMap(Rankings.comparisons)
            let unpaired = d.records.flatMap { record -> [UnpairedExample] in
                if case .unpaired = record { return UnpairedExample.examples(record) } else { return [] }
            }
            guard !all.isEmpty || (settings.isUnpaired && !unpaired.isEmpty) else {
                let what = unpaired.isEmpty ? "" : " (loss=kto trains on unpaired records)"
                throw invocation.error("\(data) holds \(d.kind) records, not comparisons\(what); label a sample set as pairs or rankings", at: argument)
            }
            // Pairs rated below min_rating are dropped; unrated pairs stay.
            let rated = all.filter { c in
                guard filtered, let minimum, let rating = c.rating else { return true }
                return rating <= minimum  // significantly better is the lowest rating
            }
            guard !rated.isEmpty || all.isEmpty else {
                throw invocation.error("no pair of \(data) is rated at least \"\(minimum!.label)\"; try a lower min_rating", at: "min_rating")
            }
            return (rated, unpaired)
        }
        func pairs(_ data: String, argument: String, filtered: Bool) throws -> [PreferencePair] {
            let rated = try preferences(data, argument: argument, filtered: filtered).comparisons
            let comparisons = truncated == .drop ? rated.filter { $0.truncated.isEmpty } : rated
            guard !comparisons.isEmpty else {
                throw invocation.error("every pair of \(data) has a response cut at max_tokens; keep them (truncated=keep) or sample with more max_tokens", at: "truncated")
            }
            return comparisons.map { PreferencePair($0, tokenizer: tokenizer, context: context) }
        }
        /// KTO's responses: DATA's unpaired ones, and each comparison's chosen (desirable) and rejected.
        func examples(_ data: String, argument: String, filtered: Bool) throws -> [PreferenceExample] {
            let found = try preferences(data, argument: argument, filtered: filtered)
            let all = found.unpaired + found.comparisons.flatMap { c in
                UnpairedExample.examples(.preference(prompt: c.prompt, chosen: c.chosen, rejected: c.rejected, margin: nil, truncated: c.truncated))
            }
            let kept = truncated == .drop ? all.filter { !$0.truncated } : all
            guard !kept.isEmpty else {
                throw invocation.error("every response of \(data) was cut at max_tokens; keep them (truncated=keep) or sample with more max_tokens", at: "truncated")
            }
            return kept.map { PreferenceExample($0, tokenizer: tokenizer, context: context) }
        }
        let heldOutName = invocation.optional("heldout") ?? (s.datasets[dataName + ".heldout"] != nil ? dataName + ".heldout" : nil)
        let heldOutArgument = invocation.optional("heldout") == nil ? "data" : "heldout"
        let (train, heldOut) = settings.isUnpaired ? ([], [])
            : (try pairs(dataName, argument: "data", filtered: true), try heldOutName.map { try pairs($0, argument: heldOutArgument, filtered: false) } ?? [])
        let (trainExamples, heldOutExamples) = !settings.isUnpaired ? ([], [])
            : (try examples(dataName, argument: "data", filtered: true),
               try heldOutName.map { try examples($0, argument: heldOutArgument, filtered: false) } ?? [])
        // A step reads each pair's chosen and rejected rows, DPO.chunkPairs pairs at a time (KTO as many
        // responses), through the policy; the reference reads them once.
        let layout = try start.trainedLayout(invocation)
        try checkMemory("a step of \(plural(settings.batchSize, "pair")) of \(context) tokens", batch: settings.batchSize,
                        adapters: layout.lora == nil, invocation) { b in
            let rows = 2 * min(b, DPO.chunkPairs)
            return start.trainedCopyMemory(layout, B: rows, T: context) + .copy(reference.layout) + reference.forwardMemory(B: rows, T: context)
        }
        let policy = try start.trainedCopy(invocation, s), frozen = reference.copy()
        let trainer = DPO(policy: policy, reference: frozen, tokenizer: tokenizer, pairs: train, heldOut: heldOut,
                          examples: trainExamples, heldOutExamples: heldOutExamples, settings: settings)
        s.holdRun(name, kind: "dpo", method: trainer, tokenizer: tokenizer,
                  models: [("policy", policy, "DPO policy from \(policyName)", true), ("ref", frozen, "frozen DPO reference", true)])
        if reference !== entry.model { s.runs[name]?.policyStart = entry.model.copy() }
        let details = settings.isUnpaired ? settings.kto.summary : trainer.objective.summary
        let desirable = trainExamples.filter(\.desirable).count
        let data = settings.isUnpaired
            ? "\(trainExamples.count) responses (\(desirable) desirable, \(trainExamples.count - desirable) undesirable)"
                + (heldOutExamples.isEmpty ? "" : " (\(heldOutExamples.count) held out in \(heldOutName!))")
            : "\(train.count) pairs" + (heldOut.isEmpty ? "" : " (\(heldOut.count) held out in \(heldOutName!))")
        let origins = invocation.optional("ref").map { "policy \(name).policy from \(policyName) and reference \(name).ref from \($0)" }
            ?? "policy \(name).policy and reference \(name).ref from \(policyName)"
        return CommandOutput("\(name): \(origins); \(settings.loss.rawValue) loss, \(details); "
            + data + ", \(settings.batchSize) per step, lr \(settings.learningRate)"
            + start.adapterLines([("policy", policy)]))
    }

    static let dpoStep = CommandSpec(
        "dpo step",
        arguments: [.argument("N", .integer(1...1_000_000), "steps (default 1)", required: false)],
        options: [.option("run", .name, "the DPO run (default: the latest)"),
                  .option("seed", .integer(0...Int.max), "seed (default: from the session seed)")],
        summary: "run DPO steps: implicit rewards, margin and loss on each batch of pairs",
        help: """
            One line per step: the loss, the share of pairs ordered rightly by the \
            implicit reward β·(log π − log π_ref), the chosen and the rejected \
            reward, their margin, the mean log π of each side, KL(π ‖ π_ref) by \
            the k3 estimator on fresh samples of π for kl_samples of the batch's \
            prompts, the gradient norm before clipping, seconds. Then the same on \
            the held-out pairs. Ctrl-C stops between steps; a step whose \
            loss or gradient is not finite is not applied. Values: dpo.loss, \
            dpo.accuracy, dpo.margin, … and dpo.heldout_accuracy.
            """,
        examples: ["dpo step", "dpo step 50"]
    ) { invocation, context in
        let s = context.session
        let (run, trainer) = try s.methodRun(DPO.self, named: invocation.optional("run"), kind: "DPO", in: invocation,
                                             argument: "run", start: "dpo init policy=sft data=PAIRS")
        context.emit("step    loss   acc  r_chosen  r_rejected  margin  logp_chosen  logp_rejected     kl  gnorm  time")
        var warned = false
        try runSteps("dpo", run: run, recordsSeconds: false, done: { trainer.step }, stopped: "the policy holds every whole step", invocation, context, step: { rng in
            guard let r = trainer.step(rng: &rng) else {
                throw invocation.error("step \(trainer.step + 1) rejected: its loss or gradient was not finite; the policy is unchanged. Try a lower lr or β.")
            }
            let kl = r.kl.isNaN ? "    -" : String(format: "%5.2f", r.kl)
            return StepLine(iteration: r.step, metrics: metrics(r),
                            columns: String(format: "%4d  %6.3f  %3.0f%%  %+8.3f  %+10.3f  %+6.3f  %11.2f  %13.2f  ", r.step, r.loss,
                                            100 * r.accuracy, r.chosenReward, r.rejectedReward, r.margin, r.chosenLogProb, r.rejectedLogProb)
                                + kl + String(format: "  %5.2f", r.gradientNorm))
        }, after: { line in
            // Step 1 of a run from its reference: every implicit reward is exactly 0, which the numbers hide.
            if line.iteration == 1, trainer.objective.usesReference, run.last("margin") == 0, run.last("chosen_reward") == 0 {
                context.emit("      note: π is still π_ref, so every implicit reward and margin is exactly 0: no pair counts as "
                    + "ordered (acc 0%) and the loss is its value at margin 0 (ln 2 = 0.693 for DPO); explain dpo")
            }
            func series(_ metric: String) -> [Double] { (run.series[metric] ?? []).map(\.value) }
            if !warned, trainer.objective.usesReference,
               LikelihoodDisplacement.isHappening(chosen: series("chosen_reward"), rejected: series("rejected_reward")) {
                warned = true
                context.emit("      " + LikelihoodDisplacement.explanation)
            }
        })
        if let h = trainer.evaluateHeldOut() {
            for (metric, v) in metrics(h) {
                run.record("heldout_" + metric, step: h.step, v)
                s.values["dpo.heldout_" + metric] = v
            }
            return CommandOutput(String(format: "held-out, %@: loss %.3f, accuracy %.1f%%, chosen %+.3f, rejected %+.3f, margin %+.3f",
                                        plural(h.pairs, trainer.settings.isUnpaired ? "response" : "pair"), h.loss, 100 * h.accuracy, h.chosenReward, h.rejectedReward, h.margin))
        }
        return CommandOutput()
    }

    /// A DPO report's numbers by metric name (the KL only where it was measured).
    static func metrics(_ r: DPOReport) -> [(String, Double)] {
        [("loss", r.loss), ("accuracy", r.accuracy), ("chosen_reward", r.chosenReward), ("rejected_reward", r.rejectedReward),
         ("margin", r.margin), ("chosen_logp", r.chosenLogProb), ("rejected_logp", r.rejectedLogProb),
         ("kl", r.kl), ("grad_norm", r.gradientNorm)].filter { !$0.1.isNaN }
    }

    static let dpoShow = CommandSpec(
        "dpo show",
        arguments: [.argument("INDEX", .integer(1...100_000_000), "the pair, from 1 (default 1)", required: false)],
        options: [.option("run", .name, "the DPO run (default: the latest)"),
                  .option("heldout", .bool, "a held-out pair rather than a training pair", default: "false")],
        summary: "open one preference pair token by token: log π, log π_ref and their difference",
        help: """
            Shows pair INDEX of the run's training pairs (or held-out ones): the \
            prompt, then for the chosen and the rejected response each token with \
            log π now, log π_ref and log π − log π_ref, their sums, the implicit \
            rewards β·(log π − log π_ref) (of the sums, or of per-token means \
            where the run averages) and the pair's loss. Where the chosen \
            response's sum falls below 0 along with the rejected one's, the \
            probability has gone elsewhere (likelihood displacement).
            """,
        examples: ["dpo show 3", "dpo show 1 heldout=true"]
    ) { invocation, context in
        let s = context.session
        let (_, trainer) = try s.methodRun(DPO.self, named: invocation.optional("run"), kind: "DPO", in: invocation,
                                           argument: "run", start: "dpo init policy=sft data=PAIRS")
        let heldOut = invocation.bool("heldout")
        let unpaired = trainer.settings.isUnpaired
        let index = try showIndex(unpaired ? (heldOut ? trainer.heldOutExamples.count : trainer.examples.count)
                                  : (heldOut ? trainer.heldOut.count : trainer.pairs.count),
                                  (heldOut ? "held-out " : "training ") + (unpaired ? "response" : "pair"), invocation)
        if unpaired { return showExample(trainer.inspectExample(index, heldOut: heldOut), trainer.tokenizer) }
        let p = trainer.inspect(index, heldOut: heldOut)
        var out = "prompt: \(p.pair.prompt)\n"
        for (side, text, tokens, now, ref, reward) in [
            ("chosen", p.pair.chosen + (p.pair.truncated.contains(.chosen) ? cutMark : ""), p.chosenTokens, p.chosenLogProbs,
             p.chosenReferenceLogProbs, p.chosenReward),
            ("rejected", p.pair.rejected + (p.pair.truncated.contains(.rejected) ? cutMark : ""), p.rejectedTokens, p.rejectedLogProbs,
             p.rejectedReferenceLogProbs, p.rejectedReward),
        ] {
            out += "\(side): \(text)\n" + tokenTable(tokens, now: now, reference: ref, trainer.tokenizer)
                + String(format: "implicit reward %+.3f\n", reward)
        }
        out += String(format: "margin %+.3f, loss %.3f (%@ loss)", p.chosenReward - p.rejectedReward, p.loss, trainer.settings.loss.rawValue)
        return CommandOutput(out)
    }

    /// The 0-based index INDEX asks for (default 1) among `count` things, or an error.
    static func showIndex(_ count: Int, _ what: String, _ invocation: Invocation) throws -> Int {
        let index = invocation.arguments["INDEX"].flatMap { Int($0) } ?? 1
        guard index <= count else {
            throw invocation.error("the run has \(plural(count, what)); give an index from 1 to \(count)", at: count == 0 ? "heldout" : "INDEX")
        }
        return index - 1
    }

    /// `dpo show` of a KTO run: one labelled response token by token.
    static func showExample(_ e: ExampleInspection, _ tokenizer: BPETokenizer) -> CommandOutput {
        CommandOutput("prompt: \(e.example.prompt)\n\(e.example.desirable ? "desirable" : "undesirable"): \(e.example.completion)"
            + (e.example.truncated ? cutMark : "") + "\n" + tokenTable(e.tokens, now: e.logProbs, reference: e.referenceLogProbs, tokenizer)
            + String(format: "implicit reward %+.3f (kto loss)", e.reward))
    }

    /// A response token by token: log π now, log π_ref and their difference, then their sums.
    static func tokenTable(_ tokens: [Int32], now: [Float], reference ref: [Float], _ tokenizer: BPETokenizer) -> String {
        var rows: [[String]] = zip(tokens, zip(now, ref)).map { token, lp in
            [jsonQuoted(tokenizer.decodeText([token])), String(format: "%.3f", lp.0), String(format: "%.3f", lp.1),
             String(format: "%+.3f", lp.0 - lp.1)]
        }
        let sumNow = now.reduce(0, +), sumRef = ref.reduce(0, +)
        rows.append(["sum", String(format: "%.3f", sumNow), String(format: "%.3f", sumRef), String(format: "%+.3f", sumNow - sumRef)])
        return Table(["token", "logp", "ref", "diff"], rows).render()
    }
}
