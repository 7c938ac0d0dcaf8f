import Datasets
import Foundation
import LanguageModel

extension Commands {
    static let loadModel = CommandSpec(
        "load model",
        arguments: [.argument("NAME", .name, "the name it gets here"),
                    .argument("PATH", .path, "a directory with config.json and model.safetensors")],
        summary: "load a model directory (ours or a Hugging Face GPT-2)",
        help: """
            Reads config.json and model.safetensors (F32, F16 or BF16, GPT-2 tensor \
            names, GPT2LMHeadModel or a one-label GPT2ForSequenceClassification) and, \
            when present, tokenizer.json or GPT-2's vocab.json and merges.txt. A bad \
            file is refused with the file and tensor named; the session is unchanged.
            """,
        examples: ["load model gpt2 ~/models/gpt2", "load model mine saved/mine"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let dir = URL(fileURLWithPath: (invocation.argument("PATH") as NSString).expandingTildeInPath)
        let model = try GPT.load(from: dir)
        var tokenizer: BPETokenizer?
        let fm = FileManager.default
        let json = dir.appendingPathComponent("tokenizer.json")
        let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
        if fm.fileExists(atPath: json.path) {
            tokenizer = try TokenizerJSON.load(contentsOf: json)
        } else if fm.fileExists(atPath: vocab.path) && fm.fileExists(atPath: merges.path) {
            tokenizer = try TokenizerJSON.loadGPT2(vocabulary: vocab, merges: merges)
        }
        if let t = tokenizer, t.vocabularySize > model.config.vocabularySize {
            throw invocation.error("the tokenizer has \(t.vocabularySize) tokens but the model only \(model.config.vocabularySize)", at: "PATH")
        }
        context.session.models[name] = ModelEntry(model: model, tokenizer: tokenizer, origin: dir.path)
        context.session.touch(name)
        return CommandOutput("\(name): loaded \(formatCount(model.parameterCount)) parameters from \(dir.path)"
            + (tokenizer == nil ? " (no tokenizer found)" : ""))
    }

    static let saveModel = CommandSpec(
        "save model",
        arguments: [.argument("NAME", .name, "a model"), .argument("PATH", .path, "a directory (made if missing)")],
        summary: "save a model as config.json + model.safetensors (+ tokenizer.json)",
        help: """
            Writes the model in Hugging Face's GPT-2 layout, so transformers can load it \
            too, with its tokenizer as tokenizer.json. Each file is replaced atomically.
            """,
        examples: ["save model sft saved/sft"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let entry = try context.session.model(name, in: invocation, argument: "NAME")
        let dir = URL(fileURLWithPath: (invocation.argument("PATH") as NSString).expandingTildeInPath)
        let end = entry.tokenizer?.id(of: BPETokenizer.SpecialToken.endOfText).map(Int.init)
        try entry.model.save(to: dir, endToken: end)
        var files = "config.json, model.safetensors"
        if let t = entry.tokenizer {
            try TokenizerJSON.save(t, to: dir.appendingPathComponent("tokenizer.json"))
            files += ", tokenizer.json"
        }
        return CommandOutput("saved \(name) to \(dir.path) (\(files))")
    }

    static let loadData = CommandSpec(
        "load data",
        arguments: [.argument("NAME", .name, "the dataset's name"), .argument("PATH", .path, "a .jsonl file, or plain text")],
        summary: "load a dataset (JSONL in TRL's field names, or plain text)",
        help: """
            A .jsonl file holds one JSON object per line, all of one kind: {"text"}, \
            {"prompt", "completion"}, {"messages"}, {"prompt", "chosen", "rejected", \
            "margin"?} or {"prompt", "responses", "ranking"}. Any other file is plain \
            text, one record per paragraph. The first bad line is reported as \
            file:line and nothing is loaded.
            """,
        examples: ["load data corpus datasets/corpus.jsonl", "load data notes notes.txt"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let url = URL(fileURLWithPath: (invocation.argument("PATH") as NSString).expandingTildeInPath)
        let dataset = try DataFile.read(url)
        guard !dataset.records.isEmpty else { throw invocation.error("\(url.path) holds no records", at: "PATH") }
        context.session.datasets[name] = dataset
        context.session.touch(name)
        context.session.values["\(name).count"] = Double(dataset.records.count)
        return CommandOutput("\(name): \(dataset.records.count) \(dataset.kind) records from \(url.path)")
    }
}
