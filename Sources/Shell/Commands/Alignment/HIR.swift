import Alignment
import Datasets
import Foundation
import Kernels
import LanguageModel
import World

extension Commands {
    static let hirTraining = trainingTable("hir", steps: 100, batch: 16, unit: "example", context: 96, lr: 1e-4, evaluates: false)

    static let hirRelabel = CommandSpec(
        "hir relabel",
        arguments: [.argument("NAME", .name, "the relabeled dataset to make"), .keyword("from"),
                    .argument("PROMPTS", .name, "the prompts to answer")],
        options: [
            .option("model", .name, "the chat policy that answers"),
            .option("k", .integer(1...64), "answers per prompt", default: "4"),
            .option("n", .integer(0...1_000_000), "prompts, drawn at random (0: all)", default: "0"),
            .option("temperature", .float(0...10), "sampling temperature", default: "1"),
            .option("max_tokens", .integer(1...1000), "new tokens per answer at most (default: the max_tokens setting, 48)"),
            .option("show", .integer(0...10_000), "show this many relabeled answers", default: "0"),
            .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
        ],
        summary: "hindsight relabeling: answer prompts, verify each answer, relabel its instruction to one it satisfies",
        help: """
            Hindsight instruction relabeling's sampling phase (Zhang et al. \
            2023). MODEL answers K times each prompt; the world's verifier \
            checks every answer (a graded answer is correct or wrong, an unsafe \
            request refused or complied with, a safe question answered or \
            refused). An answer that passes keeps its prompt as its instruction; \
            one that fails is relabeled "Give a wrong answer: PROMPT", the \
            instruction it does satisfy; an answer with no verdict is dropped. \
            NAME gets the relabeled answers as prompt/completion records (save \
            data writes them as JSONL); train on them with hir train. Prints the \
            outcomes and the share that passed, with its 95% interval. Values: \
            hir.examples, hir.passed, hir.pass_rate.
            """,
        why: "a failed answer is still a correct demonstration of some instruction; relabeling lets every sample teach, not only the successes, with a verifier instead of a reward model and no RL machinery (Zhang et al. 2023, after hindsight experience replay, Andrychowicz et al. 2017).",
        examples: ["hir relabel round1 from prompts model=policy k=4 n=256 show=3"]
    ) { invocation, context in
        let s = context.session
        guard let modelName = invocation.optional("model") else {
            throw invocation.error("hir relabel needs model=NAME, the chat policy that answers")
        }
        let (entry, tokenizer) = try chatModel(modelName, invocation, s, argument: "model")
        var rng = s.random(invocation)
        let prompts = drawn(try promptItems(invocation.argument("PROMPTS"), invocation, s, argument: "PROMPTS"),
                            n: invocation.integer("n"), rng: &rng).map(\.item)
        let k = invocation.integer("k")
        let sampling = SamplingSettings(temperature: Float(invocation.float("temperature")), maxNewTokens: s.maxTokens(invocation))
        let name = invocation.argument("NAME")
        let answers = try s.work("hir relabel \(name)") { monitor in
            try PolicySampling.sample(entry.model, tokenizer: tokenizer, prompts: prompts.map(\.prompt), k: k,
                                      settings: sampling, rng: &rng, monitor: monitor)
        }
        let world = s.currentWorld
        let (records, counts) = Hindsight.relabel(Array(zip(prompts, answers)), judge: world)
        let total = answers.map(\.count).reduce(0, +)
        guard !records.isEmpty else {
            throw invocation.error("the verifier gives none of the \(total) answers a verdict (it grades the world's questions, and an unsafe request only when refused); nothing was relabeled; answer prompts of the world, such as prompts_train.jsonl's", at: "PROMPTS")
        }
        s.datasets[name] = Dataset(records: records, source: "hir relabel of \(modelName)'s answers to \(invocation.argument("PROMPTS"))")
        s.touch(name)
        let passed = records.filter { if case let .completion(p, _, _) = $0 { return !Hindsight.isRelabeledWrong(p) }; return false }.count
        let rate = Rate.proportion(passed, of: records.count)
        s.values["hir.examples"] = Double(records.count)
        s.values["hir.passed"] = Double(passed)
        s.values["hir.pass_rate"] = rate.value
        var out = "\(plural(prompts.count, "prompt")) × \(plural(k, "answer")) from \(modelName) → relabeled \(name) (\(plural(records.count, "example"))"
            + ((counts[.noVerdict] ?? 0) > 0 ? ", \(counts[.noVerdict]!) without a verdict dropped)\n" : ")\n")
        out += Table(["outcome", "answers", "instruction it satisfies"], HindsightOutcome.allCases.compactMap { o in
            counts[o].map { [o.rawValue, "\($0)", o.instruction] }
        }).render()
        out += "  passed the verifier: \(passed) of \(records.count) (\(rate.shareAndInterval))\n"
        let shown = min(invocation.integer("show"), records.count)
        for case let .completion(instruction, completion, _) in records.prefix(shown) {
            out += "\n  instruction: \(instruction)\n  answer:      \(completion)\n"
        }
        return CommandOutput(out)
    }

