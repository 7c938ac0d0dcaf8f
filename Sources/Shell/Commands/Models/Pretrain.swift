import Alignment
import Datasets
import Kernels
import LanguageModel

extension Commands {
    static let pretrain = CommandSpec(
        "pretrain",
        arguments: [.argument("MODEL", .name, "a language model with a tokenizer"), .keyword("on"),
                    .argument("DATA", .name, "a dataset of text")],
        options: trainingOptions(pretrainTraining,
                                  heldout: "a dataset for the held-out loss (default: the last 10% of DATA's records, when it has 10 or more)") + loraOptions,
        summary: "train a language model on text (next-token prediction)",
        help: """
            Trains MODEL on random windows of DATA's text, joined by <|endoftext|>: \
            loss = mean −log p(next token), AdamW with warm-up and cosine decay. The \
            held-out loss is measured every eval_every steps. Ctrl-C stops at the next \
            step; the model keeps every whole step done. The run's history (loss, \
            heldout, lr) is kept under the model's name for plot and expect.
            """,
        why: "to predict the next token of a large body of text a model must learn the language and what the text says about its world; every later stage only reshapes what pretraining put there, which is why a small SFT set is enough to make a pretrained model follow instructions (Radford et al. 2019; Zhou et al. 2023, LIMA). A loss near ln V means the model has learned nothing yet.",
        examples: ["pretrain base on corpus steps=500 batch=16 lr=1e-3"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("MODEL")
        let entry = try s.model(name, in: invocation, argument: "MODEL")
        guard let tokenizer = entry.tokenizer else { throw invocation.error("model \(name) has no tokenizer", at: "MODEL") }
        guard !entry.model.hasScalarHead else { throw invocation.error("\(name) has a scalar head; pretrain trains language models", at: "MODEL") }
        let data = try s.dataset(invocation.argument("DATA"), in: invocation, argument: "DATA")
        var train = data.records, heldOutRecords: [Record] = []
        if let h = invocation.optional("heldout") {
            heldOutRecords = try s.dataset(h, in: invocation, argument: "heldout").records
        } else if train.count >= 10 {
            heldOutRecords = Array(train.suffix(train.count / 10))
            train.removeLast(train.count / 10)
        }
        let end = tokenizer.id(of: BPETokenizer.SpecialToken.endOfText)
        func stream(_ records: [Record]) -> [Int32] {
            records.flatMap { tokenizer.encode(plainText($0)) + (end.map { [$0] } ?? []) }
        }
        let tokens = stream(train), heldOut = stream(heldOutRecords)
        var settings = pretrainTraining.settings(invocation, s)
        settings.sequenceLength = min(settings.sequenceLength, entry.model.config.contextLength)
        guard tokens.count > settings.sequenceLength + 1 else {
            throw invocation.error("\(invocation.argument("DATA")) is only \(tokens.count) tokens; it needs more than context=\(settings.sequenceLength)", at: "DATA")
        }
        try checkTraining(entry.model, name, settings, unit: "sequence", invocation)
        let model = try adapted(entry.model, name, invocation, s)
        s.models[name]?.model = model
        var rng = s.random(invocation)
        return try runTraining(kind: "pretrain", model: name, steps: settings.steps, invocation, s) { (onStep: (TrainingStep) -> Void) throws(TrainingStop) in
            try LanguageModelTraining.pretrain(model, stream: tokens, heldOut: heldOut, settings: settings, rng: &rng,
                                               isCancelled: s.isCancelled, onStep: onStep)
        } summary: { last, run in
            var out = "\(name): \(last.step) steps on \(tokens.count) tokens; loss " + String(format: "%.3f", last.loss)
            if let h = run.last("heldout") { out += String(format: ", held-out %.3f", h) }
            // The yardstick: a model that knows nothing spreads p evenly over the vocabulary, −log(1/V) = ln V.
            let vocabulary = entry.model.config.vocabularySize
            out += String(format: " (guessing uniformly over the %d tokens would give ln %d = %.3f)", vocabulary, vocabulary,
                          portableLog(Double(vocabulary)))
            return out + (describeAdapters(model).map { "\n\(name): \($0)" } ?? "")
        }
    }
}
