import Datasets
import LanguageModel

extension Commands {
    static let trainTokenizer = CommandSpec(
        "train tokenizer",
        arguments: [.argument("NAME", .name, "the tokenizer's name"), .keyword("on"),
                    .argument("DATA...", .name, "one or more datasets whose text it learns from")],
        options: [.option("vocab", .integer(260...200_000), "vocabulary size, special tokens included", default: "512")],
        summary: "learn a byte-level BPE tokenizer from datasets",
        help: """
            Starts from the 256 byte tokens and repeatedly merges the most frequent \
            adjacent pair within words (GPT-2's byte-level BPE), until the vocabulary \
            has the requested size. The chat markers <|user|>, <|assistant|>, <|end|> \
            and <|endoftext|> are added as special tokens that are never split.
            """,
        examples: ["train tokenizer tok on corpus vocab=512", "train tokenizer tok on corpus demos vocab=768"]
    ) { invocation, context in
        let s = context.session
        var records: [Record] = []
        for name in invocation.argument("DATA...").split(separator: " ") {
            records += try s.dataset(String(name), in: invocation, argument: "DATA...").records
        }
        let text = records.map(plainText).joined(separator: "\n")
        let tokenizer = try BPETrainer.train(text: text, vocabularySize: invocation.integer("vocab"))
        let name = invocation.argument("NAME")
        s.tokenizers[name] = tokenizer
        s.touch(name)
        let tokens = tokenizer.encode(text).count
        s.values["\(name).vocab"] = Double(tokenizer.vocabularySize)
        return CommandOutput("\(name): \(tokenizer.vocabularySize) tokens (\(tokenizer.merges.count) merges); "
            + String(format: "the data is %d tokens, %.2f bytes per token", tokens, Double(text.utf8.count) / Double(max(tokens, 1))))
    }
}