    static let hirTrain = CommandSpec(
        "hir train",
        arguments: [.argument("MODEL", .name, "the chat policy, finetuned in place"), .keyword("on"),
                    .argument("DATA", .name, "relabeled answers (hir relabel): prompt/completion records")],
        options: [
            .option("loss", .choice(["hir", "correct"]), "hir: label-smoothed CE + the contrastive term; correct: plain SFT on the answers that passed (the baseline)", default: "hir"),
            .option("epsilon", .float(0...0.99), "ε: label smoothing of both terms (0.2 in the reference code; see help)", default: "0"),
            .option("contrastive", .float(0...100), "λ: the contrastive term's weight (1 in the reference code)", default: "1"),
        ] + trainingOptions(hirTraining, heldout: nil) + loraOptions,
        summary: "hindsight relabeling's training: finetune on relabeled answers (or on the passed ones alone)",
        help: """
            Finetunes MODEL on relabeled answers with HIR's loss (Zhang et al. \
            2023; their code, tianjunz/HIR): label-smoothed cross-entropy of each \
            answer under the instruction it satisfies, plus a contrastive term \
            that makes the answer likelier under that instruction than under the \
            other one (the prompt against "Give a wrong answer: " + prompt): \
            (1 − ε)·(−log σ(s⁺ − s⁻)) + ε·(−log σ(s⁻ − s⁺)), s± the mean token \
            log-probability of the answer under each. No reward model, no value \
            model. loss=correct is the baseline HIR is measured against: plain \
            SFT on the answers that passed, under their prompts, with the same \
            steps and learning rate. Prints the loss, its parts and how often \
            an answer is likelier under its own instruction, then MODEL's gold \
            evaluation on held-out prompts before and after (plain prompts). \
            ε is 0 by default, not the reference's 0.2: smoothing spreads 20% \
            of every target over the whole vocabulary, and on the bundled model \
            it cost 18 points of correctness and a KL of 35 nats from sft \
            (scripts/hindsight.rlhf).
            """,
        why: "the contrastive term asks more than imitation: each answer must be likelier under the instruction it satisfies than under the other, which is what lets the model tell a right answer from a wrong one under the same prompt (Zhang et al. 2023). loss=correct, plain SFT on the passed answers, is the matched baseline a claim for HIR needs.",
        examples: ["hir train policy on round1", "hir train baseline on round1 loss=correct", "hir train policy on round1 epsilon=0.2"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("MODEL")
        let (entry, tokenizer) = try chatModel(name, invocation, s, argument: "MODEL")
        // HIR's contrastive term reads each answer under its own instruction and another's.
        try checkTraining(entry.model, name, hirTraining.settings(invocation, s), unit: "example",
                          rows: invocation.option("loss") == "hir" ? 2 : 1, invocation)
        let model = try adapted(entry.model, name, invocation, s)  // in the session once training starts
        let dataName = invocation.argument("DATA")
        let data = try s.dataset(dataName, in: invocation, argument: "DATA")
        let pairs: [(instruction: String, answer: String, ended: Bool)] = try data.records.map {
            guard case let .completion(p, c, truncated) = $0 else {
                throw invocation.error("\(dataName) holds \($0.kind) records; hir train needs prompt/completion records (make them with hir relabel)", at: "DATA")
            }
            return (p, c, !truncated)
        }
        let wrong = pairs.filter { Hindsight.isRelabeledWrong($0.instruction) }.count
        let useHIR = invocation.option("loss") == "hir"
        var settings = HindsightSettings()
        settings.training = hirTraining.settings(invocation, s)
        settings.epsilon = invocation.float("epsilon")
        settings.contrastiveWeight = invocation.float("contrastive")
        let passed = pairs.filter { !Hindsight.isRelabeledWrong($0.instruction) }
        if !useHIR && passed.isEmpty {
            throw invocation.error("no answer of \(dataName) passed the verifier; loss=correct has nothing to train on", at: "loss")
        }
        var rng = s.random(invocation)
        let before = try s.work("hir train \(name)") { monitor in
            try heldOutReport(model, tokenizer, s, monitor: monitor.phase("evaluating on held-out prompts"))
        }
        let padding = tokenizer.id(of: BPETokenizer.SpecialToken.endOfText) ?? 0
        let context = settings.training.sequenceLength
        let output = try runTraining(kind: "hir", model: name, steps: settings.training.steps, invocation, s) { (onStep: (TrainingStep) -> Void) throws(TrainingStop) in
            if useHIR {
                let examples = pairs.map { HindsightExample(instruction: $0.instruction, response: $0.answer, ended: $0.ended, tokenizer: tokenizer, context: context) }
                s.models[name]?.model = model
                try Hindsight.finetune(model, examples: examples, settings: settings, padding: padding, rng: &rng,
                                       isCancelled: s.isCancelled, onStep: onStep)
            } else {
                let examples = passed.map { ChatExample(prompt: $0.instruction, response: $0.answer, ended: $0.ended, tokenizer: tokenizer) }
                s.models[name]?.model = model
                try LanguageModelTraining.finetune(model, examples: examples, heldOut: [], padding: padding, settings: settings.training,
                                                   rng: &rng, isCancelled: s.isCancelled, onStep: onStep)
            }
        } summary: { last, _ in
            guard useHIR else {
                return "\(name): \(plural(last.step, "step")) of SFT on the \(plural(passed.count, "answer")) of \(dataName) that passed; loss \(String(format: "%.3f", last.loss))"
            }
            let metric = { (key: String) in last.metrics.first { $0.name == key }.map { Double($0.value) } ?? .nan }
            return "\(name): \(plural(last.step, "step")) of HIR on \(plural(pairs.count, "relabeled answer")) (\(pairs.count - wrong) under their prompts, \(wrong) under \"\(Hindsight.wrongAnswerPrefix)…\"), "
                + String(format: "ε %g, λ %g; loss %.3f (cross-entropy %.3f, contrastive %.3f), %.0f%% of the last batch likelier under their own instruction",
                         settings.epsilon, settings.contrastiveWeight, last.loss, metric("ce"), metric("contrastive"), 100 * metric("separated"))
        }
        var out = output.text + "\n"
        do {
            let after = try s.work("hir train \(name)") { monitor in
                try heldOutReport(model, tokenizer, s, monitor: monitor.phase("evaluating on held-out prompts"))
            }
            out += comparisonTable([("before", before), ("after", after)])
            recordEvaluation(after, prefix: "hir", s)
        } catch is CommandStopped {
            out += comparisonTable([("before", before)]) + "the held-out evaluation after finetuning was skipped (Ctrl-C)\n"
        }
        return CommandOutput(out)
    }
}
