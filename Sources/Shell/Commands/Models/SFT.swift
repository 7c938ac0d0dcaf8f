import Alignment
import Datasets
import Kernels
import LanguageModel

extension Commands {
    static let sft = CommandSpec(
        "sft",
        arguments: [.argument("MODEL", .name, "a language model whose tokenizer has the chat markers"), .keyword("on"),
                    .argument("DATA", .name, "demonstrations: prompt/completion or messages records")],
        options: trainingOptions(sftTraining,
                                  heldout: "demonstrations for the held-out loss (default: a random 10% of DATA)") + loraOptions,
        summary: "supervised finetuning on demonstrations (loss on the assistant's tokens only)",
        help: """
            Trains MODEL on chat examples in its chat format (its own template, or \
            <|user|> PROMPT <|assistant|> RESPONSE <|end|>), with the loss on the \
            response tokens only (InstructGPT's SFT step). With lora=RANK only \
            low-rank adapters train (added now, or the model's own). The \
            held-out loss is reported; the run's history is kept for plot and expect. \
            Ctrl-C stops at the next step.
            """,
        why: "the prompt is given when the model is used; only the answer is behaviour to learn, so the loss counts the answer's tokens and a model does not spend itself learning to write prompts (Ouyang et al. 2022 finetune on labelers' demonstrations this way). SFT gives RLHF its starting policy and its KL reference: the later stages only move it a little.",
        examples: ["sft sft on demos steps=400 lr=5e-4", "sft smol on demos lora=16 lr=2e-4"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("MODEL")
        let entry = try s.model(name, in: invocation, argument: "MODEL")
        let tokenizer = try chatTokenizer(entry, name, invocation, at: "MODEL",
                                          "\(name)'s tokenizer lacks the chat markers <|user|> <|assistant|> <|end|>; train one with train tokenizer")
        guard !entry.model.hasScalarHead else { throw invocation.error("\(name) has a scalar head; sft trains language models", at: "MODEL") }
        let data = try s.dataset(invocation.argument("DATA"), in: invocation, argument: "DATA")
        func examples(_ records: [Record], _ argument: String) throws -> [ChatExample] {
            try records.map { r in
                switch r {
                case let .completion(p, c, truncated): return ChatExample(prompt: p, response: c, ended: !truncated, tokenizer: tokenizer)
                case let .messages(m):
                    guard let user = m.first(where: { $0.role == "user" }), let reply = m.first(where: { $0.role == "assistant" }) else {
                        throw invocation.error("a conversation without a user and an assistant turn", at: argument)
                    }
                    return ChatExample(prompt: user.content, response: reply.content, tokenizer: tokenizer)
                default:
                    throw invocation.error("\(invocation.arguments[argument] ?? argument) holds \(r.kind) records; sft needs prompt/completion or messages", at: argument)
                }
            }
        }
        // Each example beside its record, so that the run keeps the records it trained on (for export).
        var train = Array(zip(data.records, try examples(data.records, "DATA"))), heldOut: [ChatExample] = []
        if let h = invocation.optional("heldout") {
            heldOut = try examples(try s.dataset(h, in: invocation, argument: "heldout").records, "heldout")
        }
        let settings = sftTraining.settings(invocation, s)
        var rng = s.random(invocation)
        if invocation.optional("heldout") == nil, train.count >= 10 {
            let split = rng.split(train, heldOut: train.count / 10)
            (train, heldOut) = (split.kept, split.heldOut.map(\.1))
        }
        let padding = tokenizer.id(of: BPETokenizer.SpecialToken.endOfText) ?? 0
        try checkTraining(entry.model, name, settings, unit: "example", invocation)
        let model = try adapted(entry.model, name, invocation, s)
        s.models[name]?.model = model
        s.models[name]?.chat = true
        let record = TrainingRecord.finetune(before: entry.model, trained: model, tokenizer: tokenizer, records: train.map(\.0),
                                            settings: settings, rng: rng)
        let examples = train.map(\.1)
        return try runTraining(kind: "sft", model: name, steps: settings.steps, method: record, invocation, s) { (onStep: (TrainingStep) -> Void) throws(TrainingStop) in
            try LanguageModelTraining.finetune(model, examples: examples, heldOut: heldOut, padding: padding,
                                               settings: settings, rng: &rng, isCancelled: s.isCancelled, onStep: onStep)
        } summary: { last, run in
            var out = "\(name): \(last.step) steps on \(examples.count) demonstrations; loss " + String(format: "%.3f", last.loss)
            if let h = run.last("heldout") { out += String(format: ", held-out %.3f", h) }
            return out + (describeAdapters(model).map { "\n\(name): \($0)" } ?? "")
        }
    }
}
